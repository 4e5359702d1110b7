/* Preset "nounload": the post's option 3; callers pay nothing because modules never go away. */
#include <errno.h>

#include "presets/presets.h"

static bool nounload_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return true;
}

static void nounload_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
}

static long nounload_refcount(struct modsim_mod *m)
{
	return -1;
}

/* Always refused; the core's forced unload (MODSIM_UNLOAD_FORCE) is the override. */
static int nounload_unload(struct modsim_mod *m, unsigned int flags)
{
	return modsim_err(-EPERM, "rmmod %s: unload disabled; rmmod --force to override", m->name);
}

const struct modsim_strategy modsim_preset_nounload = {
	.name = "nounload",
	.post = "3",
	.caller = "nothing: a loaded module is never freed",
	.unloader = "refuse (EPERM) always; only a forced unload gets through",
	.author = "nothing",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_SAFE,
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_SAFE,
		[MODSIM_HZ_T] = MODSIM_SAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "unload is refused, so a caller never finds freed code",
		[MODSIM_HZ_B] = "a failed init is still freed at once, under a caller that found what it registered",
		[MODSIM_HZ_P] = "unload is refused, so code after a self-put is never freed",
		[MODSIM_HZ_T] = "unload is refused, so exit never runs and a timer fires into live code",
		[MODSIM_HZ_L] = "unload is refused while the file (or anything) is open",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.priv_size = 0,
	.enter = nounload_enter,
	.exit = nounload_exit,
	.get = nounload_enter,
	.put = nounload_exit,
	.refcount = nounload_refcount,
	.unload = nounload_unload,
};

const struct modsim_preset modsim_preset_nounload_entry = {
	.ops = &modsim_preset_nounload,
	.caller = MODSIM_CALLER_NOTHING,
	.axis = { "direct", "nothing", "refuse always" },
};
