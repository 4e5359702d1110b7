/* Ending a generation: drop its exports, deps and parameters, quarantine its memory, sweep leftovers. */
#include <stdlib.h>

#include "loader/loader.h"

/*
 * Freeing gone generations, and why it is safe.
 *
 * A long run unloads a generation every few hundred microseconds; kept
 * until the kernel goes, their records grew without bound (1.6 KB a
 * cycle under linux26, most of it the per-CPU count array).  Who may
 * still hold a gone record, and until when:
 *  - a caller that found it in a registration (hook, chrdev, notifier,
 *    timer, symbol) before the unload: only inside its call bracket,
 *    which it enters online and leaves before its next quiescent point
 *    (callpath.h); the preset's exit (put) touches the record and its
 *    per-CPU state within that bracket;
 *  - the fault handler, which finds the record through the range table:
 *    on a thread that is inside a guarded call (online), and only while
 *    the record's ranges are published;
 *  - an open file (chrdev), across any number of quiescent points: it
 *    counts itself in m->holds until it is closed;
 *  - the controlled scheduler's record of a trial keys generations by
 *    pointer and generation number (sched_record.c);
 *  - violations and reports copy name and generation; they keep no
 *    pointer.
 * So a record is freed, with everything hanging off it (the preset's
 * state: linux26 and percpu-ref per-CPU arrays; the path, in the same
 * allocation; parameter strings went at release), when (1) its quarantine
 * ended: its pages were given back and its ranges unpublished, so no new
 * fault can be attributed to it; (2) no open file holds it; and (3) a
 * grace period passed after (1) and (2): every CPU slot that was online
 * then has since passed a quiescent point or gone offline, so every call
 * bracket that could have picked it up has ended.  Generations whose
 * memory stays mapped (gone_mapped) and STUCK ones are never freed here.
 *
 * The grace period is checked, never waited for: at every release, the
 * records that qualified join reclaim_next; when the batch in
 * reclaim_wait has seen its grace period it is freed, and reclaim_next
 * becomes the batch waiting for the next one.  Workers pass quiescent
 * points every call, so a batch is usually freed at the next release.
 */
void modsim_mod_free(struct modsim_mod *m)
{
	if (m->strat && m->strat->mod_teardown)
		m->strat->mod_teardown(m);
	free(m->priv);
	free(m);
}

/* Move the gone records whose quarantine ended and that no file holds to
 * reclaim_next.  With load_mutex held. */
static void reclaim_collect(struct modsim_kernel *k)
{
	struct modsim_mod **pp, *m;

	pthread_mutex_lock(&k->list_lock);
	for (pp = &k->gone; (m = *pp);) {
		if (!m->quarantine_over || atomic_load_explicit(&m->holds, memory_order_acquire)) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		m->next = k->reclaim_next;
		k->reclaim_next = m;
	}
	pthread_mutex_unlock(&k->list_lock);
}

/* Put @m back on gone, which stays newest first.  Under list_lock. */
static void gone_insert(struct modsim_kernel *k, struct modsim_mod *m)
{
	struct modsim_mod **pp = &k->gone;

	while (*pp && (*pp)->generation > m->generation)
		pp = &(*pp)->next;
	m->next = *pp;
	*pp = m;
}

/* Free what has seen its grace period; start the next one.  With
 * load_mutex held.  Runs at every release: never waits. */
static void reclaim(struct modsim_kernel *k)
{
	struct modsim_mod *m, *next;

	reclaim_collect(k);
	if (!k->reclaim_snap) {
		k->reclaim_snap = calloc(k->ncpus ? k->ncpus : 1, sizeof(*k->reclaim_snap));
		if (!k->reclaim_snap)
			return; /* no memory: the records stay, as they used to */
	}
	if (k->reclaim_wait && modsim_cpu_passed(k, k->reclaim_snap)) {
		for (m = k->reclaim_wait; m; m = next) {
			next = m->next;
			if (!atomic_load_explicit(&m->holds, memory_order_acquire)) {
				modsim_mod_free(m);
				continue;
			}
			/* A stale open took it during the grace period: back
			 * to gone, until the file is closed. */
			pthread_mutex_lock(&k->list_lock);
			gone_insert(k, m);
			pthread_mutex_unlock(&k->list_lock);
		}
		k->reclaim_wait = NULL;
	}
	if (!k->reclaim_wait && k->reclaim_next) {
		k->reclaim_wait = k->reclaim_next;
		k->reclaim_next = NULL;
		modsim_cpu_snapshot(k, k->reclaim_snap);
	}
}

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
	reclaim(m->k);
}

/* Must be called with m->k->load_mutex held. */
void modsim_mod_sweep(struct modsim_mod *m)
{
	modsim_chrdev_sweep(m);
	modsim_hook_sweep(m);
	modsim_timer_sweep(m);
	modsim_notifier_sweep(m);
}
