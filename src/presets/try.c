/* Preset "try": the post's option 1 with try_inc_mod_count; a get fails unless the module is LIVE. */
#include <errno.h>

#include "presets/presets.h"
#include "presets/try.h"

/*
 * One count per module: -1 while the module is not LIVE (init running, or
 * unload began), >= 0 (references held) while it is.  A get succeeds only
 * on a non-negative count, and unload moves it from exactly 0 to -1 in one
 * step, so no reference is ever taken on a module that is coming or going.
 */
/* struct try_priv and the callers' side, inline: try.h. */
static inline struct try_priv *tp(struct modsim_mod *m)
{
	return m->priv;
}

static bool try_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_try_enter(m, cpu);
}

static void try_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_try_exit(m, cpu);
}

static long try_refcount(struct modsim_mod *m)
{
	return atomic_load_explicit(&tp(m)->count, memory_order_relaxed);
}

static int try_setup(struct modsim_mod *m)
{
	atomic_store(&tp(m)->count, -1);
	return 0;
}

static int try_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	/* On failure the count stays -1: nobody got in during init. */
	if (!err)
		atomic_store_explicit(&tp(m)->count, 0, memory_order_release);
	return err;
}

static int try_unload(struct modsim_mod *m, unsigned int flags)
{
	long c = 0;
	int err;

	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	if (!atomic_compare_exchange_strong(&tp(m)->count, &c, -1))
		return modsim_err(-EBUSY, "rmmod %s: in use (count %ld)", m->name, c);
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_try = {
	.name = "try",
	.post = "1",
	.caller = "try_inc_mod_count around every call: fails unless the module is LIVE",
	.unloader = "count 0 -> GOING in one atomic step, else EBUSY; never waits",
	.author = "nothing; but every subsystem takes an owner and may fail a call",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_SAFE,
		[MODSIM_HZ_B] = MODSIM_SAFE,
		[MODSIM_HZ_P] = MODSIM_SAFE,
		[MODSIM_HZ_T] = MODSIM_SAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "a caller holds a count across the call; unload only wins from count 0",
		[MODSIM_HZ_B] = "the count is -1 during init, so nobody gets in before init succeeds",
		[MODSIM_HZ_P] = "the subsystem's own get covers the call, so a self-put never drops the last count",
		[MODSIM_HZ_T] = "timer callbacks go through enter, which fails once unload began",
		[MODSIM_HZ_L] = "unload is refused (EBUSY) while a file holds a count",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.priv_size = sizeof(struct try_priv),
	.enter = try_get,
	.exit = try_put,
	.get = try_get,
	.put = try_put,
	.refcount = try_refcount,
	.mod_setup = try_setup,
	.load = try_load,
	.unload = try_unload,
};

const struct modsim_preset modsim_preset_try_entry = {
	.ops = &modsim_preset_try,
	.caller = MODSIM_CALLER_TRY,
	.axis = { "direct", "try count", "refuse if busy" },
};
