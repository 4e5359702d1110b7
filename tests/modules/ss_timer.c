/* ss_timer (test): one armed timer that counts its calls, and one set up but never armed. */
#include <stdatomic.h>
#include <stdbool.h>

#include <modsim/module.h>
#include <modsim/timer.h>

static unsigned int delay_ms;
module_param(delay_ms, uint, "ss_tick fires this long after init (and after each re-arm)");
static bool periodic;
module_param(periodic, bool, "the callback re-arms ss_tick");
static bool selfsync;
module_param(selfsync, bool, "the callback re-arms ss_tick, then del_timer_sync()s it");
static bool nosync;
module_param(nosync, bool, "exit only del_timer()s, without waiting (the bug)");
static bool leak;
module_param(leak, bool, "exit leaves both timers alone (the bug)");

/* Not static: the test reads them through the module's handle. */
struct timer_list ss_tick;
struct timer_list ss_idle;
atomic_ulong ss_ticks;

void ss_on_tick(struct timer_list *t)
{
	atomic_fetch_add_explicit(&ss_ticks, 1, memory_order_relaxed);
	if (periodic || selfsync)
		mod_timer(t, delay_ms);
	if (selfsync)
		del_timer_sync(t);
}

static void ss_on_idle(struct timer_list *t)
{
}

static int ss_timer_init(void)
{
	int err;

	err = timer_setup(&ss_tick, ss_on_tick);
	if (err)
		return err;
	err = timer_setup(&ss_idle, ss_on_idle);
	if (err)
		goto shutdown_tick;
	err = mod_timer(&ss_tick, delay_ms);
	if (err < 0)
		goto shutdown_idle;
	return 0;

shutdown_idle:
	timer_shutdown_sync(&ss_idle);
shutdown_tick:
	timer_shutdown_sync(&ss_tick);
	return err;
}

static void ss_timer_exit(void)
{
	if (leak)
		return;
	if (nosync) {
		del_timer(&ss_tick);
		return;
	}
	timer_shutdown_sync(&ss_idle);
	timer_shutdown_sync(&ss_tick);
}

MODSIM_MODULE(.name = "ss_timer",
	      .description = "test: a counting timer and an idle one",
	      .hazard = "T",
	      .init = ss_timer_init,
	      .exit = ss_timer_exit);
