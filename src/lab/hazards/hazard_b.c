/* Hazard B, half-init: halfinit registered a, its init is about to fail, and a caller found a. */
#include "lab/hazards/hazard_internal.h"

static char fail_at_2[] = "fail_at=2";

static int hz_act_load(struct hz_actor *a)
{
	char *params[] = { fail_at_2 };

	return modsim_load(a->run->k, a->run->module, 1, params, NULL);
}

/*
 * U loads halfinit fail_at=2 (init inline) and parks between its two
 * registrations, or finishes without getting there (two-stage init: reserve
 * fails before anything is visible).  C runs the hook chain and parks after
 * finding a, or is held by a stopped world, or finds nothing.  Then U goes
 * on until it is done or would wait (a preset that waits before freeing a
 * failed module), and then C goes on.
 */
int hz_run_b(struct hz_run *r)
{
	struct hz_actor c = { 0 }, u = { 0 };
	struct hz_actor *const all[] = { &c, &u };
	enum hz_seen seen;

	if (hz_trap(r, MODSIM_PT_INIT_BETWEEN_REGS) ||
	    hz_start(r, &u, "loader", hz_act_load, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_INIT_BETWEEN_REGS, &u);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "B: the loader neither reached init.between_regs nor finished within %u ms",
			   HZ_WAIT_MS);
		goto finish;
	}

	if (hz_trap(r, MODSIM_PT_CALL_AFTER_LOOKUP) ||
	    hz_start(r, &c, "caller", hz_act_hook_run, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_CALL_AFTER_LOOKUP, &c);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "B: the caller neither found a hook nor returned within %u ms",
			   HZ_WAIT_MS);
		goto finish;
	}
	r->out->found = seen == HZ_PARKED;
	r->out->held = seen == HZ_HELD;

	if (hz_trap(r, MODSIM_PT_UNLOAD_WAIT))
		goto finish;
	hz_release(r, MODSIM_PT_INIT_BETWEEN_REGS);
	seen = hz_wait_either(r, MODSIM_PT_UNLOAD_WAIT, &u);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "B: the loader neither finished nor reached unload.wait within %u ms",
			   HZ_WAIT_MS);
		goto finish;
	}
	r->out->waited = seen == HZ_PARKED;

	/* A caller held by the stopped world went on when the world restarted:
	 * it finds a (and parks after the lookup) if a was still registered. */
	if (r->out->held && hz_wait_either(r, MODSIM_PT_CALL_AFTER_LOOKUP, &c) == HZ_PARKED)
		r->out->found = true;
	hz_release(r, MODSIM_PT_CALL_AFTER_LOOKUP);
	seen = hz_wait_either(r, -1, &c);
	if (seen == HZ_TIMEOUT)
		hz_trouble(r, -ETIMEDOUT, "B: the caller did not return within %u ms", HZ_WAIT_MS);

finish:
	hz_finish(r, &u, &c, all, 2);
	return r->err;
}
