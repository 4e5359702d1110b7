/* The kernel object: configuration, creation and destruction, the preset in force, lookups. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/units.h"

/* Every kernel of the process gets its own uid; thread-local caches key on it. */
static _Atomic uint64_t next_uid = 1;

MODSIM_API void modsim_config_default(struct modsim_config *cfg)
{
	*cfg = (struct modsim_config){
		.max_cpus = 64,
		.strategy = "none",
		.module_path = NULL,
		.init_timeout_ms = 2000,
		.unload_timeout_ms = 5000,
		.quarantine_max = 64,
		.seed = 1,
		.timer_thread = true,
		.allow_force = true,
		.log = NULL,
	};
}

static int init_locks(struct modsim_kernel *k)
{
	pthread_condattr_t ca;
	int err;

	err = pthread_condattr_init(&ca);
	if (err)
		return -err;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&k->load_mutex, NULL);
	pthread_mutex_init(&k->list_lock, NULL);
	pthread_mutex_init(&k->wait_lock, NULL);
	pthread_mutex_init(&k->cpu_lock, NULL);
	pthread_mutex_init(&k->world_lock, NULL);
	err = pthread_cond_init(&k->wait_cond, &ca);
	if (!err)
		err = pthread_cond_init(&k->world_cond, &ca);
	pthread_condattr_destroy(&ca);
	return -err;
}

static void destroy_locks(struct modsim_kernel *k)
{
	pthread_cond_destroy(&k->world_cond);
	pthread_cond_destroy(&k->wait_cond);
	pthread_mutex_destroy(&k->world_lock);
	pthread_mutex_destroy(&k->cpu_lock);
	pthread_mutex_destroy(&k->wait_lock);
	pthread_mutex_destroy(&k->list_lock);
	pthread_mutex_destroy(&k->load_mutex);
}

MODSIM_API int modsim_kernel_create(const struct modsim_config *cfg, struct modsim_kernel **out)
{
	struct modsim_kernel *k;
	int err;

	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return modsim_err(-ENOMEM, "kernel: out of memory");
	if (cfg)
		k->cfg = *cfg;
	else
		modsim_config_default(&k->cfg);
	if (!k->cfg.strategy)
		k->cfg.strategy = "none";
	if (!k->cfg.log)
		k->cfg.log = stderr;
	if (!k->cfg.max_cpus) {
		err = modsim_err(-EINVAL, "kernel: max_cpus must be at least 1");
		goto free_kernel;
	}
	k->uid = atomic_fetch_add(&next_uid, 1);
	k->sched = k->cfg.sched;

	err = init_locks(k);
	if (err) {
		modsim_err(err, "kernel: cannot initialise locks: %s", modsim_errname(err));
		goto free_locks;
	}
	err = modsim_strategy_resolve(k->cfg.strategy, &k->strat, &k->strat_handle);
	if (err)
		goto free_locks;
	k->caller = modsim_caller_of(k->strat);
	k->noref_sync = k->strat->owner_ref == MODSIM_OWNER_REF_FOPS;

	err = modsim_stats_init(k);
	if (err)
		goto close_strategy;
	err = modsim_cpu_init(k);
	if (err)
		goto fini_stats;
	err = modsim_points_init(k);
	if (err)
		goto fini_cpu;
	if (k->sched) {
		/* Every point is a scheduling point: keep the slow path on. */
		atomic_fetch_add(&k->points_armed, 1);
		modsim_sched_bind(k->sched, k);
	}
	err = modsim_fault_init();
	if (err)
		goto fini_points;
	err = modsim_quarantine_init(k);
	if (err)
		goto fini_points;
	err = modsim_watchdog_init(k);
	if (err)
		goto fini_quarantine;
	err = modsim_symtab_init(k);
	if (err)
		goto fini_watchdog;
	modsim_modpath_init(k);
	err = modsim_chrdev_init(k);
	if (err)
		goto fini_symtab;
	err = modsim_hook_init(k);
	if (err)
		goto fini_chrdev;
	err = modsim_notifier_init(k);
	if (err)
		goto fini_hook;
	err = modsim_timer_init(k);
	if (err)
		goto fini_notifier;
	err = modsim_firmware_init(k);
	if (err)
		goto fini_timer;
	err = modsim_workers_init(k);
	if (err)
		goto fini_firmware;
	*out = k;
	return 0;

fini_firmware:
	modsim_firmware_fini(k);
fini_timer:
	modsim_timer_fini(k);
fini_notifier:
	modsim_notifier_fini(k);
fini_hook:
	modsim_hook_fini(k);
fini_chrdev:
	modsim_chrdev_fini(k);
fini_symtab:
	modsim_symtab_fini(k);
fini_watchdog:
	modsim_watchdog_fini(k);
fini_quarantine:
	modsim_quarantine_fini(k);
fini_points:
	modsim_points_fini(k);
fini_cpu:
	modsim_cpu_fini(k);
fini_stats:
	modsim_stats_fini(k);
close_strategy:
	if (k->strat_handle)
		dlclose(k->strat_handle);
free_locks:
	destroy_locks(k);
free_kernel:
	free(k);
	return err;
}

/*
 * The newest generation on the list that is not STUCK, or NULL.  Must be
 * called with k->load_mutex held, which keeps the list from changing.
 */
static struct modsim_mod *newest_unstuck(struct modsim_kernel *k)
{
	struct modsim_mod *m, *found = NULL;

	for (m = k->mods; m; m = m->next)
		if (modsim_mod_state(m) != MODSIM_STATE_STUCK)
			found = m;
	return found;
}

/*
 * Force every generation that is not GONE or STUCK out, newest first, so
 * that users go before the modules they import from.  A released
 * generation leaves the list, so this ends.  Must be called with
 * k->load_mutex held.
 */
static void unload_all(struct modsim_kernel *k)
{
	struct modsim_mod *m;

	while ((m = newest_unstuck(k))) {
		modsim_mod_set_state(m, MODSIM_STATE_GOING);
		modsim_mod_run_exit(m);
		if (modsim_mod_state(m) == MODSIM_STATE_STUCK)
			continue;
		modsim_mod_release(m);
		modsim_mod_sweep(m);
	}
}

/*
 * Free every record on the list from @m, except those of STUCK
 * generations: a thread may still be inside their code and come back to
 * the record, so they are left allocated (and mapped) on purpose.
 * Returns whether any was left.
 */
static bool free_list(struct modsim_mod *m)
{
	struct modsim_mod *next;
	bool stuck = false;

	for (; m; m = next) {
		next = m->next;
		if (modsim_mod_state(m) == MODSIM_STATE_STUCK) {
			stuck = true;
			continue;
		}
		modsim_ranges_forget(m);
		modsim_mod_free(m);
	}
	return stuck;
}

/* Free the records of every generation, live or gone; see free_list. */
static bool free_records(struct modsim_kernel *k)
{
	bool stuck = free_list(k->mods);

	free_list(k->gone);
	free_list(k->gone_mapped);
	free_list(k->reclaim_wait);
	free_list(k->reclaim_next);
	free(k->reclaim_snap);
	k->mods = k->mods_tail = k->gone = k->gone_mapped = NULL;
	k->reclaim_wait = k->reclaim_next = NULL;
	k->reclaim_snap = NULL;
	return stuck;
}

MODSIM_API void modsim_kernel_destroy(struct modsim_kernel *k)
{
	bool stuck;

	if (!k)
		return;
	modsim_workers_fini(k);

	modsim_fault_init(); /* re-arm: see there */
	pthread_mutex_lock(&k->load_mutex);
	unload_all(k);
	pthread_mutex_unlock(&k->load_mutex);

	modsim_firmware_fini(k);
	modsim_timer_fini(k);
	modsim_notifier_fini(k);
	modsim_hook_fini(k);
	modsim_chrdev_fini(k);
	modsim_symtab_fini(k);
	modsim_watchdog_fini(k);
	modsim_quarantine_fini(k);
	modsim_points_fini(k);
	modsim_cpu_fini(k);
	modsim_stats_fini(k);

	stuck = free_records(k);
	/* A stuck generation's thread may still come back into the preset's code. */
	if (k->strat_handle && !stuck && !modsim_linker_wedged())
		dlclose(k->strat_handle);
	destroy_locks(k);
	free(k);
}

/* Is any generation loaded under @s still around (in any state)?  Under list_lock. */
static bool strategy_in_list(const struct modsim_mod *m, const struct modsim_strategy *s)
{
	for (; m; m = m->next)
		if (m->strat == s)
			return true;
	return false;
}

static bool strategy_in_use(struct modsim_kernel *k, const struct modsim_strategy *s)
{
	return strategy_in_list(k->mods, s) || strategy_in_list(k->gone, s) ||
	       strategy_in_list(k->gone_mapped, s) || strategy_in_list(k->reclaim_wait, s) ||
	       strategy_in_list(k->reclaim_next, s);
}

MODSIM_API int modsim_set_strategy(struct modsim_kernel *k, const char *name)
{
	const struct modsim_strategy *s, *old;
	struct modsim_mod *m;
	void *handle = NULL, *old_handle;
	int err;

	if (!name || !*name)
		return modsim_err(-ENOENT, "strategy: no name given");
	pthread_mutex_lock(&k->load_mutex);
	pthread_mutex_lock(&k->list_lock);
	m = k->mods;
	pthread_mutex_unlock(&k->list_lock);
	if (m) {
		err = modsim_err(-EBUSY, "strategy %s: refused while %s is %s (its counts follow %s's rules)",
				 name, m->name, modsim_state_name(modsim_mod_state(m)), k->strat->name);
		goto unlock;
	}
	err = modsim_strategy_resolve(name, &s, &handle);
	if (err)
		goto unlock;

	/* Under list_lock too, so that lsmod reads a consistent preset. */
	pthread_mutex_lock(&k->list_lock);
	old = k->strat;
	old_handle = k->strat_handle;
	k->strat = s;
	k->strat_handle = handle;
	k->caller = modsim_caller_of(s);
	k->noref_sync = s->owner_ref == MODSIM_OWNER_REF_FOPS;
	/*
	 * Records of gone generations still point at the old preset (their
	 * teardown runs at kernel destruction), so a preset .so that any
	 * record was loaded under is never closed.
	 */
	if (old_handle && strategy_in_use(k, old))
		old_handle = NULL;
	pthread_mutex_unlock(&k->list_lock);
	if (old_handle)
		dlclose(old_handle);
unlock:
	pthread_mutex_unlock(&k->load_mutex);
	return err;
}

MODSIM_API const char *modsim_strategy_name(const struct modsim_kernel *k)
{
	return k->strat->name;
}

