/* importer (dependency): calls exporter_add() directly, a link-time import the loader records. */
#include <stdatomic.h>

#include <modsim/hook.h>
#include <modsim/module.h>

/* The header-free way: declare what exporter.so defines; the loader resolves it. */
extern long exporter_add(long x);

static atomic_long importer_sum;

static int importer_fn(struct hook_ops *ops, void *data)
{
	atomic_fetch_add_explicit(&importer_sum, exporter_add(0), memory_order_relaxed);
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

static void importer_exit(void)
{
	unregister_hook(&importer_ops);
}

MODSIM_MODULE(.name = "importer",
	      .description = "uses exporter_add() from a hook and from init",
	      .hazard = "-",
	      .init = importer_init,
	      .exit = importer_exit);
