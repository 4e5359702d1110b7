/* Private to the loader: the kernel object, module records, CPUs, guards, unit seams. */
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

	/* Counters, single writer. */
	_Atomic unsigned long ops[MODSIM_SS__COUNT];
	_Atomic unsigned long failed_get[MODSIM_SS__COUNT];
	_Atomic unsigned long faulted[MODSIM_SS__COUNT];
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline void modsim_cpu_inc(_Atomic unsigned long *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

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
	unsigned int caller; /* enum modsim_caller (caller.h): set with strat */

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
	 * preset keeps it), else to gone.  Gone records stay allocated until
	 * the kernel is destroyed: a stale caller may still hold one.
	 */
	pthread_mutex_t list_lock;
	struct modsim_mod *mods, *mods_tail;
	struct modsim_mod *gone, *gone_mapped; /* newest first */
	unsigned long next_generation;

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

#include "dispatch/caller.h"

/* ---- CPUs, quiescence, world stop (cpu.c) ---- */

int modsim_cpu_init(struct modsim_kernel *k);
void modsim_cpu_fini(struct modsim_kernel *k);
/* This thread's slot in @k, claimed on first use; NULL when none is left. */
struct modsim_cpu *modsim_cpu_self(struct modsim_kernel *k);
/* Give this thread's slot back (threads that end call it). */
void modsim_cpu_release_self(struct modsim_kernel *k);
/* Enter/leave an extended quiescent state (blocking outside module code). */
void modsim_cpu_offline(struct modsim_cpu *cpu);
void modsim_cpu_online(struct modsim_cpu *cpu);
/* Slow path of modsim_cpu_quiescent(): park while the world is stopped. */
void __modsim_cpu_park(struct modsim_cpu *cpu);
/* This thread's slot if it has one, without claiming; NULL otherwise. */
struct modsim_cpu *modsim_cpu_peek(struct modsim_kernel *k);

/*
 * Every subsystem call into module code is bracketed, lookup included:
 *	bool adhoc = modsim_cpu_call_begin(cpu);
 *	... look up, point, enter, guarded call, exit ...
 *	modsim_cpu_call_end(cpu, adhoc);
 *
 * Threads that stay online (workers, the timer thread) announce their own
 * quiescent states.  Any other thread (a test, the shell) is offline between
 * calls: the bracket brings it online (with a full fence, parking first if
 * the world is stopped) and back offline; for a thread already online it
 * costs one load.  The bracket also opens and closes the strategy's
 * read-side section when it has one (rcu).
 * Return of modsim_cpu_call_begin: whether modsim_cpu_call_end must go offline.
 */
static inline bool modsim_cpu_call_begin(struct modsim_cpu *cpu)
{
	bool adhoc = false;

	if (modsim_unlikely(!atomic_load_explicit(&cpu->online, memory_order_relaxed))) {
		modsim_cpu_online(cpu);
		adhoc = true;
	}
	modsim_section_begin(cpu);
	return adhoc;
}
static inline void modsim_cpu_call_end(struct modsim_cpu *cpu, bool adhoc)
{
	modsim_section_end(cpu);
	if (adhoc)
		modsim_cpu_offline(cpu);
}

/* A point outside module code: counts a quiescent state, parks if asked. */
static inline void modsim_cpu_quiescent(struct modsim_cpu *cpu)
{
	atomic_fetch_add_explicit(&cpu->qs, 1, memory_order_release);
	if (modsim_unlikely(atomic_load_explicit(&cpu->k->world_stop, memory_order_acquire)))
		__modsim_cpu_park(cpu);
}

/* ---- race points (point.c) ---- */

int modsim_points_init(struct modsim_kernel *k);
void modsim_points_fini(struct modsim_kernel *k);
void __modsim_point_slow(struct modsim_kernel *k, enum modsim_point_id id, struct modsim_mod *m);

static inline void modsim_point_hit(struct modsim_kernel *k, enum modsim_point_id id,
				    struct modsim_mod *m)
{
	if (modsim_unlikely(atomic_load_explicit(&k->points_armed, memory_order_relaxed)))
		__modsim_point_slow(k, id, m);
}

/* ---- controlled scheduling (sched.c, sched_policy.c) ---- */

/*
 * struct modsim_sched_config - how a controlled trial is scheduled.
 * @nthreads:  the threads that will take part (ids 0 .. nthreads-1); control
 *             begins when all of them have arrived
 * @budget:    steps before control ends (0: no limit)
 * @choices:   the schedule to follow (replay); not owned
 * @log:       keep every step (the determinism check)
 * @trace:     keep the events (trace files)
 * @on_end:    called once when control ends, by the thread that ends it,
 *             while every other controlled thread is still parked
 */
struct modsim_sched_config {
	enum modsim_sched_policy policy;
	uint64_t seed;
	unsigned int depth;
	uint32_t pct_k;
	uint32_t budget;
	unsigned int nthreads;
	const struct modsim_sched_choice *choices;
	uint32_t nchoices;
	bool log, trace;
	void (*on_end)(void *arg, enum modsim_sched_end why);
	void *arg;
	int loader_id, timer_id, worker0_id; /* -1: no such thread */
};

/* Which controlled thread a kernel thread is. */
enum modsim_sched_role { MODSIM_ROLE_LOADER, MODSIM_ROLE_TIMER, MODSIM_ROLE_WORKER };
/* The id of the @index-th thread of @role in @k's controlled trial, or -1. */
int modsim_sched_role(struct modsim_kernel *k, enum modsim_sched_role role, unsigned int index);

int modsim_sched_create(const struct modsim_sched_config *cfg, struct modsim_sched **out);
void modsim_sched_destroy(struct modsim_sched *s);
/* Name thread @id ("loader", "worker0"); @loader: it runs init and exit. */
void modsim_sched_name_thread(struct modsim_sched *s, unsigned int id, const char *name,
			      bool loader);
/* The kernel whose threads @s schedules (set once it exists). */
void modsim_sched_bind(struct modsim_sched *s, struct modsim_kernel *k);
/* Give up before or during control: every thread runs free. */
void modsim_sched_abort(struct modsim_sched *s);
/* Wait until control ends.  Return: 0, or -EDEADLK when a thread held the
 * baton without yielding for long (the report says where). */
int modsim_sched_wait_end(struct modsim_sched *s);
/* Move the report out of @s (after control ended). */
void modsim_sched_report_take(struct modsim_sched *s, struct modsim_sched_report *out);

/* The calling thread becomes controlled thread @id of @k's scheduler (no-op
 * without one) and waits for its first turn. */
void modsim_sched_thread_begin(struct modsim_kernel *k, int id);
/* The calling thread leaves; the baton passes on. */
void modsim_sched_thread_end(struct modsim_kernel *k);
/* Is the calling thread controlled, and control still on? */
bool modsim_sched_controlled(struct modsim_kernel *k);
/* A race point (from the point slow path). */
void __modsim_sched_point(struct modsim_kernel *k, enum modsim_point_id id, struct modsim_mod *m);
/*
 * struct modsim_sched_waiter - one wait loop of a controlled thread, on its
 * stack.  @what names the wait in reports; @chan, when set, is what wakes it
 * (modsim_sched_wake()), else any progress of another thread may have made
 * its condition true; @idle: the thread has no work (the idle timer thread),
 * so when only idle threads are left the trial is over, not deadlocked.
 * @rounds is the scheduler's: the first round of a loop is progress (the
 * thread ran code since it last yielded), later rounds are re-checks.
 */
struct modsim_sched_waiter {
	const char *what;
	const void *chan;
	bool idle;
	unsigned int rounds;
};

/*
 * modsim_sched_wait - the condition the calling controlled thread waits for
 * is false: let others run until it may have changed.  Never hold a lock
 * across it.  Typical use:
 *	struct modsim_sched_waiter w = { .what = "unload wait" };
 *	while (!cond)
 *		if (modsim_sched_wait(k, &w))
 *			return -ETIMEDOUT;   control ended: give up as on a time-out
 * Return: 0 (check again), or -ECANCELED when control ended.
 */
int modsim_sched_wait(struct modsim_kernel *k, struct modsim_sched_waiter *w);
/* Wake the controlled threads waiting on @chan.  Any thread. */
void modsim_sched_wake(struct modsim_kernel *k, const void *chan);
/* A channel woken by every step of the loader thread: what workers with
 * nothing to call wait on (only the loader registers and unregisters). */
extern const char modsim_sched_loader_chan;
/* A loop with nothing to do lets the others run (a yield, not a wait). */
void modsim_sched_yield(struct modsim_kernel *k);
/* Is every other controlled thread outside any call bracket (RCU grace period)? */
bool modsim_sched_others_outside_calls(struct modsim_kernel *k);
/* A violation was recorded by the calling thread (stats.c). */
void modsim_sched_violation(struct modsim_kernel *k, const struct modsim_violation *v);
/* "start", "wait", ... or the point's name. */
const char *modsim_sched_at_name(int at);

/* ---- fault detection (fault.c) ---- */

/*
 * struct modsim_guard - one guarded call into module code, on the caller's
 * stack.  The fault handler finds the innermost guard of its thread, fills
 * the fault fields and siglongjmp()s to @env.
 */
struct modsim_guard {
	sigjmp_buf env;
	struct modsim_guard *prev;
	struct modsim_mod *owner;
	enum modsim_subsys subsys;
	const char *op;
	/* Filled by the handler. */
	volatile sig_atomic_t faulted;
	int signo;
	uintptr_t addr, pc;
	struct modsim_mod *hit; /* the generation whose memory was hit */
};

/* Install the process-wide SIGSEGV/SIGBUS handler (idempotent). */
int modsim_fault_init(void);
/* Give the calling thread an alternate signal stack (idempotent per thread). */
int modsim_fault_thread_stack(void);
/* Both: the handler re-armed, and the calling thread's alternate stack. */
int modsim_fault_thread_init(void);
/* Free the calling thread's alternate stack (threads that end call it). */
void modsim_fault_thread_fini(void);
/* Push @g as the innermost guard; counts a call-after-exit when @owner's
 * teardown began (subsystem calls only, not MODSIM_SS_LOADER). */
void modsim_guard_push(struct modsim_guard *g, struct modsim_mod *owner,
		       enum modsim_subsys subsys, const char *op);
/* Pop @g; after a fault, record the violation and return -EFAULT, else 0. */
int modsim_guard_pop(struct modsim_guard *g);

/*
 * MODSIM_GUARDED - run @stmt as a guarded call.  Variables @stmt assigns
 * and the caller reads afterwards must be volatile (sigsetjmp rules).
 * The mask is not saved: the handler runs with SA_NODEFER, so leaving it by
 * siglongjmp leaves the mask as it was, and the guard costs no syscall.
 *
 * Example:
 *	struct modsim_guard g;
 *	volatile ssize_t r = -EFAULT;
 *	MODSIM_GUARDED(&g, owner, MODSIM_SS_CHRDEV, "read", r = fops->read(f, buf, n));
 *	if (modsim_guard_pop(&g)) return -EFAULT;
 */
#define MODSIM_GUARDED(g, owner, subsys, op, stmt)                     \
	do {                                                           \
		modsim_guard_push((g), (owner), (subsys), (op));       \
		if (sigsetjmp((g)->env, 0) == 0) {                     \
			stmt;                                          \
		}                                                      \
	} while (0)

/* ---- quarantine and segment ranges (quarantine.c) ---- */

int modsim_quarantine_init(struct modsim_kernel *k);
/* Release every reservation. */
void modsim_quarantine_fini(struct modsim_kernel *k);
/* Find @m's PT_LOAD segments (m->handle must be open); fills m->ranges,
 * m->size and publishes the ranges for fault attribution. */
int modsim_segments_record(struct modsim_mod *m);
/* dlclose @m and keep its pages reserved and inaccessible; falls back to
 * mprotect(PROT_NONE) of its code in place when the object stays mapped
 * (m->pinned; glibc still reads its tables, so data stays readable). */
int modsim_quarantine_close(struct modsim_mod *m);
/* The generation whose (current or quarantined) range holds @addr, or
 * NULL.  Async-signal-safe. */
struct modsim_mod *modsim_range_lookup(uintptr_t addr);
/* Drop @m's ranges from the table (kernel destruction). */
void modsim_ranges_forget(struct modsim_mod *m);

/* ---- watchdog (watchdog.c) ---- */

int modsim_watchdog_init(struct modsim_kernel *k);
void modsim_watchdog_fini(struct modsim_kernel *k);
/*
 * Run @fn(@m, @arg) on the kernel's modprobe thread and wait at most the
 * init timeout.  Inline when the timeout is 0.  On time-out: record a
 * DEADLOCK violation naming @what, mark @m STUCK, and return -ETIMEDOUT; a
 * fresh modprobe thread serves later calls.
 */
int modsim_watchdog_call(struct modsim_mod *m, const char *what,
			 int (*fn)(struct modsim_mod *m, void *arg), void *arg);

/* ---- symbols and dependencies (symbols.c, elfdeps.c) ---- */

int modsim_symtab_init(struct modsim_kernel *k);
void modsim_symtab_fini(struct modsim_kernel *k);
/* Add @m's EXPORT_SYMBOL table; -EEXIST when a live module exports one of
 * the names already. */
int modsim_symtab_add(struct modsim_mod *m);
/* Remove @m's exports. */
void modsim_symtab_remove(struct modsim_mod *m);
/* Record in m->uses the live modules whose exports @m binds to (scans
 * @m's undefined dynamic symbols). */
int modsim_deps_record(struct modsim_mod *m);
/* Drop @m's uses. */
void modsim_deps_forget(struct modsim_mod *m);
/* Comma-separated live modules that use @m; returns how many. Under load_mutex or list_lock. */
int modsim_deps_users(struct modsim_mod *m, char *buf, size_t len);
/* Undefined symbols of a loaded object: calls @fn for each; 0 or -errno. */
int modsim_elf_undefined(void *handle, int (*fn)(const char *sym, void *arg), void *arg);

/* ---- module parameters (modparam.c) ---- */

/* Parse "name=value" strings into @m's parameter table. */
int modsim_params_apply(struct modsim_mod *m, int nparams, char *const params[]);
void modsim_params_free(struct modsim_mod *m);

/* ---- module search path (modpath.c) ---- */

/* Resolve @spec to a path; -ENOENT with a message naming the places searched. */
int modsim_modpath_resolve(struct modsim_kernel *k, const char *spec, char *out, size_t len);
/* Fill k->module_path from the config, the environment and the executable. */
void modsim_modpath_init(struct modsim_kernel *k);

/* ---- strategies (strategy.c) ---- */

/* The built-in presets (strategy_NAME.c each; listed in strategy.c). */
extern const struct modsim_strategy modsim_preset_none;
extern const struct modsim_strategy modsim_preset_inc;
extern const struct modsim_strategy modsim_preset_try;
extern const struct modsim_strategy modsim_preset_try_drain;
extern const struct modsim_strategy modsim_preset_self;
extern const struct modsim_strategy modsim_preset_self_restart;
extern const struct modsim_strategy modsim_preset_self_noquiesce;
extern const struct modsim_strategy modsim_preset_nounload;
extern const struct modsim_strategy modsim_preset_twoinit;
extern const struct modsim_strategy modsim_preset_stopworld;
extern const struct modsim_strategy modsim_preset_linux26;
extern const struct modsim_strategy modsim_preset_linux319;
extern const struct modsim_strategy modsim_preset_rcu;
extern const struct modsim_strategy modsim_preset_percpu_ref;
extern const struct modsim_strategy modsim_preset_rundown;
extern const struct modsim_strategy modsim_preset_quiesce;

/* Resolve a preset by name, or load it from a .so path. */
MODSIM_API int modsim_strategy_resolve(const char *name, const struct modsim_strategy **out, void **handle);

/* modsim_enter() and modsim_exit() are in caller.h. */
static inline bool modsim_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return cpu->k->strat->get(m, cpu);
}
static inline void modsim_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	cpu->k->strat->put(m, cpu);
}

/* The record of a module descriptor pointer (struct module *), or NULL. */
static inline struct modsim_mod *modsim_owner(struct module *owner)
{
	return owner ? owner->mod : NULL;
}

/* ---- load and unload (load.c, unload.c, release.c) ---- */

/* Free a generation: remove exports and deps, close it into quarantine,
 * state GONE, off the kernel's list onto a gone one.  With load_mutex held. */
void modsim_mod_release(struct modsim_mod *m);

/* The newest generation in any state, or NULL.  With list_lock held. */
static inline struct modsim_mod *modsim_mod_newest(struct modsim_kernel *k)
{
	struct modsim_mod *lists[] = { k->mods_tail, k->gone, k->gone_mapped }, *n = NULL;

	for (unsigned int i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (lists[i] && (!n || lists[i]->generation > n->generation))
			n = lists[i];
	return n;
}
/* Report and remove the registrations @m left behind (every subsystem). */
void modsim_mod_sweep(struct modsim_mod *m);

/* ---- subsystems (chrdev.c, hook.c, timer.c, notifier.c) ---- */

int modsim_chrdev_init(struct modsim_kernel *k);
void modsim_chrdev_fini(struct modsim_kernel *k);
/* Report (LEAK violation per registration) and remove what @m left. */
void modsim_chrdev_sweep(struct modsim_mod *m);

int modsim_hook_init(struct modsim_kernel *k);
void modsim_hook_fini(struct modsim_kernel *k);
void modsim_hook_sweep(struct modsim_mod *m);

int modsim_timer_init(struct modsim_kernel *k);
void modsim_timer_fini(struct modsim_kernel *k);
void modsim_timer_sweep(struct modsim_mod *m);

int modsim_notifier_init(struct modsim_kernel *k);
void modsim_notifier_fini(struct modsim_kernel *k);
void modsim_notifier_sweep(struct modsim_mod *m);

/* ---- statistics (stats.c) ---- */

int modsim_stats_init(struct modsim_kernel *k);
void modsim_stats_fini(struct modsim_kernel *k);
/* Record a violation (not async-signal-safe). */
void modsim_stat_violation(struct modsim_kernel *k, const struct modsim_violation *v);
/* Fill the identity fields of @v from @m. */
void modsim_violation_init(struct modsim_violation *v, enum modsim_vkind kind,
			   struct modsim_mod *m, enum modsim_subsys subsys, const char *op);
enum modsim_sample { MODSIM_SAMPLE_UNLOAD, MODSIM_SAMPLE_WORLD_STOP, MODSIM_SAMPLE__COUNT };
void modsim_stat_sample(struct modsim_kernel *k, enum modsim_sample s, uint64_t ns);
/* Loader-side counters (under load_mutex). */
enum modsim_lstat {
	MODSIM_LS_LOADS, MODSIM_LS_LOAD_FAILURES, MODSIM_LS_INIT_FAILURES,
	MODSIM_LS_UNLOAD_ATTEMPTS, MODSIM_LS_UNLOAD_DONE, MODSIM_LS_UNLOAD_BUSY,
	MODSIM_LS_UNLOAD_WOULDBLOCK, MODSIM_LS_UNLOAD_EPERM, MODSIM_LS_UNLOAD_TIMEOUT,
	MODSIM_LS_UNLOAD_FORCED, MODSIM_LS_UNLOAD_WAITED, MODSIM_LS_LEAKED_GENERATIONS,
	MODSIM_LS__COUNT
};
void modsim_stat_loader(struct modsim_kernel *k, enum modsim_lstat s);

/* ---- workers (workers.c) ---- */

int modsim_workers_init(struct modsim_kernel *k);
void modsim_workers_fini(struct modsim_kernel *k);
/* Ask the workers to leave their loop, without waiting (any thread). */
void modsim_workers_signal_stop(struct modsim_kernel *k);

/* ---- firmware requests (firmware.c) ---- */

int modsim_firmware_init(struct modsim_kernel *k);
/* Fail the requests still waiting (-ESHUTDOWN), wait until their threads
 * left, free.  After the workers stopped and the modules were unloaded. */
void modsim_firmware_fini(struct modsim_kernel *k);
/* Queue a request for @name on @k and sleep until a worker serves it (see
 * __request_firmware in <modsim/firmware.h>); @owner may be NULL. */
int modsim_firmware_request(struct modsim_kernel *k, struct modsim_mod *owner, const char *name);
/* Slow path of modsim_firmware_serve(). */
int __modsim_firmware_serve(struct modsim_kernel *k);

/*
 * modsim_firmware_serve - serve every pending firmware request.  Workers
 * call it at each loop iteration, outside module code, right after their
 * quiescent point.  Return: how many were served.
 */
static inline int modsim_firmware_serve(struct modsim_kernel *k)
{
	if (modsim_likely(!atomic_load_explicit(&k->firmware_pending, memory_order_relaxed)))
		return 0;
	return __modsim_firmware_serve(k);
}

#endif /* MODSIM_INTERNAL_H */
