/* Per-CPU counts for the per-CPU presets (linux26, percpu-ref): one cache line per CPU slot. */
#ifndef MODSIM_PERCPU_H
#define MODSIM_PERCPU_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "presets/presets.h"

/* ---- the callers' half (linux26.h, percpu_ref.h) ---- */

/*
 * struct pcpu_slot - one CPU's share of a count, alone on its cache line.
 *
 * Single writer: the CPU the slot belongs to, with a relaxed load and a
 * relaxed store (no locked instruction).  Another thread writes a slot only
 * when no CPU can be updating it (percpu-ref's fold, after quiescence).  A
 * share may go negative: a reference taken on one CPU may be dropped on
 * another; only the sum over all slots means anything.
 */
struct pcpu_slot {
	_Atomic long v;
} __attribute__((aligned(MODSIM_CACHELINE)));

/* struct pcpu_count - the slots of one module; the pointer is read-only after pcpu_alloc. */
struct pcpu_count {
	struct pcpu_slot *slot;
	unsigned int n;
};

/* Add @d to @cpu's own slot.  Only @cpu's thread may call it. */
static inline void pcpu_add(const struct pcpu_count *c, const struct modsim_cpu *cpu, long d)
{
	_Atomic long *v = &c->slot[cpu->id].v;

	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + d,
			      memory_order_relaxed);
}

/* ---- the loader's half ---- */

/* One slot per CPU of @m's kernel, zeroed.  0 or -ENOMEM (with a message). */
static inline int pcpu_alloc(struct pcpu_count *c, struct modsim_mod *m)
{
	unsigned int n = modsim_kernel_cpus(m->k);
	size_t bytes = (size_t)n * sizeof(struct pcpu_slot);

	c->slot = aligned_alloc(MODSIM_CACHELINE, bytes);
	if (!c->slot)
		return modsim_err(-ENOMEM, "insmod %s: no memory for %u per-CPU counts", m->name, n);
	memset(c->slot, 0, bytes);
	c->n = n;
	return 0;
}

static inline void pcpu_free(struct pcpu_count *c)
{
	free(c->slot);
	c->slot = NULL;
	c->n = 0;
}

/*
 * The sum of the slots.  Exact only when no CPU is between reading and
 * writing its slot: with the world stopped, after a quiescence wait, or
 * when the slots can only go down (no get can succeed any more).
 */
static inline long pcpu_sum(const struct pcpu_count *c)
{
	long sum = 0;

	for (unsigned int i = 0; i < c->n; i++)
		sum += atomic_load_explicit(&c->slot[i].v, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	return sum;
}

/* Sum the slots and zero them.  Only when no CPU can be updating a slot. */
static inline long pcpu_drain(struct pcpu_count *c)
{
	long sum = 0;

	for (unsigned int i = 0; i < c->n; i++)
		sum += atomic_exchange_explicit(&c->slot[i].v, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	return sum;
}

#endif /* MODSIM_PERCPU_H */
