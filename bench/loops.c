/* The timing loops: the bare call (the floor) and calls bracketed by the kernel's strategy table. */
#include <time.h>

#include "bench.h"

/* Where the loops leave their last result. */
_Atomic long bench_sink;

static const char *const variant_names[BV__COUNT] = {
	[BV_BARE] = "bare",
	[BV_ATOMIC] = "atomic",
	[BV_PERTHREAD] = "perthread",
	[BV_URCU] = "urcu",
	[BV_RWLOCK] = "rwlock",
	[BV_DIRECT] = "percpu-inline",
	[BV_ONLINE] = "percpu-online",
	[BV_CALL] = "percpu-call",
	[BV_TABLE] = "percpu-table",
	[BV_RUNTIME] = "percpu-runtime",
	[BV_MODULE] = "module",
	[BV_BUILTIN] = "builtin",
};

static const char *const variant_what[BV__COUNT] = {
	[BV_BARE] = "indirect call into the module, nothing around it (the floor)",
	[BV_ATOMIC] = "one shared atomic counter: inc before, dec after",
	[BV_PERTHREAD] = "the thread's own counter: single-writer inc before, dec after",
	[BV_URCU] = "liburcu-memb rcu_read_lock/unlock, inline fast path",
	[BV_RWLOCK] = "one shared pthread_rwlock: read lock before, unlock after",
	[BV_DIRECT] = "linux26's per-CPU count (LIVE check, own slot inc/dec) compiled in",
	[BV_ONLINE] = "the same inside the CPU half of the call bracket (online check)",
	[BV_CALL] = "the same count, out-of-line functions called directly",
	[BV_TABLE] = "the same through the preset table's function pointers (the old dispatch)",
	[BV_RUNTIME] = "the same chosen at run time, as the kernel calls it (caller kind)",
	[BV_MODULE] = "the preset's enter/exit for a module owner",
	[BV_BUILTIN] = "the preset's enter/exit for built-in code (owner NULL)",
};

const char *bench_variant_name(enum bench_variant v)
{
	return (unsigned int)v < BV__COUNT ? variant_names[v] : "?";
}

const char *bench_variant_what(enum bench_variant v)
{
	return (unsigned int)v < BV__COUNT ? variant_what[v] : "?";
}

/* CLOCK_THREAD_CPUTIME_ID (--clock cpu, the default) or CLOCK_MONOTONIC (--clock wall). */
clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

uint64_t bench_loop_clock(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) uint64_t bench_loop_bare(const struct bench_ctx *c, unsigned long loops)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, x = ops->fn(x));
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	return t1 - t0;
}

/*
 * A call as a subsystem makes it, without what only the simulator adds:
 * the lookup, the race points, the guard, the statistics, and the CPU half
 * of the bracket (a thread that is not a CPU going online; the bench
 * threads are CPUs and stay online).  What is left is the strategy's: the
 * preset's read-side section around the call, if it has one, its entry for
 * @owner, the call, its exit.  The preset is chosen at run time: the kind
 * is read once (as MODSIM_CALL does) and modsim_caller_enter/exit switch on
 * it (caller.h), or call through the table for a preset without one.
 */
__attribute__((noinline)) uint64_t bench_loop_call(const struct bench_ctx *c,
						   struct modsim_mod *owner, unsigned long loops,
						   unsigned long *refused)
{
	const struct benchfn_ops *ops = c->ops;
	struct modsim_cpu *cpu = c->cpu;
	unsigned long no = 0;
	uint64_t t0, t1;
	long x = 0;

	t0 = bench_loop_clock();
	BENCH_LOOP(cpu, loops, {
		unsigned int kind;

		modsim_section_begin(cpu);
		kind = modsim_caller_kind(cpu);
		if (modsim_likely(modsim_caller_enter(kind, owner, cpu))) {
			x = ops->fn(x);
			modsim_caller_exit(kind, owner, cpu);
		} else {
			no++;
		}
		modsim_section_end(cpu);
	});
	t1 = bench_loop_clock();
	atomic_store_explicit(&bench_sink, x, memory_order_relaxed);
	*refused += no;
	return t1 - t0;
}

uint64_t bench_loop(enum bench_variant v, const struct bench_ctx *c, unsigned long loops,
		    unsigned long *refused)
{
	switch (v) {
	case BV_BARE:
		return bench_loop_bare(c, loops);
	case BV_MODULE:
	case BV_RUNTIME:
		return bench_loop_call(c, c->m, loops, refused);
	case BV_BUILTIN:
		return bench_loop_call(c, NULL, loops, refused);
	default:
		return bench_loop_baseline(v, c, loops, refused);
	}
}
