/* The race lab's matrix: every preset x every scenario in seeded trials, judged against the post. */
#ifndef MODSIM_MATRIX_H
#define MODSIM_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <modsim/compiler.h>
#include <modsim/lab/run.h>
#include <modsim/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MODSIM_MATRIX_MAX 64       /* strategies (and scenarios) in one matrix */
#define MODSIM_MATRIX_NAME_MAX 256 /* a strategy or scenario name, or a path */
#define MODSIM_MATRIX_MAX_TRIALS 100000 /* trials per cell */
#define MODSIM_MATRIX_TOKEN_MAX 1024    /* a trial's replay token, NUL included */

/**
 * struct modsim_matrix_config - a matrix to run.
 * @strategies/@nstrategies: presets (built-in, composed "BASE+INIT", or .so paths), rows
 * @scenarios/@nscenarios:   built-in scenarios or scenario files, columns
 * @trials:      seeded trials per cell
 * @duration_ms: length of each trial
 * @workers:     worker threads per trial
 * @seed:        the matrix seed; each trial's seed is derived from it
 *               (modsim_matrix_trial_seed())
 * @shard_k/@shard_n: run only the @shard_k-th (1-based) of @shard_n disjoint
 *               slices of the trials; 1/1 runs them all
 * @sched/@depth/@steps: each trial a controlled schedule (modsim run
 *               --sched); MODSIM_SCHED_OFF: free running for @duration_ms
 * @schedules:   with @sched MODSIM_SCHED_OFF: besides the @trials free
 *               trials, this many controlled schedules per cell (pct and
 *               random by turns, seeded like trials @trials, @trials + 1,
 *               ...), the verdict's deterministic evidence; 0: none
 */
struct modsim_matrix_config {
	char strategies[MODSIM_MATRIX_MAX][MODSIM_MATRIX_NAME_MAX];
	unsigned int nstrategies;
	char scenarios[MODSIM_MATRIX_MAX][MODSIM_MATRIX_NAME_MAX];
	unsigned int nscenarios;
	unsigned int trials;
	unsigned int duration_ms;
	unsigned int workers;
	uint64_t seed;
	unsigned int shard_k, shard_n;
	enum modsim_sched_policy sched;
	unsigned int depth;
	uint32_t steps;
	unsigned int schedules;
};

/** What the post predicts for a cell. */
enum modsim_matrix_predict {
	MODSIM_PREDICT_UNKNOWN, /* a scenario file that names no hazard */
	MODSIM_PREDICT_SAFE,
	MODSIM_PREDICT_UNSAFE,
};

/** Whether a cell's trials agree with the prediction. */
enum modsim_matrix_verdict {
	MODSIM_VERDICT_NONE,     /* no trials, or no prediction */
	MODSIM_VERDICT_MATCH,    /* predicted unsafe and found, or predicted safe and not found */
	MODSIM_VERDICT_MISMATCH, /* predicted safe, and a trial found a violation: a contradiction */
	MODSIM_VERDICT_UNSEEN,   /* predicted unsafe, no trial found one: a detection limit of
				  * these trials, not evidence against the prediction */
	MODSIM_VERDICT_VOID,     /* no trial found a violation, and none exercised the
				  * hazard: no evidence either way (cell->void_reason) */
};

/**
 * struct modsim_matrix_trial - one trial: which cell, which seed, what it found.
 * This is one line of `--jsonl` output (schema "modsim-matrix-trial/1").
 * @strategy_index/@scenario_index/@trial: position in the matrix (0-based)
 * @hazard/@predict: the scenario's hazard and the preset's prediction for it
 * @seed:        the trial's own seed (`modsim run --seed` repeats it)
 * @matrix_seed/@trials/@duration_ms/@workers/@total: the matrix it belongs
 *               to (@total: trials in the whole matrix, every shard)
 * @violations:  race violations (every kind but leaks); @by_kind all kinds
 * @first_violation_ns: time to the first race violation, 0 if none
 * @first_kind/@first_module: the first violation's kind and module ("" none)
 * @ops/@failed_get: calls into module code made / refused, every subsystem
 * @unload_ns/@world_stop_ns: the trial's distributions
 * @sched/@depth/@steps: how it was scheduled ("off": free running)
 * @sched_steps: the steps a controlled trial took
 * @token:       a controlled trial that found a violation: the token that
 *               replays it ("" otherwise, or when it would not fit)
 * @schedules:   the matrix's controlled schedules per cell besides @trials
 *               (this trial is one of them when @trial >= @trials)
 * Evidence that the trial exercised its hazard (the VOID check):
 * @loads/@init_failures: successful loads, inits that ran and failed
 * @unload_overlapped: unloads during which a call was made or refused
 * @init_fail_overlapped: failed inits during which a caller ran
 * @timer_calls: timer callbacks made or refused
 * @load_error:  the module could not load at all: the loader's reason
 * Costs (item: refused gets split by the module's state):
 * @refused_live: gets refused while the module was LIVE (spurious)
 * @ops_unlive:  calls made while the module was not LIVE (COMING, GOING)
 */
struct modsim_matrix_trial {
	unsigned int strategy_index, scenario_index, trial;
	char strategy[MODSIM_MATRIX_NAME_MAX];
	char scenario[MODSIM_MATRIX_NAME_MAX];
	char hazard[16];
	enum modsim_matrix_predict predict;
	uint64_t seed;

	uint64_t matrix_seed;
	unsigned int trials, duration_ms, workers;
	unsigned long total;

	unsigned long violations;
	unsigned long by_kind[MODSIM_V__COUNT];
	uint64_t first_violation_ns;
	char first_kind[32];
	char first_module[64];
	unsigned long cycles;
	uint64_t elapsed_ns;
	unsigned long ops, failed_get;
	unsigned long unload_attempts, unload_done;
	struct modsim_dist unload_ns, world_stop_ns;
	char sched[8];
	unsigned int depth;
	uint32_t steps, sched_steps;
	char token[MODSIM_MATRIX_TOKEN_MAX];
	unsigned int schedules;
	unsigned long loads, init_failures, unload_overlapped, init_fail_overlapped, timer_calls;
	unsigned long refused_live, ops_unlive;
	char load_error[256];
};

/**
 * struct modsim_matrix_cell - one strategy x scenario cell.
 * @trials:     trials of the cell in the result
 * @found:      of them, trials that found a race violation
 * @violations: race violations in all of them
 * @first_violation_p50_ns: median time to the first violation over the
 *              trials that found one (0 when none did)
 * @replay:     a token that replays a violation of the cell: its first
 *              finder's, when the trials were controlled, else one
 *              modsim_matrix_hunt() found (malloc'ed; NULL when none)
 * @free_trials/@free_found: of @trials/@found, those that ran free
 * @schedules/@sched_found:  of @trials/@found, the controlled schedules
 * @void_reason: for a VOID cell, what no trial showed
 * @free_only:  the cell has schedules, none found a violation, and a free
 *              trial did: reported beside the verdict, which is the
 *              schedules' (docs/matrix-confidence.md)
 */
struct modsim_matrix_cell {
	unsigned int trials, found;
	unsigned int free_trials, free_found, schedules, sched_found;
	char void_reason[320];
	bool free_only;
	unsigned long violations;
	uint64_t first_violation_p50_ns;
	char hazard[16];
	enum modsim_matrix_predict predict;
	enum modsim_matrix_verdict verdict;
	char *replay;
	bool hunted; /* modsim_matrix_hunt searched controlled schedules for it */
	bool no_hunt_file; /* ... but not here: its strategy or scenario is a file (NO_FILES) */
};

/**
 * struct modsim_matrix_cost - what one strategy cost, over all its trials.
 * @failed_get_per_mop: failed gets per million calls attempted (made + refused)
 * @unload_p50_ns:      median over the trials that unloaded of their unload p50
 * @world_stop_p99_ns:  median over the trials whose world stopped of their p99
 * @unload_trials/@stop_trials: how many trials those medians are over
 * @refused_live/@refused_transition: failed gets refused while the module
 *                      was LIVE (spurious: "a source of random subsystem
 *                      failure") / while it was COMING or GOING (the
 *                      protocol working)
 * @calls_live:         calls attempted while the module was LIVE: made
 *                      while LIVE plus refused while LIVE
 * @refused_live_per_mlive/@refused_transition_per_mlive: per million
 *                      @calls_live
 * Costs are over the free-running trials (a controlled schedule's time and
 * call counts are the scheduler's); a strategy with none uses them all.
 */
struct modsim_matrix_cost {
	unsigned int trials;
	unsigned long cycles, ops, failed_get;
	double failed_get_per_mop;
	uint64_t unload_p50_ns, world_stop_p99_ns;
	unsigned int unload_trials, stop_trials;
	unsigned long refused_live, refused_transition, calls_live;
	double refused_live_per_mlive, refused_transition_per_mlive;
};

/**
 * struct modsim_matrix_result - trials and the table made of them.
 * @cfg:      the matrix as the trials describe it (lists, trials, duration,
 *            workers, seed; shard as run, 1/1 for a merge)
 * @total:    trials in the whole matrix (every shard)
 * @trial:    the trials, @ntrials of them, in matrix order after tabulating
 * @cell:     [row * cfg.nscenarios + column], after modsim_matrix_tabulate()
 * @cost:     [row]
 * @match/@mismatch/@unseen/@void_cells: cells of each verdict
 * @unloadable: cells whose module could not load at all (VOID too)
 * @free_only:  cells where only the free trials found a violation
 */
struct modsim_matrix_result {
	struct modsim_matrix_config cfg;
	unsigned long total;
	struct modsim_matrix_trial *trial;
	size_t ntrials, cap;
	struct modsim_matrix_cell *cell;
	struct modsim_matrix_cost *cost;
	unsigned int match, mismatch, unseen, void_cells, unloadable, free_only;
};

/**
 * modsim_matrix_config_default - the quick matrix `modsim` runs with no
 * arguments: every built-in preset x every built-in scenario, 1 trial of
 * 0.3 s per cell, 2 workers, seed 1, no sharding.
 */
MODSIM_API void modsim_matrix_config_default(struct modsim_matrix_config *cfg);

/**
 * modsim_matrix_set_strategies - set the rows from a comma-separated list.
 * Each name must resolve (preset, composition or .so).
 * Return: 0, or -EINVAL (empty, repeated or too many names), -ENOENT
 * (unknown strategy), -ENOMEM, with modsim_last_error(); @cfg's list is
 * left as it was on error.
 */
MODSIM_API int modsim_matrix_set_strategies(struct modsim_matrix_config *cfg, const char *list);

/**
 * modsim_matrix_set_scenarios - set the columns from a comma-separated list
 * of built-in scenarios or scenario files.
 * Return: 0, or -EINVAL, -ENOENT, -ENOMEM with modsim_last_error() (the
 * list is left as it was on error).
 */
MODSIM_API int modsim_matrix_set_scenarios(struct modsim_matrix_config *cfg, const char *list);

/**
 * modsim_matrix_trial_seed - the seed of trial @trial of cell (@strategy,
 * @scenario) in a matrix seeded with @seed.  Derived from the names, not
 * their positions, so the same cell gets the same seeds in any matrix.
 */
MODSIM_API uint64_t modsim_matrix_trial_seed(uint64_t seed, const char *strategy,
					     const char *scenario, unsigned int trial);

/**
 * modsim_matrix_in_shard - is trial number @index (0-based, in matrix order:
 * strategy, scenario, trial) in shard @k of @n?  Trials are dealt round-robin
 * (index mod @n == @k - 1), so every shard gets a share of every preset.
 */
MODSIM_API bool modsim_matrix_in_shard(unsigned long index, unsigned int k, unsigned int n);

/**
 * modsim_matrix_predict - the post's prediction for @scenario under
 * @strategy: the preset's predict[] for the scenario's hazard; for
 * "mixed", unsafe when any hazard is unsafe.
 * @hazard: set to the scenario's hazard ("A".."S", "mixed", "-")
 * Return: the prediction; MODSIM_PREDICT_UNKNOWN when the strategy or the
 * scenario cannot be resolved or the scenario names no hazard.
 */
MODSIM_API enum modsim_matrix_predict modsim_matrix_predict(const char *strategy,
							     const char *scenario,
							     char hazard[16]);

/**
 * modsim_matrix_predict_sched - modsim_matrix_predict() for trials run
 * under @sched: a controlled schedule opens every window alike, so the
 * scenario's hazards are modsim_scenario_hazard_sched()'s.
 */
MODSIM_API enum modsim_matrix_predict modsim_matrix_predict_sched(const char *strategy,
								   const char *scenario,
								   enum modsim_sched_policy sched,
								   char hazard[16]);

/** Called after each trial: the trial, trials done in this run, and how many it has. */
typedef void (*modsim_matrix_trial_fn)(const struct modsim_matrix_trial *t, unsigned long done,
				       unsigned long count, void *arg);

/**
 * modsim_matrix_run - run the trials of @cfg's shard, one after the other,
 * and tabulate them.
 * @on_trial: called after each trial (progress, streaming); may be NULL
 * @out:      the result; free with modsim_matrix_result_free()
 * Return: 0, or a negative errno with modsim_last_error() naming the cell
 * and trial that could not run (the partial result is freed).
 */
MODSIM_API int modsim_matrix_run(const struct modsim_matrix_config *cfg,
				 modsim_matrix_trial_fn on_trial, void *arg,
				 struct modsim_matrix_result **out);

/** modsim_matrix_result_new - an empty result, to add trials to (merge). NULL: no memory. */
MODSIM_API struct modsim_matrix_result *modsim_matrix_result_new(void);

/**
 * modsim_matrix_result_add - add one trial to @r.
 * Return: 0, or -EINVAL with modsim_last_error() when it does not belong:
 * another matrix (seed, trials, duration, workers, size), a position that
 * names another strategy or scenario than before, or a trial already there.
 */
MODSIM_API int modsim_matrix_result_add(struct modsim_matrix_result *r,
					const struct modsim_matrix_trial *t);

/**
 * modsim_matrix_tabulate - sort @r's trials into matrix order and compute
 * @r->cfg's lists, the cells, the costs and the verdicts from them alone, so
 * the same trials give the same table however they were run or merged.
 * @r->cfg's shard is set to 1/1 (modsim_matrix_run() sets its own after).
 * Return: 0, -EINVAL (a trial given twice) or -ENOMEM, with modsim_last_error().
 */
MODSIM_API int modsim_matrix_tabulate(struct modsim_matrix_result *r);

/** modsim_matrix_result_free - free @r (NULL is fine). */
MODSIM_API void modsim_matrix_result_free(struct modsim_matrix_result *r);

/**
 * modsim_matrix_hunt - give every cell that found a violation a replay:
 * for free-running trials, search up to @max controlled schedules of the
 * cell (modsim_sched_hunt()) for one that ends on the first finder's kind
 * of violation.  After modsim_matrix_tabulate().
 * @flags: MODSIM_MATRIX_HUNT_NO_FILES leaves alone the cells whose strategy
 *         is a path (a .so) or whose scenario is a file (it names modules):
 *         trials read from files someone shared (modsim merge) never make
 *         modsim load code they name; such a cell gets @no_hunt_file set.
 * Return: 0, or a negative errno when a schedule could not run.
 */
#define MODSIM_MATRIX_HUNT_NO_FILES 1u
MODSIM_API int modsim_matrix_hunt(struct modsim_matrix_result *r, unsigned int max,
				  unsigned int flags);

/**
 * modsim_matrix_read_jsonl - read trial lines (modsim matrix --jsonl) from
 * @in and add them to @r.  Strict: every line must be exactly one trial
 * object of schema "modsim-matrix-trial/1".
 * @name: the file's name, for messages ("NAME:LINE: what is wrong")
 * Return: 0 (an empty file adds nothing), or -EINVAL (a bad line, or a
 * trial of another matrix), -EIO, -ENOMEM, with modsim_last_error().
 */
MODSIM_API int modsim_matrix_read_jsonl(FILE *in, const char *name,
					struct modsim_matrix_result *r);

/** modsim_matrix_print_trial - @t as one JSON line (the --jsonl format). */
MODSIM_API void modsim_matrix_print_trial(FILE *f, const struct modsim_matrix_trial *t);

/**
 * modsim_matrix_print - a tabulated result on @f: the text table, JSON
 * (schema "modsim-matrix/1"), CSV (one row per cell), or JSONL (the trials).
 */
MODSIM_API void modsim_matrix_print(FILE *f, enum modsim_format fmt,
				    const struct modsim_matrix_result *r);

/**
 * modsim_matrix_print_fit - the text table, as modsim_matrix_print(), with
 * the replay lines (one per cell that found a violation) fitted to a
 * terminal: when @width is not 0 and a line is wider, or when @replays
 * names a file, every line goes whole into @replays (NULL: a new file
 * $TMPDIR/modsim-replays-XXXXXX), the table's lines are cut to @width, and
 * a line under them names the file.
 * Return: 0, or a negative errno (the file could not be written; the lines
 * were then printed whole) with modsim_last_error().
 */
MODSIM_API int modsim_matrix_print_fit(FILE *f, const struct modsim_matrix_result *r,
				       unsigned int width, const char *replays);

/** modsim_matrix_predict_name - "safe", "unsafe", "unknown". */
MODSIM_API const char *modsim_matrix_predict_name(enum modsim_matrix_predict p);

/** modsim_matrix_verdict_name - "MATCH", "MISMATCH", "UNSEEN", "VOID", "-". */
MODSIM_API const char *modsim_matrix_verdict_name(enum modsim_matrix_verdict v);

/**
 * struct modsim_matrix_confidence - what a cell's evidence bounds (95 %).
 * @n:       the trials the figure is over: the controlled schedules when the
 *           cell has any (the verdict's deterministic evidence), else its
 *           free trials
 * @k:       of them, those that found a violation
 * @rate/@lo/@hi: for a cell that found one (@k > 0): the detection rate
 *           k/n and its Wilson score interval
 * @bound:   for a cell that found none: the rule of three, 3/n, the upper
 *           bound on the per-trial (per-schedule) violation probability
 * @per:     "schedule" or "trial"
 */
struct modsim_matrix_confidence {
	unsigned int n, k;
	double rate, lo, hi, bound;
	const char *per;
};

/** modsim_matrix_confidence - @cell's confidence figures (zeros for a cell without trials). */
MODSIM_API void modsim_matrix_confidence(const struct modsim_matrix_cell *cell,
					 struct modsim_matrix_confidence *out);

/** modsim_wilson - the 95 % Wilson score interval of @k successes in @n trials. */
MODSIM_API void modsim_wilson(unsigned int k, unsigned int n, double *lo, double *hi);

/**
 * modsim_matrix_plot - draw @r with gnuplot into the PNG @path: the matrix
 * as a heat map of detection rate (found / trials) with each cell's verdict,
 * and the cost columns per strategy.
 * Return: 0, or -ENOENT (gnuplot not installed), -EIO (gnuplot failed)
 * with modsim_last_error().
 */
MODSIM_API int modsim_matrix_plot(const struct modsim_matrix_result *r, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_MATRIX_H */
