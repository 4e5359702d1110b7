/* Preset "try-drain": its private record and its callers' side, inline (try_drain.c; dispatch/caller.h runs it on every call). */
#ifndef MODSIM_PRESET_TRY_DRAIN_H
#define MODSIM_PRESET_TRY_DRAIN_H

#include "presets/presets.h"

/* The references held, plus DRAIN_CLOSED while no new one may be taken. */
#define DRAIN_CLOSED (1UL << 62)

struct drain_priv {
	_Atomic unsigned long word;
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline bool modsim_drain_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct drain_priv *p;
	unsigned long w;

	if (!m)
		return true;
	p = m->priv;
	w = atomic_load_explicit(&p->word, memory_order_relaxed);
	do {
		if (w & DRAIN_CLOSED)
			return false;
	} while (!atomic_compare_exchange_weak(&p->word, &w, w + 1));
	return true;
}

static inline void modsim_drain_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	/* seq_cst: pairs with modsim_mod_wait() setting m->waiting. */
	atomic_fetch_sub(&((struct drain_priv *)m->priv)->word, 1);
	if (modsim_unlikely(atomic_load(&m->waiting)))
		modsim_mod_wake(m);
}

#endif /* MODSIM_PRESET_TRY_DRAIN_H */
