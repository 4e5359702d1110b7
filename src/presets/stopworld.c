/* Preset "stopworld": option 5; init and exit run with every other CPU parked. */
#include <errno.h>

#include "presets/presets.h"
#include "presets/try.h"

/*
 * Short calls pay nothing: the world stop is what keeps callers out of
 * module code during init and exit.  Long-held references (open files,
 * try_module_get) cannot be parked, so they are counted as under "try":
 * -1 while the module is not LIVE, >= 0 (holders) while it is.
 */
struct stopworld_priv {
	_Atomic long count;
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline struct stopworld_priv *swp(struct modsim_mod *m)
{
	return m->priv;
}

static bool stopworld_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return true;
}

static void stopworld_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
}

static bool stopworld_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return !m || modsim_count_get_live(&swp(m)->count);
}

static void stopworld_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	atomic_fetch_sub(&swp(m)->count, 1);
}

static long stopworld_refcount(struct modsim_mod *m)
{
	return atomic_load_explicit(&swp(m)->count, memory_order_relaxed);
}

static int stopworld_setup(struct modsim_mod *m)
{
	atomic_store(&swp(m)->count, -1);
	return 0;
}

/*
 * Init runs with the world stopped, so nobody can call what it registers
 * before it returned.  The world is started again whatever init did: an
 * init that waits for another CPU (request_firmware) never returns, the
 * watchdog fires (-ETIMEDOUT, DEADLOCK, module STUCK), and the workers
 * must run again.
 */
static int stopworld_load(struct modsim_mod *m)
{
	struct modsim_kernel *k = m->k;
	int err;

	err = modsim_stop_world(k);
	if (err)
		return err;
	err = modsim_mod_run_init(m);
	if (err)
		modsim_point_hit(k, MODSIM_PT_LOAD_INIT_FAILED, m);
	else
		atomic_store_explicit(&swp(m)->count, 0, memory_order_release);
	modsim_start_world(k);
	return err;
}

/* Stop the world, refuse while a long-held reference exists, else exit with the world stopped. */
static int stopworld_unload(struct modsim_mod *m, unsigned int flags)
{
	struct modsim_kernel *k = m->k;
	long c = 0;
	int err;

	modsim_point_hit(k, MODSIM_PT_UNLOAD_WAIT, m);
	err = modsim_stop_world(k);
	if (err)
		return err;
	modsim_point_hit(k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	if (!atomic_compare_exchange_strong(&swp(m)->count, &c, -1)) {
		modsim_start_world(k);
		return modsim_err(-EBUSY, "rmmod %s: in use (count %ld)", m->name, c);
	}
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	modsim_start_world(k);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_stopworld = {
	.name = "stopworld",
	.post = "5",
	.caller = "nothing on short calls; long-held references counted (as try)",
	.unloader = "stop the world; a long-held reference: EBUSY; else exit; start the world (init too)",
	.author = "nothing; but init and exit must never wait for another CPU",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_SAFE,
		[MODSIM_HZ_B] = MODSIM_SAFE,
		[MODSIM_HZ_P] = MODSIM_SAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_UNSAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "exit runs with every CPU parked outside module code, so no caller is inside",
		[MODSIM_HZ_B] = "init runs with the world stopped: nobody reaches what it registered before it undid it",
		[MODSIM_HZ_P] = "a CPU parks only outside module code, so none is between a put and its return",
		[MODSIM_HZ_T] = "an armed timer is not counted; it fires into the freed module after the world restarts",
		[MODSIM_HZ_L] = "an open file holds a counted reference; unload is refused (EBUSY)",
		[MODSIM_HZ_S] = "init runs with the workers parked; an init that waits for one never returns (watchdog)",
	},
	.priv_size = sizeof(struct stopworld_priv),
	.enter = stopworld_enter,
	.exit = stopworld_exit,
	.get = stopworld_get,
	.put = stopworld_put,
	.refcount = stopworld_refcount,
	.mod_setup = stopworld_setup,
	.load = stopworld_load,
	.unload = stopworld_unload,
};

const struct modsim_preset modsim_preset_stopworld_entry = {
	.ops = &modsim_preset_stopworld,
	.caller = MODSIM_CALLER_NOTHING,
	.axis = { "stop-the-world", "nothing", "stop-the-world" },
};
