/* halfinit (hazard B): the post's half init: registers a, fails to register b, unregisters a. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <modsim/hook.h>
#include <modsim/module.h>
#include <modsim/notifier.h>

static int fail_at;
module_param(fail_at, int, "1: fail before registering anything; 2: registering b fails");
static bool leak;
module_param(leak, bool, "on failure, forget to unregister a (leaves a registration behind)");

static atomic_ulong a_calls;

static int a_fn(struct hook_ops *ops, void *data)
{
	atomic_fetch_add_explicit(&a_calls, 1, memory_order_relaxed);
	return HOOK_CONTINUE;
}

static struct hook_ops a = {
	.owner = THIS_MODULE,
	.name = "halfinit.a",
	.fn = a_fn,
};

static int b_fn(struct notifier_block *nb, unsigned long action, void *data)
{
	return NOTIFY_OK;
}

static struct notifier_block b = {
	.notifier_call = b_fn,
};

static int halfinit_init(void)
{
	int err;

	if (fail_at == 1)
		return -ENODEV;
	err = register_hook(&a);
	if (err)
		return err;
	/* a is visible now: a caller may find it and call in. */
	MODSIM_POINT(MODSIM_PT_INIT_BETWEEN_REGS);
	if (fail_at == 2)
		err = -ENODEV; /* as if register_yyy() had failed */
	else
		err = register_notifier("halfinit", &b);
	if (err)
		goto unregister_a;
	return 0;

unregister_a:
	if (!leak)
		unregister_hook(&a);
	return err;
}

static void halfinit_exit(void)
{
	unregister_notifier("halfinit", &b);
	unregister_hook(&a);
}

MODSIM_MODULE(.name = "halfinit",
	      .description = "registers a, then b; fail_at=2 makes b fail after a was visible",
	      .hazard = "B",
	      .init = halfinit_init,
	      .exit = halfinit_exit);
