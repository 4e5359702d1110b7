/* Preset "self-noquiesce": option 2 without the quiescence wait; shows put-then-return (P). */
#include <errno.h>

#include "presets/selfcount.h"

/* Stop, read the count at once: nonzero restarts and refuses, zero exits. */
static int self_noquiesce_unload(struct modsim_mod *m, unsigned int flags)
{
	long count;
	int err;

	err = modsim_self_stop(m);
	if (err)
		return err;
	count = modsim_self_count(m);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	if (count)
		return modsim_self_busy(m, count);
	return modsim_self_finish(m);
}

const struct modsim_strategy modsim_preset_self_noquiesce = {
	.name = "self-noquiesce",
	.post = "2",
	.caller = "nothing in the subsystems; the module counts itself (module_self_enter/exit)",
	.unloader = "stop; count 0: exit at once; else restart the module and EBUSY (no quiescence wait)",
	.author = "module_self_enter/exit around every callback; stop and restart hooks",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_UNSAFE,
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_UNSAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "a caller that found a callback but has not counted itself yet reads as 0; exit and free go ahead",
		[MODSIM_HZ_B] = "nothing refuses callers while init runs, and a failed init is freed at once",
		[MODSIM_HZ_P] = "after its put the count reads 0 while the caller still runs module code; it returns into freed text",
		[MODSIM_HZ_T] = "a timer callback does not count itself; nothing stops or waits for it",
		[MODSIM_HZ_L] = "an open file holds a self count; unload restarts the module and answers EBUSY",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	MODSIM_SELF_CALLER_OPS,
	.unload = self_noquiesce_unload,
};

const struct modsim_preset modsim_preset_self_noquiesce_entry = {
	.ops = &modsim_preset_self_noquiesce,
	.caller = MODSIM_CALLER_NOTHING,
	.axis = { "direct", "self count", "refuse if busy" },
};
