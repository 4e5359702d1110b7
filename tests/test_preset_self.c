/* Preset "self": modules count themselves; unload waits for quiescence and held counts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"
#include "self_unit.h"

extern const struct modsim_strategy modsim_preset_self;

static int setup(void **state)
{
	return pu_kernel(state, "self", true);
}

static void test_self_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_SAFE,
	};

	pu_assert_described(&modsim_preset_self, "self", "2", row);
	assert_non_null(modsim_preset_self.self_enter);
	assert_non_null(modsim_preset_self.self_exit);
}

static void test_self_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* Subsystems count nothing; module_self_enter/exit move the module's own count. */
static void test_self_counts_only_self_entries(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "selfhold", NULL);

	assert_int_equal(module_refcount(m->desc), 0);
	assert_true(try_module_get(m->desc));
	assert_int_equal(module_refcount(m->desc), 0);
	module_put(m->desc);
	assert_int_equal(modsim_hook_run(k, "hold"), 1);
	assert_int_equal(module_refcount(m->desc), 1);
	assert_int_equal(pu_lsmod_refcount(k, "selfhold"), 1);
	assert_int_equal(modsim_hook_run(k, "drop"), 1);
	assert_int_equal(module_refcount(m->desc), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(su_stat(k, SH_CALLS), 1);
	assert_int_equal(modsim_unload(k, "selfhold", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* P: the unloader waits for a caller parked after its put, inside module code. */
static void test_self_unload_waits_for_put_then_return(void **state)
{
	su_assert_waits_for_put_then_return(*state);
}

/* Once unload began (stopped), new self entries are refused; the stop hook ran. */
static void test_self_enter_refused_after_stop(void **state)
{
	struct modsim_kernel *k = *state;
	struct pu_thread u;

	pu_load(k, "selfhold", NULL);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "selfhold"), 0);
	pu_start(&u, k, PU_UNLOAD, "selfhold", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	assert_int_equal(su_stat(k, SH_STOPS), 1);
	assert_int_equal(modsim_hook_run(k, NULL), 1); /* the hook ran, its self entry did not */
	assert_int_equal(su_stat(k, SH_REFUSED), 1);
	assert_int_equal(su_stat(k, SH_CALLS), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * Stop makes the module unfindable before the quiescence wait: the kernel
 * withdraws its exported symbols too (a module cannot), so no caller can
 * find exporter_add once the unloader is waiting.
 */
static void test_self_stop_withdraws_exports(void **state)
{
	struct modsim_kernel *k = *state;
	struct pu_thread u;
	long r = 0;

	pu_load(k, "exporter", NULL);
	assert_int_equal(modsim_symbol_call(k, "exporter_add", 1, &r), 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "exporter"), 0);
	pu_start(&u, k, PU_UNLOAD, "exporter", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	assert_int_equal(modsim_symbol_call(k, "exporter_add", 1, &r), -ENOENT);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * L: a held self count (an open file's) makes unload wait.  The holder drops
 * it from module code and parks right after the put: the unloader, woken,
 * waits for quiescence again before exit, so the holder returns safely.
 */
static void test_self_unload_waits_for_held_count(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "selfhold", NULL);
	struct modsim_stats st;
	struct su_caller c;
	struct pu_thread u;

	assert_int_equal(modsim_hook_run(k, "hold"), 1);
	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	modsim_point_watch(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	pu_start(&u, k, PU_UNLOAD, "selfhold", NULL, 0);
	/* First pass: before quiescence; second: before the wait for the count. */
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_UNLOAD_WAIT, 2, PU_WAIT_MS), 0);
	pu_wait_sleeping(m);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_SELF_AFTER_PUT, "selfhold"), 0);
	su_caller_start(&c, k, "drop");
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_SELF_AFTER_PUT, PU_WAIT_MS), 0);
	assert_int_equal(module_refcount(m->desc), 0);
	/* Third pass: woken, before the second quiescence wait. */
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_UNLOAD_WAIT, 3, PU_WAIT_MS), 0);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_UNLOAD_AFTER_GOING, 1, 100),
			 -ETIMEDOUT);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);

	modsim_point_release(k, MODSIM_PT_SELF_AFTER_PUT);
	assert_int_equal(su_caller_join(&c), 1);
	assert_int_equal(pu_join(&u), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(pu_violations(k), 0);
}

/* NOWAIT with a held count: -EWOULDBLOCK, restarted, still working. */
static void test_self_unload_nowait_held(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "selfhold", NULL);

	assert_int_equal(modsim_hook_run(k, "hold"), 1);
	assert_int_equal(modsim_unload(k, "selfhold", MODSIM_UNLOAD_NOWAIT), -EWOULDBLOCK);
	pu_assert_error_has("rmmod selfhold: in use (count 1)");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(su_stat(k, SH_STOPS), 1);
	assert_int_equal(su_stat(k, SH_RESTARTS), 1);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(su_stat(k, SH_CALLS), 1);
	assert_int_equal(modsim_hook_run(k, "drop"), 1);
	assert_int_equal(modsim_unload(k, "selfhold", MODSIM_UNLOAD_NOWAIT), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* A held count that never drops: the wait times out, the module is restarted. */
static void test_self_unload_times_out(void **state)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;
	struct modsim_mod *m;

	modsim_config_default(&cfg);
	cfg.strategy = "self";
	cfg.timer_thread = false;
	cfg.init_timeout_ms = 0;
	cfg.unload_timeout_ms = 50; /* the bound under test */
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	m = pu_load(k, "selfhold", NULL);
	assert_int_equal(modsim_hook_run(k, "hold"), 1);
	assert_int_equal(modsim_unload(k, "selfhold", 0), -ETIMEDOUT);
	pu_assert_error_has("still in use (count 1)");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(su_stat(k, SH_RESTARTS), 1);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(su_stat(k, SH_CALLS), 1);
	assert_int_equal(modsim_hook_run(k, "drop"), 1);
	assert_int_equal(modsim_unload(k, "selfhold", 0), 0);
	modsim_kernel_destroy(k);
}

/* The module's stop hook can refuse: -EBUSY, not stopped, the module keeps working. */
static void test_self_stop_hook_vetoes(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "selfhold", "veto=1");

	assert_int_equal(modsim_unload(k, "selfhold", 0), -EBUSY);
	pu_assert_error_has("rmmod selfhold: the module's stop hook refused");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(su_stat(k, SH_CALLS), 1);
	assert_int_equal(su_stat(k, SH_REFUSED), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* Failed init: freed at once (the half-init problem is left as it was). */
static void test_self_failed_init_frees(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "fail_at=2" };

	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	assert_int_equal(modsim_mod_state(pu_newest(k)), MODSIM_STATE_GONE);
	assert_null(modsim_find(k, "halfinit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_self_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_counts_only_self_entries, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_unload_waits_for_put_then_return, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_enter_refused_after_stop, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_stop_withdraws_exports, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_unload_waits_for_held_count, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_unload_nowait_held, setup, pu_teardown),
		cmocka_unit_test(test_self_unload_times_out),
		cmocka_unit_test_setup_teardown(test_self_stop_hook_vetoes, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_failed_init_frees, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
