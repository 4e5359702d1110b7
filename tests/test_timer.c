/* Tests for timers: arming, firing, del_timer_sync, refused late callbacks, the sweep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/point.h>
#include <modsim/stats.h>
#include <modsim/timer.h>

#include "kernel/units.h"

#define WAIT_MS 10000

static int setup_kernel(void **state, const char *strategy, bool timer_thread)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.timer_thread = timer_thread;
	cfg.init_timeout_ms = 0;
	if (modsim_kernel_create(&cfg, &k))
		return -1;
	*state = k;
	return 0;
}

/* Manual firing only: modsim_timer_run_expired() decides when callbacks run. */
static int setup_none(void **state)
{
	return setup_kernel(state, "none", false);
}

static int setup_try(void **state)
{
	return setup_kernel(state, "try", false);
}

static int setup_thread(void **state)
{
	return setup_kernel(state, "none", true);
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

/* How many recorded violations are of @kind and have @detail in their detail line. */
static int violations_with(struct modsim_kernel *k, enum modsim_vkind kind, const char *detail)
{
	struct modsim_violation v[64];
	size_t n = modsim_violations(k, v, 64);
	int hits = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].kind == kind && (!detail || strstr(v[i].detail, detail)))
			hits++;
	return hits;
}

static unsigned long total_violations(struct modsim_kernel *k)
{
	struct modsim_stats st;
	unsigned long n = 0;

	modsim_stats_get(k, &st);
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		n += st.violations[v];
	return n;
}

/* The test module's timer and call counter, through its handle. */
struct ss_timer {
	struct timer_list *tick;
	atomic_ulong *ticks;
};

static struct ss_timer ss_timer_syms(struct modsim_mod *m)
{
	struct ss_timer s = {
		.tick = dlsym(m->handle, "ss_tick"),
		.ticks = dlsym(m->handle, "ss_ticks"),
	};

	assert_non_null(s.tick);
	assert_non_null(s.ticks);
	return s;
}

static void test_modsim_timer_run_expired_due_only(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "delay_ms=600000" };
	struct modsim_stats st;
	struct modsim_mod *m;
	struct ss_timer s;

	assert_int_equal(modsim_load(k, "ss_timer", 1, params, &m), 0);
	s = ss_timer_syms(m);
	assert_int_equal(modsim_timer_armed(k), 1);
	assert_int_equal(modsim_timer_run_expired(k, false), 0);
	assert_int_equal(atomic_load(s.ticks), 0);

	assert_int_equal(modsim_timer_run_expired(k, true), 1);
	assert_int_equal(atomic_load(s.ticks), 1);
	assert_int_equal(modsim_timer_armed(k), 0);
	assert_int_equal(modsim_timer_run_expired(k, true), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.ops[MODSIM_SS_TIMER], 1);
	assert_int_equal(modsim_unload(k, "ss_timer", 0), 0);
	assert_int_equal(total_violations(k), 0);
}

static void test_modsim_timer_run_expired_fires_due(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m;
	struct ss_timer s;

	/* delay_ms=0: due as soon as it is armed. */
	assert_int_equal(modsim_load(k, "ss_timer", 0, NULL, &m), 0);
	s = ss_timer_syms(m);
	assert_int_equal(modsim_timer_run_expired(k, false), 1);
	assert_int_equal(atomic_load(s.ticks), 1);
	assert_int_equal(modsim_unload(k, "ss_timer", 0), 0);
}

/* A callback that re-arms its timer is not run again by the same call. */
static void test_modsim_timer_run_expired_periodic_once(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "periodic=1" };
	struct modsim_mod *m;
	struct ss_timer s;

	assert_int_equal(modsim_load(k, "ss_timer", 1, params, &m), 0);
	s = ss_timer_syms(m);
	assert_int_equal(modsim_timer_run_expired(k, true), 1);
	assert_int_equal(modsim_timer_armed(k), 1);
	assert_int_equal(modsim_timer_run_expired(k, true), 1);
	assert_int_equal(atomic_load(s.ticks), 2);
	assert_int_equal(modsim_unload(k, "ss_timer", 0), 0);
	assert_int_equal(modsim_timer_armed(k), 0);
}

static void test_mod_timer_pending(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "delay_ms=600000" };
	struct timer_list unset = { 0 };
	struct modsim_mod *m;
	struct ss_timer s;

	assert_int_equal(modsim_load(k, "ss_timer", 1, params, &m), 0);
	s = ss_timer_syms(m);
	assert_int_equal(mod_timer(s.tick, 600000), 1);
	assert_int_equal(del_timer(s.tick), 1);
	assert_int_equal(del_timer(s.tick), 0);
	assert_int_equal(modsim_timer_armed(k), 0);
	assert_int_equal(mod_timer(s.tick, 600000), 0);
	assert_int_equal(del_timer_sync(s.tick), 1);

	assert_int_equal(mod_timer(&unset, 1), -EINVAL);
	assert_int_equal(del_timer(&unset), 0);
	assert_int_equal(del_timer_sync(&unset), 0);
	assert_int_equal(__timer_setup(NULL, &unset, NULL), -EINVAL);
	assert_int_equal(modsim_unload(k, "ss_timer", 0), 0);
}

/* The timer thread fires a periodic timer; rmmod's timer_shutdown_sync stops it. */
static void test_modsim_timer_thread_fires(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;

	modsim_point_watch(k, MODSIM_PT_CALL_BEFORE_EXIT);
	assert_int_equal(modsim_load(k, "timer", 0, NULL, NULL), 0);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_CALL_BEFORE_EXIT, 3, WAIT_MS), 0);
	assert_int_equal(modsim_unload(k, "timer", 0), 0);
	assert_int_equal(modsim_timer_armed(k), 0);
	modsim_stats_get(k, &st);
	assert_true(st.ops[MODSIM_SS_TIMER] >= 3);
	assert_int_equal(total_violations(k), 0);
}

struct firer {
	struct modsim_kernel *k;
	pthread_t tid;
	int ret;
};

static void *fire_all(void *arg)
{
	struct firer *f = arg;

	f->ret = modsim_timer_run_expired(f->k, true);
	return NULL;
}

struct syncer {
	struct timer_list *t;
	atomic_ulong *ticks;
	pthread_t tid;
	unsigned long seen; /* the callback count once del_timer_sync returned */
};

static void *sync_timer(void *arg)
{
	struct syncer *s = arg;

	del_timer_sync(s->t);
	s->seen = atomic_load(s->ticks);
	return NULL;
}

/*
 * A callback is held before it runs; del_timer_sync must not return until
 * it has run, and must leave the timer disarmed although the callback
 * re-arms it.  The held callback is let go only once del_timer_sync is
 * about to wait (it passes MODSIM_PT_UNLOAD_WAIT).
 */
static void test_del_timer_sync_waits_for_callback(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "periodic=1" };
	struct firer f = { .k = k };
	struct syncer y;
	struct modsim_mod *m;
	struct ss_timer s;

	assert_int_equal(modsim_load(k, "ss_timer", 1, params, &m), 0);
	s = ss_timer_syms(m);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_ENTER, "ss_timer"), 0);
	assert_int_equal(pthread_create(&f.tid, NULL, fire_all, &f), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_ENTER, WAIT_MS), 0);
	assert_int_equal(atomic_load(s.ticks), 0);

	assert_int_equal(modsim_point_release_after(k, MODSIM_PT_CALL_AFTER_ENTER,
						    MODSIM_PT_UNLOAD_WAIT), 0);
	y = (struct syncer){ .t = s.tick, .ticks = s.ticks };
	assert_int_equal(pthread_create(&y.tid, NULL, sync_timer, &y), 0);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_UNLOAD_WAIT, 1, WAIT_MS), 0);
	assert_int_equal(pthread_join(y.tid, NULL), 0);
	assert_int_equal(pthread_join(f.tid, NULL), 0);

	assert_int_equal(y.seen, 1);
	assert_int_equal(f.ret, 1);
	assert_int_equal(modsim_timer_armed(k), 0);
	assert_int_equal(modsim_unload(k, "ss_timer", 0), 0);
	assert_int_equal(total_violations(k), 0);
}

/* del_timer_sync from the timer's own callback only disarms: no deadlock. */
static void test_del_timer_sync_own_callback(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "selfsync=1" };

	assert_int_equal(modsim_load(k, "ss_timer", 1, params, NULL), 0);
	assert_int_equal(modsim_timer_run_expired(k, true), 1);
	assert_int_equal(modsim_timer_armed(k), 0);
	assert_int_equal(modsim_unload(k, "ss_timer", 0), 0);
}

/*
 * Problem T under `try`: the callback was picked, the module is unloaded
 * (its exit only del_timer()s), then the late callback is refused.
 */
static void test_modsim_timer_unload_race_refused(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "nosync=1" };
	struct firer f = { .k = k };
	struct modsim_stats st;

	assert_int_equal(modsim_load(k, "ss_timer", 1, params, NULL), 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_TIMER_AFTER_PICK, "ss_timer"), 0);
	assert_int_equal(pthread_create(&f.tid, NULL, fire_all, &f), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_TIMER_AFTER_PICK, WAIT_MS), 0);
	assert_int_equal(modsim_unload(k, "ss_timer", 0), 0);
	modsim_point_release(k, MODSIM_PT_TIMER_AFTER_PICK);
	assert_int_equal(pthread_join(f.tid, NULL), 0);

	assert_int_equal(f.ret, 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_TIMER], 1);
	assert_int_equal(st.ops[MODSIM_SS_TIMER], 0);
	/* It was disarmed when picked: not a leak. */
	assert_int_equal(total_violations(k), 0);
}

/* A timer left armed is reported and removed; one set up but idle is not a leak. */
static void test_modsim_timer_sweep_leak(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "leak=1", "delay_ms=600000" };

	assert_int_equal(modsim_load(k, "ss_timer", 2, params, NULL), 0);
	assert_int_equal(modsim_unload(k, "ss_timer", 0), 0);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, NULL), 1);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, "timer ss_on_tick still armed"), 1);
	assert_int_equal(modsim_timer_armed(k), 0);
	assert_int_equal(modsim_timer_run_expired(k, true), 0);
	assert_int_equal(total_violations(k), 1);
}

/* The example's callback is static: its name comes from the module's symbol table. */
static void test_modsim_timer_sweep_leak_static_name(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "leak=1" };

	assert_int_equal(modsim_load(k, "timer", 1, params, NULL), 0);
	assert_int_equal(modsim_unload(k, "timer", 0), 0);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, "timer tick_fn still armed"), 1);
	assert_int_equal(modsim_timer_armed(k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_timer_run_expired_due_only, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_timer_run_expired_fires_due, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_timer_run_expired_periodic_once,
						setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_mod_timer_pending, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_timer_thread_fires, setup_thread,
						teardown),
		cmocka_unit_test_setup_teardown(test_del_timer_sync_waits_for_callback, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_del_timer_sync_own_callback, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_timer_unload_race_refused, setup_try,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_timer_sweep_leak, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_timer_sweep_leak_static_name, setup_none,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
