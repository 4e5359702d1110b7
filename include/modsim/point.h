/* Named race windows: the points where interleavings matter, and their control. */
#ifndef MODSIM_POINT_H
#define MODSIM_POINT_H

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct module;
struct modsim_kernel;

/**
 * enum modsim_point_id - every named race window.
 *
 * One mechanism, three uses: a run widens a window with seeded delays (the
 * amplifier), a test forces an interleaving by parking a thread at a window
 * until another thread has passed a point, and a controlled scheduler uses
 * the same points as its preemption points.  modsim_point_name() gives the
 * stable string name ("call.after_lookup") used on command lines and in
 * reports.
 */
enum modsim_point_id {
	/* caller side, in every subsystem */
	MODSIM_PT_CALL_AFTER_LOOKUP,  /* callback found, strategy entry not yet done */
	MODSIM_PT_CALL_AFTER_ENTER,   /* entry succeeded, module code not yet called */
	MODSIM_PT_CALL_BEFORE_EXIT,   /* module code returned, strategy exit not yet done */
	MODSIM_PT_TIMER_AFTER_PICK,   /* timer thread took an expired timer */
	/* loader side: load */
	MODSIM_PT_LOAD_AFTER_MAP,     /* dlopen done, descriptor found, init not yet run */
	MODSIM_PT_LOAD_INIT_FAILED,   /* init returned an error, teardown not yet begun */
	MODSIM_PT_LOAD_AFTER_INIT,    /* init returned 0, module not yet LIVE */
	/* loader side: unload */
	MODSIM_PT_UNLOAD_BEGIN,       /* rmmod found the module */
	MODSIM_PT_UNLOAD_AFTER_CHECK, /* count read (as zero), state not yet changed */
	MODSIM_PT_UNLOAD_AFTER_GOING, /* state is GOING, exit not yet run */
	MODSIM_PT_UNLOAD_WAIT,        /* about to wait (count, quiescence, grace period) */
	MODSIM_PT_UNLOAD_AFTER_EXIT,  /* exit returned, memory not yet released */
	MODSIM_PT_UNLOAD_AFTER_FREE,  /* memory quarantined, leftovers not yet swept */
	/* module side (MODSIM_POINT in module code, or inside the module API) */
	MODSIM_PT_INIT_BETWEEN_REGS,  /* init registered one thing, not yet the next */
	MODSIM_PT_SELF_AFTER_PUT,     /* module dropped its own count, has not returned */
	/* workers */
	MODSIM_PT_QUIESCENT,          /* a worker between operations, outside module code */
	MODSIM_PT__COUNT
};

/** modsim_point_name - stable name of @id, e.g. "call.after_lookup". */
MODSIM_API const char *modsim_point_name(enum modsim_point_id id);

/**
 * modsim_point_lookup - the id whose name is @name.
 * Return: the id, or -EINVAL.
 */
MODSIM_API int modsim_point_lookup(const char *name);

/**
 * modsim_point_mod - a race window reached by module code (MODSIM_POINT).
 * @self: THIS_MODULE
 * @id:   the point
 */
MODSIM_API void modsim_point_mod(struct module *self, enum modsim_point_id id);

/*
 * Forcing interleavings (tests, and later the controlled scheduler).
 *
 * A trap parks the next thread that reaches a point, optionally only for one
 * module.  The controlling thread waits until a thread is parked there, makes
 * the other thread pass whatever it must, then releases the parked one.
 * Every wait takes a timeout in milliseconds and answers -ETIMEDOUT when it
 * runs out, so a broken test fails instead of hanging; timeouts never order
 * threads.
 */

/**
 * modsim_point_trap - park the next thread that reaches @id.
 * @k:      the kernel
 * @id:     the point
 * @module: only a thread working for this module (by name), or NULL for any
 * Return: 0, -EBUSY when a trap is already set at @id, -EINVAL for a bad id.
 */
MODSIM_API int modsim_point_trap(struct modsim_kernel *k, enum modsim_point_id id,
				 const char *module);

/**
 * modsim_point_wait_parked - wait until a thread is parked at @id.
 * Return: 0, or -ETIMEDOUT.
 */
MODSIM_API int modsim_point_wait_parked(struct modsim_kernel *k, enum modsim_point_id id,
					unsigned int timeout_ms);

/**
 * modsim_point_release - let the thread parked at @id go (or, when none has
 * arrived yet, disarm the trap).
 */
MODSIM_API void modsim_point_release(struct modsim_kernel *k, enum modsim_point_id id);

/**
 * modsim_point_release_after - release the thread parked at @id as soon as
 * some thread passes @after (the "until another has passed a point" form).
 * Return: 0, or -EINVAL.
 */
MODSIM_API int modsim_point_release_after(struct modsim_kernel *k, enum modsim_point_id id,
					  enum modsim_point_id after);

/**
 * modsim_point_passes - how many times @id was passed since the kernel was
 * created.  Counted only while some point is armed (a trap, a watch, the
 * amplifier), so the fast path stays one load and a branch.
 */
MODSIM_API unsigned long modsim_point_passes(struct modsim_kernel *k, enum modsim_point_id id);

/**
 * modsim_point_watch - count passes of @id from now on (arms the point).
 */
MODSIM_API void modsim_point_watch(struct modsim_kernel *k, enum modsim_point_id id);

/**
 * modsim_point_wait_passed - wait until @id has been passed at least @n
 * times in all.
 * Return: 0, or -ETIMEDOUT.
 */
MODSIM_API int modsim_point_wait_passed(struct modsim_kernel *k, enum modsim_point_id id,
					unsigned long n, unsigned int timeout_ms);

/** enum modsim_delay - what the amplifier does at a point it decided to widen. */
enum modsim_delay {
	MODSIM_DELAY_SPIN,   /* busy-wait @us microseconds */
	MODSIM_DELAY_YIELD,  /* sched_yield() */
	MODSIM_DELAY_SLEEP,  /* nanosleep @us microseconds */
};

/**
 * modsim_point_amplify - widen a window with seeded delays.
 * @k:     the kernel
 * @id:    the point, or -1 for every point
 * @prob:  probability in [0, 1] that a pass is delayed
 * @how:   spin, yield or sleep
 * @us:    length of a spin or sleep in microseconds
 *
 * Decisions come from a per-thread generator seeded by the kernel's seed and
 * the thread's cpu id, so the same seed gives the same decisions on each
 * thread.  prob 0 disarms.
 * Return: 0, or -EINVAL.
 */
MODSIM_API int modsim_point_amplify(struct modsim_kernel *k, int id, double prob,
				    enum modsim_delay how, unsigned int us);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_POINT_H */
