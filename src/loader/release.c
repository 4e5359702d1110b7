/* Ending a generation: drop its exports, deps and parameters, quarantine its memory, sweep leftovers. */
#include "loader/loader.h"

/*
 * Move @m, now GONE, from the kernel's list of generations to the gone
 * list that matches its memory.  The live list stays short however many
 * generations came and went.  Must be called with k->load_mutex held.
 */
static void retire(struct modsim_mod *m)
{
	struct modsim_kernel *k = m->k;
	struct modsim_mod **pp, *prev = NULL;

	pthread_mutex_lock(&k->list_lock);
	for (pp = &k->mods; *pp && *pp != m; pp = &(*pp)->next)
		prev = *pp;
	if (*pp) {
		*pp = m->next;
		if (k->mods_tail == m)
			k->mods_tail = prev;
		if (m->keep || m->pinned) {
			m->next = k->gone_mapped;
			k->gone_mapped = m;
		} else {
			m->next = k->gone;
			k->gone = m;
		}
	}
	pthread_mutex_unlock(&k->list_lock);
}

/* Must be called with m->k->load_mutex held. */
void modsim_mod_release(struct modsim_mod *m)
{
	modsim_symtab_remove(m);
	modsim_deps_forget(m);
	if (m->keep) {
		/* A preset decided never to free it (twoinit's naive fallback):
		 * the generation ends, its code and data stay mapped for good. */
		modsim_mod_set_state(m, MODSIM_STATE_GONE);
		retire(m);
		return;
	}
	modsim_params_free(m);
	/*
	 * GONE before the close: a caller that faults on the pages while they
	 * are being closed must be classified as use-after-unload, not as a
	 * crash of a live module.
	 */
	modsim_mod_set_state(m, MODSIM_STATE_GONE);
	modsim_quarantine_close(m);
	retire(m);
}

/* Must be called with m->k->load_mutex held. */
void modsim_mod_sweep(struct modsim_mod *m)
{
	modsim_chrdev_sweep(m);
	modsim_hook_sweep(m);
	modsim_timer_sweep(m);
	modsim_notifier_sweep(m);
}
