/* Controlled scheduling: one thread at a time, a baton passed at the race points; schedules that replay. */
#ifndef MODSIM_SCHED_H
#define MODSIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <modsim/compiler.h>
#include <modsim/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * In controlled mode the threads of a trial (the loader, the workers, the
 * timer thread) stay real pthreads, but only the one holding the baton
 * runs.  The baton is passed at every race point (the windows the
 * amplifier widens and the tests force, among them every entry into and
 * exit from module code) and wherever a thread waits for another (an
 * unload waiting for a count, a stopped world, a grace period, a firmware
 * request, an idle timer thread).  At each such step a policy picks who
 * runs next.  The steps where more than one thread could run are the
 * decisions; a schedule is the list of decisions that differ from the
 * default one (keep running the thread that yielded when it can, else the
 * next runnable thread after it), so a schedule with few preemptions is
 * short.  Time is a choice too: an armed timer is due whenever the
 * scheduler runs the timer thread.
 */

/** The most threads a controlled trial may have (1 loader, workers, 1 timer thread). */
#define MODSIM_SCHED_MAX_THREADS 64

/** enum modsim_sched_policy - who picks the next thread. */
enum modsim_sched_policy {
	MODSIM_SCHED_OFF,    /* free running: every thread at once (the race lab's default) */
	MODSIM_SCHED_PCT,    /* probabilistic concurrency testing: priorities, d-1 change points */
	MODSIM_SCHED_RANDOM, /* a uniform pick among the runnable threads at every decision */
	MODSIM_SCHED_REPLAY, /* the decisions of a schedule, then the default */
};

/** modsim_sched_policy_name - "off", "pct", "random", "replay". */
MODSIM_API const char *modsim_sched_policy_name(enum modsim_sched_policy p);

/**
 * modsim_sched_policy_lookup - the policy called @name.
 * Return: it, or -EINVAL.
 */
MODSIM_API int modsim_sched_policy_lookup(const char *name);

/**
 * struct modsim_sched_choice - one non-default decision: at decision number
 * @decision (0 for the first step where more than one thread could run),
 * run thread @thread.
 */
struct modsim_sched_choice {
	uint32_t decision;
	uint8_t thread;
};

/**
 * struct modsim_schedule - everything a replay needs: the trial's
 * configuration, the policy that found the schedule, and its choices.
 * @strategy, @scenario, @workers, @seed: as in struct modsim_run_config
 *           (the seed also seeds the workers' choices)
 * @policy:  the policy that ran it (pct, random or replay)
 * @depth:   PCT's bug depth d (d-1 priority change points)
 * @steps:   the step budget the trial had
 * @expect:  the violation it ended on (a vkind), or -1 when none
 * @expect_step: the step at which that violation was seen
 * @cycles:  the load/unload cycles the loader ran (0: the default, 3)
 * @scenario_hash: when @scenario is a file, FNV-1a (64 bit) of its bytes
 *           (modsim_scenario_hash()); 0 for a built-in scenario.  A replay
 *           refuses a file whose bytes changed
 * @choices: @nchoices non-default decisions, ascending by decision; owned
 *           by the schedule (modsim_schedule_free())
 */
struct modsim_schedule {
	char strategy[256];
	char scenario[256];
	unsigned int workers;
	uint64_t seed;
	enum modsim_sched_policy policy;
	unsigned int depth;
	uint32_t steps;
	int expect;
	uint32_t expect_step;
	unsigned long cycles;
	uint64_t scenario_hash;
	struct modsim_sched_choice *choices;
	uint32_t nchoices;
};

/** modsim_schedule_free - free @s->choices and clear it (not @s itself). */
MODSIM_API void modsim_schedule_free(struct modsim_schedule *s);

/**
 * modsim_schedule_encode - @s as one copy-pasteable word ("ms1." then
 * base64url: letters, digits, '-' and '_'; no shell quoting needed).
 * @out: set to a malloc'ed, NUL-terminated string
 * Return: 0, -ENOMEM, -EINVAL (a field that does not fit: strategy or
 * scenario longer than 255 bytes, a thread id over 63).
 */
MODSIM_API int modsim_schedule_encode(const struct modsim_schedule *s, char **out);

/**
 * modsim_schedule_decode - the schedule @token holds.
 * @s: filled; its choices are malloc'ed (modsim_schedule_free())
 * Return: 0, or -EINVAL with modsim_last_error() naming what is wrong (not
 * a token, unknown version, truncated, a choice out of order).
 */
MODSIM_API int modsim_schedule_decode(const char *token, struct modsim_schedule *s);

/**
 * modsim_schedule_check_code - may the decoded @s run, given what the user
 * named besides the token?  A token is data someone shared: it must not
 * make modsim load code.  A strategy that is a path (a .so) must be named
 * again in @strategy, and a scenario that is a file (it names modules to
 * load) in @scenario; what is named must be what the token holds.
 * @s:        a decoded schedule
 * @strategy: the --strategy given with the token, or NULL
 * @scenario: the --scenario given with the token, or NULL
 *
 * Return: 0; -EPERM when the token names a file not named again; -EINVAL
 * when @strategy or @scenario differs from the token's.
 */
MODSIM_API int modsim_schedule_check_code(const struct modsim_schedule *s, const char *strategy,
					  const char *scenario);

/** enum modsim_sched_end - why a controlled trial stopped being controlled. */
enum modsim_sched_end {
	MODSIM_SEND_NONE,      /* not controlled */
	MODSIM_SEND_VIOLATION, /* the first violation (not a leak) was seen */
	MODSIM_SEND_DEADLOCK,  /* no thread could run: every one waits for another (hazard S) */
	MODSIM_SEND_BUDGET,    /* the step budget ran out */
	MODSIM_SEND_EXITED,    /* every thread left on its own */
	MODSIM_SEND_LOST,      /* a thread blocked outside the scheduler's sight (a bug: see the error) */
};

/** modsim_sched_end_name - "violation", "deadlock", "budget", "exited", "lost". */
MODSIM_API const char *modsim_sched_end_name(enum modsim_sched_end e);

/**
 * struct modsim_sched_step - one step, as the determinism check compares it.
 * @runnable: the threads that could run (bit i: thread i)
 * @current:  the thread that yielded
 * @chosen:   the thread that runs next
 * @point:    where @current yielded: a race point id, or one of the
 *            MODSIM_SCHED_AT_* values below
 */
struct modsim_sched_step {
	uint64_t runnable;
	uint8_t current;
	uint8_t chosen;
	int16_t point;
};

/* Where a thread yields when it is not at a race point. */
#define MODSIM_SCHED_AT_START (-1) /* the thread arrived */
#define MODSIM_SCHED_AT_END   (-2) /* the thread left */
#define MODSIM_SCHED_AT_WAIT  (-3) /* a wait that found its condition false (see @what) */
#define MODSIM_SCHED_AT_YIELD (-4) /* a loop with nothing to do let others run */

/** enum modsim_sched_ev - kinds of trace event. */
enum modsim_sched_ev {
	MODSIM_SEV_POINT,     /* the thread passed a race point */
	MODSIM_SEV_WAIT,      /* the thread waits (what: the wait's name) */
	MODSIM_SEV_START,     /* the thread arrived */
	MODSIM_SEV_END,       /* the thread left */
	MODSIM_SEV_VIOLATION, /* a violation was recorded (what: its kind; detail in the report) */
	MODSIM_SEV_COUNT,     /* the module's count changed to @count */
};

/**
 * struct modsim_sched_event - one event of a controlled trial, for traces.
 * @step:   the step it happened in (the trace's time axis)
 * @thread: the thread
 * @kind:   enum modsim_sched_ev
 * @point:  the race point id for MODSIM_SEV_POINT, else -1
 * @mod:    index into the report's module table, or -1
 * @count:  the module's count as lsmod shows it after the event, or -1
 * @what:   a static string: the wait's name, the violation kind's name, or NULL
 */
struct modsim_sched_event {
	uint32_t step;
	uint8_t thread;
	uint8_t kind;
	int16_t point;
	int32_t mod;
	long count;
	const char *what;
};

/** One module generation a trace names: "hook gen 3". */
struct modsim_sched_mod {
	char name[64];
	unsigned long generation;
};

/**
 * struct modsim_sched_report - what the scheduler saw in one controlled trial.
 * @policy, @depth, @seed, @budget: how it ran
 * @nthreads, @thread_name: the threads, by id (0 is the loader when there is one)
 * @steps:       steps taken under control
 * @decisions:   steps where more than one thread could run
 * @preemptions: decisions that switched away from a thread that could go on
 * @end:         why control ended
 * @end_step:    the step it ended at
 * @violation_thread: the thread that saw the ending violation, or -1
 * @violation_point:  the last race point that thread passed, or -1
 * @divergences: replay decisions that named a thread that could not run (0
 *               when the schedule replayed as recorded)
 * @schedule:    the schedule as it ran, ready to encode (its choices are
 *               owned by the report)
 * @log, @nlog:  every step (for --verify-replay), when asked for
 * @events, @nevents, @mods, @nmods: the trace, when asked for
 * @lost:        for MODSIM_SEND_DEADLOCK and MODSIM_SEND_LOST: every
 *               thread and where it stood
 * @unkept_events/@unkept_steps/@unkept_choices: records that did not fit
 *               (memory, or the caps: 4M events, 16M steps or choices);
 *               a schedule with unkept choices does not replay, and no
 *               token is made of it
 *
 * Filled by `modsim run`, not by the scheduler:
 * @verified:    -1 not checked; 1 a replay of the schedule took the same
 *               steps; 0 it diverged, first at step @diverged_at (@verify_msg)
 * @reproduced:  -1 not a replay of a token; 1 it ended on the token's
 *               violation at the token's step; 0 it did not
 */
struct modsim_sched_report {
	enum modsim_sched_policy policy;
	unsigned int depth;
	uint64_t seed;
	uint32_t budget;
	unsigned int nthreads;
	char thread_name[MODSIM_SCHED_MAX_THREADS][16];
	uint32_t steps, decisions, preemptions;
	enum modsim_sched_end end;
	uint32_t end_step;
	int violation_thread;
	int violation_point;
	uint32_t divergences;
	struct modsim_schedule schedule;
	struct modsim_sched_step *log;
	uint32_t nlog;
	struct modsim_sched_event *events;
	uint32_t nevents;
	struct modsim_sched_mod *mods;
	uint32_t nmods;
	char lost[256];
	uint32_t unkept_events, unkept_steps, unkept_choices;
	int verified;
	uint32_t diverged_at;
	char verify_msg[256];
	int reproduced;
};

/** modsim_sched_report_free - free what @r owns (not @r itself). */
MODSIM_API void modsim_sched_report_free(struct modsim_sched_report *r);

/**
 * modsim_sched_compare - the determinism check: compare two step logs.
 * @a, @b:   the reports of two runs of the same schedule (with logs)
 * @where:   set to the first step that differs, or to the shorter length
 *           when one log is a prefix of the other and the lengths differ
 * @msg:     a one-line description of the difference (runnable sets, the
 *           thread that yielded, its point, the choice), when they differ
 * Return: true when the logs are equal.
 */
MODSIM_API bool modsim_sched_compare(const struct modsim_sched_report *a,
				     const struct modsim_sched_report *b, uint32_t *where,
				     char *msg, size_t len);

/**
 * modsim_sched_trace_json - write @r's events as Chrome Trace Event JSON
 * (Perfetto, chrome://tracing): one track per thread; spans for module
 * code (entry to exit), init and exit, and the unload phases; a counter
 * track per module for its count; the violation as an instant event.  The
 * time axis is the step number, shown as microseconds.
 * Return: 0, -EIO (a write failed), -EINVAL (no report or no file).
 */
MODSIM_API int modsim_sched_trace_json(const struct modsim_sched_report *r, FILE *f);

/**
 * modsim_sched_timeline_svg - the same as a picture: one lane per thread,
 * steps left to right, module code as coloured bars named by module, the
 * unload phases on the loader's lane, the violation marked in red.
 * Return: 0, -EIO (a write failed), -EINVAL (no report or no file).
 */
MODSIM_API int modsim_sched_timeline_svg(const struct modsim_sched_report *r, FILE *f);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_SCHED_H */
