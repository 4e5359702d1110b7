/* notifier (hazard -): a notifier on a chain, unregistered at exit; the plain, safe pattern. */
#include <modsim/module.h>
#include <modsim/notifier.h>

static char *chain = "netdev";
module_param(chain, charp, "name of the notifier chain to join");

static int notifier_event(struct notifier_block *nb, unsigned long action, void *data)
{
	if (!module_self_enter(THIS_MODULE))
		return NOTIFY_DONE; /* stopped: being unloaded */
	module_self_exit(THIS_MODULE);
	return NOTIFY_OK;
}

static struct notifier_block notifier_nb = {
	.notifier_call = notifier_event,
};

static int notifier_init(void)
{
	return register_notifier(chain, &notifier_nb);
}

/* After stop the block is already off the chain: -ENOENT then, nothing to do. */
static void notifier_exit(void)
{
	unregister_notifier(chain, &notifier_nb);
}

/* Two-stage delete (the self presets): stop takes the block off the chain. */
static int notifier_stop(void)
{
	unregister_notifier(chain, &notifier_nb);
	return 0;
}

static void notifier_restart(void)
{
	register_notifier(chain, &notifier_nb);
}

MODSIM_MODULE(.name = "notifier",
	      .description = "a notifier_block that answers NOTIFY_OK",
	      .hazard = "-",
	      .init = notifier_init,
	      .exit = notifier_exit,
	      .stop = notifier_stop,
	      .restart = notifier_restart);
