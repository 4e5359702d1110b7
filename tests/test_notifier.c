/* Tests for notifier chains: priority order, stopping, unknown chains, stale calls, the sweep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/notifier.h>
#include <modsim/point.h>
#include <modsim/stats.h>

#include "subsys_unit.h"

static void test_register_notifier_priority_order(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;
	char log[32] = "";

	assert_int_equal(modsim_load(k, "ss_notifier", 0, NULL, NULL), 0);
	/* l(-1), h(10), m(5), z(5) registered in that order: higher first, ties stable. */
	assert_int_equal(modsim_notifier_call(k, "sschain", 7, log), NOTIFY_OK);
	assert_string_equal(log, "hmzl");
	modsim_stats_get(k, &st);
	assert_int_equal(st.ops[MODSIM_SS_NOTIFIER], 4);
	assert_int_equal(modsim_unload(k, "ss_notifier", 0), 0);

	/* The chain stays, empty. */
	memset(log, 0, sizeof(log));
	assert_int_equal(modsim_notifier_call(k, "sschain", 7, log), NOTIFY_DONE);
	assert_string_equal(log, "");
	assert_int_equal(total_violations(k), 0);
}

static void test_register_notifier_across_modules(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "chain=netdev", "stop=l" };
	struct modsim_stats st;
	char log[32] = "";

	/* The example's block (priority 0, answers NOTIFY_OK) runs between z and l. */
	assert_int_equal(modsim_load(k, "notifier", 0, NULL, NULL), 0);
	assert_int_equal(modsim_load(k, "ss_notifier", 2, params, NULL), 0);
	assert_int_equal(modsim_notifier_call(k, "netdev", 0, log), NOTIFY_BAD);
	assert_string_equal(log, "hmzl");
	modsim_stats_get(k, &st);
	assert_int_equal(st.ops[MODSIM_SS_NOTIFIER], 5);
	assert_int_equal(modsim_unload(k, "ss_notifier", 0), 0);
	assert_int_equal(modsim_notifier_call(k, "netdev", 0, NULL), NOTIFY_OK);
	assert_int_equal(modsim_unload(k, "notifier", 0), 0);
	assert_int_equal(modsim_notifier_call(k, "netdev", 0, NULL), NOTIFY_DONE);
}

static void test_modsim_notifier_call_stop(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "stop=m" };
	char log[32] = "";

	assert_int_equal(modsim_load(k, "ss_notifier", 1, params, NULL), 0);
	assert_int_equal(modsim_notifier_call(k, "sschain", 0, log), NOTIFY_BAD);
	assert_string_equal(log, "hm");
	assert_int_equal(modsim_unload(k, "ss_notifier", 0), 0);
}

static void test_modsim_notifier_call_unknown_chain(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_notifier_call(k, "nosuchchain", 0, NULL), -ENOENT);
	assert_non_null(strstr(modsim_last_error(), "nosuchchain"));
	assert_int_equal(modsim_notifier_call(k, NULL, 0, NULL), -EINVAL);
}

static void test_register_notifier_errors(void **state)
{
	static struct notifier_block nb;
	struct modsim_kernel *k = *state;
	char *params[] = { "twice=1" };
	char log[32] = "";

	assert_int_equal(__register_notifier(NULL, "x", &nb), -EINVAL);
	assert_int_equal(__register_notifier(NULL, NULL, &nb), -EINVAL);
	assert_int_equal(unregister_notifier("x", &nb), -ENOENT);
	assert_int_equal(unregister_notifier("x", NULL), -EINVAL);

	/* A block may not be on a chain twice (the module's init checks for -EEXIST). */
	assert_int_equal(modsim_load(k, "ss_notifier", 1, params, NULL), 0);
	assert_int_equal(modsim_notifier_call(k, "sschain", 0, log), NOTIFY_OK);
	assert_string_equal(log, "hmzl");
	assert_int_equal(modsim_unload(k, "ss_notifier", 0), 0);
	assert_int_equal(total_violations(k), 0);
}

struct caller {
	struct modsim_kernel *k;
	pthread_t tid;
	int ret;
};

static void *call_netdev(void *arg)
{
	struct caller *c = arg;

	c->ret = modsim_notifier_call(c->k, "netdev", 0, NULL);
	return NULL;
}

/* Under `try`: a call that found the block while rmmod ran is refused. */
static void test_modsim_notifier_call_unload_race_refused(void **state)
{
	struct modsim_kernel *k = *state;
	struct caller c = { .k = k };
	struct modsim_stats st;

	assert_int_equal(modsim_load(k, "notifier", 0, NULL, NULL), 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_LOOKUP, "notifier"), 0);
	assert_int_equal(pthread_create(&c.tid, NULL, call_netdev, &c), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_LOOKUP, WAIT_MS), 0);
	assert_int_equal(modsim_unload(k, "notifier", 0), 0);
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_LOOKUP);
	assert_int_equal(pthread_join(c.tid, NULL), 0);

	assert_int_equal(c.ret, NOTIFY_DONE);
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_NOTIFIER], 1);
	assert_int_equal(st.ops[MODSIM_SS_NOTIFIER], 0);
	assert_int_equal(total_violations(k), 0);
}

static void test_modsim_notifier_sweep_leak(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "leak=1" };
	char log[32] = "";

	assert_int_equal(modsim_load(k, "ss_notifier", 1, params, NULL), 0);
	assert_int_equal(modsim_unload(k, "ss_notifier", 0), 0);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, NULL), 4);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK,
					 "notifier ss_hi on chain 'sschain' still registered"), 1);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, "on chain 'sschain'"), 4);
	assert_int_equal(modsim_notifier_call(k, "sschain", 0, log), NOTIFY_DONE);
	assert_string_equal(log, "");
	assert_int_equal(total_violations(k), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_notifier_priority_order, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_register_notifier_across_modules,
						setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_notifier_call_stop, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_notifier_call_unknown_chain, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_register_notifier_errors, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_notifier_call_unload_race_refused,
						setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_notifier_sweep_leak, setup_none,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
