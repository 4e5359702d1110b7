/* Ending a generation: drop its exports, deps and parameters, quarantine its memory, sweep leftovers. */
#include "internal.h"

/* Must be called with m->k->load_mutex held. */
void modsim_mod_release(struct modsim_mod *m)
{
	modsim_symtab_remove(m);
	modsim_deps_forget(m);
	if (m->keep) {
		/* A preset decided never to free it (twoinit's naive fallback):
		 * the generation ends, its code and data stay mapped for good. */
		modsim_mod_set_state(m, MODSIM_STATE_GONE);
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
}

/* Must be called with m->k->load_mutex held. */
void modsim_mod_sweep(struct modsim_mod *m)
{
	modsim_chrdev_sweep(m);
	modsim_hook_sweep(m);
	modsim_timer_sweep(m);
	modsim_notifier_sweep(m);
}
