/* Preset "twoinit": the post's option 4; load is reserve (may fail) then commit (cannot fail). */
#include <errno.h>
#include <stdio.h>

#include "presets/presets.h"

static bool twoinit_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return true;
}

static void twoinit_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
}

static long twoinit_refcount(struct modsim_mod *m)
{
	return -1;
}

/*
 * Two-stage init: reserve acquires everything and makes nothing visible, so
 * when it fails nobody can have found the module and freeing it is safe;
 * commit makes everything visible and cannot fail.  A commit that crashed
 * abandons a load whose reservation succeeded: unreserve, then the error.
 */
static int twoinit_two_stage(struct modsim_mod *m)
{
	int err;

	err = modsim_mod_run_hook(m, "reserve");
	if (err)
		goto failed;
	err = modsim_mod_run_hook(m, "commit");
	if (err == -EFAULT && modsim_mod_has(m, "unreserve"))
		modsim_mod_run_hook(m, "unreserve");
	if (err)
		goto failed;
	return 0;

failed:
	modsim_point_hit(m->k, MODSIM_PT_LOAD_INIT_FAILED, m);
	return err;
}

/*
 * A module written for one-stage init: run init; if it fails, whatever it
 * registered may have been found, so never free it.  The generation ends
 * with its memory mapped for good (m->keep), and the leak is reported.
 */
static int twoinit_one_stage(struct modsim_mod *m)
{
	struct modsim_violation v;
	int err = modsim_default_load(m);

	if (!err || modsim_mod_state(m) == MODSIM_STATE_STUCK)
		return err;
	m->keep = true;
	modsim_violation_init(&v, MODSIM_V_LEAK, m, MODSIM_SS_LOADER, "init");
	snprintf(v.detail, sizeof(v.detail), "init failed; never freed (no two-stage init)");
	modsim_stat_violation(m->k, &v);
	return err;
}

static int twoinit_load(struct modsim_mod *m)
{
	if (modsim_mod_has(m, "reserve") && modsim_mod_has(m, "commit"))
		return twoinit_two_stage(m);
	return twoinit_one_stage(m);
}

static int twoinit_unload(struct modsim_mod *m, unsigned int flags)
{
	int err;

	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_twoinit = {
	.name = "twoinit",
	.post = "4",
	.caller = "nothing: calls go straight into the module",
	.unloader = "load: reserve (may fail, nothing visible) then commit; unload: exit and free at once",
	.author = "reserve, unreserve and commit hooks (or a failed init is never freed)",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_UNSAFE,
		[MODSIM_HZ_B] = MODSIM_SAFE,
		[MODSIM_HZ_P] = MODSIM_UNSAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_UNSAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "unload still frees at once, under a caller that found a callback",
		[MODSIM_HZ_B] = "reserve fails before anything is visible; commit, which publishes, cannot fail",
		[MODSIM_HZ_P] = "nothing holds the module while its code returns after a put",
		[MODSIM_HZ_T] = "an armed timer fires into freed code; nothing stops or waits for it",
		[MODSIM_HZ_L] = "an open file keeps calling into the module after it is freed",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.priv_size = 0,
	.enter = twoinit_enter,
	.exit = twoinit_exit,
	.get = twoinit_enter,
	.put = twoinit_exit,
	.refcount = twoinit_refcount,
	.load = twoinit_load,
	.unload = twoinit_unload,
};

const struct modsim_preset modsim_preset_twoinit_entry = {
	.ops = &modsim_preset_twoinit,
	.caller = MODSIM_CALLER_NOTHING,
	.axis = { "two-stage", "nothing", "free at once" },
};
