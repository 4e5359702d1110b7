/* Hazard T, deferred work: timer leak=1 forgets its armed timer at exit, and it fires after the free. */
#include "lab/hazards/hazard_internal.h"

static char leak_1[] = "leak=1";
static char period_1[] = "period_ms=1";

static int hz_act_fire(struct hz_actor *a)
{
	return modsim_timer_run_expired(a->run->k, true);
}

/*
 * U unloads and parks once the memory is released but before the leftovers
 * are swept (the leaked timer is still armed), or finishes (refused).  A
 * thread then fires every armed timer, and U goes on.
 */
int hz_run_t(struct hz_run *r)
{
	char *params[] = { leak_1, period_1 };
	struct hz_actor f = { 0 }, u = { 0 };
	struct hz_actor *const all[] = { &f, &u };
	enum hz_seen seen;

	if (hz_load(r, 2, params) || hz_trap(r, MODSIM_PT_UNLOAD_AFTER_FREE) ||
	    hz_start(r, &u, "unloader", hz_act_unload, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_UNLOAD_AFTER_FREE, &u);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "T: the unloader neither freed the module nor finished within %u ms",
			   HZ_WAIT_MS);
		goto finish;
	}

	if (hz_start(r, &f, "timer", hz_act_fire, NULL))
		goto finish;
	seen = hz_wait_either(r, -1, &f);
	if (seen == HZ_TIMEOUT)
		hz_trouble(r, -ETIMEDOUT, "T: firing the timers did not return within %u ms", HZ_WAIT_MS);
	else if (seen == HZ_HELD)
		r->out->held = true;
	hz_join(&f);
	r->out->found = f.rc > 0;

finish:
	hz_finish(r, &u, &f, all, 2);
	return r->err;
}
