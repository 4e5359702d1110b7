/* Baselines: shared atomic, per-thread counter, liburcu, rwlock, and a per-CPU count inline vs via the table. */
#define _LGPL_SOURCE /* liburcu's inline read-side fast path, as its own benchmarks build it */
#include <errno.h>
#include <pthread.h>
#include <string.h>
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
 * The per-CPU count, the primitive of linux26 and percpu-ref's fast path:
 * a module that is not LIVE refuses; else the calling CPU bumps its own
 * slot with a single-writer relaxed store (no locked instruction), and
 * drops it after the call.  One cache-line slot per CPU in m->priv.
 */
struct bench_pc_slot {
	_Atomic long n;
} __attribute__((aligned(MODSIM_CACHELINE)));

#define BENCH_PC_SLOTS 256 /* as the per-CPU presets size theirs; bench kernels have fewer CPUs */

static inline bool bench_pc_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct bench_pc_slot *s;

	if (!m)
		return true;
	if (modsim_unlikely(atomic_load_explicit(&m->state, memory_order_relaxed) !=
			    MODSIM_STATE_LIVE))
		return false;
	s = (struct bench_pc_slot *)m->priv + cpu->id;
	atomic_store_explicit(&s->n, atomic_load_explicit(&s->n, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	return true;
}

static inline void bench_pc_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct bench_pc_slot *s;

	if (!m)
		return;
	s = (struct bench_pc_slot *)m->priv + cpu->id;
	atomic_store_explicit(&s->n, atomic_load_explicit(&s->n, memory_order_relaxed) - 1,
			      memory_order_relaxed);
}

/*
 * The same code out of line: the table's entries, and what BV_CALL calls
 * directly (noinline, so that the direct calls stay calls).
 */
static __attribute__((noinline)) bool bench_pc_enter_op(struct modsim_mod *m,
							 struct modsim_cpu *cpu)
{
	return bench_pc_enter(m, cpu);
}

static __attribute__((noinline)) void bench_pc_exit_op(struct modsim_mod *m,
						       struct modsim_cpu *cpu)
{
	bench_pc_exit(m, cpu);
}

static long bench_pc_refcount(struct modsim_mod *m)
{
	struct bench_pc_slot *s = m->priv;
	long sum = 0;

	for (unsigned int i = 0; i < BENCH_PC_SLOTS; i++)
		sum += atomic_load_explicit(&s[i].n, memory_order_relaxed);
	return sum;
}

/*
 * Only what the bench needs: callers are stopped before the module is
 * unloaded, so unload is the core's default (exit, free).  Not a preset a
 * user can choose.
 */
static const struct modsim_strategy bench_percpu = {
	.name = "bench-percpu",
	.post = "bench",
	.caller = "per-CPU count: LIVE check, own slot inc/dec (modsim-bench's dispatch figure)",
	.unloader = "the core's default; callers are stopped first",
	.author = "nothing",
	.priv_size = BENCH_PC_SLOTS * sizeof(struct bench_pc_slot),
	.enter = bench_pc_enter_op,
	.exit = bench_pc_exit_op,
	.get = bench_pc_enter_op,
	.put = bench_pc_exit_op,
	.refcount = bench_pc_refcount,
};

/*
 * Install bench_percpu as @k's preset, as modsim_set_strategy() does for a
 * preset it resolves: under load_mutex and list_lock, with no module
 * loaded, so that the per-CPU table sits where every caller looks it up
 * (cpu->k->strat).
 */
int bench_install_percpu(struct modsim_kernel *k)
{
	int err = 0;

	pthread_mutex_lock(&k->load_mutex);
	pthread_mutex_lock(&k->list_lock);
	if (k->mods || k->strat_handle)
		err = modsim_err(-EBUSY, "bench: the per-CPU table goes into a fresh kernel only");
	else
	{
		k->strat = &bench_percpu;
		k->caller = modsim_caller_of(k->strat);
	}
	pthread_mutex_unlock(&k->list_lock);
	pthread_mutex_unlock(&k->load_mutex);
	return err;
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

	t0 = bench_now_ns();
	BENCH_LOOP(cpu, loops, {
		atomic_fetch_add(&bench_shared.n, 1);
		x = ops->fn(x);
		atomic_fetch_sub(&bench_shared.n, 1);
	});
	t1 = bench_now_ns();
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

	t0 = bench_now_ns();
	BENCH_LOOP(cpu, loops, {
		atomic_store_explicit(mine, atomic_load_explicit(mine, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		x = ops->fn(x);
		atomic_store_explicit(mine, atomic_load_explicit(mine, memory_order_relaxed) - 1,
				      memory_order_relaxed);
	});
	t1 = bench_now_ns();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	return t1 - t0;
}

static __attribute__((noinline)) uint64_t loop_urcu(const struct bench_ctx *c, unsigned long loops)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_now_ns();
	BENCH_LOOP(cpu, loops, {
		urcu_memb_read_lock();
		x = ops->fn(x);
		urcu_memb_read_unlock();
	});
	t1 = bench_now_ns();
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

	t0 = bench_now_ns();
	BENCH_LOOP(cpu, loops, {
		pthread_rwlock_rdlock(&bench_rw.lock);
		x = ops->fn(x);
		pthread_rwlock_unlock(&bench_rw.lock);
	});
	t1 = bench_now_ns();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	return t1 - t0;
}

/* The per-CPU count compiled in: what bench_loop_call() does under bench_percpu, minus the table. */
static __attribute__((noinline)) uint64_t loop_direct(const struct bench_ctx *c,
						      unsigned long loops, unsigned long *refused)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	struct modsim_mod *m = c->m;
	unsigned long no = 0;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_now_ns();
	BENCH_LOOP(cpu, loops, {
		if (modsim_likely(bench_pc_enter(m, cpu))) {
			x = ops->fn(x);
			bench_pc_exit(m, cpu);
		} else {
			no++;
		}
	});
	t1 = bench_now_ns();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	*refused += no;
	return t1 - t0;
}

/* The per-CPU count as out-of-line functions called directly: calls, but no table. */
static __attribute__((noinline)) uint64_t loop_call(const struct bench_ctx *c, unsigned long loops,
						    unsigned long *refused)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	struct modsim_mod *m = c->m;
	unsigned long no = 0;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_now_ns();
	BENCH_LOOP(cpu, loops, {
		if (modsim_likely(bench_pc_enter_op(m, cpu))) {
			x = ops->fn(x);
			bench_pc_exit_op(m, cpu);
		} else {
			no++;
		}
	});
	t1 = bench_now_ns();
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
	case BV_CALL:
		return loop_call(c, loops, refused);
	default:
		return bench_loop_bare(c, loops);
	}
}
