/* For test_fault, test_quarantine, test_watchdog: a minimal kernel, hand-made generations. */
#ifndef MODSIM_TEST_FAULT_FIXTURE_H
#define MODSIM_TEST_FAULT_FIXTURE_H

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * The suites link the loader's static archive (every internal function is
 * reachable), and also compile in the three units under test so that they
 * can look at their private state: the guard chain and alternate stack of
 * this thread, the range table, the watchdog's live thread.  The archive's
 * copies of these units are then never linked in: one handler, one range
 * table.
 */
#include "detect/fault.c"
#include "detect/quarantine.c"
#include "detect/watchdog.c"

#define FX_MODDIR MODSIM_BUILD_DIR "/tests/modules/"

/*
 * cmocka 1.1 installs its own SIGSEGV/SIGBUS handler around every setup,
 * test and teardown, so a test that faults on purpose puts modsim's back
 * in its own body (loads and unloads re-arm too; this makes it explicit).
 */
#define fx_arm() assert_int_equal(modsim_fault_init(), 0)

/*
 * A kernel with only the units these suites need; the rest of the struct
 * stays zero.  The uid only has to differ from other kernels of this
 * process (CPU slots are cached per thread by uid).
 */
static inline struct modsim_kernel *fx_kernel(unsigned int quarantine_max,
					      unsigned int init_timeout_ms)
{
	static uint64_t next_uid = 1000;
	struct modsim_kernel *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	modsim_config_default(&k->cfg);
	k->cfg.quarantine_max = quarantine_max;
	k->cfg.init_timeout_ms = init_timeout_ms;
	k->cfg.max_cpus = 4;
	k->cfg.log = fopen("/dev/null", "w"); /* violation reports: keep ctest output short */
	k->uid = __atomic_add_fetch(&next_uid, 1, __ATOMIC_RELAXED);
	pthread_mutex_init(&k->load_mutex, NULL);
	pthread_mutex_init(&k->cpu_lock, NULL);
	pthread_mutex_init(&k->world_lock, NULL);
	pthread_cond_init(&k->world_cond, NULL);
	if (modsim_stats_init(k) || modsim_cpu_init(k) || modsim_fault_init() ||
	    modsim_quarantine_init(k) || modsim_watchdog_init(k)) {
		free(k);
		return NULL;
	}
	return k;
}

static inline void fx_kernel_free(struct modsim_kernel *k)
{
	modsim_watchdog_fini(k);
	modsim_quarantine_fini(k);
	modsim_cpu_fini(k);
	modsim_stats_fini(k);
	if (k->cfg.log)
		fclose(k->cfg.log);
	pthread_cond_destroy(&k->world_cond);
	pthread_mutex_destroy(&k->world_lock);
	pthread_mutex_destroy(&k->cpu_lock);
	pthread_mutex_destroy(&k->load_mutex);
	free(k);
}

/* Load tests/modules/@name.so as generation @gen of @k, as the loader
 * would up to init: dlopen into the global scope, descriptor, segments. */
static inline struct modsim_mod *fx_gen_open(struct modsim_kernel *k, const char *name,
					     unsigned long gen)
{
	size_t plen = sizeof(FX_MODDIR) + strlen(name) + sizeof(".so");
	struct modsim_mod *m = calloc(1, sizeof(*m) + plen); /* the path after it, as load.c does */

	if (!m)
		return NULL;
	m->k = k;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->path = (char *)(m + 1);
	snprintf(m->path, plen, FX_MODDIR "%s.so", name);
	m->generation = gen;
	m->handle = dlopen(m->path, RTLD_NOW | RTLD_GLOBAL);
	if (!m->handle) {
		fprintf(stderr, "dlopen %s: %s\n", m->path, dlerror());
		free(m);
		return NULL;
	}
	m->desc = dlsym(m->handle, MODSIM_MODULE_SYMBOL);
	if (modsim_segments_record(m) != 0) {
		fprintf(stderr, "segments of %s: %s\n", name, modsim_last_error());
		dlclose(m->handle);
		free(m);
		return NULL;
	}
	atomic_store(&m->state, MODSIM_STATE_LIVE);
	return m;
}

/* End a generation as the loader does: teardown began, GONE, quarantined. */
static inline int fx_gen_close(struct modsim_mod *m)
{
	atomic_store(&m->teardown, 1);
	atomic_store(&m->state, MODSIM_STATE_GONE);
	return modsim_quarantine_close(m);
}

/* Free a record: after its kernel's quarantine was released, as the
 * kernel does. */
static inline void fx_gen_free(struct modsim_mod *m)
{
	if (!m)
		return;
	modsim_ranges_forget(m);
	if (m->handle)
		dlclose(m->handle);
	free(m);
}

/* Whether [p, p+1) lies in one of @m's recorded ranges. */
static inline bool fx_in_ranges(const struct modsim_mod *m, uintptr_t p)
{
	for (unsigned int i = 0; i < m->nranges; i++)
		if (p >= m->ranges[i].lo && p < m->ranges[i].hi)
			return true;
	return false;
}

/* Whether anything is mapped at page @p (mmap there without replacing). */
static inline bool fx_mapped(uintptr_t p)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *q = mmap((void *)(p & ~(pg - 1)), pg, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (q == MAP_FAILED)
		return errno == EEXIST;
	munmap(q, pg);
	return q != (void *)(p & ~(pg - 1));
}

/* The permissions /proc/self/maps shows for @p ("r-xp", "---p"), or "" when unmapped. */
static inline const char *fx_perms(uintptr_t p)
{
	static char perms[8];
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = 0;
	if (!f)
		return perms;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char pr[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && p >= lo && p < hi) {
			snprintf(perms, sizeof(perms), "%s", pr);
			break;
		}
	}
	fclose(f);
	return perms;
}

#endif /* MODSIM_TEST_FAULT_FIXTURE_H */
