/* insmod: map a module, check its descriptor, record the generation, run init through the preset. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

#define ERRBUF 1024

/* A unit that failed should have said why; make sure there is a message. */
static int need_msg(int err, const char *spec, const char *what)
{
	if (!modsim_last_error()[0])
		modsim_err(err, "insmod %s: %s failed: %s", spec, what, modsim_errname(err));
	return err;
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

/*
 * Find and check the descriptor of the object @handle, and copy its name
 * into @name.  Everything the descriptor points at is read through
 * modsim_probe_read(): a broken or hostile module may point it at memory
 * that is unmapped or PROT_NONE (see memprobe.c).
 */
static int find_descriptor(const char *spec, void *handle, struct module **out,
			   char name[MODSIM_NAME_MAX])
{
	struct link_map *lm = NULL, *owner = NULL;
	struct module *desc, d;
	const char *nul;
	Dl_info info;
	long n;

	desc = dlsym(handle, MODSIM_MODULE_SYMBOL);
	/* dlsym also searches the object's dependencies; the descriptor must be its own. */
	if (desc && !dlinfo(handle, RTLD_DI_LINKMAP, &lm) &&
	    dladdr1(desc, &info, (void **)&owner, RTLD_DL_LINKMAP) && owner != lm)
		desc = NULL;
	if (!desc)
		return modsim_err(-ENOEXEC, "insmod %s: no module descriptor (%s); build it with MODSIM_MODULE()",
				  spec, MODSIM_MODULE_SYMBOL);
	n = modsim_probe_read(&d, desc, sizeof(d));
	if (n >= 0 && n < (long)offsetof(struct module, name))
		return modsim_err(-ENOEXEC, "insmod %s: its descriptor (%p) is not readable", spec,
				  (void *)desc);
	if (n < 0)
		return modsim_err((int)n, "insmod %s: cannot read its descriptor: %s", spec,
				  strerror((int)-n));
	if (d.abi_version != MODSIM_ABI_VERSION)
		return modsim_err(-ENOEXEC, "insmod %s: built for ABI %u, modsim speaks %u", spec,
				  d.abi_version, MODSIM_ABI_VERSION);
	if (d.info_size < sizeof(struct module) || n < (long)sizeof(d))
		return modsim_err(-ENOEXEC, "insmod %s: descriptor is %u bytes, ABI %u needs %zu", spec,
				  d.info_size, MODSIM_ABI_VERSION, sizeof(struct module));
	if (!d.name)
		return modsim_err(-ENOEXEC, "insmod %s: the descriptor has no name", spec);
	n = modsim_probe_read(name, d.name, MODSIM_NAME_MAX);
	if (n < 0)
		return modsim_err((int)n, "insmod %s: cannot read its name: %s", spec,
				  strerror((int)-n));
	if (n == 0)
		return modsim_err(-ENOEXEC, "insmod %s: the descriptor's name points at unmapped or unreadable memory (%p)",
				  spec, (const void *)d.name);
	nul = memchr(name, '\0', (size_t)n);
	if (!nul && n < MODSIM_NAME_MAX)
		return modsim_err(-ENOEXEC, "insmod %s: the descriptor's name (%p) runs without a NUL into unreadable memory at %p",
				  spec, (const void *)d.name, (const void *)(d.name + n));
	if (!nul)
		return modsim_err(-ENOEXEC, "insmod %s: module name longer than %d characters", spec,
				  MODSIM_NAME_MAX - 1);
	if (nul == name)
		return modsim_err(-ENOEXEC, "insmod %s: the descriptor has no name", spec);
	*out = desc;
	return 0;
}

/* A fresh, unpublished record for @desc, with zeroed, aligned preset state. */
static struct modsim_mod *new_record(struct modsim_kernel *k, const char *path, void *handle,
				     struct module *desc, const char *name)
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
	strcpy(m->name, name);
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

/*
 * One dlopen, as the watchdog runs it.  Heap-allocated: when a
 * constructor never returns, the modprobe thread still holds it.
 */
struct dl_job {
	void *handle;
	char why[ERRBUF]; /* dlerror()'s text: it is per thread */
	char path[];
};

/* dlopen @j->path: constructors run here, on the modprobe thread. */
static int dl_job_run(void *arg)
{
	struct dl_job *j = arg;
	const char *why;

	modsim_fault_thread_stack();
	modsim_fault_loading(j->path);
	dlerror();
	j->handle = dlopen(j->path, RTLD_NOW | RTLD_GLOBAL);
	if (!j->handle) {
		why = dlerror();
		snprintf(j->why, sizeof(j->why), "%s", why ? why : "");
	}
	modsim_fault_loading(NULL);
	return 0;
}

/*
 * dlopen @path under the watchdog, as init runs: a constructor is module
 * code.  One that never returns keeps the dynamic linker's lock for good
 * (dlopen holds it while constructors run), so after that no dlopen or
 * dlclose may be tried in this process: modsim_linker_wedge() says so.
 * Return: 0 and *@handle, or -errno with a message.
 */
static int open_object(struct modsim_kernel *k, const char *spec, const char *path, void **handle)
{
	size_t plen = strlen(path) + 1;
	struct dl_job *j = calloc(1, sizeof(*j) + plen);
	int err;

	if (!j)
		return modsim_err(-ENOMEM, "insmod %s: out of memory", spec);
	memcpy(j->path, path, plen);
	err = modsim_watchdog_run(k, "dlopen", spec, dl_job_run, j);
	if (err == -ETIMEDOUT) {
		struct modsim_violation v;

		/* The module's deadlock, as a hung init is (watchdog.c); no
		 * generation exists yet, so it is named by the file. */
		modsim_violation_init(&v, MODSIM_V_DEADLOCK, NULL, MODSIM_SS_LOADER, "dlopen");
		snprintf(v.module, sizeof(v.module), "%s", spec);
		snprintf(v.detail, sizeof(v.detail), "a constructor of %.100s did not return within %u ms",
			 path, k->cfg.init_timeout_ms);
		modsim_stat_violation(k, &v);
		modsim_linker_wedge(path);
		return modsim_err(-ETIMEDOUT, "insmod %s: a constructor of %s did not return within %u ms; it holds the dynamic linker's lock, so this process can load and unload no more modules",
				  spec, path, k->cfg.init_timeout_ms); /* j stays with the thread */
	}
	if (err) {
		free(j);
		return err;
	}
	*handle = j->handle;
	if (!j->handle)
		err = dlopen_failed(spec, j->why[0] ? j->why : NULL);
	free(j);
	return err;
}

/* Everything from dlopen on.  Must be called with k->load_mutex held. */
static int load_locked(struct modsim_kernel *k, const char *spec, const char *path, int nparams,
		       char *const params[], struct modsim_mod **out)
{
	struct modsim_mod *m, *other;
	struct module *desc = NULL;
	char name[MODSIM_NAME_MAX];
	unsigned long calls;
	void *handle = NULL;
	int err;

	if (modsim_linker_wedged())
		return modsim_err(-EDEADLK, "insmod %s: refused: a constructor of %s never returned and holds the dynamic linker's lock",
				  spec, modsim_linker_wedged());
	err = modsim_elf_precheck(spec, path);
	if (err)
		return err;
	err = open_object(k, spec, path, &handle);
	if (err)
		return err;

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

	err = find_descriptor(spec, handle, &desc, name);
	if (err)
		goto close_handle;
	pthread_mutex_lock(&k->list_lock);
	other = loaded_named(k, name);
	pthread_mutex_unlock(&k->list_lock);
	if (other) {
		err = modsim_err(-EEXIST, "insmod %s: a module named %s is already loaded (generation %lu, %s)",
				 spec, other->name, other->generation, other->path);
		goto close_handle;
	}

	m = new_record(k, path, handle, desc, name);
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
	modsim_exitwatch_init();

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
