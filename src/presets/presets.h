/* The presets layer: the built-in presets and their registry (over the seam: seam/seam.h and <modsim/strategy.h>). */
#ifndef MODSIM_PRESETS_H
#define MODSIM_PRESETS_H

#include "seam/seam.h"

/* ---- caller kinds (the dispatch: dispatch/caller.h) ---- */

/*
 * enum modsim_caller - how callers run the preset's enter and exit.
 * 0 is the table, so that a kernel whose tag was never set is slow but
 * right.  The two kinds with a read-side section come first (one compare
 * finds them), then the cheap kinds, then the shared counts.
 */
enum modsim_caller {
	MODSIM_CALLER_TABLE,    /* cpu->k->strat->enter/exit/section_* */
	MODSIM_CALLER_RCU,      /* rcu: a read-side section around the call, state check inside */
	MODSIM_CALLER_NOTHING,  /* enter true, exit nothing: none, self*, nounload, twoinit, stopworld, quiesce */
	MODSIM_CALLER_PERCPU,   /* linux26: state check, this CPU's own slot */
	MODSIM_CALLER_PCPU_REF, /* percpu-ref: mode check, this CPU's own slot */
	MODSIM_CALLER_INC,      /* inc: one shared count, always */
	MODSIM_CALLER_TRY,      /* try: one shared count, -1 unless LIVE */
	MODSIM_CALLER_DRAIN,    /* try-drain: one shared word with a closed bit */
	MODSIM_CALLER_BIASED,   /* linux319: state check, atomic inc unless zero */
	MODSIM_CALLER_RUNDOWN,  /* rundown: one shared word with an active bit */
	MODSIM_CALLER__COUNT
};

/* ---- the built-in presets (NAME.c each; registry.c) ---- */

/*
 * struct modsim_preset - one built-in preset, defined in its NAME.c as
 * modsim_preset_NAME_entry next to its operations (modsim_preset_NAME).
 * @ops:    the operations table
 * @caller: the inline callers' side that runs @ops's enter, exit and
 *          section (dispatch/caller.h; NOTHING when they do nothing)
 * @axis:   where it sits on the init, caller and unload axes
 *          (modsim_strategy_axis)
 */
struct modsim_preset {
	const struct modsim_strategy *ops;
	enum modsim_caller caller;
	const char *axis[MODSIM_AXIS_OWNER_REF]; /* init, caller, unload; owner-ref is ops->owner_ref */
};

/*
 * The registry: every built-in preset, in listing order.  Adding one is
 * NAME.c (+ NAME.h for an inline callers' side) and one X(NAME) here.
 */
#define MODSIM_BUILTIN_PRESETS(X)                                                     \
	/* the post's five families */                                                \
	X(none) X(inc) X(try) X(try_drain) X(self) X(self_restart) X(self_noquiesce) \
	X(nounload) X(twoinit) X(stopworld)                                           \
	/* what history chose after it */                                            \
	X(linux26) X(linux319) X(rcu) X(percpu_ref) X(rundown) X(quiesce)

#define MODSIM_PRESET_DECLARE(name)                              \
	extern const struct modsim_strategy modsim_preset_##name; \
	extern const struct modsim_preset modsim_preset_##name##_entry;
MODSIM_BUILTIN_PRESETS(MODSIM_PRESET_DECLARE)

/* The built-in presets, in listing order (registry.c). */
const struct modsim_preset *const *modsim_preset_entries(size_t *n);

/* Resolve a preset by name, or load it from a .so path. */
MODSIM_API int modsim_strategy_resolve(const char *name, const struct modsim_strategy **out, void **handle);

#endif /* MODSIM_PRESETS_H */
