/* selfcount (hazard P): post option 2, a module that counts itself and puts before it returns. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include <modsim/hook.h>
#include <modsim/module.h>

static unsigned int delay_us;
module_param(delay_us, uint, "the hook busy-waits this long while counted");

/*
 * Two-stage delete (post option 2): stop makes the module unfindable
 * (unregisters its hook) and marks it stopped, so a caller that found the
 * hook just before does no work; the kernel then waits for quiescence, and
 * only then does exit destroy what is left.  A stop that merely set a flag
 * would leave the hook findable until exit, and a caller finding it during
 * exit would enter after the kernel's last wait: the race this avoids.
 */
static atomic_bool selfcount_stopped;
static atomic_ulong selfcount_calls;
/* Hook calls inside the module, as the module itself sees them (for quiesce). */
static atomic_ulong selfcount_inflight;

static void selfcount_spin(unsigned int us)
{
	struct timespec t0, t;

	if (!us)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

static int selfcount_fn(struct hook_ops *ops, void *data)
{
	atomic_fetch_add(&selfcount_inflight, 1);
	if (!module_self_enter(THIS_MODULE)) {
		atomic_fetch_sub(&selfcount_inflight, 1);
		return HOOK_CONTINUE;
	}
	if (!atomic_load_explicit(&selfcount_stopped, memory_order_acquire)) {
		atomic_fetch_add_explicit(&selfcount_calls, 1, memory_order_relaxed);
		selfcount_spin(delay_us);
	}
	atomic_fetch_sub(&selfcount_inflight, 1);
	module_self_exit(THIS_MODULE);
	/* Count dropped, still running our own code: the post's put-then-return. */
	return HOOK_CONTINUE;
}

static struct hook_ops selfcount_ops = {
	.owner = THIS_MODULE,
	.name = "selfcount",
	.fn = selfcount_fn,
};

static int selfcount_init(void)
{
	return register_hook(&selfcount_ops);
}

/* After stop the hook is already gone: -ENOENT then, and nothing to do. */
static void selfcount_exit(void)
{
	unregister_hook(&selfcount_ops);
}

static int selfcount_stop(void)
{
	atomic_store_explicit(&selfcount_stopped, true, memory_order_release);
	unregister_hook(&selfcount_ops);
	return 0;
}

static void selfcount_restart(void)
{
	atomic_store_explicit(&selfcount_stopped, false, memory_order_release);
	register_hook(&selfcount_ops);
}

/*
 * FreeBSD-style: refuse while a call is inside.  It cannot see a caller
 * that found the hook and has not entered yet, nor one that has passed its
 * last decrement and is still returning through module code.
 */
static int selfcount_quiesce(void)
{
	return atomic_load(&selfcount_inflight) ? -EBUSY : 0;
}

MODSIM_MODULE(.name = "selfcount",
	      .description = "a hook that counts its own entries (self_enter/self_exit)",
	      .hazard = "P",
	      .init = selfcount_init,
	      .exit = selfcount_exit,
	      .stop = selfcount_stop,
	      .restart = selfcount_restart,
	      .quiesce = selfcount_quiesce);
