/* Preset "inc": the post's option 1 without try; callers always increment, unload frees at zero. */
#include <errno.h>

#include "presets/presets.h"
#include "presets/inc.h"

/*
 * One shared count per module.  Entry and get increment it whatever the
 * module's state, exit and put decrement it.  Unload (and a failed init)
 * reads it and frees when it reads 0, so a caller that found the module but
 * has not incremented yet gets in after the read: the window the post's
 * try_inc_mod_count closes.
 */
/* struct inc_priv and the callers' side, inline: inc.h. */
static inline struct inc_priv *ip(struct modsim_mod *m)
{
	return m->priv;
}

static bool inc_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_inc_enter(m, cpu);
}

static void inc_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_inc_exit(m, cpu);
}

static long inc_refcount(struct modsim_mod *m)
{
	return atomic_load_explicit(&ip(m)->count, memory_order_relaxed);
}

static bool inc_idle(struct modsim_mod *m)
{
	return atomic_load(&ip(m)->count) == 0;
}

/*
 * Failed init: free once the count reads 0.  Callers that got in while init
 * ran are waited for; one that found a registration and has not incremented
 * yet is not seen, and enters after the free.
 */
static int inc_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	if (!err || modsim_mod_state(m) == MODSIM_STATE_STUCK)
		return err;
	if (!inc_idle(m))
		modsim_mod_wait(m, inc_idle); /* on time-out there is nothing better to do */
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	return err;
}

static int inc_unload(struct modsim_mod *m, unsigned int flags)
{
	long c = atomic_load(&ip(m)->count);
	int err;

	if (c)
		return modsim_err(-EBUSY, "rmmod %s: in use (count %ld)", m->name, c);
	/* The window: a caller past its lookup increments now and enters. */
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_inc = {
	.name = "inc",
	.post = "1",
	.caller = "inc_mod_count around every call, unconditionally (no try)",
	.unloader = "read the count; nonzero -> EBUSY, zero -> exit and free",
	.author = "nothing; but every subsystem takes an owner",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_UNSAFE,
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_SAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "a caller that found a callback increments after unload read 0, then enters freed code",
		[MODSIM_HZ_B] = "a caller that found what init registered increments after the failed init read 0",
		[MODSIM_HZ_P] = "the subsystem's own count covers the call, so a self-put never drops the last count",
		[MODSIM_HZ_T] = "a timer's entry increments even after exit, and the callback runs in freed code",
		[MODSIM_HZ_L] = "unload is refused (EBUSY) while a file holds a count",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.priv_size = sizeof(struct inc_priv),
	.enter = inc_get,
	.exit = inc_put,
	.get = inc_get,
	.put = inc_put,
	.refcount = inc_refcount,
	.load = inc_load,
	.unload = inc_unload,
};

const struct modsim_preset modsim_preset_inc_entry = {
	.ops = &modsim_preset_inc,
	.caller = MODSIM_CALLER_INC,
	.axis = { "direct", "shared count", "refuse if busy" },
};
