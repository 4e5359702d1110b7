/* Test module: a hook that crashes in its own code while LIVE (how=1 NULL read, 2 NULL call, 3 rodata write). */
#include <modsim/hook.h>
#include <modsim/module.h>

static int how;
module_param(how, int, "1: read through NULL; 2: call through NULL; 3: write to its own rodata");

/* NULL, but the compiler cannot know: the access below must really happen. */
static int *volatile crash_nowhere;
static void (*volatile crash_fn)(void);
static const int crash_rodata = 1;

__attribute__((no_sanitize("null"))) static int crash_fn_hook(struct hook_ops *ops, void *data)
{
	switch (how) {
	case 1:
		return *crash_nowhere;
	case 2:
		crash_fn();
		return HOOK_CONTINUE;
	case 3:
		*(int *volatile)(int *)&crash_rodata = 2;
		return HOOK_CONTINUE;
	default:
		return HOOK_CONTINUE;
	}
}

static struct hook_ops crash_ops = {
	.owner = THIS_MODULE,
	.name = "crashhook",
	.fn = crash_fn_hook,
};

static int crashhook_init(void)
{
	return register_hook(&crash_ops);
}

static void crashhook_exit(void)
{
	unregister_hook(&crash_ops);
}

MODSIM_MODULE(.name = "crashhook",
	      .description = "a hook with a bug of its own: NULL read, NULL call or rodata write",
	      .init = crashhook_init,
	      .exit = crashhook_exit);
