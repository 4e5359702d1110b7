/* The records only: the kernel object, module generations, CPUs (each layer's functions are in its own header). */
#ifndef MODSIM_INTERNAL_H
#define MODSIM_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <modsim/kernel.h>
#include <modsim/module.h>
#include <modsim/point.h>
#include <modsim/lab/sched.h>
#include <modsim/stats.h>
#include <modsim/strategy.h>
#include <modsim/workers.h>

#define MODSIM_CACHELINE 64
#define MODSIM_NAME_MAX 64
#define MODSIM_MAX_RANGES 8
#define MODSIM_MAX_DEPS 16

/* Units keep their state private; the kernel holds one pointer to each. */
struct modsim_points;
struct modsim_watchdog;
struct modsim_quarantine;
struct modsim_symtab;
struct modsim_chrdev_state;
struct modsim_hook_state;
struct modsim_timer_state;
struct modsim_notifier_state;
struct modsim_kstats;
struct modsim_workers;
struct modsim_firmware;
struct modsim_cycler;

/** A mapped segment of a module generation, for attributing faults. */
struct modsim_range {
	uintptr_t lo, hi; /* [lo, hi), page aligned */
	int prot;         /* protection at load, PROT_* */
};

/*
 * struct modsim_mod - the kernel's record of one load generation.
 *
 * Records are never freed before the kernel is destroyed: callers copy a
 * record pointer out of a registration and may use it after the module is
 * gone, and the fault handler names generations long after unload.
 */
struct modsim_mod {
	/* Hot: read by callers on every call. */
	struct modsim_kernel *k;
	_Atomic int state;    /* enum modsim_state */
	_Atomic int teardown; /* exit (or failed-init teardown) began */
	_Atomic int exiting;  /* exit is running: a call entering now is judged when
			       * exit returns (detect/exitcalls.c) */
	void *priv;           /* strategy state, priv_size bytes, cache-line aligned */

	/* Identity; written at load, read-only after. */
	char name[MODSIM_NAME_MAX];
	char *path;            /* stored right after the record, in its allocation */
	unsigned long generation;
	void *handle;          /* dlopen handle; NULL once closed */
	struct module *desc;   /* descriptor, in module memory */
	struct modsim_range ranges[MODSIM_MAX_RANGES];
	unsigned int nranges;
	size_t size;           /* bytes mapped */
	const struct modsim_strategy *strat; /* the preset it was loaded under */
	bool pinned;           /* glibc kept it mapped after dlclose; quarantined in place */
	bool keep;             /* a preset chose never to free it: release leaves it mapped */

	/* Modules whose exported symbols this one binds to. Under load_mutex. */
	struct modsim_mod *uses[MODSIM_MAX_DEPS];
	unsigned int nuses;

	/* charp parameter values the kernel owns; freed at release. */
	char **param_strings;
	unsigned int nparam_strings;

	/* Unload waiting (modsim_mod_wait); see kernel->wait_lock. */
	_Atomic int waiting;

	/* Reclaiming the record (release.c): its pages were given back
	 * (set by quarantine.c, under load_mutex), and how many kernel
	 * objects hold it across quiescent points (open files). */
	bool quarantine_over;
	_Atomic unsigned int holds;

	/* modsim_stat_calls() when the generation went LIVE (the loader's). */
	unsigned long calls_at_live;

	/* Next on the kernel list this generation is on (mods, gone or
	 * gone_mapped).  Under kernel->list_lock. */
	struct modsim_mod *next;
};

/*
 * struct modsim_cpu - one thread slot: a "CPU".
 *
 * Each slot has one writer, its own thread; readers (stats, quiescence,
 * per-CPU count sums) use relaxed or acquire loads.  Counters are bumped
 * with modsim_cpu_inc(), a single-writer increment that costs no locked
 * instruction.
 */
struct modsim_cpu {
	unsigned int id;
	struct modsim_kernel *k;
	_Atomic int used;          /* slot taken by a thread */
	_Atomic int online;        /* 0: extended quiescent state (not calling modules) */
	_Atomic int parked;        /* parked by a world stop */
	_Atomic unsigned long qs;  /* bumped at every quiescent point */
	uint64_t rng;              /* this thread's generator (amplifier, workers) */
	int last_point;            /* last armed point this thread passed, or -1 */
	const void *call_obj;      /* what the call in progress came through (a timer,
				    * a hook, a notifier block), or NULL: set by
				    * MODSIM_CALL_OBJ, read by detect/exitcalls.c */

	/* Counters, single writer. */
	_Atomic unsigned long ops[MODSIM_SS__COUNT];
	_Atomic unsigned long failed_get[MODSIM_SS__COUNT];
	_Atomic unsigned long faulted[MODSIM_SS__COUNT];
	_Atomic unsigned long refused_live[MODSIM_SS__COUNT]; /* of failed_get: owner was LIVE */
	_Atomic unsigned long ops_unlive[MODSIM_SS__COUNT];   /* of ops: owner was not LIVE */
} __attribute__((aligned(MODSIM_CACHELINE)));

/*
 * struct modsim_kernel - all state of one simulated kernel.
 */
struct modsim_kernel {
	uint64_t uid; /* unique per process; thread-local caches key on it */
	struct modsim_config cfg;
	char module_path[4096]; /* resolved search path */

	/* The preset in force; changed only with load_mutex held and no modules. */
	const struct modsim_strategy *strat;
	void *strat_handle; /* dlopen handle when the preset came from a .so */
	unsigned int caller; /* enum modsim_caller (presets/presets.h): set with strat */
	bool noref_sync;     /* strat->owner_ref is FOPS: short calls take no per-call
			      * reference; hook and notifier unregisters synchronise */

	/*
	 * load_mutex serialises load, unload, strategy switches and kernel
	 * destruction.  It is held across init and exit, as module_mutex was
	 * in 2.4.  Lock order: load_mutex, then list_lock, then any unit lock.
	 */
	pthread_mutex_t load_mutex;

	/*
	 * list_lock protects the lists of generations and next_generation.
	 * Taken for lookups (lsmod, modsim_find), to append and to retire;
	 * never held while calling module code.
	 *
	 * mods holds the generations that are not gone (oldest first), so
	 * lookups and loads cost the same after a million cycles as after
	 * one.  A generation moves off it when it is released: to
	 * gone_mapped if its memory stays mapped (glibc pinned it, or a
	 * preset keeps it), else to gone.  A gone record stays allocated
	 * while a stale caller may still hold it: it leaves gone for the
	 * reclaim lists when its quarantine ended, and is freed a grace
	 * period later (release.c says why that is safe).
	 */
	pthread_mutex_t list_lock;
	struct modsim_mod *mods, *mods_tail;
	struct modsim_mod *gone, *gone_mapped; /* newest first */
	unsigned long next_generation;

	/* Records waiting to be freed (release.c).  Under load_mutex. */
	struct modsim_mod *reclaim_wait; /* for the grace period begun at reclaim_snap */
	struct modsim_mod *reclaim_next; /* for the next one */
	unsigned long *reclaim_snap;     /* each CPU's qs then; ULONG_MAX: no need */

	/*
	 * wait_lock and wait_cond: modsim_mod_wait() sleeps here, woken by
	 * modsim_mod_wake().  Nothing else is protected by wait_lock.
	 */
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;

	/* CPU slots; cpu_lock protects claiming and releasing slots. */
	struct modsim_cpu *cpus;
	unsigned int ncpus;
	pthread_mutex_t cpu_lock;

	/* World stop (cpu.c): world_stop is read by every thread at its
	 * quiescent points; world_lock/world_cond park and wake them. */
	_Atomic int world_stop;
	pthread_mutex_t world_lock;
	pthread_cond_t world_cond;
	uint64_t world_stop_began_ns;

	/* The controlled scheduler (cfg.sched), or NULL when threads run free. */
	struct modsim_sched *sched;
	/* Told of every violation recorded (stats.c), after it is logged; set
	 * by the scheduler when it binds (it ends a trial on one), else NULL. */
	void (*on_violation)(struct modsim_kernel *k, const struct modsim_violation *v);

	/* Race points: nonzero when anything is armed (fast path is one load). */
	_Atomic int points_armed;

	/* Firmware requests queued (firmware.c changes it under its lock);
	 * workers read it relaxed at every loop: the fast path is one load. */
	_Atomic unsigned int firmware_pending;

	/* Units. */
	struct modsim_points *points;
	struct modsim_watchdog *wd;
	struct modsim_quarantine *q;
	struct modsim_symtab *symtab;
	struct modsim_chrdev_state *chrdev;
	struct modsim_hook_state *hook;
	struct modsim_timer_state *timer;
	struct modsim_notifier_state *notifier;
	struct modsim_kstats *stats;
	struct modsim_workers *workers;
	struct modsim_firmware *firmware;
	struct modsim_cycler *cycler; /* cycler.c's, NULL while none runs; under its cycler_lock */
};

#endif /* MODSIM_INTERNAL_H */
