/* benchfn: the function modsim-bench calls in its tight loop, plus one hook for its unload runs. */
#include <modsim/hook.h>
#include <modsim/module.h>

#include "benchfn.h"

/* The call being paid for: as small as a call can be, and never inlined into the caller. */
static long benchfn_fn(long x)
{
	return x + 1;
}

/* Found with dlsym() by modsim-bench; const, so it sits with the module's read-only data. */
__attribute__((visibility("default"))) const struct benchfn_ops benchfn_ops = {
	.fn = benchfn_fn,
};

/*
 * The unload-latency callers run the hook chain.  The hook follows the
 * post's option 2 rules (module_self_enter/exit around the callback), which
 * the self presets rely on and every other preset answers with a plain
 * "true"; it counts nothing shared.
 */
static int benchfn_hook(struct hook_ops *ops, void *data)
{
	if (!module_self_enter(THIS_MODULE))
		return HOOK_CONTINUE;
	module_self_exit(THIS_MODULE);
	return HOOK_CONTINUE;
}

static struct hook_ops benchfn_hook_ops = {
	.owner = THIS_MODULE,
	.name = BENCHFN_NAME,
	.fn = benchfn_hook,
};

static int benchfn_init(void)
{
	return register_hook(&benchfn_hook_ops);
}

static void benchfn_exit(void)
{
	unregister_hook(&benchfn_hook_ops);
}

MODSIM_MODULE(.name = BENCHFN_NAME,
	      .description = "modsim-bench: an empty function and an empty hook",
	      .hazard = "-",
	      .init = benchfn_init,
	      .exit = benchfn_exit);
