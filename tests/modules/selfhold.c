/*
 * selfhold: a self-counting hook (post option 2) whose caller can keep its
 * self count across calls, for the tests of the self presets.  Hook data:
 * NULL counts one call (self_enter, work, self_exit); "hold" enters and
 * keeps the count; "drop" releases one held count.  selfhold_stat(n)
 * answers calls (0), stops (1), restarts (2), held counts (3), refused
 * entries (4).  With veto=1 the stop hook refuses (-EBUSY).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <modsim/hook.h>
#include <modsim/module.h>

static bool veto;
module_param(veto, bool, "the stop hook refuses with -EBUSY");

static atomic_bool stopped;
static atomic_long calls, stops, restarts, held, refused;

static int selfhold_fn(struct hook_ops *ops, void *data)
{
	const char *cmd = data;

	if (cmd && !strcmp(cmd, "drop")) {
		if (atomic_load(&held) > 0) {
			atomic_fetch_sub(&held, 1);
			module_self_exit(THIS_MODULE);
		}
		return HOOK_CONTINUE;
	}
	if (!module_self_enter(THIS_MODULE)) {
		atomic_fetch_add(&refused, 1);
		return HOOK_CONTINUE;
	}
	if (cmd && !strcmp(cmd, "hold")) {
		atomic_fetch_add(&held, 1);
		return HOOK_CONTINUE;
	}
	if (!atomic_load(&stopped))
		atomic_fetch_add(&calls, 1);
	module_self_exit(THIS_MODULE);
	return HOOK_CONTINUE;
}

long selfhold_stat(long which)
{
	switch (which) {
	case 0:
		return atomic_load(&calls);
	case 1:
		return atomic_load(&stops);
	case 2:
		return atomic_load(&restarts);
	case 3:
		return atomic_load(&held);
	case 4:
		return atomic_load(&refused);
	}
	return -1;
}
EXPORT_SYMBOL(selfhold_stat);

static struct hook_ops selfhold_ops = {
	.owner = THIS_MODULE,
	.name = "selfhold",
	.fn = selfhold_fn,
};

static int selfhold_init(void)
{
	return register_hook(&selfhold_ops);
}

static void selfhold_exit(void)
{
	unregister_hook(&selfhold_ops);
}

static int selfhold_stop(void)
{
	if (veto)
		return -EBUSY;
	atomic_fetch_add(&stops, 1);
	atomic_store(&stopped, true);
	return 0;
}

static void selfhold_restart(void)
{
	atomic_fetch_add(&restarts, 1);
	atomic_store(&stopped, false);
}

MODSIM_MODULE(.name = "selfhold",
	      .description = "a self-counting hook whose caller can hold its count",
	      .hazard = "L",
	      .init = selfhold_init,
	      .exit = selfhold_exit,
	      .stop = selfhold_stop,
	      .restart = selfhold_restart);
