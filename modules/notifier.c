/* notifier (hazard -): a notifier on a chain, unregistered at exit; the plain, safe pattern. */
#include <modsim/module.h>
#include <modsim/notifier.h>

static char *chain = "netdev";
module_param(chain, charp, "name of the notifier chain to join");

static int notifier_event(struct notifier_block *nb, unsigned long action, void *data)
{
	return NOTIFY_OK;
}

static struct notifier_block notifier_nb = {
	.notifier_call = notifier_event,
};

static int notifier_init(void)
{
	return register_notifier(chain, &notifier_nb);
}

static void notifier_exit(void)
{
	unregister_notifier(chain, &notifier_nb);
}

MODSIM_MODULE(.name = "notifier",
	      .description = "a notifier_block that answers NOTIFY_OK",
	      .hazard = "-",
	      .init = notifier_init,
	      .exit = notifier_exit);
