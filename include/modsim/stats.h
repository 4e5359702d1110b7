/* What happened in a kernel: operations, failed gets, violations, unload outcomes. */
#ifndef MODSIM_STATS_H
#define MODSIM_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct modsim_kernel;

/** enum modsim_subsys - the subsystems that call into module code. */
enum modsim_subsys {
	MODSIM_SS_CHRDEV,
	MODSIM_SS_HOOK,
	MODSIM_SS_TIMER,
	MODSIM_SS_NOTIFIER,
	MODSIM_SS_SYMBOL,
	MODSIM_SS_LOADER, /* init, exit and the other module hooks */
	MODSIM_SS__COUNT
};

/** modsim_subsys_name - "chrdev", "hook", ... */
MODSIM_API const char *modsim_subsys_name(enum modsim_subsys s);

/** enum modsim_vkind - kinds of violation the detector reports. */
enum modsim_vkind {
	MODSIM_V_FAULT,           /* a guarded call faulted on an unloaded module's memory */
	MODSIM_V_CALL_AFTER_EXIT, /* a call entered a module after its exit (or teardown) began */
	MODSIM_V_LEAK,            /* a registration left behind at unload */
	MODSIM_V_DEADLOCK,        /* the watchdog fired: init/exit never returned, or a stopped world never resumed */
	MODSIM_V_MODULE_CRASH,    /* a live module faulted in its own code: a module bug, not a race */
	MODSIM_V__COUNT
};

/**
 * modsim_vkind_is_race - does a violation of kind @v count against the
 * preset: use-after-unload, call-after-exit, deadlock?  A leaked
 * registration is the module's omission and a module-crash the module's
 * own fault (a live module, inside a guarded call into it): both are
 * counted and attributed to the module, never part of a verdict.
 */
MODSIM_API bool modsim_vkind_is_race(enum modsim_vkind v);

/** modsim_vkind_name - "use-after-unload", "call-after-exit", ... */
MODSIM_API const char *modsim_vkind_name(enum modsim_vkind v);

/**
 * struct modsim_violation - one observed violation.
 * @module/@generation: whose memory or registration
 * @subsys/@op:         what the caller was doing ("read", "init")
 * @point:              the last race point the thread passed, or -1
 * @addr/@pc/@signo:    for faults: the address hit and where
 * @detail:             one line, e.g. the leaked registration's name
 */
struct modsim_violation {
	enum modsim_vkind kind;
	char module[64];
	unsigned long generation;
	enum modsim_subsys subsys;
	char op[24];
	int point;
	uintptr_t addr;
	uintptr_t pc;
	int signo;
	char detail[160];
};

/** struct modsim_dist - a latency distribution in nanoseconds. */
struct modsim_dist {
	unsigned long n;
	uint64_t p50, p99, max;
};

/**
 * struct modsim_stats - a snapshot of a kernel's counters.
 */
struct modsim_stats {
	unsigned long ops[MODSIM_SS__COUNT];        /* calls into module code made */
	unsigned long failed_get[MODSIM_SS__COUNT]; /* entries the strategy refused */
	unsigned long faulted[MODSIM_SS__COUNT];    /* calls that faulted */
	unsigned long refused_live[MODSIM_SS__COUNT]; /* of failed_get: refused while the owner was LIVE */
	unsigned long ops_unlive[MODSIM_SS__COUNT];   /* of ops: made while the owner was not LIVE */
	unsigned long violations[MODSIM_V__COUNT];
	struct modsim_violation first[MODSIM_V__COUNT]; /* valid where violations[] > 0 */
	unsigned long loads, load_failures, init_failures;
	unsigned long unload_attempts, unload_done, unload_busy, unload_wouldblock,
		unload_eperm, unload_timeout, unload_forced, unload_waited;
	struct modsim_dist unload_ns;     /* successful unloads, request to return */
	struct modsim_dist world_stop_ns; /* how long workers stood still per stop */
	unsigned long leaked_generations; /* gens whose quarantine could not be kept */
	/* Evidence that a race window was open (the matrix's VOID check): */
	unsigned long unload_overlapped;    /* unloads during which a call was made or refused
					     * (refused unloads: since the module went LIVE) */
	unsigned long init_fail_overlapped; /* failed inits during which a caller ran (a call, or a quiescent point) */
};

/** modsim_stats_get - a consistent-enough snapshot (counters are per CPU). */
MODSIM_API void modsim_stats_get(struct modsim_kernel *k, struct modsim_stats *out);

/** modsim_stats_reset - zero every counter and forget the violations. */
MODSIM_API void modsim_stats_reset(struct modsim_kernel *k);

/**
 * modsim_violations - copy up to @max of the recorded violations (the first
 * 1024 are kept) into @out.
 * Return: how many were copied.
 */
MODSIM_API size_t modsim_violations(struct modsim_kernel *k, struct modsim_violation *out,
				    size_t max);

/** modsim_stats_print - a human-readable summary on @f. */
MODSIM_API void modsim_stats_print(struct modsim_kernel *k, FILE *f);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_STATS_H */
