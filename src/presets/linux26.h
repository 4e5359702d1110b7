/* Preset "linux26": its private record and its callers' side, inline (linux26.c; dispatch/caller.h runs it on every call). */
#ifndef MODSIM_PRESET_LINUX26_H
#define MODSIM_PRESET_LINUX26_H

#include "presets/percpu.h"

struct l26_priv {
	struct pcpu_count pc;
} __attribute__((aligned(MODSIM_CACHELINE)));

/* Slow path of an exit during unload: fence, then wake the unloader. */
void __modsim_l26_wake(struct modsim_mod *m);

/*
 * module_is_live() of Linux 2.6 to today: state != GOING.  A module still
 * COMING (its init running) is live: "Currently we *do* allow
 * try_module_get() during init" (Rusty Russell, 2003); linux26 and
 * linux319 model it.  UNFORMED and GONE are not states a caller can find.
 */
static inline bool modsim_linux_is_live(const struct modsim_mod *m)
{
	int st = atomic_load_explicit(&m->state, memory_order_acquire);

	return st == MODSIM_STATE_COMING || st == MODSIM_STATE_LIVE;
}

static inline bool modsim_l26_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return true;
	/* No quiescent point between this check and the increment. */
	if (modsim_unlikely(!modsim_linux_is_live(m)))
		return false;
	pcpu_add(&((struct l26_priv *)m->priv)->pc, cpu, 1);
	return true;
}

static inline void modsim_l26_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	pcpu_add(&((struct l26_priv *)m->priv)->pc, cpu, -1);
	if (modsim_unlikely(atomic_load_explicit(&m->state, memory_order_acquire) !=
			    MODSIM_STATE_LIVE))
		__modsim_l26_wake(m);
}

#endif /* MODSIM_PRESET_LINUX26_H */
