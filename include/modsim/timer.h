/* Timers: deferred work a module arms, fired later from the kernel's timer thread. */
#ifndef MODSIM_TIMER_H
#define MODSIM_TIMER_H

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct module;
struct modsim_timer;

/**
 * struct timer_list - a timer; lives in module memory, as in Linux.
 * @function: called from the timer thread when the timer expires
 * @__kt:     the kernel's side of the timer; not for module code
 */
struct timer_list {
	void (*function)(struct timer_list *t);
	struct modsim_timer *__kt;
};

MODSIM_API int __timer_setup(struct module *owner, struct timer_list *t,
			     void (*fn)(struct timer_list *t));

/**
 * timer_setup - prepare @t to call @fn.  Records THIS_MODULE as the owner,
 * which Linux timers do not: modsim needs it to attribute a late callback.
 * Return: 0, -EINVAL, -ENOMEM.
 *
 * Example:
 *	static struct timer_list tick;
 *	static void on_tick(struct timer_list *t) { mod_timer(t, 10); }
 *	timer_setup(&tick, on_tick);
 *	mod_timer(&tick, 10);
 */
#define timer_setup(t, fn) __timer_setup(THIS_MODULE, (t), (fn))

/**
 * mod_timer - arm (or re-arm) @t to fire in @delay_ms milliseconds.
 * Return: 1 when the timer was pending, 0 when it was not, -EINVAL.
 */
MODSIM_API int mod_timer(struct timer_list *t, unsigned long delay_ms);

/**
 * del_timer - disarm @t.  A callback already running goes on.
 * Return: 1 when the timer was pending, else 0.
 */
MODSIM_API int del_timer(struct timer_list *t);

/**
 * del_timer_sync - disarm @t and wait until no callback of it runs.
 * Must not be called from @t's own callback.
 * Return: 1 when the timer was pending, else 0.
 */
MODSIM_API int del_timer_sync(struct timer_list *t);

/**
 * timer_shutdown_sync - del_timer_sync() and forget @t; it may not be armed
 * again until the next timer_setup().
 */
MODSIM_API void timer_shutdown_sync(struct timer_list *t);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_TIMER_H */
