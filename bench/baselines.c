/* Baselines: shared atomic, per-thread counter, liburcu, rwlock, and a per-CPU count compiled in, called, via the table. */
#define _LGPL_SOURCE /* liburcu's inline read-side fast path, as its own benchmarks build it */
#include <pthread.h>
#include <urcu/urcu-memb.h>

#include "bench.h"

/* BV_ATOMIC: one counter every thread increments and decrements. */
static struct {
	_Atomic long n;
} __attribute__((aligned(MODSIM_CACHELINE))) bench_shared;

/* BV_RWLOCK: one lock every thread read-locks. */
static struct {
	pthread_rwlock_t lock;
} __attribute__((aligned(MODSIM_CACHELINE))) bench_rw = { PTHREAD_RWLOCK_INITIALIZER };

/*
 * The dispatch figure's primitive is linux26's per-CPU count (caller.h): a
 * module that is not LIVE refuses; else the calling CPU bumps its own slot
 * with a single-writer relaxed store (no locked instruction), and drops it
 * after the call.  The baselines' kernel runs linux26 with benchfn loaded,
 * so every variant below works on the same module record and slots.
 *
 * The same code out of line: what BV_CALL calls directly (noinline, so
 * that the direct calls stay calls).
 */
static __attribute__((noinline)) bool pc_enter_op(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_l26_enter(m, cpu);
}

static __attribute__((noinline)) void pc_exit_op(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_l26_exit(m, cpu);
}

bool bench_urcu_thread_enter(void)
{
	/* The rcu preset may have registered this thread already (lazily). */
	if (URCU_TLS(urcu_memb_reader).registered)
		return false;
	urcu_memb_register_thread();
	return true;
}

void bench_urcu_thread_leave(bool registered)
{
	if (registered)
		urcu_memb_unregister_thread();
}

static __attribute__((noinline)) uint64_t loop_atomic(const struct bench_ctx *c,
						      unsigned long loops)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		atomic_fetch_add(&bench_shared.n, 1);
		x = ops->fn(x);
		atomic_fetch_sub(&bench_shared.n, 1);
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	return t1 - t0;
}

static __attribute__((noinline)) uint64_t loop_perthread(const struct bench_ctx *c,
							 unsigned long loops)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	_Atomic long *mine = c->mine;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		atomic_store_explicit(mine, atomic_load_explicit(mine, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		x = ops->fn(x);
		atomic_store_explicit(mine, atomic_load_explicit(mine, memory_order_relaxed) - 1,
				      memory_order_relaxed);
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	return t1 - t0;
}

static __attribute__((noinline)) uint64_t loop_urcu(const struct bench_ctx *c, unsigned long loops)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		urcu_memb_read_lock();
		x = ops->fn(x);
		urcu_memb_read_unlock();
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	return t1 - t0;
}

static __attribute__((noinline)) uint64_t loop_rwlock(const struct bench_ctx *c,
						      unsigned long loops)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		pthread_rwlock_rdlock(&bench_rw.lock);
		x = ops->fn(x);
		pthread_rwlock_unlock(&bench_rw.lock);
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	return t1 - t0;
}

/*
 * The CPU half of a subsystem call's bracket (modsim_cpu_call_begin/end
 * without the preset's section): a thread that is not a CPU (a test, the
 * shell) goes online before the lookup and offline after.  The simulator's,
 * whatever the preset; the bench threads are CPUs that stay online, so the
 * other loops leave it out, and BV_ONLINE shows what it costs.
 */
static inline bool cpu_bracket_begin(struct modsim_cpu *cpu)
{
	if (modsim_unlikely(!atomic_load_explicit(&cpu->online, memory_order_relaxed))) {
		modsim_cpu_online(cpu);
		return true;
	}
	return false;
}

static inline void cpu_bracket_end(struct modsim_cpu *cpu, bool adhoc)
{
	if (adhoc)
		modsim_cpu_offline(cpu);
}

/* linux26's per-CPU count compiled in: no choice, the code inline. */
static __attribute__((noinline)) uint64_t loop_direct(const struct bench_ctx *c,
						     unsigned long loops, unsigned long *refused)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	struct modsim_mod *m = c->m;
	unsigned long no = 0;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		if (modsim_likely(modsim_l26_enter(m, cpu))) {
			x = ops->fn(x);
			modsim_l26_exit(m, cpu);
		} else {
			no++;
		}
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	*refused += no;
	return t1 - t0;
}

/* The same inside the CPU half of the bracket. */
static __attribute__((noinline)) uint64_t loop_online(const struct bench_ctx *c,
						      unsigned long loops, unsigned long *refused)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	struct modsim_mod *m = c->m;
	unsigned long no = 0;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		bool adhoc = cpu_bracket_begin(cpu);

		if (modsim_likely(modsim_l26_enter(m, cpu))) {
			x = ops->fn(x);
			modsim_l26_exit(m, cpu);
		} else {
			no++;
		}
		cpu_bracket_end(cpu, adhoc);
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	*refused += no;
	return t1 - t0;
}

/* The same as out-of-line functions called directly: calls, but no table. */
static __attribute__((noinline)) uint64_t loop_call(const struct bench_ctx *c, unsigned long loops,
						    unsigned long *refused)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	struct modsim_mod *m = c->m;
	unsigned long no = 0;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		if (modsim_likely(pc_enter_op(m, cpu))) {
			x = ops->fn(x);
			pc_exit_op(m, cpu);
		} else {
			no++;
		}
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	*refused += no;
	return t1 - t0;
}

/*
 * The same count through the function pointers of the preset's table, as
 * every subsystem call ran it before the caller kinds: the table's section
 * operations are tested around the call, and enter and exit are indirect
 * calls.
 */
static __attribute__((noinline)) uint64_t loop_table(const struct bench_ctx *c,
						     unsigned long loops, unsigned long *refused)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	struct modsim_mod *m = c->m;
	unsigned long no = 0;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		const struct modsim_strategy *s = cpu->k->strat;

		if (s->section_begin)
			s->section_begin(cpu);
		if (modsim_likely(cpu->k->strat->enter(m, cpu))) {
			x = ops->fn(x);
			cpu->k->strat->exit(m, cpu);
		} else {
			no++;
		}
		s = cpu->k->strat;
		if (s->section_end)
			s->section_end(cpu);
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	*refused += no;
	return t1 - t0;
}

uint64_t bench_loop_baseline(enum bench_variant v, const struct bench_ctx *c, unsigned long loops,
			     unsigned long *refused)
{
	switch (v) {
	case BV_ATOMIC:
		return loop_atomic(c, loops);
	case BV_PERTHREAD:
		return loop_perthread(c, loops);
	case BV_URCU:
		return loop_urcu(c, loops);
	case BV_RWLOCK:
		return loop_rwlock(c, loops);
	case BV_DIRECT:
		return loop_direct(c, loops, refused);
	case BV_ONLINE:
		return loop_online(c, loops, refused);
	case BV_CALL:
		return loop_call(c, loops, refused);
	case BV_TABLE:
		return loop_table(c, loops, refused);
	default:
		return bench_loop_bare(c, loops);
	}
}
