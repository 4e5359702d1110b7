/* Hazard A, the unload race: a caller found selfcount's hook and enters it while rmmod runs. */
#include "lab/hazards/hazard_internal.h"

/*
 * C looks up the hook and parks before the preset's entry; U unloads and
 * runs until it would wait (unload.wait) or is done; then C goes on.  If a
 * stopped world holds C, U is let go first (C waits for U); else U goes on
 * once C finished (U may wait for C).
 */
int hz_run_a(struct hz_run *r)
{
	struct hz_actor c = { 0 }, u = { 0 };
	struct hz_actor *const all[] = { &c, &u };
	enum hz_seen seen;

	if (hz_load(r, 0, NULL) || hz_trap(r, MODSIM_PT_CALL_AFTER_LOOKUP) ||
	    hz_start(r, &c, "caller", hz_act_hook_run, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_CALL_AFTER_LOOKUP, &c);
	if (seen != HZ_PARKED) {
		hz_trouble(r, -ETIMEDOUT, "A: the caller never found %s's hook (%s)", r->module,
			   seen == HZ_DONE ? "it returned" : "no park within the bound");
		goto finish;
	}
	r->out->found = true;

	if (hz_trap(r, MODSIM_PT_UNLOAD_WAIT) || hz_start(r, &u, "unloader", hz_act_unload, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_UNLOAD_WAIT, &u);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "A: the unloader neither reached unload.wait nor finished within %u ms",
			   HZ_WAIT_MS);
		goto finish;
	}
	r->out->waited = seen == HZ_PARKED;

	hz_release(r, MODSIM_PT_CALL_AFTER_LOOKUP);
	seen = hz_wait_either(r, -1, &c);
	if (seen == HZ_HELD)
		r->out->held = true;
	else if (seen == HZ_TIMEOUT)
		hz_trouble(r, -ETIMEDOUT, "A: the caller did not return within %u ms", HZ_WAIT_MS);

finish:
	hz_finish(r, &u, &c, all, 2);
	return r->err;
}
