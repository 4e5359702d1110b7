/* insmod: map a module, check its descriptor, record the generation, run init through the preset. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"

#define ERRBUF 1024

static const unsigned char elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

/* A unit that failed should have said why; make sure there is a message. */
static int need_msg(int err, const char *spec, const char *what)
{
	if (!modsim_last_error()[0])
		modsim_err(err, "insmod %s: %s failed: %s", spec, what, modsim_errname(err));
	return err;
}

/*
 * Is @path a regular file that starts like an ELF object?  Asked only
 * after dlopen failed, to say why in plainer words than the dynamic
 * linker: a good load pays nothing for it.
 */
static int check_file(const char *spec, const char *path)
{
	unsigned char magic[sizeof(elf_magic)];
	struct stat st;
	ssize_t n;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENOTDIR)
			return modsim_err(-ENOENT, "insmod %s: %s: no such file", spec, path);
		return modsim_err(-e, "insmod %s: cannot open %s: %s", spec, path, strerror(e));
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return modsim_err(-ENOEXEC, "insmod %s: %s is not a regular file, not a shared object",
				  spec, path);
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, elf_magic, sizeof(magic)))
		return modsim_err(-ENOEXEC, "insmod %s: %s is not a shared object (no ELF header)",
				  spec, path);
	return 0;
}

/* Turn dlopen's complaint into an errno and a message. */
static int dlopen_failed(const char *spec, const char *why)
{
	static const char undef[] = "undefined symbol: ";
	const char *sym;

	if (!why)
		return modsim_err(-ENOEXEC, "insmod %s: dlopen failed", spec);
	sym = strstr(why, undef);
	if (sym) {
		sym += sizeof(undef) - 1;
		return modsim_err(-ENOENT, "insmod %s: unresolved symbol %.*s", spec,
				  (int)strcspn(sym, " ,\t\n("), sym);
	}
	return modsim_err(-ENOEXEC, "insmod %s: %s", spec, why);
}

/*
 * The generation that @handle is already mapped as: a loaded one (dlopen
 * just counted another reference), a gone one that glibc kept mapped
 * (pinned) and that sits quarantined in place, or a gone one a preset
 * chose never to free (keep).  Under list_lock.
 */
static struct modsim_mod *mapped_as(struct modsim_kernel *k, void *handle)
{
	struct link_map *lm = NULL;
	struct modsim_mod *m;

	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm))
		lm = NULL;
	for (m = k->mods; m; m = m->next)
		if (m->handle == handle)
			return m;
	for (m = k->gone_mapped; m; m = m->next) {
		if (m->handle == handle)
			return m;
		for (unsigned int i = 0; lm && i < m->nranges; i++)
			if (lm->l_addr >= m->ranges[i].lo && lm->l_addr < m->ranges[i].hi)
				return m;
	}
	return NULL;
}

/* The live (coming, going, stuck) generation named @name.  Under list_lock. */
static struct modsim_mod *loaded_named(struct modsim_kernel *k, const char *name)
{
	for (struct modsim_mod *m = k->mods; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

/*
 * Make the page that @name starts on present before it is read.  The name
 * lives in the module's read-only data, which dlopen maps but never
 * touches, so the first read takes a page fault: 12 us on the 2-CPU VM
 * this was measured on, against 6 us for MADV_POPULATE_READ, one system
 * call (a load/unload cycle is about 140 us).  It also tells a name that
 * points at nothing mapped (a broken descriptor) before the read would
 * crash the loader.  On a kernel without it (EINVAL) the read faults the
 * page in as before.
 */
static bool name_mapped(const char *name)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	if (madvise((void *)((uintptr_t)name & ~(page - 1)), page, MADV_POPULATE_READ) == 0)
		return true;
	return errno != ENOMEM && errno != EFAULT;
}

/* Find and check the descriptor of the object @handle. */
static int find_descriptor(const char *spec, void *handle, struct module **out)
{
	struct link_map *lm = NULL, *owner = NULL;
	struct module *desc;
	Dl_info info;

	desc = dlsym(handle, MODSIM_MODULE_SYMBOL);
	/* dlsym also searches the object's dependencies; the descriptor must be its own. */
	if (desc && !dlinfo(handle, RTLD_DI_LINKMAP, &lm) &&
	    dladdr1(desc, &info, (void **)&owner, RTLD_DL_LINKMAP) && owner != lm)
		desc = NULL;
	if (!desc)
		return modsim_err(-ENOEXEC, "insmod %s: no module descriptor (%s); build it with MODSIM_MODULE()",
				  spec, MODSIM_MODULE_SYMBOL);
	if (desc->abi_version != MODSIM_ABI_VERSION)
		return modsim_err(-ENOEXEC, "insmod %s: built for ABI %u, modsim speaks %u", spec,
				  desc->abi_version, MODSIM_ABI_VERSION);
	if (desc->info_size < sizeof(struct module))
		return modsim_err(-ENOEXEC, "insmod %s: descriptor is %u bytes, ABI %u needs %zu", spec,
				  desc->info_size, MODSIM_ABI_VERSION, sizeof(struct module));
	if (desc->name && !name_mapped(desc->name))
		return modsim_err(-ENOEXEC, "insmod %s: the descriptor's name points at unmapped memory (%p)",
				  spec, (const void *)desc->name);
	if (!desc->name || !desc->name[0])
		return modsim_err(-ENOEXEC, "insmod %s: the descriptor has no name", spec);
	if (strlen(desc->name) >= MODSIM_NAME_MAX)
		return modsim_err(-ENOEXEC, "insmod %s: module name longer than %d characters", spec,
				  MODSIM_NAME_MAX - 1);
	*out = desc;
	return 0;
}

/* A fresh, unpublished record for @desc, with zeroed, aligned preset state. */
static struct modsim_mod *new_record(struct modsim_kernel *k, const char *path, void *handle,
				     struct module *desc)
{
	size_t psize = k->strat->priv_size ? k->strat->priv_size : 1;
	size_t plen = strlen(path) + 1;
	struct modsim_mod *m;

	psize = (psize + MODSIM_CACHELINE - 1) & ~(size_t)(MODSIM_CACHELINE - 1);
	/* The path rides in the same allocation: records of gone generations
	 * stay until the kernel goes, so each cycle's record is kept small. */
	m = calloc(1, sizeof(*m) + plen);
	if (!m)
		return NULL;
	m->priv = aligned_alloc(MODSIM_CACHELINE, psize);
	if (!m->priv) {
		free(m);
		return NULL;
	}
	memset(m->priv, 0, psize);
	m->k = k;
	atomic_init(&m->state, MODSIM_STATE_UNFORMED);
	strcpy(m->name, desc->name);
	m->path = memcpy((char *)(m + 1), path, plen);
	m->handle = handle;
	m->desc = desc;
	m->strat = k->strat;
	return m;
}

/*
 * Init (as the preset runs it) failed: tear the generation down, unless the
 * watchdog gave up on it, in which case it stays STUCK and mapped.
 * Must be called with k->load_mutex held.
 */
static int init_failed(struct modsim_mod *m, int err)
{
	struct modsim_kernel *k = m->k;

	modsim_stat_loader(k, MODSIM_LS_INIT_FAILURES);
	if (modsim_mod_state(m) == MODSIM_STATE_STUCK)
		return modsim_err(err, "insmod %s: init did not return within %u ms (watchdog); module is stuck",
				  m->name, k->cfg.init_timeout_ms);
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_mod_mark_teardown(m);
	modsim_mod_release(m);
	modsim_mod_sweep(m);
	if (err > 0)
		return modsim_err(-EINVAL, "insmod %s: init returned %d, not 0 or a negative errno",
				  m->name, err);
	if (err == -EFAULT)
		return modsim_err(err, "insmod %s: init crashed: -EFAULT (a fault in the module's own code)",
				  m->name);
	return modsim_err(err, "insmod %s: init failed: %s (%s)", m->name, modsim_errname(err),
			  strerror(-err));
}

/* Everything from dlopen on.  Must be called with k->load_mutex held. */
static int load_locked(struct modsim_kernel *k, const char *spec, const char *path, int nparams,
		       char *const params[], struct modsim_mod **out)
{
	struct modsim_mod *m, *other;
	struct module *desc = NULL;
	unsigned long calls;
	void *handle;
	int err;

	dlerror();
	handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (!handle) {
		/* dlerror's text first: check_file makes no dl calls. */
		const char *why = dlerror();
		char saved[ERRBUF];

		snprintf(saved, sizeof(saved), "%s", why ? why : "");
		err = check_file(spec, path);
		return err ? err : dlopen_failed(spec, saved[0] ? saved : NULL);
	}

	pthread_mutex_lock(&k->list_lock);
	other = mapped_as(k, handle);
	pthread_mutex_unlock(&k->list_lock);
	if (other && modsim_mod_state(other) != MODSIM_STATE_GONE) {
		err = modsim_err(-EEXIST, "insmod %s: already loaded as %s (generation %lu)", spec,
				 other->name, other->generation);
		goto close_handle;
	}
	if (other && other->keep) {
		err = modsim_err(-EBUSY, "insmod %s: generation %lu of %s was never freed (its init failed and the preset keeps such modules mapped), so this process cannot load it again",
				 spec, other->generation, other->name);
		goto close_handle;
	}
	if (other) {
		err = modsim_err(-EBUSY, "insmod %s: generation %lu of %s is still mapped: glibc kept it after dlclose (NODELETE or a unique symbol), so this process cannot load it again",
				 spec, other->generation, other->name);
		goto close_handle;
	}

	err = find_descriptor(spec, handle, &desc);
	if (err)
		goto close_handle;
	pthread_mutex_lock(&k->list_lock);
	other = loaded_named(k, desc->name);
	pthread_mutex_unlock(&k->list_lock);
	if (other) {
		err = modsim_err(-EEXIST, "insmod %s: a module named %s is already loaded (generation %lu, %s)",
				 spec, other->name, other->generation, other->path);
		goto close_handle;
	}

	m = new_record(k, path, handle, desc);
	if (!m) {
		err = modsim_err(-ENOMEM, "insmod %s: out of memory", spec);
		goto close_handle;
	}
	pthread_mutex_lock(&k->list_lock);
	m->generation = ++k->next_generation;
	pthread_mutex_unlock(&k->list_lock);

	err = modsim_segments_record(m);
	if (err) {
		need_msg(err, m->name, "recording its segments");
		goto forget_ranges;
	}
	err = modsim_params_apply(m, nparams, params);
	if (err) {
		need_msg(err, m->name, "parameters");
		goto free_params;
	}
	if (k->strat->mod_setup) {
		err = k->strat->mod_setup(m);
		if (err) {
			need_msg(err, m->name, "strategy setup");
			goto free_params;
		}
	}
	err = modsim_symtab_add(m);
	if (err) {
		need_msg(err, m->name, "exporting its symbols");
		goto remove_syms;
	}
	err = modsim_deps_record(m);
	if (err) {
		need_msg(err, m->name, "recording its dependencies");
		goto forget_deps;
	}

	/* Publish: from here on callers may find the generation. */
	desc->mod = m;
	pthread_mutex_lock(&k->list_lock);
	if (k->mods_tail)
		k->mods_tail->next = m;
	else
		k->mods = m;
	k->mods_tail = m;
	pthread_mutex_unlock(&k->list_lock);
	modsim_mod_set_state(m, MODSIM_STATE_COMING);
	calls = modsim_stat_activity(k);
	modsim_point_hit(k, MODSIM_PT_LOAD_AFTER_MAP, m);

	err = k->strat->load ? k->strat->load(m) : modsim_default_load(m);
	if (err) {
		if (modsim_stat_activity(k) != calls)
			modsim_stat_loader(k, MODSIM_LS_INIT_FAIL_OVERLAP);
		return init_failed(m, err);
	}
	modsim_point_hit(k, MODSIM_PT_LOAD_AFTER_INIT, m);
	m->calls_at_live = modsim_stat_calls(k);
	modsim_mod_set_state(m, MODSIM_STATE_LIVE);
	modsim_stat_loader(k, MODSIM_LS_LOADS);
	if (out)
		*out = m;
	return 0;

forget_deps:
	modsim_deps_forget(m);
remove_syms:
	modsim_symtab_remove(m);
	if (k->strat->mod_teardown)
		k->strat->mod_teardown(m);
free_params:
	modsim_params_free(m);
forget_ranges:
	modsim_ranges_forget(m);
	free(m->priv);
	free(m);
close_handle:
	dlclose(handle);
	return err;
}

MODSIM_API int modsim_load(struct modsim_kernel *k, const char *spec, int nparams,
			   char *const params[], struct modsim_mod **out)
{
	char saved[ERRBUF], path[PATH_MAX];
	int err;

	if (out)
		*out = NULL;
	if (!spec || !*spec)
		return modsim_err(-EINVAL, "insmod: no module named");
	if (nparams < 0 || (nparams && !params))
		return modsim_err(-EINVAL, "insmod %s: bad parameter list", spec);

	modsim_fault_init(); /* re-arm: see there */

	/* Keep the last failure's message if this load succeeds. */
	snprintf(saved, sizeof(saved), "%s", modsim_last_error());
	modsim_err(0, "%s", "");

	err = modsim_modpath_resolve(k, spec, path, sizeof(path));
	if (err)
		need_msg(err, spec, "finding the module");

	pthread_mutex_lock(&k->load_mutex);
	if (!err)
		err = load_locked(k, spec, path, nparams, params, out);
	if (err)
		modsim_stat_loader(k, MODSIM_LS_LOAD_FAILURES);
	pthread_mutex_unlock(&k->load_mutex);

	if (err)
		need_msg(err, spec, "load");
	else
		modsim_err(0, "%s", saved);
	return err;
}
