/* Forcing and widening race windows from a host or a test: traps, watches, the amplifier. */
#ifndef MODSIM_TRAP_H
#define MODSIM_TRAP_H

#include <modsim/compiler.h>
#include <modsim/point.h>

#ifdef __cplusplus
extern "C" {
#endif

struct modsim_kernel;

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
#endif /* MODSIM_TRAP_H */
