/* The presets layer: the built-in presets and their registry (over the seam: seam/seam.h and <modsim/strategy.h>). */
#ifndef MODSIM_PRESETS_H
#define MODSIM_PRESETS_H

#include "seam/seam.h"

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
