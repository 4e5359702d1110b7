/* inittaken: half-init whose second registration finds its name taken: init fails with -EEXIST (or -EBUSY). */
#include <errno.h>
#include <stdbool.h>

#include <modsim/hook.h>
#include <modsim/module.h>

static bool busy;
module_param(busy, bool, "fail with -EBUSY instead of -EEXIST");

static int a_fn(struct hook_ops *ops, void *data)
{
	return HOOK_CONTINUE;
}

static struct hook_ops a = {
	.owner = THIS_MODULE,
	.name = "inittaken.a",
	.fn = a_fn,
};

static int inittaken_init(void)
{
	int err = register_hook(&a);

	if (err)
		return err;
	MODSIM_POINT(MODSIM_PT_INIT_BETWEEN_REGS);
	/* As register_chrdev() does for a name another driver holds. */
	unregister_hook(&a);
	return busy ? -EBUSY : -EEXIST;
}

static void inittaken_exit(void)
{
	unregister_hook(&a);
}

MODSIM_MODULE(.name = "inittaken",
	      .description = "registers a, then finds b's name taken: init fails with -EEXIST (busy=1: -EBUSY)",
	      .hazard = "B",
	      .init = inittaken_init,
	      .exit = inittaken_exit);
