/* Preset "rundown": its private record and its callers' side, inline (rundown.c; dispatch/caller.h runs it on every call). */
#ifndef MODSIM_PRESET_RUNDOWN_H
#define MODSIM_PRESET_RUNDOWN_H

#include "presets/presets.h"

/* The holders times two, and the low bit once rundown began (EX_RUNDOWN_REF). */
#define RD_ACTIVE 1L
#define RD_ONE 2L

struct rd_priv {
	_Atomic long word;
} __attribute__((aligned(MODSIM_CACHELINE)));

/* ExAcquireRundownProtection */
static inline bool modsim_rd_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct rd_priv *p;
	long v;

	if (!m)
		return true;
	p = m->priv;
	v = atomic_load_explicit(&p->word, memory_order_relaxed);
	do {
		if (modsim_unlikely(v & RD_ACTIVE))
			return false;
	} while (!atomic_compare_exchange_weak(&p->word, &v, v + RD_ONE));
	return true;
}

/* ExReleaseRundownProtection; seq_cst, then a look at m->waiting (see modsim_mod_wait). */
static inline void modsim_rd_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	if (modsim_unlikely(atomic_fetch_sub(&((struct rd_priv *)m->priv)->word, RD_ONE) - RD_ONE ==
			    RD_ACTIVE))
		modsim_mod_wake(m);
}

#endif /* MODSIM_PRESET_RUNDOWN_H */
