/* The base layer: the violation log and counters (stats.c), helpers on the records. */
#ifndef MODSIM_BASE_H
#define MODSIM_BASE_H

#include "internal.h"

/* ---- statistics (stats.c) ---- */

int modsim_stats_init(struct modsim_kernel *k);
void modsim_stats_fini(struct modsim_kernel *k);
/* Record a violation (not async-signal-safe). */
void modsim_stat_violation(struct modsim_kernel *k, const struct modsim_violation *v);
/* Fill the identity fields of @v from @m. */
void modsim_violation_init(struct modsim_violation *v, enum modsim_vkind kind,
			   struct modsim_mod *m, enum modsim_subsys subsys, const char *op);
enum modsim_sample { MODSIM_SAMPLE_UNLOAD, MODSIM_SAMPLE_WORLD_STOP, MODSIM_SAMPLE__COUNT };
void modsim_stat_sample(struct modsim_kernel *k, enum modsim_sample s, uint64_t ns);
/* Loader-side counters (under load_mutex). */
enum modsim_lstat {
	MODSIM_LS_LOADS, MODSIM_LS_LOAD_FAILURES, MODSIM_LS_INIT_FAILURES,
	MODSIM_LS_UNLOAD_ATTEMPTS, MODSIM_LS_UNLOAD_DONE, MODSIM_LS_UNLOAD_BUSY,
	MODSIM_LS_UNLOAD_WOULDBLOCK, MODSIM_LS_UNLOAD_EPERM, MODSIM_LS_UNLOAD_TIMEOUT,
	MODSIM_LS_UNLOAD_FORCED, MODSIM_LS_UNLOAD_WAITED, MODSIM_LS_LEAKED_GENERATIONS,
	MODSIM_LS_UNLOAD_OVERLAP, MODSIM_LS_INIT_FAIL_OVERLAP,
	MODSIM_LS__COUNT
};
void modsim_stat_loader(struct modsim_kernel *k, enum modsim_lstat s);
/* The loader-side counter @s as it stands. */
unsigned long modsim_stat_loader_get(struct modsim_kernel *k, enum modsim_lstat s);
/*
 * Calls into module code made or refused so far, every CPU and subsystem:
 * the loader reads it before and after an unload (or a failing init) to
 * tell whether a caller was active meanwhile (the matrix's evidence).
 */
unsigned long modsim_stat_calls(struct modsim_kernel *k);
/* The same plus every CPU's quiescent states: whether any caller ran at all. */
unsigned long modsim_stat_activity(struct modsim_kernel *k);

/* ---- records (internal.h) ---- */

/* The record of a module descriptor pointer (struct module *), or NULL. */
static inline struct modsim_mod *modsim_owner(struct module *owner)
{
	return owner ? owner->mod : NULL;
}

/* The newest generation in any state, or NULL.  With list_lock held. */
static inline struct modsim_mod *modsim_mod_newest(struct modsim_kernel *k)
{
	struct modsim_mod *lists[] = { k->mods_tail, k->gone, k->gone_mapped }, *n = NULL;

	for (unsigned int i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (lists[i] && (!n || lists[i]->generation > n->generation))
			n = lists[i];
	return n;
}

/* ---- untrusted memory (memprobe.c) ---- */

/* Copy up to @n bytes from @src, an address a module gave; stops at the
 * first byte that is not readable.  Return: bytes copied, or -errno. */
long modsim_probe_read(void *dst, const void *src, size_t n);
/* Copy @n bytes (at most 4096) to @dst, an address a module gave.
 * Return: 0, or -EFAULT when any of it is not writable. */
int modsim_probe_write(void *dst, const void *src, size_t n);
/* Copy the string at @src into @dst (@cap bytes).  Return: its length,
 * -EFAULT when it runs into memory that is not readable, -ENAMETOOLONG
 * when no NUL comes within @cap bytes. */
long modsim_probe_string(char *dst, size_t cap, const char *src);

#endif /* MODSIM_BASE_H */
