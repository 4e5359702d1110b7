/* timer (hazard T): a periodic timer; with leak=1 exit forgets it and it fires after exit. */
#include <stdatomic.h>
#include <stdbool.h>

#include <modsim/module.h>
#include <modsim/timer.h>

static unsigned int period_ms = 1;
module_param(period_ms, uint, "the timer fires every period_ms milliseconds");
static bool leak;
module_param(leak, bool, "exit forgets to cancel the timer (the bug)");

static struct timer_list tick;
static atomic_ulong tick_count;

static void tick_fn(struct timer_list *t)
{
	atomic_fetch_add_explicit(&tick_count, 1, memory_order_relaxed);
	mod_timer(t, period_ms);
}

static int tick_init(void)
{
	int err;

	err = timer_setup(&tick, tick_fn);
	if (err)
		return err;
	err = mod_timer(&tick, period_ms);
	if (err < 0)
		goto shutdown_timer;
	return 0;

shutdown_timer:
	timer_shutdown_sync(&tick);
	return err;
}

static void tick_exit(void)
{
	if (!leak)
		timer_shutdown_sync(&tick);
}

/*
 * FreeBSD-style: always ready to go, since exit cancels the timer.  With
 * leak=1 exit does not, and the timer fires after the unload (hazard T).
 */
static int tick_quiesce(void)
{
	return 0;
}

MODSIM_MODULE(.name = "timer",
	      .description = "periodic timer that re-arms itself",
	      .hazard = "T",
	      .init = tick_init,
	      .exit = tick_exit,
	      .quiesce = tick_quiesce);
