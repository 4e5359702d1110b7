/* ss_hooks (test): four hooks of mixed priorities that log their letters to the caller. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <modsim/hook.h>
#include <modsim/module.h>

static char *stop = "";
module_param(stop, charp, "letter of the hook that answers HOOK_STOP");
static bool leak;
module_param(leak, bool, "exit leaves the hooks registered (the bug)");
static bool twice;
module_param(twice, bool, "init registers a hook twice and fails unless told -EEXIST");

/* Append this hook's letter to @data, a zeroed char[32], when given. */
static int ss_hook_fn(struct hook_ops *ops, void *data)
{
	char *log = data;
	size_t n;

	if (log) {
		n = strlen(log);
		if (n < 31)
			log[n] = ops->name[0];
	}
	return ops->name[0] == stop[0] ? HOOK_STOP : HOOK_CONTINUE;
}

/* Registered in this order; the chain runs b (-5), d (0), a (10), c (10). */
static struct hook_ops ss_hooks[] = {
	{ .owner = THIS_MODULE, .name = "a", .priority = 10, .fn = ss_hook_fn },
	{ .owner = THIS_MODULE, .name = "b", .priority = -5, .fn = ss_hook_fn },
	{ .owner = THIS_MODULE, .name = "c", .priority = 10, .fn = ss_hook_fn },
	{ .owner = THIS_MODULE, .name = "d", .priority = 0, .fn = ss_hook_fn },
};
#define SS_NHOOKS (sizeof(ss_hooks) / sizeof(ss_hooks[0]))

static int ss_hooks_init(void)
{
	int err = 0;
	size_t i;

	for (i = 0; i < SS_NHOOKS; i++) {
		err = register_hook(&ss_hooks[i]);
		if (err)
			goto unregister_hooks;
	}
	if (twice) {
		err = register_hook(&ss_hooks[0]);
		if (err != -EEXIST) {
			err = err ? err : -EPROTO;
			goto unregister_hooks;
		}
	}
	return 0;

unregister_hooks:
	while (i--)
		unregister_hook(&ss_hooks[i]);
	return err;
}

static void ss_hooks_exit(void)
{
	if (leak)
		return;
	for (size_t i = 0; i < SS_NHOOKS; i++)
		unregister_hook(&ss_hooks[i]);
}

MODSIM_MODULE(.name = "ss_hooks",
	      .description = "test: four hooks in priority order",
	      .hazard = "-",
	      .init = ss_hooks_init,
	      .exit = ss_hooks_exit);
