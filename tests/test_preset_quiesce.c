/* Preset "quiesce": the module's quiesce hook decides; EBUSY vetoes, a missing hook counts as yes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_quiesce;

static int setup(void **state)
{
	return pu_kernel(state, "quiesce", true);
}

static void test_quiesce_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_SAFE,
	};
	struct modsim_kernel *k = *state;

	pu_assert_described(&modsim_preset_quiesce, "quiesce", "history", row);
	assert_string_equal(modsim_strategy_name(k), "quiesce");
}

static void test_quiesce_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* chardev vetoes while a file is open; once it is closed, unload goes on. */
static void test_quiesce_veto_open_file(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	struct modsim_file *f = NULL, *g = NULL;
	struct modsim_stats st;
	char buf[64];

	modsim_point_watch(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
	modsim_point_watch(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &g), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), -EBUSY);
	pu_assert_error_has("rmmod chardev: vetoed by the module");
	assert_int_equal(modsim_chrdev_close(g), 0);
	assert_int_equal(modsim_unload(k, "chardev", MODSIM_UNLOAD_NOWAIT), -EBUSY);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_AFTER_CHECK), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_AFTER_GOING), 0);
	assert_true(modsim_chrdev_read(f, buf, sizeof(buf)) > 0);

	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_AFTER_CHECK), 1);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_AFTER_GOING), 1);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_busy, 2);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(st.unload_waited, 0);
	assert_int_equal(pu_violations(k), 0);
}

/* No quiesce hook: treated as "yes"; no hook of the module is run for it. */
static void test_quiesce_missing_hook_is_yes(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);

	assert_false(modsim_mod_has(m, "quiesce"));
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
}

/* Other answers: another errno refuses with that errno; a positive one is -EINVAL. */
static void test_quiesce_hook_answers(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m;

	m = pu_load(k, "quiescer", "answer=-5");
	assert_int_equal(modsim_unload(k, "quiescer", 0), -EIO);
	pu_assert_error_has("rmmod quiescer: quiesce refused: -EIO");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(modsim_unload(k, "quiescer", MODSIM_UNLOAD_FORCE), 0);

	m = pu_load(k, "quiescer", "answer=3");
	assert_int_equal(modsim_unload(k, "quiescer", 0), -EINVAL);
	pu_assert_error_has("quiesce returned 3");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(modsim_unload(k, "quiescer", MODSIM_UNLOAD_FORCE), 0);

	m = pu_load(k, "quiescer", "answer=-16");
	assert_int_equal(modsim_unload(k, "quiescer", 0), -EBUSY);
	pu_assert_error_has("vetoed by the module");
	assert_int_equal(modsim_unload(k, "quiescer", MODSIM_UNLOAD_FORCE), 0);

	m = pu_load(k, "quiescer", "answer=0");
	assert_int_equal(modsim_unload(k, "quiescer", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
}

/* The example modules that answer 0 when idle: timer, selfcount. */
static void test_quiesce_idle_modules_go(void **state)
{
	struct modsim_kernel *k = *state;

	pu_load(k, "timer", NULL);
	assert_int_equal(modsim_timer_armed(k), 1);
	assert_int_equal(modsim_unload(k, "timer", 0), 0);
	assert_int_equal(modsim_timer_armed(k), 0);

	pu_load(k, "selfcount", NULL);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "selfcount", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* Callers count nothing: lsmod shows no count, gets always succeed. */
static void test_quiesce_counts_nothing(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);

	assert_int_equal(pu_lsmod_refcount(k, "hello"), -1);
	assert_true(try_module_get(m->desc));
	assert_int_equal(module_refcount(m->desc), -1);
	/* A held reference does not stop it: only the module's answer counts. */
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
}

/* A failed init is freed at once: quiesce is asked at unload only. */
static void test_quiesce_failed_init_frees_at_once(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "fail_at=2" };

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	assert_int_equal(modsim_mod_state(pu_newest(k)), MODSIM_STATE_GONE);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_quiesce_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_veto_open_file, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_missing_hook_is_yes, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_hook_answers, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_idle_modules_go, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_counts_nothing, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_failed_init_frees_at_once, setup,
						pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
