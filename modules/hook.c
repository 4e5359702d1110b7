/* hook (hazard A): one hook on the chain; a caller that found it can enter while rmmod runs. */
#include <stdatomic.h>
#include <time.h>

#include <modsim/hook.h>
#include <modsim/module.h>

static int priority;
module_param(priority, int, "place on the hook chain (lower runs first)");
static unsigned int delay_us;
module_param(delay_us, uint, "the hook busy-waits this long (widens the window in module code)");

static atomic_ulong hook_calls;

static void hook_spin(unsigned int us)
{
	struct timespec t0, t;

	if (!us)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

/*
 * module_self_enter/exit cost one call elsewhere; under the self presets
 * they are the module's own count (post option 2), which a module written
 * for them must keep.
 */
static int hook_fn(struct hook_ops *ops, void *data)
{
	if (!module_self_enter(THIS_MODULE))
		return HOOK_CONTINUE; /* stopped: being unloaded */
	atomic_fetch_add_explicit(&hook_calls, 1, memory_order_relaxed);
	hook_spin(delay_us);
	module_self_exit(THIS_MODULE);
	return HOOK_CONTINUE;
}

static struct hook_ops hook_entry = {
	.owner = THIS_MODULE,
	.name = "hook",
	.fn = hook_fn,
};

static int hook_init(void)
{
	hook_entry.priority = priority;
	return register_hook(&hook_entry);
}

/* After stop the hook is already gone: -ENOENT then, and nothing to do. */
static void hook_exit(void)
{
	unregister_hook(&hook_entry);
}

/* Two-stage delete (the self presets): stop makes the hook unfindable. */
static int hook_stop(void)
{
	unregister_hook(&hook_entry);
	return 0;
}

static void hook_restart(void)
{
	register_hook(&hook_entry);
}

MODSIM_MODULE(.name = "hook",
	      .description = "one hook that counts its calls",
	      .hazard = "A",
	      .init = hook_init,
	      .exit = hook_exit,
	      .stop = hook_stop,
	      .restart = hook_restart);
