/* Preset "try-drain": option 1 with a two-stage unload: close the module to new users, drain, exit. */
#include <errno.h>

#include "presets/presets.h"
#include "presets/try_drain.h"

/*
 * One word per module: the number of references held, plus DRAIN_CLOSED
 * while no new reference may be taken: during init, and from the moment
 * unload begins.  A get succeeds only on an open word; unload closes the
 * word first and then waits for the references already held to go, so
 * nobody who got in is ever freed under, and nobody gets in after.
 */
/* DRAIN_CLOSED, struct drain_priv and the callers' side, inline: try_drain.h. */

static inline struct drain_priv *dp(struct modsim_mod *m)
{
	return m->priv;
}

static inline unsigned long drain_users(unsigned long word)
{
	return word & ~DRAIN_CLOSED;
}

static bool drain_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_drain_enter(m, cpu);
}

static void drain_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_drain_exit(m, cpu);
}

static long drain_refcount(struct modsim_mod *m)
{
	return (long)drain_users(atomic_load_explicit(&dp(m)->word, memory_order_relaxed));
}

static bool drain_idle(struct modsim_mod *m)
{
	return drain_users(atomic_load(&dp(m)->word)) == 0;
}

/* Closed from the start: nobody gets in while init runs. */
static int drain_setup(struct modsim_mod *m)
{
	atomic_store(&dp(m)->word, DRAIN_CLOSED);
	return 0;
}

static int drain_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	/* On failure the word stays closed: nobody got in during init. */
	if (!err)
		atomic_fetch_and(&dp(m)->word, ~DRAIN_CLOSED);
	return err;
}

/* Open the word again after an unload that gave up; the module stays LIVE. */
static void drain_reopen(struct modsim_mod *m)
{
	atomic_fetch_and(&dp(m)->word, ~DRAIN_CLOSED);
}

static int drain_unload(struct modsim_mod *m, unsigned int flags)
{
	unsigned long users;
	int err;

	/* Stage one: from here on every get fails. */
	users = drain_users(atomic_fetch_or(&dp(m)->word, DRAIN_CLOSED));
	if (users && (flags & MODSIM_UNLOAD_NOWAIT)) {
		drain_reopen(m);
		return modsim_err(-EWOULDBLOCK, "rmmod %s: in use (count %lu)", m->name, users);
	}
	/* Stage two: the references taken before the close go away. */
	err = modsim_mod_wait(m, drain_idle);
	if (err) {
		users = drain_users(atomic_load(&dp(m)->word));
		drain_reopen(m);
		return modsim_err(err, "rmmod %s: still in use after %u ms (count %lu)", m->name,
				  m->k->cfg.unload_timeout_ms, users);
	}
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_try_drain = {
	.name = "try-drain",
	.post = "1",
	.caller = "try_inc_mod_count around every call: fails once unload began (or during init)",
	.unloader = "close to new users, wait for the count to drain to 0, then exit",
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
		[MODSIM_HZ_A] = "a caller's get fails once unload closed the count; one already in is waited for",
		[MODSIM_HZ_B] = "the count is closed during init, so nobody gets in before init succeeds",
		[MODSIM_HZ_P] = "the subsystem's own get covers the call; unload waits for it to be put",
		[MODSIM_HZ_T] = "timer callbacks go through the get, which fails once unload began",
		[MODSIM_HZ_L] = "unload waits until the file is closed (EWOULDBLOCK with NOWAIT)",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.priv_size = sizeof(struct drain_priv),
	.enter = drain_get,
	.exit = drain_put,
	.get = drain_get,
	.put = drain_put,
	.refcount = drain_refcount,
	.mod_setup = drain_setup,
	.load = drain_load,
	.unload = drain_unload,
};

const struct modsim_preset modsim_preset_try_drain_entry = {
	.ops = &modsim_preset_try_drain,
	.caller = MODSIM_CALLER_DRAIN,
	.axis = { "direct", "try count", "drain" },
};
