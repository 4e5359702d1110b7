/* Preset "percpu-ref": Linux's percpu_ref: per-CPU counts until killed, then one atomic. */
#include <errno.h>
#include <stdio.h>

#include "presets/percpu_ref.h"

/*
 * Mode word, read by every get and put.  LIVE is 0: gets and puts touch
 * only their own CPU's slot (one acquire load and one relaxed store, no
 * locked instruction).  Killing sets both bits at once (PREF_ATOMIC |
 * PREF_DEAD): tryget_live fails from then on, and puts go to the shared
 * atomic count instead.  The bits, struct pref_priv and the callers' side,
 * inline, are in percpu_ref.h.
 */

/*
 * While the slots are not folded in, the atomic count carries a bias, so
 * that puts landing on it before the fold cannot take it to zero
 * (PERCPU_COUNT_BIAS in Linux).  The references held are always
 *	count - (folded ? 0 : PREF_BIAS) + sum(slots)
 */
#define PREF_BIAS (1L << 40)

static inline struct pref_priv *pr(struct modsim_mod *m)
{
	return m->priv;
}

/* percpu_ref_tryget_live */
static bool pref_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_pref_enter(m, cpu);
}

/* A put in atomic mode; wakes the unloader at zero (seq_cst: see modsim_mod_wait). */
__attribute__((noinline)) void __modsim_pref_put_atomic(struct modsim_mod *m)
{
	if (atomic_fetch_sub(&pr(m)->count, 1) == 1 && atomic_load(&m->waiting))
		modsim_mod_wake(m);
}

static void pref_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_pref_exit(m, cpu);
}

static long pref_refcount(struct modsim_mod *m)
{
	struct pref_priv *p = pr(m);
	long c = atomic_load(&p->count) + pcpu_sum(&p->pc);

	return atomic_load_explicit(&p->folded, memory_order_relaxed) ? c : c - PREF_BIAS;
}

static int pref_setup(struct modsim_mod *m)
{
	struct pref_priv *p = pr(m);

	atomic_store(&p->mode, PREF_ATOMIC | PREF_DEAD); /* not live before init succeeded */
	atomic_store(&p->count, PREF_BIAS);
	atomic_store(&p->folded, false);
	return pcpu_alloc(&p->pc, m);
}

static void pref_teardown(struct modsim_mod *m)
{
	pcpu_free(&pr(m)->pc);
}

/* Must be called with k->load_mutex held. */
static int pref_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	/* On failure it stays dead: nobody got in, it can be freed at once. */
	if (!err)
		atomic_store_explicit(&pr(m)->mode, 0, memory_order_release);
	return err;
}

/* percpu_ref_resurrect: per-CPU mode and LIVE again.  Under load_mutex. */
static void pref_revive(struct modsim_mod *m)
{
	struct pref_priv *p = pr(m);

	if (atomic_load_explicit(&p->folded, memory_order_relaxed)) {
		atomic_fetch_add(&p->count, PREF_BIAS);
		atomic_store_explicit(&p->folded, false, memory_order_relaxed);
	}
	/* Release: a CPU that sees per-CPU mode sees its slot as the fold left it. */
	atomic_store_explicit(&p->mode, 0, memory_order_release);
	modsim_mod_set_state(m, MODSIM_STATE_LIVE);
}

static bool pref_zero(struct modsim_mod *m)
{
	return atomic_load(&pr(m)->count) == 0;
}

/* Must be called with k->load_mutex held. */
static int pref_unload(struct modsim_mod *m, unsigned int flags)
{
	struct modsim_kernel *k = m->k;
	struct pref_priv *p = pr(m);
	char why[256];
	long c;
	int err;

	/* percpu_ref_kill: seq_cst, pairs with modsim_cpu_online()'s fence. */
	atomic_store(&p->mode, PREF_ATOMIC | PREF_DEAD);
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(k, MODSIM_PT_UNLOAD_WAIT, m);
	/* A CPU that read per-CPU mode before the kill is still in its call. */
	err = modsim_wait_quiescence(k);
	if (err) {
		snprintf(why, sizeof(why), "%s", modsim_last_error());
		pref_revive(m);
		return modsim_err(err, "rmmod %s: cannot switch to atomic mode: %s", m->name, why);
	}
	/* Nobody is between reading the mode and writing a slot: fold. */
	c = pcpu_drain(&p->pc) - PREF_BIAS;
	c += atomic_fetch_add(&p->count, c);
	atomic_store_explicit(&p->folded, true, memory_order_relaxed);
	modsim_point_hit(k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);

	if (c) {
		if (flags & MODSIM_UNLOAD_NOWAIT) {
			pref_revive(m);
			return modsim_err(-EWOULDBLOCK, "rmmod %s: in use (count %ld)", m->name, c);
		}
		err = modsim_mod_wait(m, pref_zero);
		if (err) {
			c = atomic_load(&p->count);
			pref_revive(m);
			return modsim_err(-ETIMEDOUT, "rmmod %s: still in use after %u ms (count %ld)",
					  m->name, k->cfg.unload_timeout_ms, c);
		}
	}
	modsim_point_hit(k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_percpu_ref = {
	.name = "percpu-ref",
	.post = "history",
	.caller = "tryget_live: mode check, then this CPU's own count (no locked instruction); atomic once killed",
	.unloader = "kill, wait for quiescence, fold the per-CPU counts into the atomic; wait for zero (NOWAIT: resurrect, EWOULDBLOCK)",
	.author = "nothing; but every subsystem takes an owner and may fail a call",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_SAFE,
		[MODSIM_HZ_B] = MODSIM_SAFE,
		[MODSIM_HZ_P] = MODSIM_SAFE,
		[MODSIM_HZ_T] = MODSIM_SAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "a caller that got in before the kill is counted and waited for; after it, tryget_live fails",
		[MODSIM_HZ_B] = "the ref is dead until init succeeded, so nobody got in",
		[MODSIM_HZ_P] = "the subsystem's own count covers the call, so a self-put never drops the last count",
		[MODSIM_HZ_T] = "timer callbacks go through tryget_live, which fails once the ref is killed",
		[MODSIM_HZ_L] = "an open file holds a count; unload waits for it (or resurrects and says EWOULDBLOCK)",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.sources = "get: percpu_ref_tryget_live() fails once __PERCPU_REF_DEAD is set; per-CPU counts until then "
		   "(include/linux/percpu-refcount.h, 6.1)\n"
		   "kill: percpu_ref_kill() switches to atomic mode before gathering the per-CPU counts and dropping the "
		   "initial ref; \"There are no implied RCU grace periods between kill and release\" "
		   "(include/linux/percpu-refcount.h, lib/percpu-refcount.c __percpu_ref_switch_to_atomic, 6.1)",
	.priv_size = sizeof(struct pref_priv),
	.enter = pref_get,
	.exit = pref_put,
	.get = pref_get,
	.put = pref_put,
	.refcount = pref_refcount,
	.mod_setup = pref_setup,
	.mod_teardown = pref_teardown,
	.load = pref_load,
	.unload = pref_unload,
};

const struct modsim_preset modsim_preset_percpu_ref_entry = {
	.ops = &modsim_preset_percpu_ref,
	.caller = MODSIM_CALLER_PCPU_REF,
	.axis = { "direct", "per-CPU count", "kill+switch" },
};
