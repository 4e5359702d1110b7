/* The race lab: one configuration raced for real (modsim run), and its result. */
#ifndef MODSIM_RUN_H
#define MODSIM_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <modsim/compiler.h>
#include <modsim/point.h>
#include <modsim/trap.h>
#include <modsim/lab/sched.h>
#include <modsim/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MODSIM_RUN_MAX_AMPLIFY 8

/** One amplifier setting: widen @point (or every point when -1). */
struct modsim_amplify {
	int point;
	double prob;
	enum modsim_delay how;
	unsigned int us;
};

/**
 * struct modsim_run_config - one trial.
 * @strategy:  preset name or strategy .so path
 * @scenario:  built-in scenario name, or a path to a scenario file (.ini)
 * @workers:   worker threads (CPUs that call into modules)
 * @duration_ms: how long the trial runs; 0 means run @cycles load/unload cycles
 * @cycles:    load/unload cycles to run when @duration_ms is 0
 * @seed:      seeds amplifier decisions and worker choices
 * @amplify:   @namplify settings; none given means the default amplification
 * @no_amplify: run with every window at its natural width
 *
 * Controlled scheduling (free running when @sched is MODSIM_SCHED_OFF):
 * @sched:     pct, random or replay; one thread runs at a time, and the
 *             trial ends at its first violation, a deadlock, or @steps
 *             (the duration and the amplifier do not apply); the loader
 *             runs @cycles cycles (0: 3) and then the workers stop, so
 *             that a thread preempted inside module code runs again after
 *             the loader is done
 * @depth:     PCT's bug depth d (0: 3)
 * @steps:     the step budget (0: 2000)
 * @pct_k:     PCT's k: its change points are drawn among the first @pct_k
 *             decisions (0: 100, about the length of a default trial)
 * @choices:   for replay: @nchoices non-default decisions (not owned)
 * @scenario_hash: a replay's check: when not 0, @scenario must be a file
 *             whose bytes hash to it (modsim_scenario_hash()), or the trial
 *             is refused with -ESTALE
 * @sched_log: keep every step in the result (the determinism check)
 * @sched_trace: keep the events in the result (trace files)
 */
struct modsim_run_config {
	char strategy[256];
	char scenario[256];
	unsigned int workers;
	unsigned int duration_ms;
	unsigned long cycles;
	uint64_t seed;
	struct modsim_amplify amplify[MODSIM_RUN_MAX_AMPLIFY];
	unsigned int namplify;
	bool no_amplify;
	enum modsim_sched_policy sched;
	unsigned int depth;
	uint32_t steps;
	uint32_t pct_k;
	const struct modsim_sched_choice *choices;
	uint32_t nchoices;
	uint64_t scenario_hash;
	bool sched_log, sched_trace;
};

/** Defaults of a controlled trial. */
#define MODSIM_SCHED_DEFAULT_DEPTH 3
#define MODSIM_SCHED_DEFAULT_STEPS 2000
#define MODSIM_SCHED_DEFAULT_CYCLES 3
#define MODSIM_SCHED_DEFAULT_PCT_K 100

/** modsim_run_config_default - 2 workers, 2 s, seed 1, default amplification. */
MODSIM_API void modsim_run_config_default(struct modsim_run_config *cfg);

/**
 * struct modsim_hunt - what modsim_sched_hunt() found.
 * @token: the replay token of the first schedule that ended on the
 *         violation wanted (or, when none did, on another one); malloc'ed;
 *         NULL when no schedule found a violation
 * @kind:  the violation the token ends on, -1 with no token
 * @seed/@policy: that schedule's seed and policy
 * @tries: schedules run
 */
struct modsim_hunt {
	char *token;
	int kind;
	uint64_t seed;
	enum modsim_sched_policy policy;
	unsigned int tries;
};

/**
 * struct modsim_run_result - what one trial found.
 * @stats:            the kernel's counters at the end (operations, failed
 *                    gets, violations with first occurrences, unload
 *                    outcomes, unload latency, world-stop pauses)
 * @cycles:           load/unload cycles completed
 * @elapsed_ns:       wall time of the trial
 * @first_violation_ns: time from the start to the first violation, 0 if none
 * @sched:            a controlled trial's schedule and what the scheduler saw
 *                    (policy MODSIM_SCHED_OFF when it ran free).  @stats and
 *                    @cycles are then as they were when control ended: what
 *                    runs free afterwards, while the threads stop, is not
 *                    the schedule's
 *
 * @hunt:             for a free-running trial that found a violation, the
 *                    controlled schedule that replays one (modsim run fills
 *                    it with modsim_sched_hunt(); modsim_run() does not)
 *
 * @unloadable:       modsim_run() failed because a module of the scenario
 *                    could not load at all (the loader refused it before
 *                    its init ever ran: a missing .so, a bad parameter);
 *                    modsim_last_error() names it and the loader's reason
 *
 * modsim_run_result_free() frees what @sched and @hunt own.
 */
struct modsim_run_result {
	bool unloadable;
	struct modsim_stats stats;
	unsigned long cycles;
	uint64_t elapsed_ns;
	uint64_t first_violation_ns;
	struct modsim_sched_report sched;
	struct modsim_hunt hunt;
};

/** modsim_run_result_free - free what @res owns (not @res). */
MODSIM_API void modsim_run_result_free(struct modsim_run_result *res);

/**
 * modsim_run_schedule - the schedule @cfg ran, as modsim_schedule_encode()
 * takes it: @cfg's strategy, scenario, workers, seed and cycles, the
 * scenario file's hash, with @res's policy, depth, budget, choices and
 * ending violation.  The choices are @res's: do
 * not free @out.
 */
MODSIM_API void modsim_run_schedule(const struct modsim_run_config *cfg,
				    const struct modsim_run_result *res,
				    struct modsim_schedule *out);

/**
 * modsim_scenario_hash - what a token keeps of scenario @scenario: 0 for a
 * built-in scenario, else FNV-1a (64 bit) of the file's bytes (never 0).
 * Return: 0, or a negative errno when the file cannot be read.
 */
MODSIM_API int modsim_scenario_hash(const char *scenario, uint64_t *out);

/**
 * modsim_run_config_replay - @cfg set up to replay @s (as decoded from a
 * token): strategy, scenario, workers, seed, cycles, depth, steps, the
 * scenario hash to check and choices (which stay @s's).  Other fields keep their values.
 */
MODSIM_API void modsim_run_config_replay(struct modsim_run_config *cfg,
					 const struct modsim_schedule *s);

/** modsim_run_violations - violations that count as the race (every kind but leaks). */
MODSIM_API unsigned long modsim_run_violations(const struct modsim_run_result *res);

/** modsim_run_first_kind - the first race violation kind in kind order (leaks do not count), or -1. */
MODSIM_API int modsim_run_first_kind(const struct modsim_run_result *res);

/**
 * modsim_run - run one trial.
 * Run one trial at a time per process: a trial keeps 768 unloaded
 * generations quarantined, most of the process-wide fault-attribution
 * table (4096 segments); trials in parallel belong in separate processes.
 * Return: 0 when the trial ran (whatever it found), or a negative errno with
 * modsim_last_error() saying what was wrong with the configuration.
 */
MODSIM_API int modsim_run(const struct modsim_run_config *cfg, struct modsim_run_result *res);

/**
 * struct modsim_shrink_stats - what modsim_shrink() did.
 * @runs:   replays it ran
 * @kind:   the violation every kept schedule ends on
 * @before/@after: choices, preemptions and steps of the schedule it was
 *          given (as replayed) and of the one it returns
 */
struct modsim_shrink_stats {
	unsigned int runs;
	int kind;
	uint32_t choices_before, preemptions_before, steps_before;
	uint32_t choices_after, preemptions_after, steps_after;
};

/**
 * modsim_shrink - search for a shorter failing schedule.  Replays @in, then
 * drops its choices in chunks, halving the chunk until single choices
 * (delta debugging), and keeps a candidate when its replay still ends on
 * the same kind of violation with fewer preemptions, fewer choices or
 * fewer steps.  Every schedule it keeps is the one the replay actually
 * took, so it replays as it is.
 * @in:       a failing schedule (decoded from a token)
 * @max_runs: give up searching after this many replays (0: 2000)
 * @out:      the shortest failing schedule found (choices malloc'ed;
 *            modsim_schedule_free()); @in's own when nothing shorter fails
 * @st:       what it did
 * Return: 0; -ESRCH when @in does not end on a violation when replayed;
 * another negative errno when a replay could not run (modsim_last_error()).
 */
MODSIM_API int modsim_shrink(const struct modsim_schedule *in, unsigned int max_runs,
			     struct modsim_schedule *out, struct modsim_shrink_stats *st);

/**
 * modsim_sched_hunt - search controlled schedules of @cell's strategy,
 * scenario and workers (pct and random by turns, default depth and steps,
 * seeds @first_seed, @first_seed + 1, ...) for one that ends on violation
 * @kind (-1: any),
 * so that a violation found running free comes with a line that replays it.
 * @max:   schedules to try at most
 * Return: 0 (@out says whether one was found), or a negative errno when a
 * schedule could not run.  Free out->token.
 */
MODSIM_API int modsim_sched_hunt(const struct modsim_run_config *cell, int kind, uint64_t first_seed,
				 unsigned int max, struct modsim_hunt *out);

/** Schedules `modsim run` tries to replay a free-running find, and `modsim
 * matrix` per cell (it has many cells to hunt for). */
#define MODSIM_HUNT_MAX 200
#define MODSIM_MATRIX_HUNT_MAX 50

/** Output formats shared by run, matrix and merge. */
enum modsim_format { MODSIM_FMT_TEXT, MODSIM_FMT_JSON, MODSIM_FMT_CSV, MODSIM_FMT_JSONL };

/** modsim_run_print - print @cfg and @res on @f in @fmt (the schema is in the README). */
MODSIM_API void modsim_run_print(FILE *f, enum modsim_format fmt,
				 const struct modsim_run_config *cfg,
				 const struct modsim_run_result *res);

/**
 * modsim_run_csv_header - the CSV header line that modsim_run_print(CSV)
 * prints before its row (for tables of many trials).
 */
MODSIM_API void modsim_run_csv_header(FILE *f);

/** modsim_run_csv_row - one trial as one CSV row, without the header. */
MODSIM_API void modsim_run_csv_row(FILE *f, const struct modsim_run_config *cfg,
				   const struct modsim_run_result *res);

/**
 * modsim_scenario_names - the built-in scenarios, NULL-terminated:
 * unload-race, half-init, put-return, timer, long-session, init-sleep,
 * dependency, mixed.
 */
MODSIM_API const char *const *modsim_scenario_names(void);

/** modsim_scenario_hazard - the hazards a built-in scenario exercises ("A".."S", a set such as "A+L", or "mixed"). */
MODSIM_API const char *modsim_scenario_hazard(const char *scenario);

/**
 * modsim_scenario_hazard_sched - the same as modsim_scenario_hazard(): a
 * scenario exercises the same hazards free-running and under a controlled
 * scheduler (put-return is "A+P" in both).  Kept for its callers.
 */
MODSIM_API const char *modsim_scenario_hazard_sched(const char *scenario);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_RUN_H */
