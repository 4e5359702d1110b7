/* Preset "rundown": acquire fails once rundown began; the last release wakes the unloader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_rundown;

static int setup(void **state)
{
	return pu_kernel(state, "rundown", false);
}

static void test_rundown_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE,
	};

	pu_assert_described(&modsim_preset_rundown, "rundown", "history", row);
	assert_string_equal(modsim_strategy_name(*state), "rundown");
}

static void test_rundown_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* While COMING the object is run down: acquires fail; re-initialised once LIVE. */
static void test_rundown_acquire_fails_while_coming(void **state)
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
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 1);
	assert_int_equal(pu_lsmod_refcount(k, "halfinit"), 0);

	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * Two open files hold protection.  Once rundown began (the unloader is at
 * UNLOAD_WAIT) every acquire fails: new opens and calls on the open
 * files.  The unloader sleeps; the first release leaves it waiting, the
 * last one wakes it and exit runs.
 */
static void test_rundown_last_release_wakes(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	struct modsim_file *f1 = NULL, *f2 = NULL, *f3 = NULL;
	struct modsim_stats st;
	struct pu_thread u;
	char buf[8];

	assert_int_equal(modsim_chrdev_open(k, "chardev", &f1), 0);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f2), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 2);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "chardev"), 0);
	pu_start(&u, k, PU_UNLOAD, "chardev", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GOING);
	assert_false(try_module_get(m->desc));
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f3), -ENODEV);
	assert_int_equal(modsim_chrdev_read(f1, buf, sizeof(buf)), -ENODEV);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 2);

	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	pu_wait_sleeping(m);
	/* Not the last holder: the unloader keeps waiting. */
	/* release() is refused; the protection is dropped all the same. */
	assert_int_equal(modsim_chrdev_close(f1), -ENODEV);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 1);
	assert_true(modsim_mod_waiting(m));
	assert_int_equal(atomic_load(&m->teardown), 0);
	/* The last holder. */
	assert_int_equal(modsim_chrdev_close(f2), -ENODEV);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(st.failed_get[MODSIM_SS_CHRDEV], 4); /* open, read, two releases */
	assert_int_equal(pu_violations(k), 0);
}

/* NOWAIT with a holder: EWOULDBLOCK and rundown never started (acquires still work). */
static void test_rundown_nowait_busy(void **state)
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
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_wouldblock, 1);
	assert_int_equal(st.unload_waited, 0);
}

/* A holder that never releases: ETIMEDOUT, and the rundown is cancelled. */
static void test_rundown_timeout_reinitialises(void **state)
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
	assert_int_equal(st.unload_done, 1);
}

/* Failed init: the object was never re-initialised, nobody got in; freed at once. */
static void test_rundown_failed_init(void **state)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rundown_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rundown_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rundown_acquire_fails_while_coming, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_rundown_last_release_wakes, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rundown_nowait_busy, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rundown_timeout_reinitialises, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_rundown_failed_init, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
