/* The bench threads: claim CPU slots, run one timed loop on every thread at once, or call at full speed. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum bench_job { JOB_EXIT, JOB_ATTACH, JOB_DETACH, JOB_MEASURE, JOB_HAMMER };

/*
 * struct bench_worker - one bench thread.  Everything here is written by
 * its own thread and read by the main thread after the done barrier, except
 * @calls, which the main thread may read at any time.  @mine is the
 * per-thread counter of BV_PERTHREAD; the struct is cache-line aligned so
 * that no two threads share a line.  @ns[i] and @refused[i] are the
 * thread's totals for the i-th variant of a measurement.
 */
struct bench_worker {
	_Atomic long mine;
	_Atomic unsigned long calls;
	struct bench_pool *pool;
	unsigned int index;
	pthread_t thread;
	int cpu_pin; /* -1: not pinned */
	struct modsim_cpu *cpu;
	uint64_t ns[BENCH_MAX_VARIANTS];
	unsigned long refused[BENCH_MAX_VARIANTS];
	/* The timed slices' span: wall clock (CLOCK_MONOTONIC) and thread CPU time. */
	uint64_t wall0, wall1, cpu0, cpu1;
} __attribute__((aligned(MODSIM_CACHELINE)));

/*
 * struct bench_pool - the threads of one thread count, and the job they
 * run.  The main thread writes the job fields, then meets the threads at
 * @go; they run the job and meet it again at @done.  The barriers order
 * every access, except @stop (the end of a hammer job).
 */
struct bench_pool {
	unsigned int n;
	pthread_barrier_t go, done;
	struct bench_worker *w;
	unsigned int started;

	/* The start gate: threads wait here until all were created (@gate 1)
	 * or creation failed (-1, they leave).  Under @gate_lock. */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	int gate;

	enum bench_job job;
	struct modsim_kernel *k;
	struct modsim_mod *m;
	const struct benchfn_ops *ops;
	const enum bench_variant *variants;
	size_t nvariants;
	unsigned long loops;
	_Atomic int stop;
	_Atomic unsigned int arrived; /* the start lines of a measurement, counted up */
};

static void worker_pin(struct bench_worker *w)
{
	cpu_set_t set;

	if (w->cpu_pin < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(w->cpu_pin, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/*
 * The start line, as refscale's readers wait for each other: the barrier
 * wakes threads one by one, so without it the first would run alone for a
 * while and a shared cache line would bounce less.  @p->arrived counts
 * every thread's arrivals at every line of the measurement; line *@line is
 * passed once all threads reached it.  The threads spin (yielding) rather
 * than sleep, so that no slice starts on a CPU that just woke.
 */
static void start_line(struct bench_pool *p, unsigned int *line)
{
	unsigned int all = ++*line * p->n;

	atomic_fetch_add(&p->arrived, 1);
	while (atomic_load(&p->arrived) < all)
		sched_yield();
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The overlap of the last measurement (see bench.h). */
static double pool_overlap(const struct bench_pool *p)
{
	uint64_t lo = UINT64_MAX, hi = 0, first_end = UINT64_MAX, last_start = 0;
	double oncpu = 1.0;

	if (p->n < 2)
		return 1.0;
	for (unsigned int i = 0; i < p->n; i++) {
		const struct bench_worker *w = &p->w[i];
		uint64_t wall = w->wall1 - w->wall0;
		double share = wall ? (double)(w->cpu1 - w->cpu0) / (double)wall : 0.0;

		lo = w->wall0 < lo ? w->wall0 : lo;
		hi = w->wall1 > hi ? w->wall1 : hi;
		first_end = w->wall1 < first_end ? w->wall1 : first_end;
		last_start = w->wall0 > last_start ? w->wall0 : last_start;
		oncpu = share < oncpu ? share : oncpu;
	}
	if (first_end <= last_start || hi <= lo)
		return 0.0;
	return (double)(first_end - last_start) / (double)(hi - lo) * (oncpu > 1.0 ? 1.0 : oncpu);
}

static void worker_measure(struct bench_worker *w)
{
	struct bench_pool *p = w->pool;
	struct bench_ctx c = {
		.cpu = w->cpu, .m = p->m, .ops = p->ops, .mine = &w->mine,
	};
	unsigned long slice = p->loops / BENCH_SLICES, extra = p->loops % BENCH_SLICES, scratch = 0;
	unsigned int line = 0;
	bool urcu = false;

	for (size_t i = 0; i < p->nvariants; i++) {
		w->ns[i] = 0;
		w->refused[i] = 0;
		if (p->variants[i] == BV_URCU && !urcu)
			urcu = bench_urcu_thread_enter();
	}
	modsim_cpu_online(w->cpu);
	/* Untimed: caches, predictors and the CPU's clock settle on each loop. */
	for (size_t i = 0; i < p->nvariants; i++) {
		start_line(p, &line);
		bench_loop(p->variants[i], &c, slice + 1, &scratch);
	}
	/*
	 * Interleaved slices: a change of the machine's pace (another
	 * process, the clock) while the run lasts falls on every variant
	 * alike, so the ratios within the run stay put.
	 */
	for (unsigned int s = 0; s < BENCH_SLICES; s++)
		for (size_t i = 0; i < p->nvariants; i++) {
			start_line(p, &line);
			if (!s && !i) {
				w->wall0 = clock_ns(CLOCK_MONOTONIC);
				w->cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
			}
			w->ns[i] += bench_loop(p->variants[i], &c, slice + (s < extra), &w->refused[i]);
		}
	w->wall1 = clock_ns(CLOCK_MONOTONIC);
	w->cpu1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	modsim_cpu_offline(w->cpu);
	bench_urcu_thread_leave(urcu);
}

/* Callers at full speed: the hook chain, a quiescent point between calls. */
static void worker_hammer(struct bench_worker *w)
{
	struct bench_pool *p = w->pool;
	struct modsim_cpu *cpu = w->cpu;

	modsim_cpu_online(cpu);
	while (!atomic_load_explicit(&p->stop, memory_order_acquire)) {
		modsim_cpu_quiescent(cpu);
		if (modsim_hook_run(p->k, NULL) > 0)
			atomic_store_explicit(&w->calls,
					      atomic_load_explicit(&w->calls, memory_order_relaxed) + 1,
					      memory_order_relaxed);
	}
	modsim_cpu_offline(cpu);
}

static void *worker_main(void *arg)
{
	struct bench_worker *w = arg;
	struct bench_pool *p = w->pool;
	int gate;

	pthread_mutex_lock(&p->gate_lock);
	while (!(gate = p->gate))
		pthread_cond_wait(&p->gate_cond, &p->gate_lock);
	pthread_mutex_unlock(&p->gate_lock);
	if (gate < 0)
		return NULL;
	worker_pin(w);
	for (;;) {
		pthread_barrier_wait(&p->go);
		switch (p->job) {
		case JOB_EXIT:
			modsim_fault_thread_fini();
			return NULL;
		case JOB_ATTACH:
			/* Claimed offline: it goes online only while it calls. */
			w->cpu = modsim_cpu_self(p->k);
			break;
		case JOB_DETACH:
			if (w->cpu)
				modsim_cpu_release_self(p->k);
			w->cpu = NULL;
			break;
		case JOB_MEASURE:
			worker_measure(w);
			break;
		case JOB_HAMMER:
			worker_hammer(w);
			break;
		}
		pthread_barrier_wait(&p->done);
	}
}

/* Run the job set in @p on every thread and wait for all of them. */
static void pool_run(struct bench_pool *p, enum bench_job job)
{
	p->job = job;
	pthread_barrier_wait(&p->go);
	pthread_barrier_wait(&p->done);
}

/* The CPUs this process may run on, in order; how many. */
static int allowed_cpus(int *out, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int i = 0; i < CPU_SETSIZE && n < max; i++)
		if (CPU_ISSET(i, &set))
			out[n++] = i;
	return n;
}

int bench_pool_start(struct bench_pool **out, unsigned int n, bool pin)
{
	int cpus[CPU_SETSIZE], ncpus = pin ? allowed_cpus(cpus, CPU_SETSIZE) : 0;
	struct bench_pool *p;
	int err = 0;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->n = n;
	p->w = aligned_alloc(MODSIM_CACHELINE, n * sizeof(*p->w));
	if (!p->w) {
		free(p);
		return -ENOMEM;
	}
	memset(p->w, 0, n * sizeof(*p->w));
	pthread_barrier_init(&p->go, NULL, n + 1);
	pthread_barrier_init(&p->done, NULL, n + 1);
	pthread_mutex_init(&p->gate_lock, NULL);
	pthread_cond_init(&p->gate_cond, NULL);
	for (unsigned int i = 0; i < n; i++) {
		p->w[i].pool = p;
		p->w[i].index = i;
		p->w[i].cpu_pin = ncpus > 0 ? cpus[i % (unsigned int)ncpus] : -1;
	}
	for (unsigned int i = 0; i < n && !err; i++) {
		err = pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]);
		if (!err)
			p->started++;
	}
	pthread_mutex_lock(&p->gate_lock);
	p->gate = err ? -1 : 1;
	pthread_cond_broadcast(&p->gate_cond);
	pthread_mutex_unlock(&p->gate_lock);
	if (err) {
		bench_pool_stop(p);
		return modsim_err(-err, "bench: cannot start %u threads: %s", n, strerror(err));
	}
	*out = p;
	return 0;
}

void bench_pool_stop(struct bench_pool *p)
{
	if (!p)
		return;
	if (p->gate > 0) {
		p->job = JOB_EXIT;
		pthread_barrier_wait(&p->go);
	}
	for (unsigned int i = 0; i < p->started; i++)
		pthread_join(p->w[i].thread, NULL);
	pthread_barrier_destroy(&p->go);
	pthread_barrier_destroy(&p->done);
	pthread_cond_destroy(&p->gate_cond);
	pthread_mutex_destroy(&p->gate_lock);
	free(p->w);
	free(p);
}

unsigned int bench_pool_size(const struct bench_pool *p)
{
	return p->n;
}

int bench_pool_attach(struct bench_pool *p, struct modsim_kernel *k, struct modsim_mod *m,
		      const struct benchfn_ops *ops)
{
	p->k = k;
	p->m = m;
	p->ops = ops;
	pool_run(p, JOB_ATTACH);
	for (unsigned int i = 0; i < p->n; i++)
		if (!p->w[i].cpu) {
			bench_pool_detach(p);
			return modsim_err(-EAGAIN, "bench: thread %u found no CPU slot", i);
		}
	return 0;
}

void bench_pool_detach(struct bench_pool *p)
{
	pool_run(p, JOB_DETACH);
	p->k = NULL;
	p->m = NULL;
	p->ops = NULL;
}

void bench_pool_measure(struct bench_pool *p, const enum bench_variant *v, size_t n,
			unsigned long loops, double *ns, unsigned long *refused, double *overlap)
{
	p->variants = v;
	p->nvariants = n < BENCH_MAX_VARIANTS ? n : BENCH_MAX_VARIANTS;
	p->loops = loops < BENCH_SLICES ? BENCH_SLICES : loops;
	atomic_store(&p->arrived, 0);
	pool_run(p, JOB_MEASURE);
	for (size_t j = 0; j < p->nvariants; j++) {
		double sum = 0;

		for (unsigned int i = 0; i < p->n; i++) {
			sum += (double)p->w[i].ns[j] / (double)p->loops;
			refused[j] += p->w[i].refused[j];
		}
		ns[j] = sum / p->n;
	}
	if (overlap)
		*overlap = pool_overlap(p);
}

void bench_pool_hammer_begin(struct bench_pool *p)
{
	atomic_store(&p->stop, 0);
	p->job = JOB_HAMMER;
	pthread_barrier_wait(&p->go);
}

void bench_pool_hammer_end(struct bench_pool *p)
{
	atomic_store_explicit(&p->stop, 1, memory_order_release);
	pthread_barrier_wait(&p->done);
}

unsigned long bench_pool_calls(struct bench_pool *p)
{
	unsigned long sum = 0;

	for (unsigned int i = 0; i < p->n; i++)
		sum += atomic_load_explicit(&p->w[i].calls, memory_order_relaxed);
	return sum;
}

unsigned long bench_pool_calls_of(struct bench_pool *p, unsigned int i)
{
	return atomic_load_explicit(&p->w[i].calls, memory_order_relaxed);
}
