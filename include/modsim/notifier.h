/* Notifier chains: named lists of callbacks told about events. */
#ifndef MODSIM_NOTIFIER_H
#define MODSIM_NOTIFIER_H

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct module;

/** Notifier return values, as in Linux. */
enum { NOTIFY_DONE = 0, NOTIFY_OK = 1, NOTIFY_STOP_MASK = 0x8000, NOTIFY_BAD = 0x8002 };

/**
 * struct notifier_block - one callback on a chain; lives in module memory.
 * @notifier_call: NOTIFY_DONE, NOTIFY_OK, or NOTIFY_BAD to stop the chain
 * @priority:      higher runs first, as in Linux
 */
struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action, void *data);
	int priority;
};

MODSIM_API int __register_notifier(struct module *owner, const char *chain,
				   struct notifier_block *nb);

/**
 * register_notifier - add @nb to the chain named @chain (created on first use).
 * Records THIS_MODULE as the owner.
 * Return: 0, -EEXIST, -EINVAL, -ENOMEM.
 *
 * Example:
 *	static int on_event(struct notifier_block *nb, unsigned long a, void *d) { return NOTIFY_OK; }
 *	static struct notifier_block nb = { .notifier_call = on_event };
 *	register_notifier("netdev", &nb);
 */
#define register_notifier(chain, nb) __register_notifier(THIS_MODULE, (chain), (nb))

/**
 * unregister_notifier - remove @nb from @chain.
 * Return: 0, or -ENOENT.
 */
MODSIM_API int unregister_notifier(const char *chain, struct notifier_block *nb);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_NOTIFIER_H */
