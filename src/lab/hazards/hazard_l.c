/* Hazard L, a long-held reference: a file of chardev is open across rmmod, then read and closed. */
#include "lab/hazards/hazard_internal.h"

/* The file C1 opens and C2 reads and closes. */
struct hz_file {
	struct modsim_file *f;
	long read_rc;
};

static int hz_act_open(struct hz_actor *a)
{
	struct hz_file *hf = a->arg;

	return modsim_chrdev_open(a->run->k, "chardev", &hf->f);
}

static int hz_act_read_close(struct hz_actor *a)
{
	struct hz_file *hf = a->arg;
	char buf[64];
	int err;

	hf->read_rc = modsim_chrdev_read(hf->f, buf, sizeof(buf));
	err = modsim_chrdev_close(hf->f);
	hf->f = NULL;
	return hf->read_rc < 0 ? (int)hf->read_rc : err;
}

/*
 * C1 opens the device (and ends: the file stays open).  U unloads
 * (blocking) and runs until it would wait or is done.  C2 reads once and
 * closes; then U goes on.
 */
int hz_run_l(struct hz_run *r)
{
	struct hz_actor c1 = { 0 }, c2 = { 0 }, u = { 0 };
	struct hz_actor *const all[] = { &c1, &c2, &u };
	struct hz_file hf = { 0 };
	enum hz_seen seen;

	if (hz_load(r, 0, NULL) || hz_start(r, &c1, "opener", hz_act_open, &hf))
		goto finish;
	hz_join(&c1);
	if (c1.rc) {
		hz_trouble(r, c1.rc, "L: %s", c1.msg);
		goto finish;
	}
	r->out->found = true;

	if (hz_trap(r, MODSIM_PT_UNLOAD_WAIT) || hz_start(r, &u, "unloader", hz_act_unload, NULL))
		goto finish;
	seen = hz_wait_either(r, MODSIM_PT_UNLOAD_WAIT, &u);
	if (seen == HZ_TIMEOUT) {
		hz_trouble(r, -ETIMEDOUT, "L: the unloader neither reached unload.wait nor finished within %u ms",
			   HZ_WAIT_MS);
		goto finish;
	}
	r->out->waited = seen == HZ_PARKED;

	if (hz_start(r, &c2, "reader", hz_act_read_close, &hf))
		goto finish;
	seen = hz_wait_either(r, -1, &c2);
	if (seen == HZ_HELD)
		r->out->held = true;
	else if (seen == HZ_TIMEOUT)
		hz_trouble(r, -ETIMEDOUT, "L: read and close did not return within %u ms", HZ_WAIT_MS);

finish:
	hz_finish(r, &u, &c2, all, 3);
	if (hf.f) /* opened, never read: close it before the kernel goes */
		modsim_chrdev_close(hf.f);
	return r->err;
}
