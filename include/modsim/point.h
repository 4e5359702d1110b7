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

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_POINT_H */
