/* Preset "rcu": its private record and its callers' side, inline (rcu.c; dispatch/caller.h runs it on every call). */
#ifndef MODSIM_PRESET_RCU_H
#define MODSIM_PRESET_RCU_H

#include "presets/presets.h"

/* The read-side section: register the thread with liburcu on its first
 * section, then rcu_read_lock(); and rcu_read_unlock(). */
void __modsim_rcu_section_begin(struct modsim_cpu *cpu);
void __modsim_rcu_section_end(struct modsim_cpu *cpu);

static inline bool modsim_rcu_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return !m || atomic_load_explicit(&m->state, memory_order_acquire) == MODSIM_STATE_LIVE;
}

#endif /* MODSIM_PRESET_RCU_H */
