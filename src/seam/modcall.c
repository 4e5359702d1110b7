/* Running a module's own hooks (init, exit, reserve, ...) guarded and under the watchdog. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "seam/seam.h"

/* The hooks of struct module, by name. */
enum hook_kind { HOOK_INT, HOOK_VOID };

struct hook_desc {
	const char *name;
	size_t offset;
	enum hook_kind kind;
};

/*
 * Static, because a pointer to an entry is what the modprobe thread gets:
 * when the watchdog gives up on a hung call, the loader's stack is gone but
 * the entry is still there.
 */
static const struct hook_desc hooks[] = {
	{ "init", offsetof(struct module, init), HOOK_INT },
	{ "exit", offsetof(struct module, exit), HOOK_VOID },
	{ "reserve", offsetof(struct module, reserve), HOOK_INT },
	{ "unreserve", offsetof(struct module, unreserve), HOOK_VOID },
	{ "commit", offsetof(struct module, commit), HOOK_VOID },
	{ "stop", offsetof(struct module, stop), HOOK_INT },
	{ "restart", offsetof(struct module, restart), HOOK_VOID },
	{ "quiesce", offsetof(struct module, quiesce), HOOK_INT },
};

static const struct hook_desc *hook_find(const char *name)
{
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!strcmp(hooks[i].name, name))
			return &hooks[i];
	return NULL;
}

/* The hook's function pointer, read from the descriptor in module memory. */
static void (*hook_fn(const struct module *desc, const struct hook_desc *h))(void)
{
	return *(void (*const *)(void))((const char *)desc + h->offset);
}

/* Call @h of @desc; its value, or 0 for a void hook.  Runs inside the guard. */
static int hook_call(const struct module *desc, const struct hook_desc *h)
{
	void (*fn)(void) = hook_fn(desc, h);

	if (h->kind == HOOK_INT)
		return ((int (*)(void))fn)();
	fn();
	return 0;
}

/* Runs on the watchdog's modprobe thread (or inline): one guarded call. */
static int guarded_call(struct modsim_mod *m, void *arg)
{
	const struct hook_desc *h = arg;
	struct modsim_guard g;
	volatile int ret = 0;
	int err;

	modsim_fault_thread_stack(); /* the handler: re-armed by load, unload, run_hook */
	/* A controlled trial runs hooks here, on its loader: a hook that never
	 * comes back is told from a lost baton by this (sched.c). */
	modsim_sched_module_call(m->k, m, h->name);
	MODSIM_GUARDED(&g, m, MODSIM_SS_LOADER, h->name, ret = hook_call(m->desc, h));
	modsim_sched_module_call(m->k, NULL, NULL);
	err = modsim_guard_pop(&g);
	return err ? err : ret;
}

/* Run @h if the module has it: its value, or 0 (init, exit) / -ENOSYS when absent. */
static int run(struct modsim_mod *m, const struct hook_desc *h, int absent)
{
	if (!hook_fn(m->desc, h))
		return absent;
	return modsim_watchdog_call(m, h->name, guarded_call, (void *)h);
}

MODSIM_API bool modsim_mod_has(struct modsim_mod *m, const char *hook)
{
	const struct hook_desc *h = hook_find(hook);

	return h && hook_fn(m->desc, h);
}

MODSIM_API int modsim_mod_run_init(struct modsim_mod *m)
{
	return run(m, &hooks[0], 0);
}

MODSIM_API int modsim_mod_run_hook(struct modsim_mod *m, const char *hook)
{
	const struct hook_desc *h = hook_find(hook);

	if (!h || h == &hooks[0] || h == &hooks[1])
		return modsim_err(-EINVAL, "%s: no optional module hook named %s", m->name, hook);
	modsim_fault_init(); /* re-arm: see there */
	return run(m, h, -ENOSYS);
}

MODSIM_API void modsim_mod_mark_teardown(struct modsim_mod *m)
{
	atomic_store(&m->teardown, 1);
}

/*
 * Calls entering while exit runs are judged when it returns
 * (detect/exitcalls.c): covered when exit synchronised with their path.
 */
MODSIM_API int modsim_mod_run_exit(struct modsim_mod *m)
{
	int err;

	modsim_exitcalls_begin(m);
	modsim_mod_mark_teardown(m);
	err = run(m, &hooks[1], 0);
	modsim_exitcalls_end(m);
	return err;
}

MODSIM_API int modsim_default_load(struct modsim_mod *m)
{
	int err = modsim_mod_run_init(m);

	if (err)
		modsim_point_hit(m->k, MODSIM_PT_LOAD_INIT_FAILED, m);
	return err;
}
