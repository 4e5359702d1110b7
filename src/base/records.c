/* Accessors of the records (internal.h) for every layer and for strategy .so files: a module's state, private data and kernel, a CPU's id. */
#include "base/base.h"

MODSIM_API void *modsim_mod_priv(struct modsim_mod *m)
{
	return m->priv;
}

MODSIM_API struct modsim_kernel *modsim_mod_kernel(struct modsim_mod *m)
{
	return m->k;
}

MODSIM_API enum modsim_state modsim_mod_state(const struct modsim_mod *m)
{
	return atomic_load_explicit(&m->state, memory_order_acquire);
}

/*
 * STUCK is terminal: a hook that never returned may still be running the
 * module's code, so no preset may move the generation on (and have it
 * freed) by setting another state afterwards.
 */
MODSIM_API void modsim_mod_set_state(struct modsim_mod *m, enum modsim_state s)
{
	int old = atomic_load_explicit(&m->state, memory_order_relaxed);

	do {
		if (old == MODSIM_STATE_STUCK)
			return;
	} while (!atomic_compare_exchange_weak_explicit(&m->state, &old, s, memory_order_release,
							memory_order_relaxed));
}

MODSIM_API unsigned int modsim_kernel_cpus(struct modsim_kernel *k)
{
	return k->ncpus ? k->ncpus : k->cfg.max_cpus;
}

MODSIM_API unsigned int modsim_cpu_id(const struct modsim_cpu *cpu)
{
	return cpu->id;
}
