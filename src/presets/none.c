/* Preset "none": the 2002 status quo; callers pay nothing and unload frees at once. */
#include <errno.h>

#include "presets/presets.h"

static bool none_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return true;
}

static void none_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
}

static long none_refcount(struct modsim_mod *m)
{
	return -1;
}

static int none_unload(struct modsim_mod *m, unsigned int flags)
{
	int err;

	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	/* A crashed exit still ends the module; only a hung one keeps it. */
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_none = {
	.name = "none",
	.post = "status quo",
	.caller = "nothing: calls go straight into the module",
	.unloader = "run exit and free at once, whoever is inside",
	.author = "nothing",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_UNSAFE,
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_UNSAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_UNSAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "a caller that found a callback enters it while exit and free run",
		[MODSIM_HZ_B] = "a caller that found what init registered first enters it after the free",
		[MODSIM_HZ_P] = "nothing holds the module while its code returns after a put",
		[MODSIM_HZ_T] = "an armed timer fires into freed code; nothing stops or waits for it",
		[MODSIM_HZ_L] = "an open file keeps calling into the module after it is freed",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.priv_size = 0,
	.enter = none_enter,
	.exit = none_exit,
	.get = none_enter,
	.put = none_exit,
	.refcount = none_refcount,
	.unload = none_unload,
};

const struct modsim_preset modsim_preset_none_entry = {
	.ops = &modsim_preset_none,
	.caller = MODSIM_CALLER_NOTHING,
	.axis = { "direct", "nothing", "free at once" },
};
