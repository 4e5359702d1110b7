/* Preset "try": its private record and its callers' side, inline (try.c; dispatch/caller.h runs it on every call). */
#ifndef MODSIM_PRESET_TRY_H
#define MODSIM_PRESET_TRY_H

#include "presets/presets.h"

/* -1 while the module is not LIVE, else the references held. */
struct try_priv {
	_Atomic long count;
} __attribute__((aligned(MODSIM_CACHELINE)));

/*
 * modsim_count_get_live - take a reference on @count unless it is negative
 * (the module is not LIVE); acquire on success.  try's short calls and
 * stopworld's long-held references (strategy_stopworld.c) both count so.
 */
static inline bool modsim_count_get_live(_Atomic long *count)
{
	long c = atomic_load_explicit(count, memory_order_relaxed);

	do {
		if (c < 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(count, &c, c + 1, memory_order_acquire,
							memory_order_relaxed));
	return true;
}

static inline bool modsim_try_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return !m || modsim_count_get_live(&((struct try_priv *)m->priv)->count);
}

static inline void modsim_try_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	/* seq_cst: pairs with modsim_mod_wait() setting m->waiting. */
	atomic_fetch_sub(&((struct try_priv *)m->priv)->count, 1);
	if (modsim_unlikely(atomic_load(&m->waiting)))
		modsim_mod_wake(m);
}

#endif /* MODSIM_PRESET_TRY_H */
