/* Preset "try-drain": gets fail during init and once unload began; unload drains, or gives up. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_try_drain;

static int setup(void **state)
{
	return pu_kernel(state, "try-drain", true);
}

static void test_try_drain_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE,
	};
	struct modsim_kernel *k = *state;

	pu_assert_described(&modsim_preset_try_drain, "try-drain", "1", row);
	assert_string_equal(modsim_strategy_name(k), "try-drain");
}

static void test_try_drain_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* Gets and puts move the count; lsmod shows the references held. */
static void test_try_drain_get_put_counts(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);

	assert_int_equal(pu_lsmod_refcount(k, "hello"), 0);
	assert_true(try_module_get(m->desc));
	__module_get(m->desc);
	assert_int_equal(module_refcount(m->desc), 2);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 2);
	module_put(m->desc);
	module_put(m->desc);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 0);
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), 0);
}

/* While init runs nobody gets in: a caller that found a registration is refused. */
static void test_try_drain_get_fails_during_init(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	struct modsim_stats st;
	struct pu_thread u;
	struct modsim_mod *m;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "halfinit"), 0);
	pu_start(&u, k, PU_LOAD, "halfinit", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, PU_WAIT_MS), 0);
	m = modsim_find(k, "halfinit");
	assert_non_null(m);
	assert_false(k->strat->get(m, cpu));
	assert_false(try_module_get(m->desc));
	assert_int_equal(modsim_hook_run(k, NULL), 0); /* hook a is registered, entry refused */
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 1);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 0);

	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * Unload with a call in flight: new gets fail at once, the unloader waits
 * (trapped at UNLOAD_WAIT, then asleep) and exits once the call is done.
 */
static void test_try_drain_unload_waits_for_users(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hook", NULL);
	struct pu_thread c, u;
	struct modsim_stats st;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_BEFORE_EXIT, "hook"), 0);
	pu_start(&c, k, PU_HOOK_RUN, NULL, NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_BEFORE_EXIT, PU_WAIT_MS), 0);
	assert_int_equal(pu_lsmod_refcount(k, "hook"), 1);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "hook"), 0);
	pu_start(&u, k, PU_UNLOAD, "hook", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	/* Closed: a new caller is refused, the one inside is still counted. */
	assert_false(try_module_get(m->desc));
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	assert_int_equal(pu_lsmod_refcount(k, "hook"), 1);

	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	pu_wait_sleeping(m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	modsim_point_release(k, MODSIM_PT_CALL_BEFORE_EXIT);
	assert_int_equal(pu_join(&c), 1);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 1);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 1);
	assert_int_equal(pu_violations(k), 0);
}

/* NOWAIT with a user: EWOULDBLOCK, and the module takes gets again. */
static void test_try_drain_nowait_busy(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_stats st;

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_true(try_module_get(m->desc));
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), -EWOULDBLOCK);
	pu_assert_error_has("rmmod hello: in use (count 1)");
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_true(try_module_get(m->desc));
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 2);
	module_put(m->desc);
	module_put(m->desc);
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_wouldblock, 1);
	assert_int_equal(st.unload_waited, 0);
}

/* A user that never lets go: ETIMEDOUT, and the module takes gets again. */
static void test_try_drain_timeout_reopens(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_stats st;

	k->cfg.unload_timeout_ms = 50;
	assert_true(try_module_get(m->desc));
	assert_int_equal(modsim_unload(k, "hello", 0), -ETIMEDOUT);
	pu_assert_error_has("rmmod hello: still in use after 50 ms (count 1)");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	module_put(m->desc);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_timeout, 1);
	assert_int_equal(st.unload_waited, 1);
	assert_int_equal(st.unload_done, 1);
}

/* An open file is a reference: the drain lasts until it is closed. */
static void test_try_drain_waits_for_open_file(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_file *f = NULL;
	struct pu_thread u;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	char buf[8];

	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 1);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "chardev"), 0);
	pu_start(&u, k, PU_UNLOAD, "chardev", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	/* Draining: calls on the open file are refused too. */
	assert_int_equal(modsim_chrdev_read(f, buf, sizeof(buf)), -ENODEV);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	pu_wait_sleeping(m);
	/* release() is refused as well; the reference is dropped all the same. */
	assert_int_equal(modsim_chrdev_close(f), -ENODEV);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(pu_violations(k), 0);
}

/* Failed init: nobody could get in, so it is freed at once, and stays closed. */
static void test_try_drain_failed_init(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	char *params[] = { "fail_at=2" };
	struct modsim_mod *m;

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	m = pu_newest(k);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_false(k->strat->get(m, cpu));
	assert_false(k->strat->enter(m, cpu));
	assert_int_equal(k->strat->refcount(m), 0);
}

/* After a successful unload the record refuses every get. */
static void test_try_drain_gone_refuses(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_cpu *cpu = modsim_cpu_self(k);

	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_false(k->strat->get(m, cpu));
	assert_false(k->strat->enter(m, cpu));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_try_drain_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_get_put_counts, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_get_fails_during_init, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_unload_waits_for_users, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_nowait_busy, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_timeout_reopens, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_waits_for_open_file, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_failed_init, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_try_drain_gone_refuses, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
