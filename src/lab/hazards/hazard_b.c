/* Hazard B, half-init: halfinit registered a, its init is about to fail, and a caller found a (a hook, then a device). */
#include "lab/hazards/hazard_internal.h"

static char fail_at_2[] = "fail_at=2";
static char chrdev_1[] = "chrdev=1";

static int hz_act_load(struct hz_actor *a)
{
	char *params[] = { fail_at_2, chrdev_1 };

	return modsim_load(a->run->k, a->run->module, a->arg ? 2 : 1, params, NULL);
}



/*
 * U loads halfinit (@arg: chrdev=1 too, or NULL) and parks between its two
 * registrations, or finishes without getting there.
 * Return: 0, or non-zero when the run is over (r->err says why).
 */
static int hz_b_init_parks(struct hz_run *r, struct hz_actor *u, char *arg)
{
	if (hz_trap(r, MODSIM_PT_INIT_BETWEEN_REGS) ||
	    hz_start(r, u, "loader", hz_act_load, arg))
		return -1;
	if (hz_wait_either(r, MODSIM_PT_INIT_BETWEEN_REGS, u) == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "B: the loader neither reached init.between_regs nor finished within %u ms",
			   HZ_WAIT_MS);
		return -1;
	}
	return 0;
}

/*
 * The failing init parked between its registrations goes on until it is
 * done or would wait (unload.wait: a preset that waits before freeing a
 * failed module, or an unregister that synchronises).
 * Return: 0, or non-zero when the run is over (r->err says why).
 */
static int hz_b_init_goes_on(struct hz_run *r, struct hz_actor *u)
{
	enum hz_seen seen;

	if (hz_trap(r, MODSIM_PT_UNLOAD_WAIT))
		return -1;
	hz_release(r, MODSIM_PT_INIT_BETWEEN_REGS);
	seen = hz_wait_either(r, MODSIM_PT_UNLOAD_WAIT, u);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "B: the loader neither finished nor reached unload.wait within %u ms",
			   HZ_WAIT_MS);
		return -1;
	}
	r->out->waited |= seen == HZ_PARKED;
	return 0;
}

/*
 * Path one, a hook (a short call).  U loads halfinit fail_at=2 (init
 * inline) and parks between its two registrations, or finishes without
 * getting there (two-stage init: reserve fails before anything is
 * visible).  C runs the hook chain and parks after finding a, or is held
 * by a stopped world, or finds nothing.  Then U goes on until it is done
 * or would wait (a preset that waits before freeing a failed module, or an
 * unregister that synchronises with the chain), and then C goes on.
 */
static int hz_run_b_hook(struct hz_run *r)
{
	struct hz_actor c = { 0 }, u = { 0 };
	struct hz_actor *const all[] = { &c, &u };
	enum hz_seen seen;

	if (hz_b_init_parks(r, &u, NULL))
		goto finish;

	if (hz_trap(r, MODSIM_PT_CALL_AFTER_LOOKUP) ||
	    hz_start(r, &c, "caller", hz_act_hook_run, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_CALL_AFTER_LOOKUP, &c);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "B: the caller neither found a hook nor returned within %u ms",
			   HZ_WAIT_MS);
		goto finish;
	}
	r->out->found |= seen == HZ_PARKED;
	r->out->held |= seen == HZ_HELD;

	if (hz_b_init_goes_on(r, &u))
		goto finish;

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

/* The file the opener opens and the reader reads and closes. */
struct hz_b_file {
	struct modsim_file *f;
};

static int hz_act_open(struct hz_actor *a)
{
	struct hz_b_file *bf = a->arg;

	return modsim_chrdev_open(a->run->k, "halfinit", &bf->f);
}

static int hz_act_read_close(struct hz_actor *a)
{
	struct hz_b_file *bf = a->arg;
	char buf[16];
	ssize_t n = modsim_chrdev_read(bf->f, buf, sizeof(buf));
	int err = modsim_chrdev_close(bf->f);

	bf->f = NULL;
	return n < 0 ? (int)n : err;
}

/*
 * Path two, a device (a long-held reference; what Linux's try_module_get
 * guards).  U loads halfinit fail_at=2 chrdev=1 and parks between its
 * registrations (a, the device "halfinit", is registered).  O opens the
 * device and ends, holding the file, or is refused, or is held by a
 * stopped world.  U goes on until it is done or would wait; then R reads
 * the file and closes it (module code, twice).
 */
static int hz_run_b_chrdev(struct hz_run *r)
{
	struct hz_actor o = { 0 }, u = { 0 }, rd = { 0 };
	struct hz_actor *const all[] = { &o, &u, &rd };
	struct hz_b_file bf = { 0 };
	enum hz_seen seen;

	if (hz_b_init_parks(r, &u, chrdev_1))
		goto finish;

	if (hz_start(r, &o, "opener", hz_act_open, &bf))
		goto finish;
	seen = hz_wait_either(r, -1, &o);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "B: opening the device did not return within %u ms", HZ_WAIT_MS);
		goto finish;
	}
	r->out->held |= seen == HZ_HELD;

	if (hz_b_init_goes_on(r, &u))
		goto finish;

	/* An opener held by the stopped world went on when it restarted. */
	if (hz_wait_either(r, -1, &o) == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "B: opening the device did not return within %u ms", HZ_WAIT_MS);
		goto finish;
	}
	hz_join(&o);
	if (!bf.f)
		goto finish;
	r->out->found = true;
	if (hz_start(r, &rd, "reader", hz_act_read_close, &bf))
		goto finish;
	if (hz_wait_either(r, -1, &rd) == HZ_TIMEOUT)
		hz_trouble(r, -ETIMEDOUT, "B: read and close did not return within %u ms", HZ_WAIT_MS);

finish:
	hz_finish(r, &u, &rd, all, 3);
	if (bf.f) /* opened, never read: close it before the kernel goes */
		modsim_chrdev_close(bf.f);
	return r->err;
}

/*
 * Both paths on one kernel, one after the other (each load fails, so the
 * second starts from nothing): a preset is safe for B only when neither a
 * short call nor a held file reaches the freed module.
 */
int hz_run_b(struct hz_run *r)
{
	int err = hz_run_b_hook(r);

	return err ? err : hz_run_b_chrdev(r);
}
