/* Race points: pass counts, traps that park a thread, watches, the amplifier. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"

/* A trap: parks the next matching thread at its point until released. */
struct point_trap {
	bool armed;
	bool taken;              /* a thread arrived and is parked */
	bool has_filter;
	char filter[MODSIM_NAME_MAX];
	int release_after;       /* release when this point is passed, or -1 */
	unsigned long release_gen; /* bumped by every release; the parked thread waits on it */
};

/* The amplifier's setting for one point; read without the lock. */
struct point_amp {
	_Atomic uint64_t threshold; /* delay when a 64-bit draw is below it */
	_Atomic int how;            /* enum modsim_delay */
	_Atomic unsigned int us;
	bool on;                    /* counted in points_armed; under lock */
};

struct point_state {
	_Atomic unsigned long passes;
	bool watch;
	struct point_trap trap;
	struct point_amp amp;
};

/*
 * struct modsim_points - k->points.
 *
 * @lock protects every trap, the watch and amplifier "on" flags, @parked and
 * the changes of k->points_armed and @sync.  @cond is broadcast when a thread
 * parks at a trap, when a trap is released, and when a point is passed while
 * someone waits for passes.  Pass counts and amplifier settings are atomics
 * read without the lock.
 *
 * @sync counts what needs a passing thread to take the lock (armed traps,
 * waiters in modsim_point_wait_passed); at zero the slow path is lock-free,
 * so the amplifier alone never serialises threads.
 */
struct modsim_points {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	_Atomic int sync;
	unsigned int parked; /* threads parked at traps */
	struct point_state pt[MODSIM_PT__COUNT];
};

static bool point_valid(int id)
{
	return id >= 0 && id < MODSIM_PT__COUNT;
}

int modsim_points_init(struct modsim_kernel *k)
{
	struct modsim_points *p = calloc(1, sizeof(*p));

	if (!p)
		return modsim_err(-ENOMEM, "kernel: no memory for race points");
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (int i = 0; i < MODSIM_PT__COUNT; i++)
		p->pt[i].trap.release_after = -1;
	atomic_store(&k->points_armed, 0);
	k->points = p;
	return 0;
}

/*
 * Release the trap at @ps: the thread parked there (if one arrived) goes on,
 * and the trap is disarmed at once, so a new one may be set while that
 * thread wakes.  With p->lock held.
 */
static void trap_disarm(struct modsim_kernel *k, struct modsim_points *p, struct point_state *ps)
{
	if (!ps->trap.armed)
		return;
	ps->trap.armed = false;
	ps->trap.taken = false;
	ps->trap.release_after = -1;
	ps->trap.release_gen++;
	atomic_fetch_sub(&k->points_armed, 1);
	atomic_fetch_sub(&p->sync, 1);
	pthread_cond_broadcast(&p->cond);
}

/* Kernel destruction: let any parked thread go, then free.  Threads that
 * still pass points must have been joined. */
void modsim_points_fini(struct modsim_kernel *k)
{
	struct modsim_points *p = k->points;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < MODSIM_PT__COUNT; i++)
		trap_disarm(k, p, &p->pt[i]);
	while (p->parked)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
	k->points = NULL;
}

/* ---- the amplifier ---- */

static uint64_t point_rng_next(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Generator of a thread that has no CPU slot in the kernel it passes. */
static __thread uint64_t tls_rng, tls_rng_uid;

static inline void point_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void point_spin_us(unsigned int us)
{
	uint64_t until = modsim_now_ns() + (uint64_t)us * 1000;

	while (modsim_now_ns() < until)
		point_cpu_relax();
}

static void point_amplify(struct modsim_kernel *k, struct point_amp *a, struct modsim_cpu *cpu)
{
	uint64_t threshold = atomic_load_explicit(&a->threshold, memory_order_relaxed);
	uint64_t draw;

	if (!threshold)
		return;
	if (cpu) {
		draw = point_rng_next(&cpu->rng);
	} else {
		if (tls_rng_uid != k->uid) {
			tls_rng_uid = k->uid;
			tls_rng = (uint64_t)k->cfg.seed ^ 0x5851f42d4c957f2dULL;
		}
		draw = point_rng_next(&tls_rng);
	}
	if (draw >= threshold && threshold != UINT64_MAX)
		return;

	unsigned int us = atomic_load_explicit(&a->us, memory_order_relaxed);

	switch (atomic_load_explicit(&a->how, memory_order_relaxed)) {
	case MODSIM_DELAY_SPIN:
		point_spin_us(us);
		break;
	case MODSIM_DELAY_YIELD:
		sched_yield();
		break;
	case MODSIM_DELAY_SLEEP: {
		struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

		nanosleep(&ts, NULL);
		break;
	}
	}
}

MODSIM_API int modsim_point_amplify(struct modsim_kernel *k, int id, double prob,
				    enum modsim_delay how, unsigned int us)
{
	struct modsim_points *p = k->points;
	uint64_t threshold;
	int lo = id, hi = id + 1;

	if (id == -1) {
		lo = 0;
		hi = MODSIM_PT__COUNT;
	} else if (!point_valid(id)) {
		return modsim_err(-EINVAL, "amplify: no race point %d", id);
	}
	if (!(prob >= 0.0 && prob <= 1.0))
		return modsim_err(-EINVAL, "amplify: probability %g is not in [0, 1]", prob);
	if (how != MODSIM_DELAY_SPIN && how != MODSIM_DELAY_YIELD && how != MODSIM_DELAY_SLEEP)
		return modsim_err(-EINVAL, "amplify: unknown delay kind %d", (int)how);

	/* A pass is delayed when a 64-bit draw is below prob * 2^64. */
	if (prob == 0.0)
		threshold = 0;
	else if (prob * 18446744073709551616.0 >= 18446744073709551615.0)
		threshold = UINT64_MAX;
	else
		threshold = (uint64_t)(prob * 18446744073709551616.0) | 1;

	pthread_mutex_lock(&p->lock);
	for (int i = lo; i < hi; i++) {
		struct point_amp *a = &p->pt[i].amp;

		atomic_store_explicit(&a->how, how, memory_order_relaxed);
		atomic_store_explicit(&a->us, us, memory_order_relaxed);
		atomic_store_explicit(&a->threshold, threshold, memory_order_relaxed);
		if (threshold && !a->on)
			atomic_fetch_add(&k->points_armed, 1);
		else if (!threshold && a->on)
			atomic_fetch_sub(&k->points_armed, 1);
		a->on = threshold != 0;
	}
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* ---- the slow path ---- */

static bool trap_matches(const struct point_trap *t, const struct modsim_mod *m)
{
	if (!t->armed || t->taken)
		return false;
	return !t->has_filter || (m && strcmp(m->name, t->filter) == 0);
}

void __modsim_point_slow(struct modsim_kernel *k, enum modsim_point_id id, struct modsim_mod *m)
{
	struct modsim_points *p = k->points;
	struct modsim_cpu *cpu;
	struct point_state *ps;

	if (!p || !point_valid(id))
		return;
	ps = &p->pt[id];
	/* seq_cst pairs with modsim_point_wait_passed: either it sees this
	 * pass, or this thread sees its waiter in @sync and wakes it. */
	atomic_fetch_add_explicit(&ps->passes, 1, memory_order_seq_cst);
	cpu = modsim_cpu_peek(k);
	if (cpu)
		cpu->last_point = id;
	point_amplify(k, &ps->amp, cpu);
	if (k->sched)
		__modsim_sched_point(k, id, m);

	if (!atomic_load_explicit(&p->sync, memory_order_seq_cst))
		return;

	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < MODSIM_PT__COUNT; i++)
		if (p->pt[i].trap.armed && p->pt[i].trap.release_after == (int)id)
			trap_disarm(k, p, &p->pt[i]);
	if (trap_matches(&ps->trap, m)) {
		unsigned long gen = ps->trap.release_gen;

		ps->trap.taken = true;
		p->parked++;
		pthread_cond_broadcast(&p->cond);
		while (ps->trap.release_gen == gen)
			pthread_cond_wait(&p->cond, &p->lock);
		p->parked--;
	}
	pthread_cond_broadcast(&p->cond); /* passes waiters */
	pthread_mutex_unlock(&p->lock);
}

MODSIM_API void modsim_point(struct modsim_kernel *k, enum modsim_point_id id, struct modsim_mod *m)
{
	modsim_point_hit(k, id, m);
}

MODSIM_API void modsim_point_mod(struct module *self, enum modsim_point_id id)
{
	struct modsim_mod *m = modsim_owner(self);

	if (m)
		modsim_point_hit(m->k, id, m);
}

/* ---- control ---- */

MODSIM_API int modsim_point_trap(struct modsim_kernel *k, enum modsim_point_id id,
				 const char *module)
{
	struct modsim_points *p = k->points;
	struct point_trap *t;

	if (!point_valid(id))
		return modsim_err(-EINVAL, "trap: no race point %d", (int)id);
	if (module && strlen(module) >= MODSIM_NAME_MAX)
		return modsim_err(-EINVAL, "trap %s: module name too long", modsim_point_name(id));
	pthread_mutex_lock(&p->lock);
	t = &p->pt[id].trap;
	if (t->armed) {
		pthread_mutex_unlock(&p->lock);
		return modsim_err(-EBUSY, "trap %s: a trap is already set there", modsim_point_name(id));
	}
	t->armed = true;
	t->taken = false;
	t->release_after = -1;
	t->has_filter = module != NULL;
	if (module)
		strcpy(t->filter, module);
	atomic_fetch_add(&p->sync, 1);
	atomic_fetch_add(&k->points_armed, 1);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* CLOCK_MONOTONIC deadline @ms from now. */
static struct timespec point_deadline_after(unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

MODSIM_API int modsim_point_wait_parked(struct modsim_kernel *k, enum modsim_point_id id,
					unsigned int timeout_ms)
{
	struct modsim_points *p = k->points;
	struct timespec until = point_deadline_after(timeout_ms);
	struct point_trap *t;
	int err = 0;

	if (!point_valid(id))
		return modsim_err(-EINVAL, "wait parked: no race point %d", (int)id);
	pthread_mutex_lock(&p->lock);
	t = &p->pt[id].trap;
	while (!(t->armed && t->taken)) {
		if (pthread_cond_clockwait(&p->cond, &p->lock, CLOCK_MONOTONIC, &until) ==
		    ETIMEDOUT) {
			if (!(t->armed && t->taken))
				err = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (err)
		return modsim_err(err, "wait parked: no thread reached %s within %u ms",
				  modsim_point_name(id), timeout_ms);
	return 0;
}

MODSIM_API void modsim_point_release(struct modsim_kernel *k, enum modsim_point_id id)
{
	struct modsim_points *p = k->points;

	if (!point_valid(id))
		return;
	pthread_mutex_lock(&p->lock);
	trap_disarm(k, p, &p->pt[id]);
	pthread_mutex_unlock(&p->lock);
}

MODSIM_API int modsim_point_release_after(struct modsim_kernel *k, enum modsim_point_id id,
					  enum modsim_point_id after)
{
	struct modsim_points *p = k->points;
	int err = 0;

	if (!point_valid(id) || !point_valid(after))
		return modsim_err(-EINVAL, "release after: no race point %d or %d", (int)id,
				  (int)after);
	pthread_mutex_lock(&p->lock);
	if (p->pt[id].trap.armed)
		p->pt[id].trap.release_after = after;
	else
		err = -EINVAL;
	pthread_mutex_unlock(&p->lock);
	if (err)
		return modsim_err(err, "release after: no trap set at %s", modsim_point_name(id));
	return 0;
}

MODSIM_API unsigned long modsim_point_passes(struct modsim_kernel *k, enum modsim_point_id id)
{
	if (!point_valid(id))
		return 0;
	return atomic_load_explicit(&k->points->pt[id].passes, memory_order_acquire);
}

MODSIM_API void modsim_point_watch(struct modsim_kernel *k, enum modsim_point_id id)
{
	struct modsim_points *p = k->points;

	if (!point_valid(id))
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->pt[id].watch) {
		p->pt[id].watch = true;
		atomic_fetch_add(&k->points_armed, 1);
	}
	pthread_mutex_unlock(&p->lock);
}

MODSIM_API int modsim_point_wait_passed(struct modsim_kernel *k, enum modsim_point_id id,
					unsigned long n, unsigned int timeout_ms)
{
	struct modsim_points *p = k->points;
	struct timespec until = point_deadline_after(timeout_ms);
	_Atomic unsigned long *passes;
	int err = 0;

	if (!point_valid(id))
		return modsim_err(-EINVAL, "wait passed: no race point %d", (int)id);
	passes = &p->pt[id].passes;
	modsim_point_watch(k, id); /* passes are counted only while armed */
	pthread_mutex_lock(&p->lock);
	atomic_fetch_add_explicit(&p->sync, 1, memory_order_seq_cst);
	while (atomic_load_explicit(passes, memory_order_seq_cst) < n) {
		if (pthread_cond_clockwait(&p->cond, &p->lock, CLOCK_MONOTONIC, &until) ==
		    ETIMEDOUT) {
			if (atomic_load_explicit(passes, memory_order_seq_cst) < n)
				err = -ETIMEDOUT;
			break;
		}
	}
	atomic_fetch_sub(&p->sync, 1);
	pthread_mutex_unlock(&p->lock);
	if (err)
		return modsim_err(err, "wait passed: %s passed %lu of %lu times within %u ms",
				  modsim_point_name(id), atomic_load(passes), n, timeout_ms);
	return 0;
}
