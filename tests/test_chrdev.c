/* Tests for character devices: file operations, errors, open files across rmmod, the sweep. */
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
#include <modsim/point.h>
#include <modsim/stats.h>

#include "subsys_unit.h"

static void test_modsim_chrdev_open_read_write_close(void **state)
{
	struct modsim_kernel *k = *state;
	static const char msg[] = "hello from chardev\n";
	struct modsim_file *f = NULL;
	struct modsim_stats st;
	char buf[64] = "";

	assert_int_equal(modsim_load(k, "chardev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_non_null(f);
	assert_int_equal(modsim_chrdev_read(f, buf, sizeof(buf)), (int)strlen(msg));
	assert_string_equal(buf, msg);
	assert_int_equal(modsim_chrdev_write(f, "abcde", 5), 5);
	assert_int_equal(modsim_chrdev_close(f), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.ops[MODSIM_SS_CHRDEV], 4);
	assert_int_equal(st.failed_get[MODSIM_SS_CHRDEV], 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(total_violations(k), 0);
}

static void test_modsim_chrdev_open_unknown(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_file *f = (struct modsim_file *)1;

	assert_int_equal(modsim_chrdev_open(k, "nosuchdev", &f), -ENOENT);
	assert_null(f);
	assert_non_null(strstr(modsim_last_error(), "nosuchdev"));
}

static void test_modsim_chrdev_open_fails(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "fail_open=1" };
	struct modsim_file *f = NULL;
	struct modsim_mod *m;

	assert_int_equal(modsim_load(k, "ss_chrdev", 1, params, &m), 0);
	assert_int_equal(modsim_chrdev_open(k, "ssdev", &f), -EACCES);
	assert_null(f);
	/* The reference taken for the open was dropped again. */
	assert_int_equal(modsim_unload(k, "ss_chrdev", MODSIM_UNLOAD_NOWAIT), 0);
}

static void test_modsim_chrdev_read_null_ops(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_file *f = NULL;
	char buf[8];

	assert_int_equal(modsim_load(k, "ss_chrdev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_chrdev_open(k, "ssnull", &f), 0);
	assert_int_equal(modsim_chrdev_read(f, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(modsim_chrdev_write(f, "x", 1), -EINVAL);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "ss_chrdev", 0), 0);
}

static void test_modsim_chrdev_close_release_value(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "release_ret=-5" };
	struct modsim_file *f = NULL;

	assert_int_equal(modsim_load(k, "ss_chrdev", 1, params, NULL), 0);
	assert_int_equal(modsim_chrdev_open(k, "ssdev", &f), 0);
	assert_int_equal(modsim_chrdev_close(f), -EIO);
	assert_int_equal(modsim_unload(k, "ss_chrdev", 0), 0);
}

static void test_register_chrdev_errors(void **state)
{
	static const struct file_operations builtin = { .owner = NULL };
	struct modsim_kernel *k = *state;
	char *extra[] = { "extra=chardev" };
	struct modsim_file *f = NULL;

	assert_int_equal(register_chrdev("x", NULL), -EINVAL);
	assert_int_equal(register_chrdev(NULL, &builtin), -EINVAL);
	assert_int_equal(register_chrdev("builtin", &builtin), -EINVAL);
	assert_int_equal(unregister_chrdev("builtin"), -ENOENT);

	/* A second module may not take a name in use; its init undoes its other devices. */
	assert_int_equal(modsim_load(k, "chardev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_load(k, "ss_chrdev", 1, extra, NULL), -EEXIST);
	assert_int_equal(modsim_chrdev_open(k, "ssdev", &f), -ENOENT);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(total_violations(k), 0);
}

/* Unregistering a device leaves open files working: they hold the operations. */
static void test_unregister_chrdev_open_file_survives(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_file *f = NULL, *g = NULL;
	char buf[16] = "";

	assert_int_equal(modsim_load(k, "ss_chrdev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_chrdev_open(k, "ssdev", &f), 0);
	assert_int_equal(unregister_chrdev("ssdev"), 0);
	assert_int_equal(unregister_chrdev("ssdev"), -ENOENT);

	assert_int_equal(modsim_chrdev_open(k, "ssdev", &g), -ENOENT);
	assert_int_equal(modsim_chrdev_read(f, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "ssdata");
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "ss_chrdev", 0), 0);
	assert_int_equal(total_violations(k), 0);
}

/* Under `try` an open file is a reference: rmmod refuses until it is closed. */
static void test_modsim_chrdev_open_holds_module(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_file *f = NULL;
	char buf[64];

	assert_int_equal(modsim_load(k, "chardev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_true(modsim_unload(k, "chardev", MODSIM_UNLOAD_NOWAIT) < 0);
	assert_non_null(modsim_find(k, "chardev"));
	assert_true(modsim_chrdev_read(f, buf, sizeof(buf)) > 0);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(total_violations(k), 0);
}

struct opener {
	struct modsim_kernel *k;
	pthread_t tid;
	struct modsim_file *f;
	int ret;
};

static void *open_chardev(void *arg)
{
	struct opener *o = arg;

	o->ret = modsim_chrdev_open(o->k, "chardev", &o->f);
	return NULL;
}

/* Under `try`: an open that found the device while rmmod ran gets -ENODEV. */
static void test_modsim_chrdev_open_unload_race_refused(void **state)
{
	struct modsim_kernel *k = *state;
	struct opener o = { .k = k };
	struct modsim_stats st;

	assert_int_equal(modsim_load(k, "chardev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_LOOKUP, "chardev"), 0);
	assert_int_equal(pthread_create(&o.tid, NULL, open_chardev, &o), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_LOOKUP, WAIT_MS), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_LOOKUP);
	assert_int_equal(pthread_join(o.tid, NULL), 0);

	assert_int_equal(o.ret, -ENODEV);
	assert_null(o.f);
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_CHRDEV], 1);
	assert_int_equal(st.ops[MODSIM_SS_CHRDEV], 0);
	assert_int_equal(total_violations(k), 0);
}

static void test_modsim_chrdev_sweep_leak(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "leak=1" };
	struct modsim_file *f = NULL;

	assert_int_equal(modsim_load(k, "ss_chrdev", 1, params, NULL), 0);
	assert_int_equal(modsim_unload(k, "ss_chrdev", 0), 0);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, NULL), 2);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, "chrdev 'ssdev' still registered"), 1);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, "chrdev 'ssnull' still registered"), 1);
	assert_int_equal(modsim_chrdev_open(k, "ssdev", &f), -ENOENT);

	/* The names are free again. */
	assert_int_equal(modsim_load(k, "ss_chrdev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_unload(k, "ss_chrdev", 0), 0);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_open_read_write_close,
						setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_open_unknown, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_open_fails, setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_read_null_ops, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_close_release_value, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_register_chrdev_errors, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_unregister_chrdev_open_file_survives,
						setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_open_holds_module, setup_try,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_open_unload_race_refused,
						setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_chrdev_sweep_leak, setup_none, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
