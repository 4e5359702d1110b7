/* counter: the module under test in the cmocka example, one hook that counts its calls. */
#include <stdatomic.h>
#include <stdbool.h>

#include <modsim/hook.h>
#include <modsim/module.h>

static bool forget_unregister;
module_param(forget_unregister, bool, "the bug to catch: exit leaves the hook registered");

static atomic_ulong calls;

static int counter_fn(struct hook_ops *ops, void *data)
{
	(void)ops;
	(void)data;
	atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	return HOOK_CONTINUE;
}

static struct hook_ops counter_hook = {
	.owner = THIS_MODULE,
	.name = "counter",
	.fn = counter_fn,
};

static int counter_init(void)
{
	return register_hook(&counter_hook);
}

static void counter_exit(void)
{
	if (!forget_unregister)
		unregister_hook(&counter_hook);
}

MODSIM_MODULE(.name = "counter",
	      .description = "one hook that counts its calls (the cmocka example's module)",
	      .hazard = "A",
	      .init = counter_init,
	      .exit = counter_exit);
