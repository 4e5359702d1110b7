/* Hazard S, the sleeping init: initsleep's init waits for a firmware request only a worker serves. */
#include <modsim/workers.h>

#include "lab/hazards/hazard_internal.h"

static int hz_act_load(struct hz_actor *a)
{
	return modsim_load(a->run->k, a->run->module, 0, NULL, NULL);
}

/*
 * One worker runs (it serves firmware requests at the top of its loop,
 * outside module code); U loads initsleep under the 300 ms watchdog.  With
 * the world stopped around init the worker is parked, the request is never
 * served, and the watchdog reports a deadlock.
 */
int hz_run_s(struct hz_run *r)
{
	struct hz_actor u = { 0 };
	struct hz_actor *const all[] = { &u };
	struct modsim_mix mix;
	int err;

	modsim_mix_default(&mix);
	err = modsim_workers_start(r->k, 1, &mix);
	if (err) {
		hz_trouble(r, err, "S: %s", modsim_last_error());
		goto finish;
	}
	if (hz_start(r, &u, "loader", hz_act_load, NULL))
		goto stop_workers;
	if (hz_wait_either(r, -1, &u) == HZ_TIMEOUT)
		hz_trouble(r, -ETIMEDOUT, "S: the load did not return within %u ms", HZ_WAIT_MS);
	hz_join(&u);
	r->out->found = u.rc == 0;
stop_workers:
	modsim_workers_stop(r->k);
finish:
	hz_finish(r, &u, NULL, all, 1);
	return r->err;
}
