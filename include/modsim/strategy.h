/* The strategy interface: the points the post argues about, as a table of operations. */
#ifndef MODSIM_STRATEGY_H
#define MODSIM_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <modsim/compiler.h>
#include <modsim/kernel.h>
#include <modsim/point.h>

#ifdef __cplusplus
extern "C" {
#endif

struct modsim_cpu;

/** enum modsim_hazard - the post's two problems and the ones they imply (DESIGN.md). */
enum modsim_hazard {
	MODSIM_HZ_A, /* unload race */
	MODSIM_HZ_B, /* half-init */
	MODSIM_HZ_P, /* put-then-return */
	MODSIM_HZ_T, /* deferred callback after exit */
	MODSIM_HZ_L, /* long-held reference across unload */
	MODSIM_HZ_S, /* init that sleeps while the world is stopped */
	MODSIM_HZ__COUNT
};

/** enum modsim_verdict - what a strategy predicts for a hazard. */
enum modsim_verdict {
	MODSIM_UNSAFE, /* a violation can happen */
	MODSIM_SAFE,   /* no violation: the strategy refuses, fails a get, or waits */
};

/**
 * enum modsim_owner_ref - which calls into module code take the owner's
 * reference (the preset's enter/exit) per call.
 * @MODSIM_OWNER_REF_ALL:  every interface, every call: the post's option (1),
 *                         "every interface takes a struct module *"
 * @MODSIM_OWNER_REF_FOPS: only file operations and symbol_get, as Linux 2.6
 *                         to today: hooks, notifier blocks and timers carry
 *                         no per-call reference; the module's exit
 *                         unregisters them and the unregister synchronises
 *                         (nf_unregister_hook: synchronize_net();
 *                         del_timer_sync), which modsim's hook and notifier
 *                         unregisters then do too
 */
enum modsim_owner_ref {
	MODSIM_OWNER_REF_ALL,
	MODSIM_OWNER_REF_FOPS,
};

/**
 * struct modsim_strategy - one preset.
 *
 * Caller side (hot; called by subsystems around every call into module code,
 * and by the module API).  @m is NULL for built-in code.
 * @enter:  before a short call into @m's code; false refuses the call
 * @exit:   after it
 * @get:    a long-held reference (open file, symbol_get, try_module_get)
 * @put:    drop it
 * @self_enter/@self_exit: what module_self_enter()/module_self_exit() do;
 *          NULL: always succeed, do nothing (every non-self preset)
 * @refcount: the count as lsmod shows it, or -1
 * @section_begin/@section_end: around the whole call, lookup included (an
 *          RCU read-side section must cover the lookup, or a grace period
 *          could end between lookup and entry); NULL: nothing
 *
 * Loader side:
 * @mod_setup:    allocate per-module state (modsim_mod_priv()); may be NULL
 * @mod_teardown: free it; may be NULL
 * @load:         run the module's init (modsim_mod_run_init() and friends);
 *                0 when the module may go LIVE.  On failure it returns the
 *                error once freeing the module is as safe as this strategy
 *                makes it.  NULL: modsim_default_load.
 * @unload:       decide and run the module's exit (modsim_mod_run_exit());
 *                0 when exit ran and memory may be released, else a negative
 *                errno with the module left as it was (LIVE).
 *
 * Description (for `modsim strategies`):
 * @name, @post ("1", "2", ... or "history"), @caller and @unloader (one line
 * each), @author (what a module author must write), @predict (per hazard),
 * @why (per hazard: one line on why).
 *
 * Appended last, so that a strategy .so built before them reads as zero:
 * @owner_ref: which calls take the owner's reference (MODSIM_OWNER_REF_ALL
 *             when zero)
 * @sources:   for a preset with a historical name, what each behaviour it
 *             models comes from (file, function, version), one a line;
 *             NULL for the post's own presets
 */
struct modsim_strategy {
	const char *name;
	const char *post;
	const char *caller;
	const char *unloader;
	const char *author;
	enum modsim_verdict predict[MODSIM_HZ__COUNT];
	const char *why[MODSIM_HZ__COUNT];
	size_t priv_size;

	bool (*enter)(struct modsim_mod *m, struct modsim_cpu *cpu);
	void (*exit)(struct modsim_mod *m, struct modsim_cpu *cpu);
	bool (*get)(struct modsim_mod *m, struct modsim_cpu *cpu);
	void (*put)(struct modsim_mod *m, struct modsim_cpu *cpu);
	bool (*self_enter)(struct modsim_mod *m, struct modsim_cpu *cpu);
	void (*self_exit)(struct modsim_mod *m, struct modsim_cpu *cpu);
	long (*refcount)(struct modsim_mod *m);
	void (*section_begin)(struct modsim_cpu *cpu);
	void (*section_end)(struct modsim_cpu *cpu);

	int (*mod_setup)(struct modsim_mod *m);
	void (*mod_teardown)(struct modsim_mod *m);
	int (*load)(struct modsim_mod *m);
	int (*unload)(struct modsim_mod *m, unsigned int flags);

	enum modsim_owner_ref owner_ref;
	const char *sources;
};

/** The symbol a strategy .so defines (`--strategy ./mine.so`). */
#define MODSIM_STRATEGY_SYMBOL "modsim_strategy"

/** modsim_hazard_name - "A", "B", ... */
MODSIM_API const char *modsim_hazard_name(enum modsim_hazard h);

/**
 * modsim_strategy_find - a built-in preset by name.
 * Return: it, or NULL.
 */
MODSIM_API const struct modsim_strategy *modsim_strategy_find(const char *name);

/**
 * modsim_strategy_all - the built-in presets, in listing order.
 * @n: set to their number
 */
MODSIM_API const struct modsim_strategy *const *modsim_strategy_all(size_t *n);

/*
 * Helpers for strategy implementations.  All of them are for the loader side
 * (called from @load or @unload, with the kernel's load mutex held) unless
 * they say otherwise.
 */

/** modsim_cpu_id - the slot number of @cpu (0 .. max_cpus-1).  Any thread. */
MODSIM_API unsigned int modsim_cpu_id(const struct modsim_cpu *cpu);

/** modsim_mod_priv - the strategy's per-module state (priv_size bytes,
 * zeroed, cache-line aligned).  Any thread. */
MODSIM_API void *modsim_mod_priv(struct modsim_mod *m);

/** modsim_mod_kernel - the kernel @m belongs to.  Any thread. */
MODSIM_API struct modsim_kernel *modsim_mod_kernel(struct modsim_mod *m);

/** modsim_kernel_cpus - the number of CPU slots.  Any thread. */
MODSIM_API unsigned int modsim_kernel_cpus(struct modsim_kernel *k);

/** modsim_mod_state - @m's state.  Any thread (acquire load). */
MODSIM_API enum modsim_state modsim_mod_state(const struct modsim_mod *m);

/** modsim_mod_set_state - set @m's state (release store). */
MODSIM_API void modsim_mod_set_state(struct modsim_mod *m, enum modsim_state s);

/** modsim_mod_has - does the module define the optional hook @hook
 * ("reserve", "commit", "stop", "restart", "quiesce", "unreserve")? */
MODSIM_API bool modsim_mod_has(struct modsim_mod *m, const char *hook);

/**
 * modsim_mod_run_init - run the module's init under the guard and watchdog.
 * Return: init's value, -EFAULT when it crashed, -ETIMEDOUT when it hung.
 */
MODSIM_API int modsim_mod_run_init(struct modsim_mod *m);

/**
 * modsim_mod_run_hook - run an optional hook ("reserve", "unreserve",
 * "commit", "stop", "restart", "quiesce") under the guard and watchdog.
 * Return: its value (0 for void hooks), -ENOSYS when the module lacks it,
 * -EFAULT, -ETIMEDOUT.
 */
MODSIM_API int modsim_mod_run_hook(struct modsim_mod *m, const char *hook);

/**
 * modsim_mod_run_exit - mark that exit began (from here on, a call into the
 * module counts as call-after-exit), then run exit under guard and watchdog.
 * Return: 0, -EFAULT, -ETIMEDOUT.
 */
MODSIM_API int modsim_mod_run_exit(struct modsim_mod *m);

/**
 * modsim_mod_mark_teardown - mark that the module is being torn down without
 * exit (failed init): calls from here on count as call-after-exit.
 */
MODSIM_API void modsim_mod_mark_teardown(struct modsim_mod *m);

/** modsim_default_load - run init; on failure pass MODSIM_PT_LOAD_INIT_FAILED. */
MODSIM_API int modsim_default_load(struct modsim_mod *m);

/**
 * modsim_mod_wait - wait until @done(@m) holds, waking on modsim_mod_wake().
 * Passes MODSIM_PT_UNLOAD_WAIT first.  The unload timeout bounds it.
 * Return: 0, or -ETIMEDOUT.
 */
MODSIM_API int modsim_mod_wait(struct modsim_mod *m, bool (*done)(struct modsim_mod *m));

/** modsim_mod_wake - wake modsim_mod_wait() on @m.  Any thread; cheap when
 * nobody waits. */
MODSIM_API void modsim_mod_wake(struct modsim_mod *m);

/** modsim_mod_waiting - is a loader waiting on @m?  Any thread. */
MODSIM_API bool modsim_mod_waiting(const struct modsim_mod *m);

/**
 * modsim_stop_world - park every other registered thread at its next point
 * outside module code (workers between operations, the timer thread between
 * callbacks) and wait until they are parked.
 * Return: 0, or -ETIMEDOUT (the world is started again before returning).
 */
MODSIM_API int modsim_stop_world(struct modsim_kernel *k);

/** modsim_start_world - let the parked threads go; records the pause. */
MODSIM_API void modsim_start_world(struct modsim_kernel *k);

/**
 * modsim_wait_quiescence - wait until every other registered thread has
 * passed a point outside module code (or is offline).
 * Return: 0, or -ETIMEDOUT.
 */
MODSIM_API int modsim_wait_quiescence(struct modsim_kernel *k);

/** modsim_point - pass race point @id on the current thread.  Any thread. */
MODSIM_API void modsim_point(struct modsim_kernel *k, enum modsim_point_id id,
			     struct modsim_mod *m);

/**
 * modsim_strategy_compose - a preset composed on the init axis: "BASE+twoinit"
 * (two-stage init: reserve, then BASE's load with commit as its init) or
 * "BASE+stopworld-init" (BASE's load with the world stopped).  Everything
 * else is BASE's.  Predictions: B from the init axis (safe), S unsafe when
 * init stops the world, the rest BASE's.  modsim_kernel_create() and
 * modsim_set_strategy() accept such names.
 * @name: "BASE+INIT"; BASE a built-in preset; INIT twoinit (alias
 *        two-stage) or stopworld-init (alias stopworld)
 * @out:  the composed preset; made once per name, valid for the process
 * Return: 0, -ENOENT (unknown base or init choice), -EINVAL (not a
 * composition, or BASE already inits that way), -ENOMEM.
 */
MODSIM_API int modsim_strategy_compose(const char *name, const struct modsim_strategy **out);

/** enum modsim_axis - the independent choices a preset is made of. */
enum modsim_axis {
	MODSIM_AXIS_INIT,   /* direct | two-stage | stop-the-world */
	MODSIM_AXIS_CALLER, /* nothing | shared count | try count | self count | per-CPU count |
			     * biased atomic | read-side section | rundown */
	MODSIM_AXIS_UNLOAD, /* free at once | refuse if busy | drain | quiesce+wait |
			     * quiesce+restart | refuse always | stop-the-world | grace period |
			     * kill+switch | veto */
	MODSIM_AXIS_OWNER_REF, /* every call | fops+symbol_get (enum modsim_owner_ref) */
	MODSIM_AXIS__COUNT
};

/** modsim_axis_name - "init", "caller", "unload", "owner-ref". */
MODSIM_API const char *modsim_axis_name(enum modsim_axis a);

/**
 * modsim_strategy_axis - where preset @name sits on axis @a ("try count"),
 * composed names included ("try+twoinit" is two-stage on init).
 * Return: the choice, or "?" for a preset the table does not know (a .so).
 */
MODSIM_API const char *modsim_strategy_axis(const char *name, enum modsim_axis a);

/**
 * modsim_strategies_print - `modsim strategies`: every built-in preset with
 * the post's option, its caller and unload lines, the predicted outcome
 * per hazard and what a module author must write; then the presets as
 * choices on the three axes; then the hazards' legend.
 * @f:        where it goes
 * @markdown: markdown tables instead of aligned text
 */
MODSIM_API void modsim_strategies_print(FILE *f, bool markdown);

/** How modsim_strategies_show() prints. */
enum modsim_listing { MODSIM_LIST_TEXT, MODSIM_LIST_MARKDOWN, MODSIM_LIST_NAMES };

/**
 * modsim_strategies_show - modsim_strategies_print() for some presets.
 * @list: comma-separated names (built-in, composed, or .so paths), or NULL
 *        for every built-in preset; with a list, each preset's reason per
 *        hazard (@why) is printed too
 * @how:  text, markdown, or the names alone, one a line
 * Return: 0, or a negative errno (unknown strategy) with modsim_last_error().
 */
MODSIM_API int modsim_strategies_show(FILE *f, const char *list, enum modsim_listing how);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_STRATEGY_H */
