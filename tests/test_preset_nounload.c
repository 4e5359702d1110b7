/* Preset "nounload": unload always refused (EPERM), the core's forced unload overrides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_nounload;

static int setup(void **state)
{
	return pu_kernel(state, "nounload", true);
}

static int setup_noforce(void **state)
{
	return pu_kernel(state, "nounload", false);
}

static void test_nounload_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE,
	};
	struct modsim_kernel *k = *state;

	pu_assert_described(&modsim_preset_nounload, "nounload", "3", row);
	assert_string_equal(modsim_strategy_name(k), "nounload");
}

static void test_nounload_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* Unload is refused, blocking or not, idle or not; the module keeps working. */
static void test_nounload_unload_refused(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hook", NULL);
	struct modsim_stats st;

	modsim_point_watch(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	assert_int_equal(modsim_unload(k, "hook", 0), -EPERM);
	pu_assert_error_has("rmmod hook: unload disabled; rmmod --force to override");
	assert_int_equal(modsim_unload(k, "hook", MODSIM_UNLOAD_NOWAIT), -EPERM);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_AFTER_GOING), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_eperm, 2);
	assert_int_equal(st.unload_done, 0);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 1);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 0);
}

/* The core's forced unload is the override: exit runs and the module is gone. */
static void test_nounload_force_overrides(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hook", NULL);
	struct modsim_stats st;

	assert_int_equal(modsim_unload(k, "hook", MODSIM_UNLOAD_FORCE), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_forced, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(pu_violations(k), 0);
}

static void test_nounload_force_not_allowed(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);

	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_FORCE), -EPERM);
	pu_assert_error_has("forced unload is not allowed");
	assert_int_equal(modsim_unload(k, "hello", 0), -EPERM);
	pu_assert_error_has("unload disabled");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
}

/* Callers count nothing: gets always succeed, lsmod shows no count. */
static void test_nounload_counts_nothing(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	struct modsim_file *f = NULL;

	assert_int_equal(pu_lsmod_refcount(k, "chardev"), -1);
	assert_true(try_module_get(m->desc));
	assert_int_equal(module_refcount(m->desc), -1);
	module_put(m->desc);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), -1);
	assert_int_equal(modsim_unload(k, "chardev", 0), -EPERM);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), -EPERM);
}

/* A failed init is freed at once, with no wait: the post's B is not option 3's business. */
static void test_nounload_failed_init_frees_at_once(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "fail_at=2" };
	struct modsim_mod *m;

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	m = pu_newest(k);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_false(m->keep);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	assert_int_equal(pu_violations(k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nounload_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_nounload_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_nounload_unload_refused, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_nounload_force_overrides, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_nounload_force_not_allowed, setup_noforce,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_nounload_counts_nothing, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_nounload_failed_init_frees_at_once, setup,
						pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
