/* The hazard proof: each hazard's interleaving forced on a fresh kernel under a preset, and what it showed. */
#ifndef MODSIM_HAZARD_H
#define MODSIM_HAZARD_H

#include <stdbool.h>
#include <stdio.h>

#include <modsim/compiler.h>
#include <modsim/stats.h>
#include <modsim/strategy.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct modsim_hazard_outcome - what one forced interleaving showed.
 * @hazard:      the hazard that was run
 * @strategy:    the preset it ran under (as named)
 * @module:      the module the hazard uses ("selfcount", "halfinit", ...)
 * @violations:  violations by kind attributed to @module (other modules'
 *               are not counted: there are none in a harness kernel)
 * @rc:          the unloader's return (A, P, T, L) or the loader's (B, S)
 * @caller_rc:   the caller's return (A, B, P: modsim_hook_run; T: the
 *               timer run; L: the read), or 0 when it made no call
 * @failed_gets: entries or references the preset refused, every subsystem
 * @waited:      the unloader reached MODSIM_PT_UNLOAD_WAIT, the point a
 *               preset passes right before it waits (for a count, for
 *               quiescence, for a grace period, for a stopped world)
 * @held:        a caller was parked by a stopped world
 * @found:       the caller found the module's callback (for B: what init
 *               registered first was visible)
 * @note:        one line: how the preset protected, or how it broke
 */
struct modsim_hazard_outcome {
	enum modsim_hazard hazard;
	char strategy[128];
	char module[64];
	unsigned long violations[MODSIM_V__COUNT];
	int rc;
	int caller_rc;
	unsigned long failed_gets;
	bool waited;
	bool held;
	bool found;
	char note[320];
};

/**
 * modsim_hazard_module - the module hazard @h loads: A "selfcount",
 * B "halfinit", P "selfcount", T "timer", L "chardev", S "initsleep".
 */
MODSIM_API const char *modsim_hazard_module(enum modsim_hazard h);

/**
 * modsim_hazard_lookup - the hazard named @name ("A" .. "S", either case).
 * Return: the hazard, or -EINVAL.
 */
MODSIM_API int modsim_hazard_lookup(const char *name);

/**
 * modsim_hazard_run - force hazard @h's interleaving under @strategy.
 * @strategy: a preset name, a composed name ("try+twoinit"), or a path to a
 *            strategy .so
 * @h:        the hazard
 * @out:      filled in full, @note included, also on failure
 *
 * Creates a kernel of its own (init inline, except S: a 300 ms watchdog;
 * no timer thread), runs the hazard's threads ordered only by race-point
 * traps and joins, collects what happened and destroys the kernel.  The
 * interleavings are the ones BRIEF2 lists ("The forced interleavings"); the
 * same strategy and hazard give the same outcome on every run.
 *
 * Return: 0 when the interleaving was forced (whatever it showed), or a
 * negative errno with modsim_last_error() and @out->note saying why it
 * could not be: -ENOENT (unknown strategy, module not found), -EINVAL (bad
 * hazard), -ETIMEDOUT (a thread never reached the point it had to reach),
 * or the module's load error where the hazard needs it loaded.
 */
MODSIM_API int modsim_hazard_run(const char *strategy, enum modsim_hazard h,
				 struct modsim_hazard_outcome *out);

/**
 * modsim_hazard_outcome_unsafe - did the run show the hazard: a FAULT or a
 * CALL_AFTER_EXIT attributed to the module (for S: a DEADLOCK)?
 */
MODSIM_API bool modsim_hazard_outcome_unsafe(const struct modsim_hazard_outcome *o,
					     enum modsim_hazard h);

/**
 * modsim_hazard_outcome_protected - does the run show how the preset
 * protected: the unloader refused (-EBUSY, -EPERM, -EWOULDBLOCK), a get
 * failed, the unloader waited, a stopped world held the caller, or (B)
 * nothing init registered was ever visible; for S: init finished (rc 0).
 */
MODSIM_API bool modsim_hazard_outcome_protected(const struct modsim_hazard_outcome *o,
						enum modsim_hazard h);

/** How modsim_hazards_print() prints. */
enum modsim_hazards_format {
	MODSIM_HAZARDS_TEXT,
	MODSIM_HAZARDS_MARKDOWN,
	MODSIM_HAZARDS_JSON,
};

/**
 * modsim_hazards_print - run the harness for every strategy × hazard cell
 * and print, per cell, the prediction, what was measured, MATCH or
 * MISMATCH, and the evidence note.
 * @f:          where the table goes
 * @strategies: comma-separated strategy names (composed names and .so
 *              paths allowed), or NULL for every built-in preset
 * @hazards:    comma-separated hazards ("A,B,S"), or NULL for all six
 * @fmt:        text, markdown or JSON
 *
 * A cell whose interleaving could not be forced prints as ERROR.
 * Return: the number of cells that did not match their prediction (errors
 * included), or a negative errno for a bad list (unknown strategy or
 * hazard) with modsim_last_error() saying which.
 */
MODSIM_API int modsim_hazards_print(FILE *f, const char *strategies, const char *hazards,
				    enum modsim_hazards_format fmt);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_HAZARD_H */
