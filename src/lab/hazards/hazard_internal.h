/* Private to the hazard harness: actor threads, traps, waits for "either event", per-hazard runs. */
#ifndef MODSIM_HAZARD_INTERNAL_H
#define MODSIM_HAZARD_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <modsim/lab/hazard.h>

#include "kernel/units.h"

/* Failure bound of every wait in a harness run; never orders threads. */
#define HZ_WAIT_MS 5000u
/* A wait for either of two events polls each in slices this long. */
#define HZ_SLICE_MS 2u

struct hz_run;

/*
 * struct hz_actor - one thread of a forced interleaving: a caller (C), the
 * unloader or loader (U), a timer firer.  It claims a CPU slot of the run's
 * kernel before it runs @fn, so the controller can see it parked by a
 * stopped world, and gives the slot back when it ends.
 * @rc:  @fn's return
 * @msg: modsim_last_error() of the thread after @fn (why it failed)
 */
struct hz_actor {
	struct hz_run *run;
	const char *name;
	pthread_t tid;
	bool started;
	int (*fn)(struct hz_actor *a);
	void *arg;
	_Atomic int done;
	struct modsim_cpu *_Atomic cpu;
	int rc;
	char msg[200];
};

/*
 * struct hz_run - one harness run: its kernel, the traps it set (released
 * before any join), and what it found out.
 * @traps:   bit i set while a trap at point i is armed by this run
 * @trouble: why the interleaving could not be forced ("" when it was)
 * @rc_msg:  the unloader's (loader's) message when it failed
 */
struct hz_run {
	struct modsim_kernel *k;
	enum modsim_hazard h;
	const char *module;
	struct modsim_hazard_outcome *out;
	FILE *log;
	unsigned int traps;
	int err;
	char trouble[200];
	char rc_msg[200];
};

/* What hz_wait_either() saw first. */
enum hz_seen {
	HZ_PARKED,  /* a thread is parked at the point */
	HZ_DONE,    /* the actor finished */
	HZ_HELD,    /* the actor is parked by a stopped world */
	HZ_TIMEOUT, /* none of them within HZ_WAIT_MS */
};

/* hazard_actor.c */
int hz_start(struct hz_run *r, struct hz_actor *a, const char *name,
	     int (*fn)(struct hz_actor *a), void *arg);
void hz_join(struct hz_actor *a);
bool hz_done(struct hz_actor *a);
int hz_trap(struct hz_run *r, enum modsim_point_id id);
void hz_release(struct hz_run *r, enum modsim_point_id id);
void hz_release_all(struct hz_run *r);
/* Wait until a thread is parked at @id (-1: no point), @a finished, or @a
 * was parked by a stopped world. */
enum hz_seen hz_wait_either(struct hz_run *r, int id, struct hz_actor *a);
/* Record why the interleaving could not be forced (first call wins);
 * returns @err. */
int hz_trouble(struct hz_run *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Load the hazard's module on the calling thread; a failure is trouble. */
int hz_load(struct hz_run *r, int nparams, char *const params[]);

/* Release every trap, join @n actors, record the unloader's return and
 * message from @u (NULL: none) and the caller's from @c (NULL: none). */
void hz_finish(struct hz_run *r, struct hz_actor *u, struct hz_actor *c,
	       struct hz_actor *const *all, unsigned int n);

/* Actor bodies shared by the hazards (hazard_actor.c). */
int hz_act_hook_run(struct hz_actor *a);  /* modsim_hook_run(k, NULL) */
int hz_act_unload(struct hz_actor *a);    /* modsim_unload(k, module, 0) */

/* One file per hazard: force the interleaving on r->k, fill r->out. */
int hz_run_a(struct hz_run *r);
int hz_run_b(struct hz_run *r);
int hz_run_p(struct hz_run *r);
int hz_run_t(struct hz_run *r);
int hz_run_l(struct hz_run *r);
int hz_run_s(struct hz_run *r);

#endif /* MODSIM_HAZARD_INTERNAL_H */
