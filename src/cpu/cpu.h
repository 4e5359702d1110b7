/* The CPU layer: CPU slots and quiescence, race points, the controlled scheduler. */
#ifndef MODSIM_CPU_H
#define MODSIM_CPU_H

#include "base/base.h"

/* ---- CPUs, quiescence, world stop (cpu.c) ---- */

static inline void modsim_cpu_inc(_Atomic unsigned long *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

int modsim_cpu_init(struct modsim_kernel *k);
void modsim_cpu_fini(struct modsim_kernel *k);
/* This thread's slot in @k, claimed on first use; NULL when none is left. */
struct modsim_cpu *modsim_cpu_self(struct modsim_kernel *k);
/* Give this thread's slot back (threads that end call it). */
void modsim_cpu_release_self(struct modsim_kernel *k);
/* Enter/leave an extended quiescent state (blocking outside module code). */
void modsim_cpu_offline(struct modsim_cpu *cpu);
void modsim_cpu_online(struct modsim_cpu *cpu);
/* Slow path of modsim_cpu_quiescent(): park while the world is stopped. */
void __modsim_cpu_park(struct modsim_cpu *cpu);
/* This thread's slot if it has one, without claiming; NULL otherwise. */
struct modsim_cpu *modsim_cpu_peek(struct modsim_kernel *k);
/* A grace period without waiting: snapshot each slot's quiescent count
 * into @snap (k->ncpus entries; ULONG_MAX where a slot need not be waited
 * for: free, offline, parked, or the caller's own), then ask whether every
 * slot has passed a quiescent point (or gone offline) since. */
void modsim_cpu_snapshot(struct modsim_kernel *k, unsigned long *snap);
bool modsim_cpu_passed(struct modsim_kernel *k, unsigned long *snap);

/* A point outside module code: counts a quiescent state, parks if asked. */
static inline void modsim_cpu_quiescent(struct modsim_cpu *cpu)
{
	atomic_fetch_add_explicit(&cpu->qs, 1, memory_order_release);
	if (modsim_unlikely(atomic_load_explicit(&cpu->k->world_stop, memory_order_acquire)))
		__modsim_cpu_park(cpu);
}

/* ---- race points (point.c) ---- */

int modsim_points_init(struct modsim_kernel *k);
void modsim_points_fini(struct modsim_kernel *k);
void __modsim_point_slow(struct modsim_kernel *k, enum modsim_point_id id, struct modsim_mod *m);

static inline void modsim_point_hit(struct modsim_kernel *k, enum modsim_point_id id,
				    struct modsim_mod *m)
{
	if (modsim_unlikely(atomic_load_explicit(&k->points_armed, memory_order_relaxed)))
		__modsim_point_slow(k, id, m);
}

/* ---- controlled scheduling (sched.c, sched_policy.c) ---- */

/*
 * struct modsim_sched_config - how a controlled trial is scheduled.
 * @nthreads:  the threads that will take part (ids 0 .. nthreads-1); control
 *             begins when all of them have arrived
 * @budget:    steps before control ends (0: no limit)
 * @choices:   the schedule to follow (replay); not owned
 * @log:       keep every step (the determinism check)
 * @trace:     keep the events (trace files)
 * @on_end:    called once when control ends, by the thread that ends it,
 *             while every other controlled thread is still parked
 */
struct modsim_sched_config {
	enum modsim_sched_policy policy;
	uint64_t seed;
	unsigned int depth;
	uint32_t pct_k;
	uint32_t budget;
	unsigned int nthreads;
	const struct modsim_sched_choice *choices;
	uint32_t nchoices;
	bool log, trace;
	void (*on_end)(void *arg, enum modsim_sched_end why);
	void *arg;
	int loader_id, timer_id, worker0_id; /* -1: no such thread */
	/* A module hook (init, exit, ...) that holds the baton this long
	 * without reaching a point is the module's own hang: the trial ends
	 * as a deadlock, and that thread is left to its fate.  0: never. */
	unsigned int module_hang_ms;
};

/* Which controlled thread a kernel thread is. */
enum modsim_sched_role { MODSIM_ROLE_LOADER, MODSIM_ROLE_TIMER, MODSIM_ROLE_WORKER };
/* The id of the @index-th thread of @role in @k's controlled trial, or -1. */
int modsim_sched_role(struct modsim_kernel *k, enum modsim_sched_role role, unsigned int index);

int modsim_sched_create(const struct modsim_sched_config *cfg, struct modsim_sched **out);
void modsim_sched_destroy(struct modsim_sched *s);
/* Name thread @id ("loader", "worker0"); @loader: it runs init and exit. */
void modsim_sched_name_thread(struct modsim_sched *s, unsigned int id, const char *name,
			      bool loader);
/* The kernel whose threads @s schedules (set once it exists). */
void modsim_sched_bind(struct modsim_sched *s, struct modsim_kernel *k);
/* Give up before or during control: every thread runs free. */
void modsim_sched_abort(struct modsim_sched *s);
/* Wait until control ends.  Return: 0, or -EDEADLK when a thread held the
 * baton without yielding for long (the report says where). */
int modsim_sched_wait_end(struct modsim_sched *s);
/* Move the report out of @s (after control ended). */
void modsim_sched_report_take(struct modsim_sched *s, struct modsim_sched_report *out);

/* The calling thread becomes controlled thread @id of @k's scheduler (no-op
 * without one) and waits for its first turn. */
void modsim_sched_thread_begin(struct modsim_kernel *k, int id);
/* The calling thread leaves; the baton passes on. */
void modsim_sched_thread_end(struct modsim_kernel *k);
/* Is the calling thread controlled, and control still on? */
bool modsim_sched_controlled(struct modsim_kernel *k);
/* A race point (from the point slow path). */
void __modsim_sched_point(struct modsim_kernel *k, enum modsim_point_id id, struct modsim_mod *m);
/*
 * struct modsim_sched_waiter - one wait loop of a controlled thread, on its
 * stack.  @what names the wait in reports; @chan, when set, is what wakes it
 * (modsim_sched_wake()), else any progress of another thread may have made
 * its condition true; @idle: the thread has no work (the idle timer thread),
 * so when only idle threads are left the trial is over, not deadlocked.
 * @rounds is the scheduler's: the first round of a loop is progress (the
 * thread ran code since it last yielded), later rounds are re-checks.
 */
struct modsim_sched_waiter {
	const char *what;
	const void *chan;
	bool idle;
	unsigned int rounds;
};

/*
 * modsim_sched_wait - the condition the calling controlled thread waits for
 * is false: let others run until it may have changed.  Never hold a lock
 * across it.  Typical use:
 *	struct modsim_sched_waiter w = { .what = "unload wait" };
 *	while (!cond)
 *		if (modsim_sched_wait(k, &w))
 *			return -ETIMEDOUT;   control ended: give up as on a time-out
 * Return: 0 (check again), or -ECANCELED when control ended.
 */
int modsim_sched_wait(struct modsim_kernel *k, struct modsim_sched_waiter *w);
/* Wake the controlled threads waiting on @chan.  Any thread. */
void modsim_sched_wake(struct modsim_kernel *k, const void *chan);
/* A channel woken by every step of the loader thread: what workers with
 * nothing to call wait on (only the loader registers and unregisters). */
extern const char modsim_sched_loader_chan;
/* A loop with nothing to do lets the others run (a yield, not a wait). */
void modsim_sched_yield(struct modsim_kernel *k);
/* Is every other controlled thread outside any call bracket (RCU grace period)? */
bool modsim_sched_others_outside_calls(struct modsim_kernel *k);
/* A violation was recorded by the calling thread (stats.c). */
void modsim_sched_violation(struct modsim_kernel *k, const struct modsim_violation *v);
/* "start", "wait", ... or the point's name. */
/* The calling controlled thread enters module hook @what of @m (init,
 * exit, ...), or (@m NULL) has left it. */
void modsim_sched_module_call(struct modsim_kernel *k, struct modsim_mod *m, const char *what);
/* The thread that hung in a module hook (the trial ended on it), or -1. */
int modsim_sched_hung_thread(struct modsim_sched *s);
const char *modsim_sched_at_name(int at);

#endif /* MODSIM_CPU_H */
