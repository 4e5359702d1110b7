/* The hazard harness's threads and waits: actors with CPU slots, traps a run owns, "either event" waits. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lab/hazards/hazard_internal.h"

static void *actor_main(void *arg)
{
	struct hz_actor *a = arg;
	struct modsim_kernel *k = a->run->k;

	/* Claimed first, so the controller can see a world stop park us. */
	atomic_store(&a->cpu, modsim_cpu_self(k));
	modsim_err(0, "%s", "");
	a->rc = a->fn(a);
	snprintf(a->msg, sizeof(a->msg), "%s", modsim_last_error());
	modsim_cpu_release_self(k);
	modsim_fault_thread_fini();
	atomic_store(&a->done, 1);
	return NULL;
}

int hz_start(struct hz_run *r, struct hz_actor *a, const char *name,
	     int (*fn)(struct hz_actor *a), void *arg)
{
	int err;

	memset(a, 0, sizeof(*a));
	a->run = r;
	a->name = name;
	a->fn = fn;
	a->arg = arg;
	err = pthread_create(&a->tid, NULL, actor_main, a);
	if (err)
		return hz_trouble(r, -err, "cannot start the %s thread: %s", name, strerror(err));
	a->started = true;
	return 0;
}

void hz_join(struct hz_actor *a)
{
	if (!a->started)
		return;
	pthread_join(a->tid, NULL);
	a->started = false;
}

bool hz_done(struct hz_actor *a)
{
	return atomic_load(&a->done);
}

/* Is @a parked by a stopped world? */
static bool hz_held(struct hz_actor *a)
{
	struct modsim_cpu *cpu = atomic_load(&a->cpu);

	return cpu && !hz_done(a) && atomic_load_explicit(&cpu->parked, memory_order_acquire);
}

int hz_trap(struct hz_run *r, enum modsim_point_id id)
{
	int err = modsim_point_trap(r->k, id, r->module);

	if (err)
		return hz_trouble(r, err, "cannot set a trap at %s: %s", modsim_point_name(id),
				  modsim_last_error());
	r->traps |= 1u << id;
	return 0;
}

void hz_release(struct hz_run *r, enum modsim_point_id id)
{
	if (!(r->traps & (1u << id)))
		return;
	modsim_point_release(r->k, id);
	r->traps &= ~(1u << id);
}

void hz_release_all(struct hz_run *r)
{
	for (int id = 0; id < MODSIM_PT__COUNT; id++)
		hz_release(r, (enum modsim_point_id)id);
}

/*
 * Poll the events in short slices: a thread parked at @id (a bounded
 * modsim_point_wait_parked), @a finished, @a parked by a stopped world.
 * The slices bound each wait; they order nothing.
 */
enum hz_seen hz_wait_either(struct hz_run *r, int id, struct hz_actor *a)
{
	uint64_t until = modsim_now_ns() + (uint64_t)HZ_WAIT_MS * 1000000u;
	struct timespec slice = { 0, (long)HZ_SLICE_MS * 1000000L };

	for (;;) {
		if (id >= 0) {
			if (modsim_point_wait_parked(r->k, (enum modsim_point_id)id, HZ_SLICE_MS) == 0)
				return HZ_PARKED;
		} else {
			nanosleep(&slice, NULL);
		}
		if (a && hz_done(a))
			return HZ_DONE;
		if (a && hz_held(a))
			return HZ_HELD;
		if (modsim_now_ns() >= until)
			return HZ_TIMEOUT;
	}
}

int hz_trouble(struct hz_run *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->err)
		return err;
	r->err = err ? err : -EIO;
	va_start(ap, fmt);
	vsnprintf(r->trouble, sizeof(r->trouble), fmt, ap);
	va_end(ap);
	return err;
}

int hz_load(struct hz_run *r, int nparams, char *const params[])
{
	int err = modsim_load(r->k, r->module, nparams, params, NULL);

	if (err)
		return hz_trouble(r, err, "%s", modsim_last_error());
	return 0;
}

int hz_act_hook_run(struct hz_actor *a)
{
	return modsim_hook_run(a->run->k, NULL);
}

int hz_act_unload(struct hz_actor *a)
{
	return modsim_unload(a->run->k, a->run->module, 0);
}

void hz_finish(struct hz_run *r, struct hz_actor *u, struct hz_actor *c,
	       struct hz_actor *const *all, unsigned int n)
{
	hz_release_all(r);
	for (unsigned int i = 0; i < n; i++)
		hz_join(all[i]);
	if (u && u->run) {
		r->out->rc = u->rc;
		/* Not loaded, not a module: the interleaving never happened. */
		if (u->rc == -ENOENT || u->rc == -ENOEXEC)
			hz_trouble(r, u->rc, "%s", u->msg);
		if (u->rc)
			snprintf(r->rc_msg, sizeof(r->rc_msg), "%s", u->msg);
	}
	if (c && c->run)
		r->out->caller_rc = c->rc;
}
