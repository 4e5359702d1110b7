/* Timers: timer_setup/mod_timer/del_timer_sync, the timer thread, manual firing, the leak sweep. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <modsim/timer.h>

#include "dispatch/callpath.h"

/*
 * struct modsim_timer - the kernel's side of a timer_list (t->__kt).
 *
 * Made by __timer_setup() with copies of everything the kernel needs without
 * the module: owner record, callback address, a printable name.  A node is
 * freed when it is off the list (shut down, set up again, or swept) and no
 * callback of it runs, by whichever of the two happens last.
 */
struct modsim_timer {
	struct modsim_timer *prev, *next; /* on ts->timers while linked */
	struct modsim_timer_state *ts;
	struct modsim_mod *owner;
	void (*fn)(struct timer_list *t); /* module code: only ever called under a guard */
	struct timer_list *t;             /* module memory: only handed to fn */
	uint64_t expires_ns;              /* CLOCK_MONOTONIC */
	unsigned long arm_seq;            /* ts->seq when last armed */
	unsigned int running;             /* callbacks of this timer in progress */
	bool armed;
	bool linked;
	char name[MODSIM_NAME_MAX];
};

/*
 * struct modsim_timer_state - a kernel's timers and its timer thread.
 *
 * lock protects the list of nodes (timers), every node's fields, seq,
 * narmed and stop.  kick (with lock) wakes the timer thread when a timer is
 * armed or the thread must stop; idle (with lock) is broadcast whenever a
 * callback ends, for del_timer_sync().  Nobody holds lock while calling
 * strategy or module code.  Lock order: load_mutex, list_lock, then lock.
 */
struct modsim_timer_state {
	pthread_mutex_t lock;
	pthread_cond_t kick;
	pthread_cond_t idle;
	struct modsim_timer *timers;
	unsigned long seq;
	unsigned int narmed;
	bool stop;
	struct modsim_kernel *k;
	/* The timer thread; ready/thread_err hand its start-up result to init. */
	bool has_thread, ready;
	int thread_err;
	pthread_t thread;
};

/* The timer whose callback this thread is running (innermost), or NULL. */
static __thread struct modsim_timer *timer_current;

static uint64_t timer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Disarm @kt; true when it was armed.  Must be called with ts->lock held. */
static bool timer_disarm(struct modsim_timer *kt)
{
	if (!kt->armed)
		return false;
	kt->armed = false;
	kt->ts->narmed--;
	return true;
}

/*
 * Take @kt off the list (disarming it).  Return: true when the caller must
 * free it now (no callback runs).  Must be called with ts->lock held.
 */
static bool timer_unlink(struct modsim_timer *kt)
{
	struct modsim_timer_state *ts = kt->ts;

	timer_disarm(kt);
	if (kt->prev)
		kt->prev->next = kt->next;
	else
		ts->timers = kt->next;
	if (kt->next)
		kt->next->prev = kt->prev;
	kt->prev = kt->next = NULL;
	kt->linked = false;
	return kt->running == 0;
}

MODSIM_API int __timer_setup(struct module *owner, struct timer_list *t,
			     void (*fn)(struct timer_list *t))
{
	struct modsim_mod *m = modsim_owner(owner);
	struct modsim_timer_state *ts;
	struct modsim_timer *kt, *old, *drop = NULL;

	if (!t || !fn)
		return modsim_err(-EINVAL, "timer_setup: NULL %s", t ? "function" : "timer");
	if (!m)
		return modsim_err(-EINVAL, "timer_setup: owner is not a module");
	ts = m->k->timer;
	kt = calloc(1, sizeof(*kt));
	if (!kt)
		return modsim_err(-ENOMEM, "timer_setup %s: no memory", m->name);
	kt->ts = ts;
	kt->owner = m;
	kt->fn = fn;
	kt->t = t;
	kt->linked = true;
	modsim_code_name((void *)fn, kt->name, sizeof(kt->name));

	t->function = fn;
	pthread_mutex_lock(&ts->lock);
	/*
	 * Set up again: forget the old node.  It is found by address, never
	 * through t->__kt, which may be stale when glibc kept a previous
	 * generation's data mapped.
	 */
	for (old = ts->timers; old; old = old->next) {
		if (old->t == t && old->owner == m) {
			if (timer_unlink(old))
				drop = old;
			break;
		}
	}
	kt->next = ts->timers;
	if (ts->timers)
		ts->timers->prev = kt;
	ts->timers = kt;
	t->__kt = kt;
	pthread_mutex_unlock(&ts->lock);
	free(drop);
	return 0;
}

MODSIM_API int mod_timer(struct timer_list *t, unsigned long delay_ms)
{
	struct modsim_timer_state *ts;
	struct modsim_timer *kt;
	bool was;

	if (!t || !t->__kt)
		return modsim_err(-EINVAL, "mod_timer: timer not set up");
	kt = t->__kt;
	ts = kt->ts;
	pthread_mutex_lock(&ts->lock);
	if (!kt->linked) {
		pthread_mutex_unlock(&ts->lock);
		return modsim_err(-EINVAL, "mod_timer %s: timer was shut down", kt->name);
	}
	was = kt->armed;
	if (!was)
		ts->narmed++;
	kt->armed = true;
	kt->expires_ns = timer_now() + (uint64_t)delay_ms * 1000000ULL;
	kt->arm_seq = ++ts->seq;
	pthread_cond_signal(&ts->kick);
	modsim_sched_wake(ts->k, ts);
	pthread_mutex_unlock(&ts->lock);
	return was;
}

MODSIM_API int del_timer(struct timer_list *t)
{
	struct modsim_timer *kt = t ? t->__kt : NULL;
	bool was;

	if (!kt)
		return 0;
	pthread_mutex_lock(&kt->ts->lock);
	was = timer_disarm(kt);
	pthread_mutex_unlock(&kt->ts->lock);
	return was;
}

/*
 * Disarm @kt and wait until no callback of it runs, disarming it again
 * each time one ends (a callback may re-arm its own timer).  Called from
 * @kt's own callback it only disarms: waiting for itself would never end.
 * The wait passes MODSIM_PT_UNLOAD_WAIT first (exit waiting for a running
 * callback is an unload waiting for a user).  Must be called with ts->lock
 * held; drops it around the point.
 * Return: whether @kt was armed.
 */
static bool timer_sync_locked(struct modsim_timer *kt)
{
	struct modsim_timer_state *ts = kt->ts;
	struct modsim_sched_waiter w = { .what = "timer callback running" };
	bool was = timer_disarm(kt);

	if (!kt->running || timer_current == kt)
		return was;
	pthread_mutex_unlock(&ts->lock);
	modsim_point_hit(ts->k, MODSIM_PT_UNLOAD_WAIT, kt->owner);
	pthread_mutex_lock(&ts->lock);
	timer_disarm(kt);
	while (kt->running && modsim_sched_controlled(ts->k)) {
		int err;

		pthread_mutex_unlock(&ts->lock);
		err = modsim_sched_wait(ts->k, &w);
		pthread_mutex_lock(&ts->lock);
		timer_disarm(kt);
		if (err)
			break;
	}
	while (kt->running) {
		pthread_cond_wait(&ts->idle, &ts->lock);
		timer_disarm(kt);
	}
	return was;
}

/*
 * After a sync of @kt (owner @m), outside ts->lock: an exit that makes it
 * waited for every callback of @kt that had entered (exitcalls.c).  Not
 * from @kt's own callback, which cannot wait for itself.
 */
static void timer_synced(struct modsim_mod *m, const struct modsim_timer *kt)
{
	if (timer_current != kt)
		modsim_exit_synced(m, kt);
}

MODSIM_API int del_timer_sync(struct timer_list *t)
{
	struct modsim_timer *kt = t ? t->__kt : NULL;
	bool was;

	if (!kt)
		return 0;
	pthread_mutex_lock(&kt->ts->lock);
	was = timer_sync_locked(kt);
	pthread_mutex_unlock(&kt->ts->lock);
	timer_synced(kt->owner, kt);
	return was;
}

/* Synced and unlinked under one hold of the lock, so nothing re-arms it in between. */
MODSIM_API void timer_shutdown_sync(struct timer_list *t)
{
	struct modsim_timer *kt = t ? t->__kt : NULL;
	struct modsim_mod *owner;
	bool drop = false;

	if (!kt)
		return;
	owner = kt->owner;
	pthread_mutex_lock(&kt->ts->lock);
	timer_sync_locked(kt);
	if (kt->linked)
		drop = timer_unlink(kt);
	t->__kt = NULL;
	pthread_mutex_unlock(&kt->ts->lock);
	timer_synced(owner, kt); /* the address only: @kt may be freed below */
	if (drop)
		free(kt);
}

/*
 * Take the due timer with the earliest expiry (armed at or before @max_seq,
 * expiring at or before @now): disarm it and count its callback as running.
 * Must be called with ts->lock held.
 */
static struct modsim_timer *timer_pick(struct modsim_timer_state *ts, uint64_t now,
				       unsigned long max_seq)
{
	struct modsim_timer *kt, *best = NULL;

	if (ts->stop)
		return NULL;
	for (kt = ts->timers; kt; kt = kt->next) {
		if (!kt->armed || kt->arm_seq > max_seq || kt->expires_ns > now)
			continue;
		if (!best || kt->expires_ns < best->expires_ns)
			best = kt;
	}
	if (best) {
		timer_disarm(best);
		best->running++;
	}
	return best;
}

/*
 * One entry/exit-bracketed, guarded call of a timer callback (module code).
 * Return: 0, -ENODEV (refused) or -EFAULT (faulted).
 */
static __attribute__((noinline)) int timer_call(struct modsim_cpu *cpu,
						struct modsim_mod *owner,
						const struct modsim_timer *kt,
						void (*fn)(struct timer_list *),
						struct timer_list *t)
{
	int err;

	MODSIM_CALL_OBJ(err, cpu, owner, MODSIM_SS_TIMER, "timer", kt, fn(t));
	return err;
}

/*
 * Run the callback of @kt, picked by timer_pick(), through the call path.
 * Return: 0 when it ran, -ENODEV (refused) or -EFAULT (faulted).
 */
static int timer_fire(struct modsim_cpu *cpu, struct modsim_timer *kt)
{
	struct modsim_timer_state *ts = kt->ts;
	struct modsim_timer *outer = timer_current;
	void (*fn)(struct timer_list *) = kt->fn;
	struct timer_list *t = kt->t;
	struct modsim_mod *owner = kt->owner;
	bool drop;
	int err;

	modsim_point_hit(ts->k, MODSIM_PT_TIMER_AFTER_PICK, owner);
	modsim_point_hit(ts->k, MODSIM_PT_CALL_AFTER_LOOKUP, owner);
	timer_current = kt;
	err = timer_call(cpu, owner, kt, fn, t);
	timer_current = outer;

	pthread_mutex_lock(&ts->lock);
	kt->running--;
	drop = !kt->linked && kt->running == 0;
	pthread_cond_broadcast(&ts->idle);
	pthread_mutex_unlock(&ts->lock);
	if (drop)
		free(kt);
	return err;
}

/*
 * Pick one due timer and run its callback, in one call bracket: the pick is
 * the lookup.  Return: 1 when a callback ran, 0 when it was refused or
 * faulted, -1 when nothing was due.
 */
static int timer_run_one(struct modsim_timer_state *ts, struct modsim_cpu *cpu, uint64_t now,
			 unsigned long max_seq)
{
	bool adhoc = modsim_cpu_call_begin(cpu);
	struct modsim_timer *kt;
	int err;

	pthread_mutex_lock(&ts->lock);
	kt = timer_pick(ts, now, max_seq);
	pthread_mutex_unlock(&ts->lock);
	if (!kt) {
		modsim_cpu_call_end(cpu, adhoc);
		return -1;
	}
	err = timer_fire(cpu, kt);
	modsim_cpu_call_end(cpu, adhoc);
	return err == 0;
}

MODSIM_API int modsim_timer_run_expired(struct modsim_kernel *k, bool all)
{
	struct modsim_timer_state *ts = k->timer;
	uint64_t now = all ? UINT64_MAX : timer_now();
	struct modsim_cpu *cpu;
	unsigned long limit;
	int ran = 0, r;

	cpu = modsim_cpu_self(k);
	if (!cpu)
		return modsim_err(-EAGAIN, "run timers: no CPU slot left");
	/* Timers a callback re-arms wait for the next run. */
	pthread_mutex_lock(&ts->lock);
	limit = ts->seq;
	pthread_mutex_unlock(&ts->lock);
	while ((r = timer_run_one(ts, cpu, now, limit)) >= 0) {
		ran += r;
		modsim_cpu_quiescent(cpu);
	}
	return ran;
}

MODSIM_API int modsim_timer_armed(struct modsim_kernel *k)
{
	struct modsim_timer_state *ts = k->timer;
	int n;

	pthread_mutex_lock(&ts->lock);
	n = (int)ts->narmed;
	pthread_mutex_unlock(&ts->lock);
	return n;
}

/* The earliest expiry of an armed timer, or UINT64_MAX.  Must be called with ts->lock held. */
static uint64_t timer_next_expiry(struct modsim_timer_state *ts)
{
	uint64_t next = UINT64_MAX;

	for (struct modsim_timer *kt = ts->timers; kt; kt = kt->next)
		if (kt->armed && kt->expires_ns < next)
			next = kt->expires_ns;
	return next;
}

/*
 * The timer thread: offline while it sleeps until the earliest expiry;
 * online while it fires, with a quiescent point between callbacks (where a
 * stopped world holds it back).
 */
static void *timer_thread(void *arg)
{
	struct modsim_timer_state *ts = arg;
	struct modsim_cpu *cpu = modsim_cpu_self(ts->k);

	pthread_mutex_lock(&ts->lock);
	ts->thread_err = cpu ? 0 : -EAGAIN;
	ts->ready = true;
	pthread_cond_broadcast(&ts->idle);
	if (!cpu) {
		pthread_mutex_unlock(&ts->lock);
		return NULL;
	}
	pthread_mutex_unlock(&ts->lock);
	modsim_sched_thread_begin(ts->k, modsim_sched_role(ts->k, MODSIM_ROLE_TIMER, 0));
	pthread_mutex_lock(&ts->lock);
	while (!ts->stop) {
		uint64_t next = timer_next_expiry(ts);

		if (modsim_sched_controlled(ts->k)) {
			/*
			 * Controlled: time is a choice of the scheduler.  Every
			 * armed timer is due whenever this thread runs; with
			 * none armed it waits.  Timers re-armed by a callback
			 * wait for the next round.
			 */
			struct modsim_sched_waiter w = { .what = "timer idle", .chan = ts,
							  .idle = true };
			unsigned long limit = ts->seq;

			pthread_mutex_unlock(&ts->lock);
			if (next == UINT64_MAX) {
				modsim_sched_wait(ts->k, &w);
			} else {
				modsim_cpu_online(cpu);
				while (timer_run_one(ts, cpu, UINT64_MAX, limit) >= 0)
					modsim_cpu_quiescent(cpu);
				modsim_cpu_offline(cpu);
				/* Time passes for the others before the next round. */
				modsim_sched_yield(ts->k);
			}
			pthread_mutex_lock(&ts->lock);
			continue;
		}

		if (next == UINT64_MAX) {
			pthread_cond_wait(&ts->kick, &ts->lock);
			continue;
		}
		if (next > timer_now()) {
			struct timespec until = {
				.tv_sec = (time_t)(next / 1000000000ULL),
				.tv_nsec = (long)(next % 1000000000ULL),
			};

			pthread_cond_clockwait(&ts->kick, &ts->lock, CLOCK_MONOTONIC, &until);
			continue;
		}
		pthread_mutex_unlock(&ts->lock);

		modsim_cpu_online(cpu);
		while (timer_run_one(ts, cpu, timer_now(), ULONG_MAX) >= 0)
			modsim_cpu_quiescent(cpu);
		modsim_cpu_offline(cpu);
		pthread_mutex_lock(&ts->lock);
	}
	pthread_mutex_unlock(&ts->lock);
	modsim_sched_thread_end(ts->k);
	modsim_cpu_release_self(ts->k);
	modsim_fault_thread_fini();
	return NULL;
}

void modsim_timer_sweep(struct modsim_mod *m)
{
	struct modsim_timer_state *ts = m->k->timer;
	struct modsim_timer *kt, *next, *gone = NULL;
	struct modsim_violation v;

	/*
	 * Nodes with a callback still running are left to timer_fire() to
	 * free; the others move to @gone, linked through next, armed ones
	 * marked by armed.
	 */
	pthread_mutex_lock(&ts->lock);
	for (kt = ts->timers; kt; kt = next) {
		bool armed = kt->armed;

		next = kt->next;
		if (kt->owner != m)
			continue;
		if (timer_unlink(kt)) {
			kt->armed = armed;
			kt->next = gone;
			gone = kt;
		} else if (armed) {
			/* Still running: report now, from a copy. */
			modsim_violation_init(&v, MODSIM_V_LEAK, m, MODSIM_SS_TIMER, "sweep");
			snprintf(v.detail, sizeof(v.detail), "timer %s still armed", kt->name);
			pthread_mutex_unlock(&ts->lock);
			modsim_stat_violation(m->k, &v);
			pthread_mutex_lock(&ts->lock);
			next = ts->timers; /* the list may have changed: rescan */
		}
	}
	pthread_mutex_unlock(&ts->lock);

	/* Reported outside the lock; only the kernel's copies are read. */
	while ((kt = gone)) {
		gone = kt->next;
		if (kt->armed) {
			modsim_violation_init(&v, MODSIM_V_LEAK, m, MODSIM_SS_TIMER, "sweep");
			snprintf(v.detail, sizeof(v.detail), "timer %s still armed", kt->name);
			modsim_stat_violation(m->k, &v);
		}
		free(kt);
	}
}

int modsim_timer_init(struct modsim_kernel *k)
{
	struct modsim_timer_state *ts = calloc(1, sizeof(*ts));
	int err;

	if (!ts)
		return modsim_err(-ENOMEM, "kernel: no memory for timers");
	pthread_mutex_init(&ts->lock, NULL);
	pthread_cond_init(&ts->kick, NULL);
	pthread_cond_init(&ts->idle, NULL);
	ts->k = k;
	k->timer = ts;
	if (!k->cfg.timer_thread)
		return 0;

	err = pthread_create(&ts->thread, NULL, timer_thread, ts);
	if (err) {
		err = modsim_err(-err, "kernel: cannot start the timer thread: %s", strerror(err));
		goto free_state;
	}
	pthread_mutex_lock(&ts->lock);
	while (!ts->ready)
		pthread_cond_wait(&ts->idle, &ts->lock);
	err = ts->thread_err;
	pthread_mutex_unlock(&ts->lock);
	if (err) {
		pthread_join(ts->thread, NULL);
		err = modsim_err(err, "kernel: no CPU slot for the timer thread (max_cpus %u)",
				 k->cfg.max_cpus);
		goto free_state;
	}
	ts->has_thread = true;
	return 0;

free_state:
	pthread_cond_destroy(&ts->idle);
	pthread_cond_destroy(&ts->kick);
	pthread_mutex_destroy(&ts->lock);
	free(ts);
	k->timer = NULL;
	return err;
}

void modsim_timer_fini(struct modsim_kernel *k)
{
	struct modsim_timer_state *ts = k->timer;
	struct modsim_timer *kt;

	if (!ts)
		return;
	pthread_mutex_lock(&ts->lock);
	ts->stop = true;
	pthread_cond_broadcast(&ts->kick);
	pthread_mutex_unlock(&ts->lock);
	if (ts->has_thread)
		pthread_join(ts->thread, NULL);

	/* Modules are unloaded (and swept) by now; free what is left. */
	while ((kt = ts->timers)) {
		ts->timers = kt->next;
		free(kt);
	}
	pthread_cond_destroy(&ts->idle);
	pthread_cond_destroy(&ts->kick);
	pthread_mutex_destroy(&ts->lock);
	free(ts);
	k->timer = NULL;
}
