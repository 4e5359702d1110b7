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

#endif /* MODSIM_PRESETS_H */
