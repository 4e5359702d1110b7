/* Hazard P, put-then-return: selfcount dropped its own count and still runs its code when rmmod runs. */
#include "lab/hazards/hazard_internal.h"

/*
 * C runs the hook and parks at self.after_put (inside module_self_exit,
 * called from the module's code); U unloads and runs until it would wait
 * or is done; then C returns through the module's code.
 */
int hz_run_p(struct hz_run *r)
{
	struct hz_actor c = { 0 }, u = { 0 };
	struct hz_actor *const all[] = { &c, &u };
	enum hz_seen seen;

	if (hz_load(r, 0, NULL) || hz_trap(r, MODSIM_PT_SELF_AFTER_PUT) ||
	    hz_start(r, &c, "caller", hz_act_hook_run, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_SELF_AFTER_PUT, &c);
	if (seen != HZ_PARKED) {
		hz_trouble(r, -ETIMEDOUT, "P: the caller never reached self.after_put in %s (%s)",
			   r->module, seen == HZ_DONE ? "it returned" : "no park within the bound");
		goto finish;
	}
	r->out->found = true;

	if (hz_trap(r, MODSIM_PT_UNLOAD_WAIT) || hz_start(r, &u, "unloader", hz_act_unload, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_UNLOAD_WAIT, &u);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "P: the unloader neither reached unload.wait nor finished within %u ms",
			   HZ_WAIT_MS);
		goto finish;
	}
	r->out->waited = seen == HZ_PARKED;

	hz_release(r, MODSIM_PT_SELF_AFTER_PUT);
	seen = hz_wait_either(r, -1, &c);
	if (seen == HZ_HELD)
		r->out->held = true;
	else if (seen == HZ_TIMEOUT)
		hz_trouble(r, -ETIMEDOUT, "P: the caller did not return within %u ms", HZ_WAIT_MS);

finish:
	hz_finish(r, &u, &c, all, 2);
	return r->err;
}
