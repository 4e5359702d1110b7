/* Preset "self": option 2; modules count themselves, unload stops and waits out callers. */
#include <errno.h>

#include "presets/selfcount.h"

static bool self_idle(struct modsim_mod *m)
{
	return modsim_self_count(m) == 0;
}

/*
 * Stop (new self entries fail), wait until every CPU passed a point outside
 * module code (whoever was past the check or past a put has returned), then
 * wait for the long-held self counts (open files) to drain, then exit.
 *
 * The last long-held count is dropped from module code (a release that
 * calls module_self_exit() and then returns): the post's put-then-return
 * again.  So when the unloader had to wait for the count, it waits for
 * quiescence once more before exit; otherwise the releasing thread could
 * return into freed text.
 *
 * The quiescence waits are not waits for users, so NOWAIT still does them;
 * only the wait for the count is refused (-EWOULDBLOCK).
 */
static int self_unload(struct modsim_mod *m, unsigned int flags)
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
	if (count && (flags & MODSIM_UNLOAD_NOWAIT)) {
		modsim_self_restart(m);
		return modsim_err(-EWOULDBLOCK, "rmmod %s: in use (count %ld); not waiting (NOWAIT)",
				  m->name, count);
	}
	if (count) {
		err = modsim_mod_wait(m, self_idle);
		if (err) {
			count = modsim_self_count(m);
			modsim_self_restart(m);
			return modsim_err(err, "rmmod %s: still in use (count %ld) after %u ms; restarted",
					  m->name, count, m->k->cfg.unload_timeout_ms);
		}
		/* Whoever dropped the last count may still be returning through module code. */
		err = modsim_self_quiesce(m);
		if (err) {
			modsim_self_restart(m);
			return err;
		}
	}
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	return modsim_self_finish(m);
}

const struct modsim_strategy modsim_preset_self = {
	.name = "self",
	.post = "2",
	.caller = "nothing in the subsystems; the module counts itself (module_self_enter/exit)",
	.unloader = "stop, wait for quiescence, wait for held self counts (then quiescence again), exit",
	.author = "module_self_enter/exit around every callback; optional stop and restart hooks",
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
		[MODSIM_HZ_L] = "an open file holds a self count; unload waits until it is released",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	MODSIM_SELF_CALLER_OPS,
	.unload = self_unload,
};

const struct modsim_preset modsim_preset_self_entry = {
	.ops = &modsim_preset_self,
	.caller = MODSIM_CALLER_NOTHING,
	.axis = { "direct", "self count", "quiesce+wait" },
};
