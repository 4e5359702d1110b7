/* mymod (hazard A): an out-of-tree module, one hook, built with find_package(modsim). */
#include <modsim/hook.h>
#include <modsim/module.h>

static int mymod_fn(struct hook_ops *ops, void *data)
{
	return HOOK_CONTINUE;
}

static struct hook_ops mymod_ops = {
	.owner = THIS_MODULE,
	.name = "mymod",
	.fn = mymod_fn,
};

static int mymod_init(void)
{
	return register_hook(&mymod_ops);
}

static void mymod_exit(void)
{
	unregister_hook(&mymod_ops);
}

MODSIM_MODULE(.name = "mymod",
	      .description = "an out-of-tree module with one hook",
	      .hazard = "A",
	      .init = mymod_init,
	      .exit = mymod_exit);
