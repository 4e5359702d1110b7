/* Preset "inc": unconditional counts, EBUSY while counted, the check window, failed init waits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_inc;

static int setup(void **state)
{
	return pu_kernel(state, "inc", true);
}

static void test_inc_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_SAFE,
	};
	struct modsim_kernel *k = *state;

	pu_assert_described(&modsim_preset_inc, "inc", "1", row);
	assert_string_equal(modsim_strategy_name(k), "inc");
}

static void test_inc_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* Gets and puts move the count one by one; lsmod and module_refcount show it. */
static void test_inc_get_put_counts(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);

	assert_int_equal(pu_lsmod_refcount(k, "hello"), 0);
	assert_true(try_module_get(m->desc));
	assert_true(try_module_get(m->desc));
	__module_get(m->desc);
	assert_int_equal(module_refcount(m->desc), 3);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 3);
	module_put(m->desc);
	module_put(m->desc);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 1);
	module_put(m->desc);
	assert_int_equal(module_refcount(m->desc), 0);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
}

/* A call in flight holds a count: unload is refused, with or without NOWAIT. */
static void test_inc_unload_busy_while_called(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hook", NULL);
	struct pu_thread c;
	struct modsim_stats st;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_BEFORE_EXIT, "hook"), 0);
	pu_start(&c, k, PU_HOOK_RUN, NULL, NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_BEFORE_EXIT, PU_WAIT_MS), 0);
	assert_int_equal(pu_lsmod_refcount(k, "hook"), 1);

	assert_int_equal(modsim_unload(k, "hook", 0), -EBUSY);
	pu_assert_error_has("rmmod hook: in use (count 1)");
	assert_int_equal(modsim_unload(k, "hook", MODSIM_UNLOAD_NOWAIT), -EBUSY);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);

	modsim_point_release(k, MODSIM_PT_CALL_BEFORE_EXIT);
	assert_int_equal(pu_join(&c), 1);
	assert_int_equal(pu_lsmod_refcount(k, "hook"), 0);
	assert_int_equal(modsim_unload(k, "hook", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_busy, 2);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(st.unload_waited, 0);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * No try: a get in the window between unload's read (0) and the state
 * change succeeds, and the module is freed under the count it took.
 */
static void test_inc_get_in_check_window(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	struct pu_thread u;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_CHECK, "hello"), 0);
	pu_start(&u, k, PU_UNLOAD, "hello", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_CHECK, PU_WAIT_MS), 0);
	assert_true(k->strat->get(m, cpu));
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 1);
	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
	assert_int_equal(pu_join(&u), 0);

	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(k->strat->refcount(m), 1);
	k->strat->put(m, cpu);
	assert_int_equal(k->strat->refcount(m), 0);
}

/* Even a gone module's record takes a count: nothing refuses. */
static void test_inc_get_never_fails(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_cpu *cpu = modsim_cpu_self(k);

	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_true(k->strat->enter(m, cpu));
	assert_int_equal(k->strat->refcount(m), 1);
	k->strat->exit(m, cpu);
	assert_int_equal(k->strat->refcount(m), 0);
}

/*
 * Failed init with a caller inside what init registered: the loader waits
 * (trapped at UNLOAD_WAIT, then asleep) until the caller's count is dropped,
 * and only then returns the error.
 */
static void test_inc_failed_init_waits_for_count(void **state)
{
	struct modsim_kernel *k = *state;
	struct pu_thread u, c;
	struct modsim_stats st;
	struct modsim_mod *m;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "halfinit"), 0);
	pu_start(&u, k, PU_LOAD, "halfinit", "fail_at=2", 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, PU_WAIT_MS), 0);
	m = modsim_find(k, "halfinit");
	assert_non_null(m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_COMING);

	/* A caller found hook a and called it; it still holds its count. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_BEFORE_EXIT, "halfinit"), 0);
	pu_start(&c, k, PU_HOOK_RUN, NULL, NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_BEFORE_EXIT, PU_WAIT_MS), 0);
	assert_int_equal(k->strat->refcount(m), 1);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "halfinit"), 0);
	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	pu_wait_sleeping(m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_COMING);

	modsim_point_release(k, MODSIM_PT_CALL_BEFORE_EXIT);
	assert_int_equal(pu_join(&c), 1);
	assert_int_equal(pu_join(&u), -ENODEV);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(k->strat->refcount(m), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
	assert_int_equal(st.init_failures, 1);
	assert_int_equal(pu_violations(k), 0);
}

/* Failed init with nobody counted: freed at once, without waiting. */
static void test_inc_failed_init_idle_frees_at_once(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "fail_at=2" };
	struct modsim_stats st;

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	modsim_point_watch(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_AFTER_CHECK), 1);
	assert_int_equal(modsim_mod_state(pu_newest(k)), MODSIM_STATE_GONE);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 0);
}

/* The failed-init wait is bounded by the unload timeout; the error comes back. */
static void test_inc_failed_init_wait_bounded(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	struct modsim_stats st;
	struct pu_thread u;
	struct modsim_mod *m;

	k->cfg.unload_timeout_ms = 50;
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "halfinit"), 0);
	pu_start(&u, k, PU_LOAD, "halfinit", "fail_at=2", 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, PU_WAIT_MS), 0);
	m = modsim_find(k, "halfinit");
	assert_non_null(m);
	assert_true(k->strat->get(m, cpu));
	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), -ENODEV);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
	k->strat->put(m, cpu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inc_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_inc_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_inc_get_put_counts, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_inc_unload_busy_while_called, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_inc_get_in_check_window, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_inc_get_never_fails, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_inc_failed_init_waits_for_count, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_inc_failed_init_idle_frees_at_once, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_inc_failed_init_wait_bounded, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
