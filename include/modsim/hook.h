/* A netfilter-like hook chain: short, hot calls in priority order. */
#ifndef MODSIM_HOOK_H
#define MODSIM_HOOK_H

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct module;

/** Hook verdicts. */
enum { HOOK_CONTINUE = 0, HOOK_STOP = 1 };

/**
 * struct hook_ops - one entry of the hook chain; lives in module memory.
 * @owner:    THIS_MODULE
 * @name:     for reports
 * @priority: lower runs first
 * @fn:       HOOK_CONTINUE, or HOOK_STOP to end the traversal
 * @priv:     free for the module
 */
struct hook_ops {
	struct module *owner;
	const char *name;
	int priority;
	int (*fn)(struct hook_ops *ops, void *data);
	void *priv;
};

/**
 * register_hook - add @ops to the chain.
 * Return: 0, -EEXIST when @ops is already registered, -EINVAL, -ENOMEM.
 */
MODSIM_API int register_hook(struct hook_ops *ops);

/**
 * unregister_hook - remove @ops.  Returns at once: a caller that already
 * found @ops may still call it (the post's problem A).
 * Return: 0, or -ENOENT.
 */
MODSIM_API int unregister_hook(struct hook_ops *ops);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_HOOK_H */
