/* modsim-bench: the types and functions its units share. */
#ifndef MODSIM_BENCH_H
#define MODSIM_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "benchfn.h"
#include "kernel/units.h"

#define BENCH_MAX_THREADS 64  /* largest entry of --threads */
#define BENCH_MAX_TCOUNTS 16  /* entries of --threads */
#define BENCH_MAX_RUNS 101    /* --runs */
#define BENCH_MAX_PRESETS 32  /* entries of --strategies */
#define BENCH_QS_EVERY 1024   /* calls between two quiescent points (a power of 2) */
#define BENCH_SLICES 8        /* a run: each variant's loops in 8 slices, interleaved */
#define BENCH_MAX_VARIANTS 12 /* variants measured together in one run */
#define BENCH_NAME_MAX 32

/* ---- options (options.c) ---- */

enum bench_format { BENCH_TEXT, BENCH_JSON, BENCH_CSV };

/*
 * struct bench_opts - what the command line asked for.
 * @presets:  the presets to measure, in the library's listing order
 * @threads:  thread counts, as given
 * @loops:    calls per thread in one timed run of one variant
 * @runs:     timed runs, each a round over every block
 * @unloads:  unload-latency samples per preset and thread count (0: skip)
 * @cycles:   load/unload cycles per preset (0: skip)
 * @init_timeout_ms: every kernel's init/exit watchdog (0: none, init and
 *            exit run on the caller)
 * @module:   path of benchfn.so
 */
struct bench_opts {
	const struct modsim_strategy *presets[BENCH_MAX_PRESETS];
	size_t npresets;
	unsigned int threads[BENCH_MAX_TCOUNTS];
	size_t nthreads;
	unsigned long loops;
	unsigned int runs;
	unsigned int unloads;
	unsigned int cycles;
	unsigned int rss_cycles; /* --rss-cycles: only the RSS run (rss.c) */
	unsigned int init_timeout_ms;
	bool pin;
	bool cpu_clock; /* time the loops by the thread's CPU time, not the wall clock */
	bool quiet;
	enum bench_format format;
	const char *plot;
	char module[PATH_MAX];
};

/* RSS against load/unload cycles of unload-race, per safe preset (rss.c).
 * Return: 0, or 1 when a preset's run failed. */
int bench_run_rss(const struct bench_opts *o);

/* Parse argv.  Return: 0 to run, 1 when --help or --version was printed, -1 after a
 * usage error was printed on stderr. */
int bench_opts_parse(int argc, char **argv, struct bench_opts *o);

/* ---- what the loops measure (loops.c, baselines.c) ---- */

enum bench_variant {
	BV_BARE,      /* ops->fn(x), nothing around it: the floor */
	BV_ATOMIC,    /* one shared atomic, inc before and dec after */
	BV_PERTHREAD, /* this thread's own counter, single-writer inc/dec */
	BV_URCU,      /* liburcu-memb read lock/unlock, inline fast path */
	BV_RWLOCK,    /* pthread_rwlock read lock/unlock, one shared lock */
	BV_DIRECT,    /* linux26's per-CPU count compiled in (inline) */
	BV_ONLINE,    /* the same inside the CPU half of the call bracket */
	BV_CALL,      /* the same count, out of line, called directly (no table) */
	BV_TABLE,     /* the same through the function pointers of the preset's table */
	BV_RUNTIME,   /* the same chosen at run time, as the kernel calls it (caller kind) */
	BV_MODULE,    /* the preset's enter/exit for the module's owner record */
	BV_BUILTIN,   /* the preset's enter/exit for built-in code (owner NULL) */
	BV__COUNT
};

/* Short name: "bare", "atomic", ... */
const char *bench_variant_name(enum bench_variant v);
/* One line on what it is, for the text report. */
const char *bench_variant_what(enum bench_variant v);

/*
 * struct bench_ctx - what one thread's loop works with.
 * @cpu:   the thread's CPU slot in the kernel of the block
 * @m:     the loaded generation of benchfn in that kernel
 * @ops:   benchfn's ops, in module memory
 * @mine:  the thread's own counter (BV_PERTHREAD), on its own cache line
 */
struct bench_ctx {
	struct modsim_cpu *cpu;
	struct modsim_mod *m;
	const struct benchfn_ops *ops;
	_Atomic long *mine;
};

/*
 * Every loop has the same shape, refscale's: @loops calls in a row, timed
 * as a whole, with a quiescent point every BENCH_QS_EVERY calls so that a
 * world stop can park the thread.  The call itself is always ops->fn(x),
 * with ops in module memory, so the function pointer is loaded from the
 * module on every call as a subsystem loads ops->fn; its result feeds the
 * next call, and the last one is stored, so nothing is optimised away.
 */
#define BENCH_LOOP(cpu, loops, ...)                                           \
	do {                                                                      \
		for (unsigned long __done = 0; __done < (loops);                  \
		     __done += BENCH_QS_EVERY) {                                  \
			unsigned long __n = (loops) - __done;                     \
			if (__n > BENCH_QS_EVERY)                                 \
				__n = BENCH_QS_EVERY;                             \
			modsim_cpu_quiescent(cpu);                                \
			for (unsigned long __i = 0; __i < __n; __i++) {           \
				__VA_ARGS__;                                      \
			}                                                         \
		}                                                                 \
	} while (0)

/* Where the loops store their last result, so that no call is optimised away. */
extern _Atomic long bench_sink;

/* Run @loops calls of variant @v; return the elapsed ns.  Entries the
 * strategy refused are added to *@refused (their call is skipped). */
uint64_t bench_loop(enum bench_variant v, const struct bench_ctx *c, unsigned long loops,
		    unsigned long *refused);
/* The loops of loops.c: the floor and the calls through the strategy table. */
uint64_t bench_loop_bare(const struct bench_ctx *c, unsigned long loops);
uint64_t bench_loop_call(const struct bench_ctx *c, struct modsim_mod *owner,
			 unsigned long loops, unsigned long *refused);
/* The loops of baselines.c. */
uint64_t bench_loop_baseline(enum bench_variant v, const struct bench_ctx *c,
			     unsigned long loops, unsigned long *refused);
/* Register this thread with liburcu if it is not yet; true if it did
 * (then bench_urcu_thread_leave(true) unregisters it again). */
bool bench_urcu_thread_enter(void);
void bench_urcu_thread_leave(bool registered);
/* Monotonic clock, ns. */
uint64_t bench_now_ns(void);
/* The clock the timed loops read (bench_clock), ns. */
extern clockid_t bench_clock;
uint64_t bench_loop_clock(void);

/* ---- the thread pool (timing.c) ---- */

struct bench_pool;

/* Start @n threads (pinned one per allowed CPU when @pin). */
int bench_pool_start(struct bench_pool **out, unsigned int n, bool pin);
void bench_pool_stop(struct bench_pool *p);
unsigned int bench_pool_size(const struct bench_pool *p);
/* Every thread claims a CPU slot of @k (offline until it measures). */
int bench_pool_attach(struct bench_pool *p, struct modsim_kernel *k, struct modsim_mod *m,
		      const struct benchfn_ops *ops);
/* Give the slots back. */
void bench_pool_detach(struct bench_pool *p);
/*
 * One timed run of the variants @v[0..@n-1] on every thread at once, on
 * the attach's kernel and module.  Each thread first runs one untimed
 * slice of every variant (warm-up), then @loops calls of each in
 * BENCH_SLICES slices, interleaved (v0, v1, ..., v0, v1, ...), every slice
 * behind a start line at which the threads wait for each other.  @ns[i] is
 * the mean over the threads of each thread's ns per call of @v[i]; entries
 * refused add to @refused[i].
 */
/*
 * @overlap (may be NULL): how much of the timed loops the threads ran at
 * the same time, 0..1: the fraction of the run's wall-clock span that every
 * thread's timed span covers, times the smallest share of its span a thread
 * spent on a CPU.  1 for one thread.
 */
void bench_pool_measure(struct bench_pool *p, const enum bench_variant *v, size_t n,
			unsigned long loops, double *ns, unsigned long *refused, double *overlap);
/* Callers at full speed: every thread runs modsim_hook_run() in a loop,
 * passing a quiescent point between calls, until bench_pool_hammer_end(). */
void bench_pool_hammer_begin(struct bench_pool *p);
void bench_pool_hammer_end(struct bench_pool *p);
/* Hook calls that reached the module, summed over the threads (any time). */
unsigned long bench_pool_calls(struct bench_pool *p);
/* Those of thread @i alone. */
unsigned long bench_pool_calls_of(struct bench_pool *p, unsigned int i);

/* ---- results ---- */

/* struct bench_stat - median, min and max of a set of runs. */
struct bench_stat {
	double med, min, max;
};

/*
 * struct bench_series - one SUMMARY line: a preset or a baseline at one
 * thread count, run by run.  @ratio[i] is @ns[i] over the bare call of the
 * same run; @bi_* is the preset with a built-in owner (presets only).
 */
/*
 * A multi-thread run counts only when its threads ran together this much
 * (bench_pool_measure's overlap); others are dropped from the figures.
 */
#define BENCH_MIN_OVERLAP 0.8

struct bench_series {
	char name[BENCH_NAME_MAX];
	bool baseline;
	enum bench_variant v; /* baselines: which one */
	unsigned int threads;
	unsigned int nruns;
	double ns[BENCH_MAX_RUNS];
	double ratio[BENCH_MAX_RUNS];
	double bi_ns[BENCH_MAX_RUNS];
	double bi_ratio[BENCH_MAX_RUNS];
	unsigned long refused;
	double overlap[BENCH_MAX_RUNS]; /* each run's bench_pool_measure() overlap */
	unsigned int dropped;           /* runs left out: threads > 1 and overlap < BENCH_MIN_OVERLAP */
	double overlap_med;             /* median overlap of the runs kept */
	/* Filled by bench_series_finish(). */
	struct bench_stat s, r, bi, bir;
	double spread; /* (max - min) / median */
	double moves;  /* |median of odd runs - median of even runs| / median */
};

/* struct bench_unload - unload latency with callers running (unload.c). */
struct bench_unload {
	char name[BENCH_NAME_MAX];
	unsigned int threads;
	unsigned int samples;   /* unloads tried */
	unsigned int ok;        /* unloads that succeeded */
	unsigned long attempts; /* modsim_unload() calls, retries included */
	double p50_us, max_us;  /* request to success, retries included */
	int err;                /* the failure that ended the samples, or 0 */
	char msg[160];
	unsigned long faults;     /* use-after-unload: a caller hit unloaded memory */
	unsigned long after_exit; /* call-after-exit: a caller entered once exit began */
	unsigned long calls;      /* hook calls the callers made meanwhile */
	unsigned long refused;    /* calls the preset refused (failed gets) meanwhile */
	struct modsim_dist world; /* the kernel's world_stop_ns */
	bool unsafe_predicted;    /* the preset is predicted unsafe for A: violations expected */
	bool violated;            /* a violation under a preset predicted safe: the run failed */
};

/*
 * struct bench_cycle - load/unload cycles under a preset (cycles.c), timed
 * in rounds that alternate with blocks of bare dlopen/dlclose.
 */
struct bench_cycle {
	char name[BENCH_NAME_MAX];
	unsigned int done, wanted;
	unsigned int rounds; /* rounds that completed */
	double us;           /* median microseconds per cycle over the rounds */
	double dlopen_us;    /* median of the bare blocks of the same rounds */
	double slower;       /* median of the rounds' ratios, modsim over bare */
	int err;
	char msg[160];
};

enum bench_verdict { BENCH_PASS, BENCH_FAIL, BENCH_SKIP, BENCH_INFO };

/* struct bench_figure - one of issue 5's "figures to reach", with its verdict. */
struct bench_figure {
	char id[24];
	unsigned int threads;
	char preset[BENCH_NAME_MAX];
	double value, limit;
	enum bench_verdict verdict;
	char text[320];
};

/* struct bench_machine - where and how it ran (machine.c). */
struct bench_machine {
	char cpu[128];
	unsigned int cpus_listed; /* "processor" entries of /proc/cpuinfo */
	long cpus_online;
	char kernel[200];
	char compiler[128];
	char flags[512];
	char build_type[32];
	char date[32];
	char missing[512]; /* presets of issue 3 the library does not have yet */
	double busy_start;  /* CPU seconds all processes had used, from /proc/stat */
	double self_start;  /* CPU seconds this process had used */
	double others;      /* share of the CPUs other processes used while it ran (-1: unknown) */
};

#define BENCH_MAX_FIGURES 64

struct bench_results {
	const struct bench_opts *o;
	struct bench_machine machine;
	struct bench_series *series;
	size_t nseries, cap_series;
	struct bench_unload *unloads;
	size_t nunloads, cap_unloads;
	struct bench_cycle *cycles;
	size_t ncycles, cap_cycles;
	unsigned int dlopen_done;
	double dlopen_per_s; /* over the median of every bare block */
	char dlopen_msg[160];
	struct bench_figure figures[BENCH_MAX_FIGURES];
	size_t nfigures;
	double elapsed_s;
};

/* Append a zeroed entry; NULL when out of memory. */
struct bench_series *bench_series_add(struct bench_results *r);
struct bench_unload *bench_unload_add(struct bench_results *r);
struct bench_cycle *bench_cycle_add(struct bench_results *r);
void bench_results_free(struct bench_results *r);
/* The series of @name at @threads, or NULL. */
const struct bench_series *bench_series_find(const struct bench_results *r, const char *name,
					     bool baseline, unsigned int threads);

/* ---- statistics (series.c) ---- */

double bench_median(const double *v, size_t n);
struct bench_stat bench_stat_of(const double *v, size_t n);
/* Fill the summary fields of @s from its runs. */
void bench_series_finish(struct bench_series *s);

/* ---- the measurements ---- */

/* Open a kernel under @preset with benchfn loaded; fills *@m and *@ops (presets.c). */
int bench_kernel_open(const struct bench_opts *o, const char *preset, struct modsim_kernel **k,
		      struct modsim_mod **m, const struct benchfn_ops **ops);
/* The ops of a loaded generation of benchfn, or NULL. */
const struct benchfn_ops *bench_module_ops(struct modsim_mod *m);
/* The configuration every bench kernel uses. */
void bench_kernel_config(struct modsim_config *cfg, const struct bench_opts *o,
			 const char *preset);
/* The preset whose kernel the baselines run on: its per-CPU count is the
 * primitive of the dispatch figure (presets.c). */
#define BENCH_BASELINE_PRESET "linux26"
/*
 * Caller cost at the pool's thread count (presets.c): the baselines and
 * every preset, each a block (a kernel with benchfn loaded, the bare call
 * and the block's variants measured together); o->runs rounds, each round
 * one run of every block, the blocks in a rotating order.  Failures are
 * counted in *@nfail and told on stderr; a block that failed has no lines.
 */
void bench_run_costs(struct bench_pool *p, const struct bench_opts *o, struct bench_results *r,
		     unsigned int *nfail);
/* Unload latency and world stops, one preset at the pool's thread count (unload.c). */
int bench_run_unload(struct bench_pool *p, const struct bench_opts *o,
		     const struct modsim_strategy *s, struct bench_results *r);
/* Load/unload cycles: the bare dlopen loop, then every preset (cycles.c). */
int bench_run_cycles(const struct bench_opts *o, struct bench_results *r);

/* ---- reports ---- */

void bench_machine_fill(struct bench_machine *mi);
/* At the end of the run: how much of the machine other processes used meanwhile. */
void bench_machine_finish(struct bench_machine *mi, double elapsed_s);
/* Compute issue 5's figures and verdicts into r->figures (figures.c). */
void bench_figures(struct bench_results *r);
const char *bench_verdict_name(enum bench_verdict v);
void bench_print_text(FILE *f, const struct bench_results *r);
void bench_print_json(FILE *f, const struct bench_results *r);
void bench_print_csv(FILE *f, const struct bench_results *r);
/* Draw ns per call against threads with gnuplot; 0, or -1 with a message. */
int bench_plot(const struct bench_results *r, const char *png);

/* Count and tell a setup failure (not a verdict): the exit status becomes 1 (main.c). */
void bench_failed(unsigned int *nfail, const char *what, const char *name, unsigned int t,
		  int err);
/* Progress on stderr unless --quiet. */
void bench_progress(const struct bench_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* MODSIM_BENCH_H */
