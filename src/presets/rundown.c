/* Preset "rundown": Windows rundown protection; acquire fails once rundown began. */
#include <errno.h>

#include "presets/presets.h"
#include "presets/rundown.h"

/*
 * One word, as in EX_RUNDOWN_REF: the number of holders times two, and the
 * low bit RD_ACTIVE once rundown began.  Acquire adds two unless the bit is
 * set; release subtracts two, and the release that leaves the word at
 * exactly RD_ACTIVE (the last holder during rundown) wakes the waiter.
 * While the module is COMING the word is run down already; it is
 * re-initialised (to zero) when init succeeded.
 */
/* RD_ACTIVE, RD_ONE, struct rd_priv and the callers' side, inline: rundown.h. */

static inline struct rd_priv *rd(struct modsim_mod *m)
{
	return m->priv;
}

/* ExAcquireRundownProtection */
static bool rd_acquire(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_rd_enter(m, cpu);
}

/* ExReleaseRundownProtection; seq_cst, then a look at m->waiting (see modsim_mod_wait). */
static void rd_release(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_rd_exit(m, cpu);
}

static long rd_refcount(struct modsim_mod *m)
{
	return atomic_load_explicit(&rd(m)->word, memory_order_relaxed) / RD_ONE;
}

static int rd_setup(struct modsim_mod *m)
{
	atomic_store(&rd(m)->word, RD_ACTIVE);
	return 0;
}

/* Must be called with k->load_mutex held. */
static int rd_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	/* ExReInitializeRundownProtection; on failure it stays run down. */
	if (!err)
		atomic_store(&rd(m)->word, 0);
	return err;
}

static bool rd_done(struct modsim_mod *m)
{
	return atomic_load(&rd(m)->word) == RD_ACTIVE;
}

/* Must be called with k->load_mutex held. */
static int rd_unload(struct modsim_mod *m, unsigned int flags)
{
	struct rd_priv *p = rd(m);
	long v = 0;
	int err;

	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	if (flags & MODSIM_UNLOAD_NOWAIT) {
		/* Run down only an idle object: NOWAIT never starts a rundown it would wait on. */
		if (!atomic_compare_exchange_strong(&p->word, &v, RD_ACTIVE))
			return modsim_err(-EWOULDBLOCK, "rmmod %s: in use (count %ld)", m->name,
					  v / RD_ONE);
	} else {
		/* ExWaitForRundownProtectionRelease: no acquire succeeds from here on. */
		v = atomic_fetch_or(&p->word, RD_ACTIVE);
	}
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	if (v) {
		err = modsim_mod_wait(m, rd_done);
		if (err) {
			v = atomic_fetch_and(&p->word, ~RD_ACTIVE);
			modsim_mod_set_state(m, MODSIM_STATE_LIVE);
			return modsim_err(-ETIMEDOUT, "rmmod %s: still in use after %u ms (count %ld)",
					  m->name, m->k->cfg.unload_timeout_ms, v / RD_ONE);
		}
	}
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_rundown = {
	.name = "rundown",
	.post = "history",
	.caller = "acquire rundown protection (one shared atomic; fails once rundown began), release after",
	.unloader = "start rundown, wait for the last holder's release, exit (NOWAIT and busy: EWOULDBLOCK, no rundown)",
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
		[MODSIM_HZ_A] = "a caller holds protection across the call; once rundown began acquires fail and exit waits for the holders",
		[MODSIM_HZ_B] = "the object is run down until init succeeded, so nobody got in",
		[MODSIM_HZ_P] = "the subsystem's own protection covers the call, so a self-release never drops the last one",
		[MODSIM_HZ_T] = "timer callbacks go through acquire, which fails once rundown began",
		[MODSIM_HZ_L] = "an open file holds protection; unload waits for its release (NOWAIT: EWOULDBLOCK)",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.sources = "acquire: ExAcquireRundownProtection fails once rundown began; release: ExReleaseRundownProtection "
		   "(wdm.h, Windows XP and later; learn.microsoft.com, windows-hardware/drivers/ddi/wdm)\n"
		   "drain: ExWaitForRundownProtectionRelease grants no further protection and waits for every access "
		   "already granted to finish, then the owner may delete the object (wdm.h)\n"
		   "who calls it: the driver that accesses the shared object calls acquire and release itself; modsim "
		   "applies it at every entry (owner-ref every call), which is what a driver doing so for all its "
		   "callers' paths would get",
	.priv_size = sizeof(struct rd_priv),
	.enter = rd_acquire,
	.exit = rd_release,
	.get = rd_acquire,
	.put = rd_release,
	.refcount = rd_refcount,
	.mod_setup = rd_setup,
	.load = rd_load,
	.unload = rd_unload,
};

const struct modsim_preset modsim_preset_rundown_entry = {
	.ops = &modsim_preset_rundown,
	.caller = MODSIM_CALLER_RUNDOWN,
	.axis = { "direct", "rundown", "drain" },
};
