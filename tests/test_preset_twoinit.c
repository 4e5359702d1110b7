/* Preset "twoinit": reserve then commit; a failed reserve frees safely, a failed one-stage init is kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <modsim/notifier.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_twoinit;

static int setup(void **state)
{
	return pu_kernel(state, "twoinit", true);
}

static void test_twoinit_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_SAFE,
	};
	struct modsim_kernel *k = *state;

	pu_assert_described(&modsim_preset_twoinit, "twoinit", "4", row);
	assert_string_equal(modsim_strategy_name(k), "twoinit");
}

static void test_twoinit_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* reserve + commit: both registrations visible; exit undoes them; a reload works. */
static void test_twoinit_commit_publishes(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m;

	m = pu_load(k, "halfinit", NULL);
	assert_true(modsim_mod_has(m, "reserve"));
	assert_true(modsim_mod_has(m, "commit"));
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_notifier_call(k, "halfinit", 0, NULL), NOTIFY_OK);
	assert_int_equal(modsim_unload(k, "halfinit", 0), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 0);

	pu_load(k, "halfinit", NULL);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "halfinit", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * fail_at=2 (and 1): reserve fails; init, which would have published a
 * before failing, never runs (its point is not passed); nothing is left,
 * nothing is kept.
 */
static void test_twoinit_reserve_fails_nothing_visible(void **state)
{
	struct modsim_kernel *k = *state;
	char *params2[] = { "fail_at=2" }, *params1[] = { "fail_at=1" };
	struct modsim_stats st;
	struct modsim_mod *m;

	modsim_point_watch(k, MODSIM_PT_INIT_BETWEEN_REGS);
	modsim_point_watch(k, MODSIM_PT_LOAD_INIT_FAILED);
	assert_int_equal(modsim_load(k, "halfinit", 1, params2, NULL), -ENODEV);
	m = pu_newest(k);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_false(m->keep);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_INIT_BETWEEN_REGS), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_LOAD_INIT_FAILED), 1);
	assert_int_equal(modsim_hook_run(k, NULL), 0);

	assert_int_equal(modsim_load(k, "halfinit", 1, params1, NULL), -ENODEV);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_INIT_BETWEEN_REGS), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_LOAD_INIT_FAILED), 2);

	modsim_stats_get(k, &st);
	assert_int_equal(st.init_failures, 2);
	assert_int_equal(pu_violations(k), 0);
}

/* Even with leak=1 (which only the one-stage init honours) nothing is left behind. */
static void test_twoinit_reserve_fails_leak_param_ignored(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "fail_at=2", "leak=1" };

	assert_int_equal(modsim_load(k, "halfinit", 2, params, NULL), -ENODEV);
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* A module without reserve/commit whose init fails: never freed, reported once. */
static void test_twoinit_one_stage_failure_kept(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_violation v[4];
	struct modsim_stats st;
	struct modsim_mod *m;

	assert_int_equal(modsim_load(k, "initfail", 0, NULL, NULL), -ENODEV);
	m = pu_newest(k);
	assert_string_equal(m->name, "initfail");
	assert_false(modsim_mod_has(m, "reserve"));
	assert_true(m->keep);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	/* Still mapped: the descriptor in module memory reads fine. */
	assert_non_null(m->handle);
	assert_string_equal(m->desc->name, "initfail");

	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 1);
	assert_int_equal(pu_violations(k), 1);
	assert_int_equal(modsim_violations(k, v, 4), 1);
	assert_string_equal(v[0].module, "initfail");
	assert_int_equal(v[0].subsys, MODSIM_SS_LOADER);
	assert_string_equal(v[0].op, "init");
	assert_string_equal(v[0].detail, "init failed; never freed (no two-stage init)");
	assert_int_equal(st.init_failures, 1);

	/* Loading it again would reuse the kept mapping under a new
	 * generation, so the loader refuses and says why. */
	assert_int_equal(modsim_load(k, "initfail", 0, NULL, NULL), -EBUSY);
	assert_non_null(strstr(modsim_last_error(), "never freed"));
}

/* A one-stage module that succeeds loads and unloads as usual. */
static void test_twoinit_one_stage_success(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hook", NULL);

	assert_false(m->keep);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "hook", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* Callers count nothing and unload frees at once, whoever holds what. */
static void test_twoinit_unload_frees_at_once(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);

	modsim_point_watch(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), -1);
	assert_true(try_module_get(m->desc));
	assert_int_equal(module_refcount(m->desc), -1);
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_AFTER_GOING), 1);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_twoinit_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_twoinit_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_twoinit_commit_publishes, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_twoinit_reserve_fails_nothing_visible, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_twoinit_reserve_fails_leak_param_ignored, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_twoinit_one_stage_failure_kept, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_twoinit_one_stage_success, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_twoinit_unload_frees_at_once, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
