/* Preset "percpu-ref": its private record and its callers' side, inline (percpu_ref.c; dispatch/caller.h runs it on every call). */
#ifndef MODSIM_PRESET_PERCPU_REF_H
#define MODSIM_PRESET_PERCPU_REF_H

#include "presets/percpu.h"

/*
 * Mode word, read by every enter and exit.  LIVE is 0: they touch only
 * their own CPU's slot.  Killing sets both bits at once: tryget_live fails
 * from then on, and puts go to the shared atomic count instead.
 */
#define PREF_ATOMIC 1u /* puts go to the atomic count */
#define PREF_DEAD 2u   /* killed (or not yet live): gets fail */

struct pref_priv {
	/* Read on every get and put; written only by the loader. */
	_Atomic unsigned int mode;
	struct pcpu_count pc;
	_Atomic bool folded; /* slots folded into @count, bias removed; changed under load_mutex */
	/* Written by puts in atomic mode: a line of its own. */
	_Atomic long count __attribute__((aligned(MODSIM_CACHELINE)));
} __attribute__((aligned(MODSIM_CACHELINE)));

/* A put in atomic mode; wakes the unloader at zero. */
void __modsim_pref_put_atomic(struct modsim_mod *m);

/* percpu_ref_tryget_live */
static inline bool modsim_pref_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct pref_priv *p;

	if (!m)
		return true;
	p = m->priv;
	if (modsim_unlikely(atomic_load_explicit(&p->mode, memory_order_acquire)))
		return false;
	pcpu_add(&p->pc, cpu, 1);
	return true;
}

static inline void modsim_pref_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct pref_priv *p;

	if (!m)
		return;
	p = m->priv;
	if (modsim_likely(!(atomic_load_explicit(&p->mode, memory_order_acquire) & PREF_ATOMIC))) {
		pcpu_add(&p->pc, cpu, -1);
		return;
	}
	__modsim_pref_put_atomic(m);
}

#endif /* MODSIM_PRESET_PERCPU_REF_H */
