/* Preset "quiesce": FreeBSD's MOD_QUIESCE; callers pay nothing, the module is asked whether it may go. */
#include <errno.h>

#include "presets/presets.h"

static bool quiesce_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return true;
}

static void quiesce_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
}

static long quiesce_refcount(struct modsim_mod *m)
{
	return -1;
}

/* Ask the module; 0 when it lets the unload go on, else why not (the module stays LIVE). */
static int quiesce_ask(struct modsim_mod *m)
{
	int ret = modsim_mod_run_hook(m, "quiesce");

	switch (ret) {
	case 0:
	case -ENOSYS: /* no quiesce hook: nothing to object */
		return 0;
	case -EBUSY:
		return modsim_err(-EBUSY, "rmmod %s: vetoed by the module", m->name);
	case -ETIMEDOUT:
		return ret; /* the watchdog marked it STUCK; the core says so */
	case -EFAULT:
		return modsim_err(ret, "rmmod %s: quiesce crashed (-EFAULT)", m->name);
	}
	if (ret > 0)
		return modsim_err(-EINVAL, "rmmod %s: quiesce returned %d, not 0 or a negative errno",
				  m->name, ret);
	return modsim_err(ret, "rmmod %s: quiesce refused: %s", m->name, modsim_errname(ret));
}

static int quiesce_unload(struct modsim_mod *m, unsigned int flags)
{
	int err = quiesce_ask(m);

	if (err)
		return err;
	/* The window: the module answered for the past; a caller may come now. */
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_quiesce = {
	.name = "quiesce",
	.post = "history",
	.caller = "nothing: calls go straight into the module",
	.unloader = "ask the module's quiesce hook; EBUSY vetoes, else exit and free at once",
	.author = "a quiesce hook that knows whether the module is in use",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_UNSAFE,
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_UNSAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "the module cannot see a caller that found it but has not entered; it answers 0",
		[MODSIM_HZ_B] = "quiesce is asked at unload only; a failed init is freed at once",
		[MODSIM_HZ_P] = "after its own put the module counts nothing in flight, yet its code still runs",
		[MODSIM_HZ_T] = "the module believes exit cancels its timer and answers 0; the timer fires after",
		[MODSIM_HZ_L] = "the module counts its open files and vetoes (EBUSY) while one is open",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.sources = "veto: module_quiesce() sends MOD_QUIESCE to the module's event handler; EOPNOTSUPP or EINVAL count "
		   "as yes, any other error is returned to the unloader; module_unload() sends MOD_UNLOAD "
		   "(sys/kern/kern_module.c, FreeBSD)\n"
		   "callers take no reference of their own here (owner-ref every call, with nothing to take): what the "
		   "module answers is all that stands between a caller and the unload",
	.priv_size = 0,
	.enter = quiesce_enter,
	.exit = quiesce_exit,
	.get = quiesce_enter,
	.put = quiesce_exit,
	.refcount = quiesce_refcount,
	.unload = quiesce_unload,
};

const struct modsim_preset modsim_preset_quiesce_entry = {
	.ops = &modsim_preset_quiesce,
	.caller = MODSIM_CALLER_NOTHING,
	.axis = { "direct", "nothing", "veto" },
};
