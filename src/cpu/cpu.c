/* CPU slots: one per thread, quiescent states, and stopping the world. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"

/*
 * A thread's slot is cached in TLS, keyed by the kernel's uid rather than by
 * its address: tests create and destroy kernels over and over, and a new
 * kernel may be allocated where an old one was.  A thread may work for a few
 * kernels at once; past that, the oldest entry is forgotten (its slot stays
 * claimed, offline, and is reclaimed when the kernel goes).
 */
#define CPU_CACHE_WAYS 8

struct cpu_cache_entry {
	uint64_t uid;
	struct modsim_cpu *cpu;
};

static __thread struct cpu_cache_entry cpu_cache[CPU_CACHE_WAYS];
static __thread unsigned int cpu_cache_next;

/*
 * The stop this thread made: the kernel's uid and when the stop began.  The
 * stopping thread never parks in its own stopped world (it runs init or exit
 * there); any other thread does, even one that stopped an earlier world.
 */
static __thread struct {
	uint64_t uid, began_ns;
} world_stopper;

/* Did this thread stop @k's world?  Must be called with k->world_lock held. */
static bool world_stopped_by_me(const struct modsim_kernel *k)
{
	return world_stopper.uid == k->uid && world_stopper.began_ns == k->world_stop_began_ns;
}

static struct modsim_cpu *cpu_cache_find(const struct modsim_kernel *k)
{
	for (unsigned int i = 0; i < CPU_CACHE_WAYS; i++)
		if (cpu_cache[i].cpu && cpu_cache[i].uid == k->uid)
			return cpu_cache[i].cpu;
	return NULL;
}

static void cpu_cache_add(const struct modsim_kernel *k, struct modsim_cpu *cpu)
{
	unsigned int i;

	for (i = 0; i < CPU_CACHE_WAYS; i++)
		if (!cpu_cache[i].cpu)
			break;
	if (i == CPU_CACHE_WAYS)
		i = cpu_cache_next++ % CPU_CACHE_WAYS;
	cpu_cache[i].uid = k->uid;
	cpu_cache[i].cpu = cpu;
}

static void cpu_cache_forget(const struct modsim_kernel *k)
{
	for (unsigned int i = 0; i < CPU_CACHE_WAYS; i++)
		if (cpu_cache[i].uid == k->uid)
			cpu_cache[i].cpu = NULL;
}

/* splitmix64's finaliser: spreads a seed and a slot number over 64 bits. */
static uint64_t cpu_seed_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int modsim_cpu_init(struct modsim_kernel *k)
{
	unsigned int n = k->cfg.max_cpus;
	size_t bytes;

	if (n == 0)
		return modsim_err(-EINVAL, "kernel: max_cpus must be at least 1");
	bytes = (size_t)n * sizeof(struct modsim_cpu);
	k->cpus = aligned_alloc(MODSIM_CACHELINE, bytes);
	if (!k->cpus)
		return modsim_err(-ENOMEM, "kernel: no memory for %u CPU slots", n);
	memset(k->cpus, 0, bytes);
	for (unsigned int i = 0; i < n; i++) {
		k->cpus[i].id = i;
		k->cpus[i].k = k;
		k->cpus[i].last_point = -1;
	}
	k->ncpus = n;
	atomic_store(&k->world_stop, 0);
	return 0;
}

void modsim_cpu_fini(struct modsim_kernel *k)
{
	cpu_cache_forget(k);
	free(k->cpus);
	k->cpus = NULL;
	k->ncpus = 0;
}

struct modsim_cpu *modsim_cpu_peek(struct modsim_kernel *k)
{
	return cpu_cache_find(k);
}

struct modsim_cpu *modsim_cpu_self(struct modsim_kernel *k)
{
	struct modsim_cpu *cpu = cpu_cache_find(k);

	if (modsim_likely(cpu != NULL))
		return cpu;

	pthread_mutex_lock(&k->cpu_lock);
	for (unsigned int i = 0; i < k->ncpus; i++) {
		struct modsim_cpu *c = &k->cpus[i];

		if (atomic_load_explicit(&c->used, memory_order_relaxed))
			continue;
		atomic_store_explicit(&c->online, 0, memory_order_relaxed);
		atomic_store_explicit(&c->parked, 0, memory_order_relaxed);
		c->rng = cpu_seed_mix((uint64_t)k->cfg.seed ^ cpu_seed_mix(i + 1));
		c->last_point = -1;
		atomic_store_explicit(&c->used, 1, memory_order_release);
		cpu = c;
		break;
	}
	pthread_mutex_unlock(&k->cpu_lock);
	if (!cpu)
		return NULL;

	cpu_cache_add(k, cpu);
	return cpu;
}

void modsim_cpu_release_self(struct modsim_kernel *k)
{
	struct modsim_cpu *cpu = cpu_cache_find(k);

	if (!cpu)
		return;
	modsim_cpu_offline(cpu);
	pthread_mutex_lock(&k->cpu_lock);
	atomic_store_explicit(&cpu->used, 0, memory_order_release);
	pthread_mutex_unlock(&k->cpu_lock);
	cpu_cache_forget(k);
}

/* Wake a stopper that may be waiting for this slot to park or go offline. */
static void world_poke(struct modsim_kernel *k)
{
	pthread_mutex_lock(&k->world_lock);
	pthread_cond_broadcast(&k->world_cond);
	pthread_mutex_unlock(&k->world_lock);
}

void modsim_cpu_offline(struct modsim_cpu *cpu)
{
	struct modsim_kernel *k = cpu->k;

	atomic_fetch_add_explicit(&cpu->qs, 1, memory_order_release);
	/*
	 * seq_cst pairs with modsim_stop_world(): either the stopper sees this
	 * slot offline, or this thread sees the stop and wakes the stopper.
	 */
	atomic_store_explicit(&cpu->online, 0, memory_order_seq_cst);
	if (modsim_unlikely(atomic_load_explicit(&k->world_stop, memory_order_seq_cst)))
		world_poke(k);
}

void modsim_cpu_online(struct modsim_cpu *cpu)
{
	struct modsim_kernel *k = cpu->k;

	atomic_store_explicit(&cpu->online, 1, memory_order_relaxed);
	/* Online before any read of module state; pairs with the loader's
	 * fence in modsim_wait_quiescence() and with modsim_stop_world(). */
	atomic_thread_fence(memory_order_seq_cst);
	if (modsim_unlikely(atomic_load_explicit(&k->world_stop, memory_order_relaxed)))
		__modsim_cpu_park(cpu);
}

void __modsim_cpu_park(struct modsim_cpu *cpu)
{
	struct modsim_kernel *k = cpu->k;

	if (modsim_sched_controlled(k)) {
		struct modsim_sched_waiter w = { .what = "world stopped", .chan = &k->world_stop };
		bool mine;

		pthread_mutex_lock(&k->world_lock);
		mine = world_stopped_by_me(k);
		pthread_mutex_unlock(&k->world_lock);
		if (mine)
			return;
		atomic_store_explicit(&cpu->parked, 1, memory_order_release);
		while (atomic_load_explicit(&k->world_stop, memory_order_acquire))
			if (modsim_sched_wait(k, &w))
				break; /* control ended: the trial is winding down */
		atomic_store_explicit(&cpu->parked, 0, memory_order_release);
		return;
	}
	pthread_mutex_lock(&k->world_lock);
	if (atomic_load_explicit(&k->world_stop, memory_order_acquire) && !world_stopped_by_me(k)) {
		atomic_store_explicit(&cpu->parked, 1, memory_order_release);
		pthread_cond_broadcast(&k->world_cond);
		while (atomic_load_explicit(&k->world_stop, memory_order_acquire))
			pthread_cond_wait(&k->world_cond, &k->world_lock);
		atomic_store_explicit(&cpu->parked, 0, memory_order_release);
	}
	pthread_mutex_unlock(&k->world_lock);
}

/* Absolute CLOCK_MONOTONIC time @ms from now. */
static struct timespec cpu_deadline_after(unsigned int ms)
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

/* How many used slots other than @self are neither parked nor offline. */
static unsigned int world_running(struct modsim_kernel *k, const struct modsim_cpu *self)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < k->ncpus; i++) {
		struct modsim_cpu *c = &k->cpus[i];

		if (c == self || !atomic_load_explicit(&c->used, memory_order_acquire))
			continue;
		if (atomic_load_explicit(&c->parked, memory_order_acquire))
			continue;
		if (!atomic_load_explicit(&c->online, memory_order_seq_cst))
			continue;
		n++;
	}
	return n;
}

/* Must be called with k->world_lock held. */
static uint64_t world_start_locked(struct modsim_kernel *k)
{
	atomic_store_explicit(&k->world_stop, 0, memory_order_seq_cst);
	pthread_cond_broadcast(&k->world_cond);
	modsim_sched_wake(k, &k->world_stop);
	return modsim_now_ns() - k->world_stop_began_ns;
}

/*
 * Stops are not nested: callers serialise them (the loader holds load_mutex).
 */
MODSIM_API int modsim_stop_world(struct modsim_kernel *k)
{
	struct modsim_cpu *self = modsim_cpu_peek(k);
	unsigned int ms = k->cfg.unload_timeout_ms;
	struct timespec until = cpu_deadline_after(ms);
	unsigned int running;
	uint64_t took;

	pthread_mutex_lock(&k->world_lock);
	k->world_stop_began_ns = modsim_now_ns();
	world_stopper.uid = k->uid;
	world_stopper.began_ns = k->world_stop_began_ns;
	atomic_store_explicit(&k->world_stop, 1, memory_order_seq_cst);
	if (modsim_sched_controlled(k)) {
		struct modsim_sched_waiter w = { .what = "stopping the world" };

		pthread_mutex_unlock(&k->world_lock);
		while (world_running(k, self) != 0)
			if (modsim_sched_wait(k, &w))
				break; /* control ended: wait as a free run would */
		pthread_mutex_lock(&k->world_lock);
	}
	while ((running = world_running(k, self)) != 0) {
		if (pthread_cond_clockwait(&k->world_cond, &k->world_lock, CLOCK_MONOTONIC,
					   &until) == ETIMEDOUT) {
			running = world_running(k, self);
			break;
		}
	}
	if (running == 0) {
		pthread_mutex_unlock(&k->world_lock);
		return 0;
	}
	took = world_start_locked(k);
	pthread_mutex_unlock(&k->world_lock);
	modsim_stat_sample(k, MODSIM_SAMPLE_WORLD_STOP, took);
	return modsim_err(-ETIMEDOUT, "stop world: %u thread(s) did not park within %u ms",
			  running, ms);
}

MODSIM_API void modsim_start_world(struct modsim_kernel *k)
{
	uint64_t took;

	pthread_mutex_lock(&k->world_lock);
	took = world_start_locked(k);
	pthread_mutex_unlock(&k->world_lock);
	modsim_stat_sample(k, MODSIM_SAMPLE_WORLD_STOP, took);
}

/* Has slot @c left the state it was in when @snap was taken? */
static bool cpu_quiesced(struct modsim_cpu *c, unsigned long snap)
{
	if (!atomic_load_explicit(&c->used, memory_order_acquire))
		return true;
	if (!atomic_load_explicit(&c->online, memory_order_acquire))
		return true;
	if (atomic_load_explicit(&c->parked, memory_order_acquire))
		return true;
	return atomic_load_explicit(&c->qs, memory_order_acquire) != snap;
}

void modsim_cpu_snapshot(struct modsim_kernel *k, unsigned long *snap)
{
	struct modsim_cpu *self = modsim_cpu_peek(k);

	/* What the caller did before (unpublished, freed the pages) is seen
	 * by a thread that comes online after; as modsim_wait_quiescence. */
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned int i = 0; i < k->ncpus; i++) {
		struct modsim_cpu *c = &k->cpus[i];

		snap[i] = ULONG_MAX;
		if (c == self || !atomic_load_explicit(&c->used, memory_order_acquire) ||
		    !atomic_load_explicit(&c->online, memory_order_acquire) ||
		    atomic_load_explicit(&c->parked, memory_order_acquire))
			continue;
		snap[i] = atomic_load_explicit(&c->qs, memory_order_acquire);
	}
}

bool modsim_cpu_passed(struct modsim_kernel *k, unsigned long *snap)
{
	bool all = true;

	for (unsigned int i = 0; i < k->ncpus; i++) {
		if (snap[i] == ULONG_MAX)
			continue;
		if (cpu_quiesced(&k->cpus[i], snap[i]))
			snap[i] = ULONG_MAX; /* passed: no need to look again */
		else
			all = false;
	}
	atomic_thread_fence(memory_order_acquire);
	return all;
}

MODSIM_API int modsim_wait_quiescence(struct modsim_kernel *k)
{
	struct modsim_cpu *self = modsim_cpu_peek(k);
	unsigned int n = k->ncpus, left = 0, ms = k->cfg.unload_timeout_ms;
	uint64_t until = modsim_now_ns() + (uint64_t)ms * 1000000ULL;
	struct modsim_sched_waiter qw = { .what = "quiescence" };
	unsigned long *snap;
	bool *need;
	int err = 0;

	snap = calloc(n, sizeof(*snap));
	need = calloc(n, sizeof(*need));
	if (!snap || !need) {
		err = modsim_err(-ENOMEM, "wait for quiescence: no memory");
		goto free_snap;
	}

	/* Whatever the loader did before (unpublish, mark GOING) is visible to
	 * a thread that comes online after this; pairs with modsim_cpu_online. */
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned int i = 0; i < n; i++) {
		struct modsim_cpu *c = &k->cpus[i];

		if (c == self || !atomic_load_explicit(&c->used, memory_order_acquire) ||
		    !atomic_load_explicit(&c->online, memory_order_acquire) ||
		    atomic_load_explicit(&c->parked, memory_order_acquire))
			continue;
		snap[i] = atomic_load_explicit(&c->qs, memory_order_acquire);
		need[i] = true;
		left++;
	}

	/* Poll: this is the loader waiting, not a test ordering threads. */
	while (left) {
		struct timespec nap = { 0, 20000 };

		left = 0;
		for (unsigned int i = 0; i < n; i++) {
			if (!need[i])
				continue;
			if (cpu_quiesced(&k->cpus[i], snap[i]))
				need[i] = false;
			else
				left++;
		}
		if (!left)
			break;
		if (modsim_sched_controlled(k)) {
			if (!modsim_sched_wait(k, &qw))
				continue;
			err = modsim_err(-ETIMEDOUT, "wait for quiescence: %u thread(s) still online when the controlled schedule ended",
					 left);
			break;
		}
		if (modsim_now_ns() >= until) {
			err = modsim_err(-ETIMEDOUT,
					 "wait for quiescence: %u thread(s) still online after %u ms",
					 left, ms);
			break;
		}
		nanosleep(&nap, NULL);
	}
	atomic_thread_fence(memory_order_acquire);
free_snap:
	free(need);
	free(snap);
	return err;
}
