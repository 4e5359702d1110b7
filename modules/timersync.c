/* timersync: a correct periodic timer: exit sets a stop flag, then del_timer_sync waits for a running callback. */
#include <stdatomic.h>
#include <stdbool.h>

#include <modsim/module.h>
#include <modsim/timer.h>

static unsigned int period_ms = 1;
module_param(period_ms, uint, "the timer fires every period_ms milliseconds");

static struct timer_list tick;
static atomic_bool tick_stopping;
static atomic_ulong tick_count;

/* Re-arms itself until exit says stop. */
static void tick_fn(struct timer_list *t)
{
	atomic_fetch_add_explicit(&tick_count, 1, memory_order_relaxed);
	if (!atomic_load_explicit(&tick_stopping, memory_order_acquire))
		mod_timer(t, period_ms);
}

static int tick_init(void)
{
	int err;

	atomic_store(&tick_stopping, false);
	err = timer_setup(&tick, tick_fn);
	if (err)
		return err;
	err = mod_timer(&tick, period_ms);
	if (err < 0) {
		timer_shutdown_sync(&tick);
		return err;
	}
	return 0;
}

/*
 * The protocol: stop re-arming, then del_timer_sync(), which disarms the
 * timer and waits for a callback that is running.  A callback that runs
 * while exit waits here is the protocol working, not a call after exit.
 */
static void tick_exit(void)
{
	atomic_store_explicit(&tick_stopping, true, memory_order_release);
	del_timer_sync(&tick);
	timer_shutdown_sync(&tick);
}

static int tick_quiesce(void)
{
	return 0;
}

MODSIM_MODULE(.name = "timersync",
	      .description = "a correct periodic timer: stop flag, then del_timer_sync in exit",
	      .hazard = "T",
	      .init = tick_init,
	      .exit = tick_exit,
	      .quiesce = tick_quiesce);
