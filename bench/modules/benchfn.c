/* benchfn: the function modsim-bench calls in its tight loop, plus one hook for its unload runs; every hook a preset relies on. */
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

/* After stop the hook is gone already: unregister answers -ENOENT, harmlessly. */
static void benchfn_exit(void)
{
	unregister_hook(&benchfn_hook_ops);
}

/*
 * The hooks the presets rely on, so that a preset predicted safe is safe
 * here too (modsim strategies lists what each needs of a module author):
 * stop/restart for the self presets (option 2's two-stage delete: stop
 * makes the hook unfindable, restart undoes it when the unload lost the
 * race), reserve/unreserve/commit for twoinit (nothing can fail, so
 * reserve has nothing to acquire), quiesce for quiesce (never vetoes).
 */
static int benchfn_stop(void)
{
	unregister_hook(&benchfn_hook_ops);
	return 0;
}

static void benchfn_restart(void)
{
	register_hook(&benchfn_hook_ops);
}

static int benchfn_reserve(void)
{
	return 0;
}

static void benchfn_unreserve(void)
{
}

static void benchfn_commit(void)
{
	register_hook(&benchfn_hook_ops);
}

static int benchfn_quiesce(void)
{
	return 0;
}

MODSIM_MODULE(.name = BENCHFN_NAME,
	      .description = "modsim-bench: an empty function and an empty hook",
	      .hazard = "-",
	      .init = benchfn_init,
	      .exit = benchfn_exit,
	      .stop = benchfn_stop,
	      .restart = benchfn_restart,
	      .reserve = benchfn_reserve,
	      .unreserve = benchfn_unreserve,
	      .commit = benchfn_commit,
	      .quiesce = benchfn_quiesce);
