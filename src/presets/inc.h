/* Preset "inc": its private record and its callers' side, inline (inc.c; dispatch/caller.h runs it on every call). */
#ifndef MODSIM_PRESET_INC_H
#define MODSIM_PRESET_INC_H

#include "presets/presets.h"

struct inc_priv {
	_Atomic long count;
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline bool modsim_inc_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return true;
	atomic_fetch_add(&((struct inc_priv *)m->priv)->count, 1);
	return true;
}

static inline void modsim_inc_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	/* seq_cst: pairs with modsim_mod_wait() setting m->waiting. */
	atomic_fetch_sub(&((struct inc_priv *)m->priv)->count, 1);
	if (modsim_unlikely(atomic_load(&m->waiting)))
		modsim_mod_wake(m);
}

#endif /* MODSIM_PRESET_INC_H */
