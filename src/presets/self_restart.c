/* Preset "self-restart": option 2; a count left after stop and quiescence restarts (EBUSY). */
#include <errno.h>

#include "presets/selfcount.h"

/* Stop, wait for quiescence, then either exit (count 0) or restart and refuse. */
static int self_restart_unload(struct modsim_mod *m, unsigned int flags)
{
	long count;
	int err;

	err = modsim_self_stop(m);
	if (err)
		return err;
	err = modsim_self_quiesce(m);
	if (err) {
		modsim_self_restart(m);
		return err;
	}
	count = modsim_self_count(m);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	if (count)
		return modsim_self_busy(m, count);
	return modsim_self_finish(m);
}

const struct modsim_strategy modsim_preset_self_restart = {
	.name = "self-restart",
	.post = "2",
	.caller = "nothing in the subsystems; the module counts itself (module_self_enter/exit)",
	.unloader = "stop, wait for quiescence; count 0: exit; else restart the module and EBUSY",
	.author = "module_self_enter/exit around every callback; stop and restart hooks",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_SAFE,
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_SAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "a caller that found a callback is online in module code; the quiescence wait outlasts it",
		[MODSIM_HZ_B] = "nothing refuses callers while init runs, and a failed init is freed at once",
		[MODSIM_HZ_P] = "the quiescence wait outlasts a caller that put its count and still runs module code",
		[MODSIM_HZ_T] = "a timer callback does not count itself; nothing stops or waits for it",
		[MODSIM_HZ_L] = "an open file holds a self count; unload restarts the module and answers EBUSY",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	MODSIM_SELF_CALLER_OPS,
	.unload = self_restart_unload,
};

const struct modsim_preset modsim_preset_self_restart_entry = {
	.ops = &modsim_preset_self_restart,
	.caller = MODSIM_CALLER_NOTHING,
	.axis = { "direct", "self count", "quiesce+restart" },
};
