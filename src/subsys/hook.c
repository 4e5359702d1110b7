/* The hook chain: register_hook in priority order, a lock-free modsim_hook_run, the sweep. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/hook.h>

#include "dispatch/callpath.h"

/* One registered hook, in kernel memory: owner, name and priority are copies. */
struct hook_entry {
	struct modsim_mod *owner;
	struct hook_ops *ops; /* module memory: read only under a guard */
	int priority;
	char *name;
};

/* What a run needs of an entry. */
struct hook_call {
	struct modsim_mod *owner;
	struct hook_ops *ops;
};

/*
 * struct hook_snap - an immutable copy of the chain, published to callers.
 * Once replaced it is retired, and freed when no caller can still hold it.
 */
struct hook_snap {
	struct hook_snap *next_retired;
	unsigned long retired_at; /* the epoch in which it was replaced */
	size_t n;
	struct hook_call e[];
};

/* Published while the chain is empty; never freed. */
static struct hook_snap hook_empty;

/*
 * struct hook_reader - one per CPU slot, on its own cache line: the epoch in
 * which its thread began reading a snapshot, 0 when it is not reading.
 * Written only by the slot's thread; @depth counts nested runs.
 */
struct hook_reader {
	_Atomic unsigned long epoch;
	unsigned int depth;
} __attribute__((aligned(MODSIM_CACHELINE)));

/*
 * struct modsim_hook_state - the kernel's one hook chain.
 *
 * The hook chain is the hot path (short calls, many threads), so callers
 * take no lock: they read the published snapshot @cur inside a per-CPU epoch
 * (@readers), and a writer frees a replaced snapshot only once every caller
 * reading then has finished (an epoch scheme; writers never wait).
 *
 * lock protects chain, n, cap (the master copy: sorted by priority, lower
 * first, equal priorities in registration order), the replacing of @cur
 * and the @retired list.  Registration runs in module code (init, exit)
 * with k->load_mutex held.  Lock order: load_mutex, list_lock, then lock.
 */
struct modsim_hook_state {
	pthread_mutex_t lock;
	struct hook_entry *chain;
	size_t n, cap;
	_Atomic(struct hook_snap *) cur;
	_Atomic unsigned long epoch; /* starts at 1; bumped whenever @cur is replaced */
	struct hook_snap *retired;
	struct hook_reader *readers;
	unsigned int nreaders;
};

/* Index of @ops in the chain, or -1.  Must be called with hs->lock held. */
static long hook_index(struct modsim_hook_state *hs, const struct hook_ops *ops)
{
	for (size_t i = 0; i < hs->n; i++)
		if (hs->chain[i].ops == ops)
			return (long)i;
	return -1;
}

/* Free the retired snapshots no caller can hold.  Must be called with hs->lock held. */
static void hook_reclaim(struct modsim_hook_state *hs)
{
	unsigned long oldest = ULONG_MAX;
	struct hook_snap **pp, *s;

	for (unsigned int i = 0; i < hs->nreaders; i++) {
		unsigned long e = atomic_load(&hs->readers[i].epoch);

		if (e && e < oldest)
			oldest = e;
	}
	/* A caller that began in epoch E may hold what was replaced in E or later. */
	for (pp = &hs->retired; (s = *pp);) {
		if (s->retired_at < oldest) {
			*pp = s->next_retired;
			free(s);
		} else {
			pp = &s->next_retired;
		}
	}
}

/* A snapshot of the chain, or NULL.  Must be called with hs->lock held. */
static struct hook_snap *hook_snap_make(struct modsim_hook_state *hs)
{
	struct hook_snap *s;

	if (!hs->n)
		return &hook_empty;
	s = malloc(sizeof(*s) + hs->n * sizeof(s->e[0]));
	if (!s)
		return NULL;
	s->n = hs->n;
	for (size_t i = 0; i < hs->n; i++) {
		s->e[i].owner = hs->chain[i].owner;
		s->e[i].ops = hs->chain[i].ops;
	}
	return s;
}

/*
 * Publish the chain as it is now.  Removals cannot fail: without memory for
 * a snapshot the chain runs empty until the next change.  Must be called
 * with hs->lock held.
 */
static void hook_publish(struct modsim_hook_state *hs, struct hook_snap *s)
{
	struct hook_snap *old;

	if (!s) {
		s = &hook_empty;
		modsim_err(-ENOMEM, "hook chain: no memory for a copy of %zu hooks; runs empty",
			   hs->n);
	}
	old = atomic_exchange(&hs->cur, s);
	if (old != &hook_empty) {
		old->retired_at = atomic_fetch_add(&hs->epoch, 1);
		old->next_retired = hs->retired;
		hs->retired = old;
	}
	hook_reclaim(hs);
}

MODSIM_API int register_hook(struct hook_ops *ops)
{
	struct modsim_hook_state *hs;
	struct modsim_mod *owner;
	struct hook_entry e;
	struct hook_snap *s;
	size_t at;

	if (!ops)
		return modsim_err(-EINVAL, "register_hook: NULL ops");
	owner = modsim_owner(ops->owner);
	if (!owner)
		return modsim_err(-EINVAL, "register_hook %s: ops->owner is not a module",
				  ops->name ? ops->name : "?");
	hs = owner->k->hook;

	e.owner = owner;
	e.ops = ops;
	e.priority = ops->priority;
	e.name = strdup(ops->name ? ops->name : "?");
	if (!e.name)
		return modsim_err(-ENOMEM, "register_hook: no memory");

	pthread_mutex_lock(&hs->lock);
	if (hook_index(hs, ops) >= 0) {
		pthread_mutex_unlock(&hs->lock);
		modsim_err(-EEXIST, "register_hook %s: already registered", e.name);
		free(e.name);
		return -EEXIST;
	}
	if (hs->n == hs->cap) {
		size_t cap = hs->cap ? 2 * hs->cap : 8;
		struct hook_entry *grown = realloc(hs->chain, cap * sizeof(*grown));

		if (!grown)
			goto no_memory;
		hs->chain = grown;
		hs->cap = cap;
	}
	/* After every entry of lower or equal priority: stable for equal ones. */
	for (at = hs->n; at > 0 && hs->chain[at - 1].priority > e.priority; at--)
		;
	memmove(&hs->chain[at + 1], &hs->chain[at], (hs->n - at) * sizeof(*hs->chain));
	hs->chain[at] = e;
	hs->n++;
	s = hook_snap_make(hs);
	if (!s) {
		hs->n--;
		memmove(&hs->chain[at], &hs->chain[at + 1], (hs->n - at) * sizeof(*hs->chain));
		goto no_memory;
	}
	hook_publish(hs, s);
	pthread_mutex_unlock(&hs->lock);
	return 0;

no_memory:
	pthread_mutex_unlock(&hs->lock);
	modsim_err(-ENOMEM, "register_hook %s: no memory", e.name);
	free(e.name);
	return -ENOMEM;
}

/* Does a caller other than @self still read a snapshot taken in epoch @e or before? */
static bool hook_readers_before(struct modsim_hook_state *hs, unsigned long e,
				const struct modsim_cpu *self)
{
	for (unsigned int i = 0; i < hs->nreaders; i++) {
		unsigned long r = atomic_load(&hs->readers[i].epoch);

		if (r && r <= e && (!self || self->id != i))
			return true;
	}
	return false;
}

/*
 * synchronize_net() at the end of nf_unregister_hook() (Linux 2.6 to 4.x,
 * net/netfilter/core.c): wait until no caller can still hold a snapshot
 * that was replaced in epoch @e or before, so none is left inside @owner's
 * hook.  Only under a preset whose hooks take no per-call reference
 * (owner-ref fops+symbol_get).  Passes MODSIM_PT_UNLOAD_WAIT before it
 * waits, as every wait of an unload does; bounded by the unload timeout.
 */
static void hook_sync(struct modsim_hook_state *hs, struct modsim_mod *owner, unsigned long e)
{
	struct modsim_kernel *k = owner->k;
	struct modsim_sched_waiter w = { .what = "hook unregister: callers in the chain" };
	const struct modsim_cpu *self = modsim_cpu_peek(k);
	uint64_t deadline = 0;

	if (!hook_readers_before(hs, e, self))
		return;
	modsim_point_hit(k, MODSIM_PT_UNLOAD_WAIT, owner);
	while (hook_readers_before(hs, e, self)) {
		if (modsim_sched_controlled(k)) {
			if (modsim_sched_wait(k, &w))
				return;
			continue;
		}
		if (!deadline)
			deadline = modsim_now_ns() + (uint64_t)k->cfg.unload_timeout_ms * 1000000u;
		if (modsim_now_ns() > deadline) {
			modsim_err(-ETIMEDOUT, "unregister_hook %s: a caller stayed in the chain for %u ms",
				   owner->name, k->cfg.unload_timeout_ms);
			return;
		}
		sched_yield();
	}
}

MODSIM_API int unregister_hook(struct hook_ops *ops)
{
	unsigned long retired = 0;
	struct modsim_hook_state *hs;
	struct modsim_mod *owner;
	char *name = NULL;
	long i;

	if (!ops)
		return modsim_err(-EINVAL, "unregister_hook: NULL ops");
	owner = modsim_owner(ops->owner);
	if (!owner)
		return modsim_err(-ENOENT, "unregister_hook %s: not registered (no owner)",
				  ops->name ? ops->name : "?");
	hs = owner->k->hook;

	pthread_mutex_lock(&hs->lock);
	i = hook_index(hs, ops);
	if (i >= 0) {
		name = hs->chain[i].name;
		hs->n--;
		memmove(&hs->chain[i], &hs->chain[i + 1], (hs->n - (size_t)i) * sizeof(*hs->chain));
		hook_publish(hs, hook_snap_make(hs));
		retired = atomic_load(&hs->epoch) - 1; /* the epoch the old chain was replaced in */
	}
	pthread_mutex_unlock(&hs->lock);
	if (i < 0)
		return modsim_err(-ENOENT, "unregister_hook %s: not registered",
				  ops->name ? ops->name : "?");
	free(name);
	if (owner->k->noref_sync) {
		hook_sync(hs, owner, retired);
		modsim_exit_synced(owner, ops);
	}
	return 0;
}

/*
 * One entry/exit-bracketed, guarded call of a hook (ops is module memory).
 * Return: 0 and *@ret, -ENODEV (refused) or -EFAULT (faulted).
 */
static __attribute__((noinline)) int hook_call(struct modsim_cpu *cpu, struct modsim_mod *owner,
					       struct hook_ops *ops, void *data, int *ret)
{
	volatile int r = HOOK_CONTINUE;
	int err;

	MODSIM_CALL_OBJ(err, cpu, owner, MODSIM_SS_HOOK, "hook", ops, r = ops->fn(ops, data));
	*ret = r;
	return err;
}

MODSIM_API int modsim_hook_run(struct modsim_kernel *k, void *data)
{
	struct modsim_hook_state *hs = k->hook;
	struct hook_reader *r;
	struct modsim_cpu *cpu;
	struct hook_snap *s;
	int called = 0;
	bool adhoc;

	cpu = modsim_cpu_self(k);
	if (!cpu)
		return modsim_err(-EAGAIN, "hook run: no CPU slot left");
	r = &hs->readers[cpu->id];

	adhoc = modsim_cpu_call_begin(cpu);
	/* seq_cst: the epoch is visible before @cur is read (see hook_reclaim). */
	if (r->depth++ == 0)
		atomic_store(&r->epoch, atomic_load(&hs->epoch));
	s = atomic_load(&hs->cur);

	for (size_t i = 0; i < s->n; i++) {
		int ret;

		modsim_point_hit(k, MODSIM_PT_CALL_AFTER_LOOKUP, s->e[i].owner);
		if (hook_call(cpu, s->e[i].owner, s->e[i].ops, data, &ret))
			continue; /* refused or faulted: not called */
		called++;
		if (ret == HOOK_STOP)
			break;
	}

	if (--r->depth == 0)
		atomic_store_explicit(&r->epoch, 0, memory_order_release);
	modsim_cpu_call_end(cpu, adhoc);
	return called;
}

void modsim_hook_sweep(struct modsim_mod *m)
{
	struct modsim_hook_state *hs = m->k->hook;
	struct modsim_violation v;
	char **gone = NULL;
	size_t ngone = 0, keep = 0;

	pthread_mutex_lock(&hs->lock);
	for (size_t i = 0; i < hs->n; i++)
		if (hs->chain[i].owner == m)
			ngone++;
	if (!ngone) {
		pthread_mutex_unlock(&hs->lock);
		return;
	}
	gone = malloc(ngone * sizeof(*gone));
	ngone = 0;
	for (size_t i = 0; i < hs->n; i++) {
		if (hs->chain[i].owner != m) {
			hs->chain[keep++] = hs->chain[i];
			continue;
		}
		if (gone)
			gone[ngone++] = hs->chain[i].name;
		else
			free(hs->chain[i].name); /* no memory to report it: drop it quietly */
	}
	hs->n = keep;
	hook_publish(hs, hook_snap_make(hs));
	pthread_mutex_unlock(&hs->lock);

	/* Reported outside the lock; only the kernel's copies are read. */
	for (size_t i = 0; i < ngone; i++) {
		modsim_violation_init(&v, MODSIM_V_LEAK, m, MODSIM_SS_HOOK, "sweep");
		snprintf(v.detail, sizeof(v.detail), "hook '%s' still registered", gone[i]);
		modsim_stat_violation(m->k, &v);
		free(gone[i]);
	}
	free(gone);
}

int modsim_hook_init(struct modsim_kernel *k)
{
	struct modsim_hook_state *hs = calloc(1, sizeof(*hs));

	if (!hs)
		goto no_memory;
	hs->nreaders = k->ncpus;
	hs->readers = aligned_alloc(MODSIM_CACHELINE, hs->nreaders * sizeof(*hs->readers));
	if (!hs->readers) {
		free(hs);
		goto no_memory;
	}
	memset(hs->readers, 0, hs->nreaders * sizeof(*hs->readers));
	pthread_mutex_init(&hs->lock, NULL);
	atomic_init(&hs->cur, &hook_empty);
	atomic_init(&hs->epoch, 1);
	k->hook = hs;
	return 0;

no_memory:
	return modsim_err(-ENOMEM, "kernel: no memory for the hook chain");
}

void modsim_hook_fini(struct modsim_kernel *k)
{
	struct modsim_hook_state *hs = k->hook;
	struct hook_snap *s;

	if (!hs)
		return;
	/* No caller is left: everything retired can go. */
	while ((s = hs->retired)) {
		hs->retired = s->next_retired;
		free(s);
	}
	s = atomic_load(&hs->cur);
	if (s != &hook_empty)
		free(s);
	for (size_t i = 0; i < hs->n; i++)
		free(hs->chain[i].name);
	free(hs->chain);
	free(hs->readers);
	pthread_mutex_destroy(&hs->lock);
	free(hs);
	k->hook = NULL;
}
