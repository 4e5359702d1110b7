/*
 * busyhook: one hook that can keep a reference on its own module.
 * With hold=1 the first hook call takes try_module_get(THIS_MODULE) and
 * keeps it; a hook call with the string "put" as data drops it.
 */
#include <stdatomic.h>
#include <string.h>

#include <modsim/hook.h>
#include <modsim/module.h>

static int hold;
module_param(hold, int, "1: the first hook call takes a reference on this module and keeps it");

static atomic_int held;
static atomic_ulong calls;

static int busyhook_fn(struct hook_ops *ops, void *data)
{
	const char *cmd = data;

	atomic_fetch_add(&calls, 1);
	if (cmd && !strcmp(cmd, "put")) {
		if (atomic_exchange(&held, 0))
			module_put(THIS_MODULE);
	} else if (hold && !atomic_load(&held) && try_module_get(THIS_MODULE)) {
		atomic_store(&held, 1);
	}
	return HOOK_CONTINUE;
}

static struct hook_ops busyhook_ops = {
	.owner = THIS_MODULE,
	.name = "busyhook",
	.fn = busyhook_fn,
};

static int busyhook_init(void)
{
	return register_hook(&busyhook_ops);
}

static void busyhook_exit(void)
{
	unregister_hook(&busyhook_ops);
}

MODSIM_MODULE(.name = "busyhook", .hazard = "L", .init = busyhook_init, .exit = busyhook_exit,
	      .description = "a hook that can hold a reference on its own module");
