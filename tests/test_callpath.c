/* Tests for the call path under `none`: a call that found a module before rmmod faults. */
/* LABELS: faults */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <modsim/chrdev.h>
#include <modsim/kernel.h>
#include <modsim/notifier.h>
#include <modsim/point.h>
#include <modsim/stats.h>

#define WAIT_MS 10000

static int setup_none(void **state)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;

	modsim_config_default(&cfg);
	cfg.strategy = "none";
	cfg.timer_thread = false;
	cfg.init_timeout_ms = 0;
	if (modsim_kernel_create(&cfg, &k))
		return -1;
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

/* One caller thread doing one subsystem call. */
struct caller {
	struct modsim_kernel *k;
	pthread_t tid;
	int ret;
};

static void *call_hooks(void *arg)
{
	struct caller *c = arg;

	c->ret = modsim_hook_run(c->k, NULL);
	return NULL;
}

static void *call_netdev(void *arg)
{
	struct caller *c = arg;

	c->ret = modsim_notifier_call(c->k, "netdev", 0, NULL);
	return NULL;
}

static void *call_timers(void *arg)
{
	struct caller *c = arg;

	c->ret = modsim_timer_run_expired(c->k, true);
	return NULL;
}

/*
 * Park a caller of @fn at @point (for @module), rmmod @module, let the
 * caller go; returns what the call returned.
 */
static int race_unload(struct modsim_kernel *k, const char *module, enum modsim_point_id point,
		       void *(*fn)(void *))
{
	struct caller c = { .k = k };

	assert_int_equal(modsim_point_trap(k, point, module), 0);
	assert_int_equal(pthread_create(&c.tid, NULL, fn, &c), 0);
	assert_int_equal(modsim_point_wait_parked(k, point, WAIT_MS), 0);
	assert_int_equal(modsim_unload(k, module, 0), 0);
	modsim_point_release(k, point);
	assert_int_equal(pthread_join(c.tid, NULL), 0);
	return c.ret;
}

/* The stale call faulted once in @ss on @module's memory, and entered after its exit. */
static void assert_one_fault(struct modsim_kernel *k, enum modsim_subsys ss, const char *module)
{
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	assert_int_equal(st.faulted[ss], 1);
	assert_int_equal(st.failed_get[ss], 0);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 1);
	assert_string_equal(st.first[MODSIM_V_FAULT].module, module);
	assert_int_equal(st.first[MODSIM_V_FAULT].subsys, ss);
	assert_int_equal(st.violations[MODSIM_V_CALL_AFTER_EXIT], 1);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 0);
}

static void test_modsim_hook_run_unload_race_faults(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "hook", 0, NULL, NULL), 0);
	assert_int_equal(race_unload(k, "hook", MODSIM_PT_CALL_AFTER_LOOKUP, call_hooks), 0);
	assert_one_fault(k, MODSIM_SS_HOOK, "hook");
	/* Unregistered at exit: the next run finds nothing. */
	assert_int_equal(modsim_hook_run(k, NULL), 0);
}

static void test_modsim_notifier_call_unload_race_faults(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "notifier", 0, NULL, NULL), 0);
	assert_int_equal(race_unload(k, "notifier", MODSIM_PT_CALL_AFTER_LOOKUP, call_netdev),
			 NOTIFY_DONE);
	assert_one_fault(k, MODSIM_SS_NOTIFIER, "notifier");
}

/* Problem T: a picked callback runs after rmmod (exit only del_timer()ed it). */
static void test_modsim_timer_unload_race_faults(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "nosync=1" };

	assert_int_equal(modsim_load(k, "ss_timer", 1, params, NULL), 0);
	assert_int_equal(race_unload(k, "ss_timer", MODSIM_PT_TIMER_AFTER_PICK, call_timers), 0);
	assert_one_fault(k, MODSIM_SS_TIMER, "ss_timer");
	assert_int_equal(modsim_timer_armed(k), 0);
}

/* Problem L: under `none` an open file does not hold its module. */
static void test_modsim_chrdev_read_after_unload_faults(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_file *f = NULL;
	struct modsim_stats st;
	char buf[64];

	assert_int_equal(modsim_load(k, "chardev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(modsim_chrdev_read(f, buf, sizeof(buf)), -EFAULT);
	assert_non_null(strstr(modsim_last_error(), "chardev"));
	assert_int_equal(modsim_chrdev_close(f), -EFAULT);

	modsim_stats_get(k, &st);
	assert_int_equal(st.faulted[MODSIM_SS_CHRDEV], 2);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 2);
	assert_string_equal(st.first[MODSIM_V_FAULT].module, "chardev");
	assert_string_equal(st.first[MODSIM_V_FAULT].op, "read");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_hook_run_unload_race_faults, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_notifier_call_unload_race_faults,
						setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_timer_unload_race_faults, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_read_after_unload_faults,
						setup_none, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
