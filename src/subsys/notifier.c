/* Notifier chains: named chains made on first use, calls in priority order, the leak sweep. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/notifier.h>

#include "dispatch/callpath.h"

/* A call copies at most this many blocks onto its stack; longer chains malloc. */
#define NOTIFIER_SNAP_STACK 32

/* One registered block, in kernel memory: owner, priority and name are copies. */
struct nb_entry {
	struct nb_entry *next;
	struct modsim_mod *owner;
	struct notifier_block *nb; /* module memory: read only under a guard */
	struct nb_chain *chain;    /* the chain it is (or was) on */
	int priority;
	char name[MODSIM_NAME_MAX]; /* of the callback, for reports */
};

/* A chain; made by the first registration, kept (perhaps empty) until fini. */
struct nb_chain {
	struct nb_chain *next;
	struct nb_entry *head; /* higher priority first, equal ones in registration order */
	size_t n;
	/*
	 * Calls past their copy of the chain, by the parity of @phase when
	 * they copied it: a synchronising unregister flips @phase and waits
	 * for the old parity to drain (blocking_notifier_chain_unregister's
	 * rwsem, atomic_notifier_chain_unregister's synchronize_rcu()).
	 */
	unsigned long calls[2];
	unsigned long phase;
	char name[];
};

/* What a call copies out of an entry. */
struct nb_call {
	struct modsim_mod *owner;
	struct notifier_block *nb;
};

/*
 * struct modsim_notifier_state - a kernel's notifier chains.
 *
 * lock protects chains (every chain, every entry, their fields and links).
 * Registration runs in module code (init, exit) with k->load_mutex held;
 * modsim_notifier_call() takes lock only to copy a chain out and never holds
 * it while calling strategy or module code.  Lock order: load_mutex,
 * list_lock, notifier_kernels_lock, then lock.
 */
struct modsim_notifier_state {
	pthread_mutex_t lock;
	struct nb_chain *chains;
	struct modsim_notifier_state *next_kernel; /* under notifier_kernels_lock */
};

/*
 * unregister_notifier() names no owner, so it cannot find its kernel through
 * one.  notifier_kernels_lock protects notifier_kernels, the list of every
 * kernel's chains (its links only); a state stays on it from
 * modsim_notifier_init() to modsim_notifier_fini().
 */
static pthread_mutex_t notifier_kernels_lock = PTHREAD_MUTEX_INITIALIZER;
static struct modsim_notifier_state *notifier_kernels;

/* The chain called @name, or NULL.  Must be called with ns->lock held. */
static struct nb_chain *chain_find(struct modsim_notifier_state *ns, const char *name)
{
	struct nb_chain *c;

	for (c = ns->chains; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* The link pointing at @nb's entry on @c, or NULL.  Must be called with the lock held. */
static struct nb_entry **chain_entry(struct nb_chain *c, const struct notifier_block *nb)
{
	struct nb_entry **pp;

	for (pp = &c->head; *pp; pp = &(*pp)->next)
		if ((*pp)->nb == nb)
			return pp;
	return NULL;
}

MODSIM_API int __register_notifier(struct module *owner, const char *chain,
				   struct notifier_block *nb)
{
	struct modsim_mod *m = modsim_owner(owner);
	struct modsim_notifier_state *ns;
	struct nb_chain *c, *fresh = NULL;
	struct nb_entry *e, **pp;
	size_t len;

	if (!chain || !nb)
		return modsim_err(-EINVAL, "register_notifier: NULL %s", chain ? "block" : "chain");
	if (!m)
		return modsim_err(-EINVAL, "register_notifier %s: owner is not a module", chain);
	ns = m->k->notifier;

	/* Allocate before locking: a new chain may be needed. */
	e = malloc(sizeof(*e));
	len = strlen(chain);
	fresh = malloc(sizeof(*fresh) + len + 1);
	if (!e || !fresh) {
		free(e);
		free(fresh);
		return modsim_err(-ENOMEM, "register_notifier %s: no memory", chain);
	}
	e->owner = m;
	e->nb = nb;
	e->priority = nb->priority;
	modsim_code_name((void *)nb->notifier_call, e->name, sizeof(e->name));
	fresh->head = NULL;
	fresh->n = 0;
	fresh->calls[0] = fresh->calls[1] = 0;
	fresh->phase = 0;
	memcpy(fresh->name, chain, len + 1);

	pthread_mutex_lock(&ns->lock);
	c = chain_find(ns, chain);
	if (!c) {
		c = fresh;
		c->next = ns->chains;
		ns->chains = c;
		fresh = NULL;
	} else if (chain_entry(c, nb)) {
		pthread_mutex_unlock(&ns->lock);
		free(e);
		free(fresh);
		return modsim_err(-EEXIST, "register_notifier %s: block already on the chain",
				  chain);
	}
	e->chain = c;
	/* Before the first entry of lower priority: stable for equal ones. */
	for (pp = &c->head; *pp && (*pp)->priority >= e->priority; pp = &(*pp)->next)
		;
	e->next = *pp;
	*pp = e;
	c->n++;
	pthread_mutex_unlock(&ns->lock);
	free(fresh);
	return 0;
}

/*
 * Wait until no call that copied @c before now is still running: what
 * Linux's notifier unregisters do (kernel/notifier.c: synchronize_rcu() in
 * atomic_notifier_chain_unregister, the rwsem of the blocking chains).
 * Only under a preset whose notifier calls take no per-call reference
 * (owner-ref fops+symbol_get).  Passes MODSIM_PT_UNLOAD_WAIT before it
 * waits; bounded by the unload timeout.
 */
static void notifier_sync(struct modsim_notifier_state *ns, struct nb_chain *c,
			  struct modsim_mod *owner)
{
	struct modsim_kernel *k = owner->k;
	struct modsim_sched_waiter w = { .what = "notifier unregister: calls on the chain" };
	uint64_t deadline = 0;
	unsigned long old;
	bool busy;

	pthread_mutex_lock(&ns->lock);
	old = c->phase++ & 1;
	busy = c->calls[old] != 0;
	pthread_mutex_unlock(&ns->lock);
	if (!busy)
		return;
	modsim_point_hit(k, MODSIM_PT_UNLOAD_WAIT, owner);
	for (;;) {
		pthread_mutex_lock(&ns->lock);
		busy = c->calls[old] != 0;
		pthread_mutex_unlock(&ns->lock);
		if (!busy)
			return;
		if (modsim_sched_controlled(k)) {
			if (modsim_sched_wait(k, &w))
				return;
			continue;
		}
		if (!deadline)
			deadline = modsim_now_ns() + (uint64_t)k->cfg.unload_timeout_ms * 1000000u;
		if (modsim_now_ns() > deadline) {
			modsim_err(-ETIMEDOUT, "unregister_notifier %s: a call stayed on the chain for %u ms",
				   c->name, k->cfg.unload_timeout_ms);
			return;
		}
		sched_yield();
	}
}

MODSIM_API int unregister_notifier(const char *chain, struct notifier_block *nb)
{
	struct modsim_notifier_state *ns;
	struct nb_entry *e = NULL, **pp;
	struct nb_chain *c;

	if (!chain || !nb)
		return modsim_err(-EINVAL, "unregister_notifier: NULL %s",
				  chain ? "block" : "chain");

	/* @nb is in module memory, so at most one kernel has it on @chain. */
	pthread_mutex_lock(&notifier_kernels_lock);
	for (ns = notifier_kernels; ns && !e; ns = ns->next_kernel) {
		pthread_mutex_lock(&ns->lock);
		c = chain_find(ns, chain);
		pp = c ? chain_entry(c, nb) : NULL;
		if (pp) {
			e = *pp;
			*pp = e->next;
			c->n--;
		}
		pthread_mutex_unlock(&ns->lock);
	}
	pthread_mutex_unlock(&notifier_kernels_lock);

	if (!e)
		return modsim_err(-ENOENT, "unregister_notifier %s: block not on the chain", chain);
	if (e->owner->k->noref_sync) {
		notifier_sync(e->owner->k->notifier, e->chain, e->owner);
		modsim_exit_synced(e->owner, nb);
	}
	free(e);
	return 0;
}

/*
 * One entry/exit-bracketed, guarded call of a block (nb is module memory).
 * Return: 0 and *@ret, -ENODEV (refused) or -EFAULT (faulted).
 */
static __attribute__((noinline)) int notifier_call_one(struct modsim_cpu *cpu,
							struct modsim_mod *owner,
							struct notifier_block *nb,
							unsigned long action, void *data, int *ret)
{
	volatile int r = NOTIFY_DONE;
	int err;

	MODSIM_CALL_OBJ(err, cpu, owner, MODSIM_SS_NOTIFIER, "notifier", nb,
			r = nb->notifier_call(nb, action, data));
	*ret = r;
	return err;
}

MODSIM_API int modsim_notifier_call(struct modsim_kernel *k, const char *chain,
				    unsigned long action, void *data)
{
	struct modsim_notifier_state *ns = k->notifier;
	struct nb_call stack[NOTIFIER_SNAP_STACK], *snap = stack;
	int ret = NOTIFY_DONE;
	struct modsim_cpu *cpu;
	struct nb_entry *e;
	struct nb_chain *c;
	unsigned long phase;
	size_t n = 0;
	bool adhoc;

	if (!chain)
		return modsim_err(-EINVAL, "notifier call: NULL chain");
	cpu = modsim_cpu_self(k);
	if (!cpu)
		return modsim_err(-EAGAIN, "notifier call %s: no CPU slot left", chain);

	adhoc = modsim_cpu_call_begin(cpu);
	pthread_mutex_lock(&ns->lock);
	c = chain_find(ns, chain);
	if (!c) {
		pthread_mutex_unlock(&ns->lock);
		modsim_cpu_call_end(cpu, adhoc);
		return modsim_err(-ENOENT, "notifier call %s: no such chain", chain);
	}
	if (c->n > NOTIFIER_SNAP_STACK) {
		snap = malloc(c->n * sizeof(*snap));
		if (!snap) {
			pthread_mutex_unlock(&ns->lock);
			modsim_cpu_call_end(cpu, adhoc);
			return modsim_err(-ENOMEM, "notifier call %s: no memory", chain);
		}
	}
	for (e = c->head; e; e = e->next, n++) {
		snap[n].owner = e->owner;
		snap[n].nb = e->nb;
	}
	phase = c->phase & 1;
	c->calls[phase]++;
	pthread_mutex_unlock(&ns->lock);

	for (size_t i = 0; i < n; i++) {
		int r;

		modsim_point_hit(k, MODSIM_PT_CALL_AFTER_LOOKUP, snap[i].owner);
		if (notifier_call_one(cpu, snap[i].owner, snap[i].nb, action, data, &r))
			continue; /* refused or faulted: the value stays the last one */
		ret = r;
		if (ret & NOTIFY_STOP_MASK)
			break;
	}
	pthread_mutex_lock(&ns->lock);
	c->calls[phase]--;
	pthread_mutex_unlock(&ns->lock);
	modsim_cpu_call_end(cpu, adhoc);

	if (snap != stack)
		free(snap);
	return ret;
}

void modsim_notifier_sweep(struct modsim_mod *m)
{
	struct modsim_notifier_state *ns = m->k->notifier;
	struct nb_entry **pp, *e, *gone = NULL;
	struct modsim_violation v;
	struct nb_chain *c;

	pthread_mutex_lock(&ns->lock);
	for (c = ns->chains; c; c = c->next) {
		for (pp = &c->head; (e = *pp);) {
			if (e->owner != m) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			c->n--;
			e->next = gone;
			gone = e;
		}
	}
	pthread_mutex_unlock(&ns->lock);

	/* Reported outside the lock; only the kernel's copies are read (chains
	 * live until fini, so the chain's name is still there). */
	while ((e = gone)) {
		gone = e->next;
		modsim_violation_init(&v, MODSIM_V_LEAK, m, MODSIM_SS_NOTIFIER, "sweep");
		snprintf(v.detail, sizeof(v.detail),
			 "notifier %s on chain '%s' still registered", e->name, e->chain->name);
		modsim_stat_violation(m->k, &v);
		free(e);
	}
}

int modsim_notifier_init(struct modsim_kernel *k)
{
	struct modsim_notifier_state *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return modsim_err(-ENOMEM, "kernel: no memory for the notifier chains");
	pthread_mutex_init(&ns->lock, NULL);
	pthread_mutex_lock(&notifier_kernels_lock);
	ns->next_kernel = notifier_kernels;
	notifier_kernels = ns;
	pthread_mutex_unlock(&notifier_kernels_lock);
	k->notifier = ns;
	return 0;
}

void modsim_notifier_fini(struct modsim_kernel *k)
{
	struct modsim_notifier_state *ns = k->notifier, **pp;
	struct nb_chain *c;
	struct nb_entry *e;

	if (!ns)
		return;
	pthread_mutex_lock(&notifier_kernels_lock);
	for (pp = &notifier_kernels; *pp; pp = &(*pp)->next_kernel) {
		if (*pp == ns) {
			*pp = ns->next_kernel;
			break;
		}
	}
	pthread_mutex_unlock(&notifier_kernels_lock);

	/* Modules are unloaded (and swept) by now; free what is left. */
	while ((c = ns->chains)) {
		ns->chains = c->next;
		while ((e = c->head)) {
			c->head = e->next;
			free(e);
		}
		free(c);
	}
	pthread_mutex_destroy(&ns->lock);
	free(ns);
	k->notifier = NULL;
}
