/* Preset "linux319": its private record and its callers' side, inline (linux319.c; dispatch/caller.h runs it on every call). */
#ifndef MODSIM_PRESET_LINUX319_H
#define MODSIM_PRESET_LINUX319_H

#include "presets/linux26.h" /* modsim_linux_is_live() */

/* MODULE_REF_BASE plus the references held while LIVE. */
struct l319_priv {
	_Atomic long refcnt;
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline bool modsim_l319_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct l319_priv *p;
	long c;

	if (!m)
		return true;
	if (modsim_unlikely(!modsim_linux_is_live(m)))
		return false;
	/* atomic_inc_not_zero */
	p = m->priv;
	c = atomic_load_explicit(&p->refcnt, memory_order_relaxed);
	do {
		if (modsim_unlikely(c == 0))
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&p->refcnt, &c, c + 1, memory_order_seq_cst,
							memory_order_relaxed));
	return true;
}

/* Unload never waits on the count, so an exit wakes nobody. */
static inline void modsim_l319_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	atomic_fetch_sub(&((struct l319_priv *)m->priv)->refcnt, 1);
}

#endif /* MODSIM_PRESET_LINUX319_H */
