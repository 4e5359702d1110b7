/* Preset "self-restart": a count left after stop and quiescence restarts (EBUSY). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"
#include "self_unit.h"

extern const struct modsim_strategy modsim_preset_self_restart;

static int setup(void **state)
{
	return pu_kernel(state, "self-restart", true);
}

static void test_self_restart_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_SAFE,
	};

	pu_assert_described(&modsim_preset_self_restart, "self-restart", "2", row);
	assert_non_null(modsim_preset_self_restart.self_enter);
}

static void test_self_restart_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/*
 * A held self count survives stop and quiescence: the module is restarted
 * and unload answers -EBUSY without waiting.  The module keeps working (a
 * later call is counted); once the count is dropped, unload succeeds.
 */
static void test_self_restart_busy_then_works(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "selfhold", NULL);
	struct modsim_stats st;

	assert_int_equal(modsim_hook_run(k, "hold"), 1);
	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_unload(k, "selfhold", 0), -EBUSY);
	pu_assert_error_has("rmmod selfhold: in use (count 1)");
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 1); /* quiescence only */
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(su_stat(k, SH_STOPS), 1);
	assert_int_equal(su_stat(k, SH_RESTARTS), 1);

	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(su_stat(k, SH_CALLS), 1);
	assert_int_equal(su_stat(k, SH_REFUSED), 0);

	assert_int_equal(modsim_hook_run(k, "drop"), 1);
	assert_int_equal(modsim_unload(k, "selfhold", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_busy, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(st.unload_waited, 0);
	assert_int_equal(pu_violations(k), 0);
}

/* P: the quiescence wait outlasts a caller parked after its put. */
static void test_self_restart_waits_for_put_then_return(void **state)
{
	su_assert_waits_for_put_then_return(*state);
}

/* Between stop and the count check, entries are refused. */
static void test_self_restart_enter_refused_after_stop(void **state)
{
	struct modsim_kernel *k = *state;
	struct pu_thread u;

	pu_load(k, "selfhold", NULL);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_CHECK, "selfhold"), 0);
	pu_start(&u, k, PU_UNLOAD, "selfhold", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_CHECK, PU_WAIT_MS), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(su_stat(k, SH_REFUSED), 1);
	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* A stop hook that refuses: -EBUSY and the module was never stopped. */
static void test_self_restart_stop_hook_vetoes(void **state)
{
	struct modsim_kernel *k = *state;

	pu_load(k, "selfhold", "veto=1");
	assert_int_equal(modsim_unload(k, "selfhold", 0), -EBUSY);
	pu_assert_error_has("stop hook refused");
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(su_stat(k, SH_CALLS), 1);
	assert_int_equal(su_stat(k, SH_RESTARTS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_self_restart_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_restart_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_restart_busy_then_works, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_restart_waits_for_put_then_return, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_restart_enter_refused_after_stop, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_restart_stop_hook_vetoes, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
