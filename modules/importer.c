/* importer (dependency): calls exporter_add() directly, a link-time import the loader records. */
#include <stdatomic.h>

#include <modsim/hook.h>
#include <modsim/module.h>

/* The header-free way: declare what exporter.so defines; the loader resolves it. */
extern long exporter_add(long x);

static atomic_long importer_sum;

static int importer_fn(struct hook_ops *ops, void *data)
{
	if (!module_self_enter(THIS_MODULE))
		return HOOK_CONTINUE; /* stopped: being unloaded */
	atomic_fetch_add_explicit(&importer_sum, exporter_add(0), memory_order_relaxed);
	module_self_exit(THIS_MODULE);
	return HOOK_CONTINUE;
}

static struct hook_ops importer_ops = {
	.owner = THIS_MODULE,
	.name = "importer",
	.fn = importer_fn,
};

static int importer_init(void)
{
	atomic_store_explicit(&importer_sum, exporter_add(0), memory_order_relaxed);
	return register_hook(&importer_ops);
}

/* After stop the hook is already gone: -ENOENT then, and nothing to do. */
static void importer_exit(void)
{
	unregister_hook(&importer_ops);
}

/* Two-stage delete (the self presets): stop makes the hook unfindable. */
static int importer_stop(void)
{
	unregister_hook(&importer_ops);
	return 0;
}

static void importer_restart(void)
{
	register_hook(&importer_ops);
}

MODSIM_MODULE(.name = "importer",
	      .description = "uses exporter_add() from a hook and from init",
	      .hazard = "-",
	      .init = importer_init,
	      .exit = importer_exit,
	      .stop = importer_stop,
	      .restart = importer_restart);
