/* Preset "linux319": one atomic with a base; unload takes it, restores it when busy, never waits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_linux319;

static int setup(void **state)
{
	return pu_kernel(state, "linux319", false);
}

/* A thread that drops one reference (module_put) on its own CPU. */
static void *putter_main(void *arg)
{
	struct modsim_mod *m = arg;

	module_put(m->desc);
	modsim_cpu_release_self(m->k);
	return NULL;
}

static void put_on_thread(struct modsim_mod *m)
{
	pthread_t tid;

	assert_int_equal(pthread_create(&tid, NULL, putter_main, m), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
}

static void test_linux319_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		/* B and T: docs/findings-history.md */
		MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_SAFE,
	};

	assert_int_equal(modsim_preset_linux319.owner_ref, MODSIM_OWNER_REF_FOPS);
	assert_non_null(modsim_preset_linux319.sources);
	pu_assert_described(&modsim_preset_linux319, "linux319", "history", row);
	assert_string_equal(modsim_strategy_name(*state), "linux319");
}

static void test_linux319_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/*
 * While init runs the module is COMING, and module_is_live() is state !=
 * GOING: a get succeeds (include/linux/module.h; "Currently we *do* allow
 * try_module_get() during init").  A hook call takes no reference at all
 * (owner-ref fops+symbol_get): the hook init registered runs.
 */
static void test_linux319_get_succeeds_while_coming(void **state)
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
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_COMING);
	assert_int_equal(k->strat->refcount(m), 0);
	assert_true(k->strat->get(m, cpu));
	assert_int_equal(k->strat->refcount(m), 1);
	k->strat->put(m, cpu);
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	assert_int_equal(k->strat->refcount(m), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1); /* hook a runs, no count taken */
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 0);

	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "halfinit", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* Busy: EWOULDBLOCK whether or not the caller asked NOWAIT; it never waits. */
static void test_linux319_busy_never_waits(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_stats st;

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_true(try_module_get(m->desc));
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 1);
	assert_int_equal(modsim_unload(k, "hello", 0), -EWOULDBLOCK);
	pu_assert_error_has("rmmod hello: in use (count 1)");
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), -EWOULDBLOCK);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 1); /* the base is back */
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	put_on_thread(m);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_wouldblock, 2);
	assert_int_equal(st.unload_waited, 0);
	assert_int_equal(st.unload_done, 1);
}

/*
 * The subtract-and-restore transient.  The unloader is trapped after it
 * took the base away (UNLOAD_AFTER_CHECK) while a holder holds a
 * reference: the count is the holder's alone.  A get in the window still
 * succeeds while the holder holds (the count is not zero).  Once the holder
 * lets go inside the window the count is zero: a get fails, and the
 * unloader, coming to restore the base, finds zero and does not restore
 * (3.19's atomic_add_unless(..., 0)): the module goes, so the failed get
 * was not a spurious one.
 */
static void test_linux319_transient_holder_leaves(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_stats st;
	struct pu_thread u;

	assert_true(try_module_get(m->desc)); /* the holder */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_CHECK, "hello"), 0);
	pu_start(&u, k, PU_UNLOAD, "hello", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_CHECK, PU_WAIT_MS), 0);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 0); /* holder's 1, base gone */
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);

	/* With the holder still holding, the count is not zero: a get gets in. */
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	/* The holder lets go (on another CPU); now the count is zero. */
	put_on_thread(m);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), -1);
	assert_false(try_module_get(m->desc));

	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_wouldblock, 0);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(pu_violations(k), 0);
}

/* A holder that keeps its reference through the window: the base comes back. */
static void test_linux319_transient_holder_stays(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct pu_thread u;

	assert_true(try_module_get(m->desc));
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_CHECK, "hello"), 0);
	pu_start(&u, k, PU_UNLOAD, "hello", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_CHECK, PU_WAIT_MS), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
	assert_int_equal(pu_join(&u), -EWOULDBLOCK);
	pu_assert_error_has("rmmod hello: in use (count 1)");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 1);
	module_put(m->desc);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* An idle module: the subtraction leaves zero, no get can succeed again, it goes. */
static void test_linux319_idle_unload(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	struct modsim_mod *m = pu_load(k, "hook", NULL);
	struct pu_thread u;

	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_CHECK, "hook"), 0);
	pu_start(&u, k, PU_UNLOAD, "hook", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_CHECK, PU_WAIT_MS), 0);
	/*
	 * Still LIVE, but the count is zero: a get is refused.  A hook call
	 * takes no reference (owner-ref fops+symbol_get) and runs; exit's
	 * unregister_hook synchronises with it.
	 */
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_false(try_module_get(m->desc));
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_false(k->strat->get(m, cpu));
	assert_false(k->strat->enter(m, cpu));
	assert_int_equal(pu_violations(k), 0);
}

/* An open file is a reference: unload says EWOULDBLOCK until it is closed. */
static void test_linux319_open_file_refuses(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	struct modsim_file *f = NULL;
	char buf[8];

	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), -EWOULDBLOCK);
	assert_int_equal(modsim_chrdev_read(f, buf, sizeof(buf)), 8);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * Failed init: GOING, quiescence, free, and no wait for the count
 * (kernel/module.c: sys_init_module in 2.6, do_init_module in 3.19).  A
 * reference taken while COMING is left on freed memory.
 */
static void test_linux319_failed_init(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	char *params[] = { "fail_at=2" };
	struct pu_thread u;
	struct modsim_mod *m;

	/* Nobody got in: freed at once. */
	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	m = pu_newest(k);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_false(k->strat->get(m, cpu));

	/* A reference taken while COMING: freed all the same. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "halfinit"), 0);
	pu_start(&u, k, PU_LOAD, "halfinit", "fail_at=2", 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, PU_WAIT_MS), 0);
	m = modsim_find(k, "halfinit");
	assert_non_null(m);
	assert_true(k->strat->get(m, cpu));
	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), -ENODEV);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(k->strat->refcount(m), 1); /* the count outlived the module */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_linux319_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux319_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux319_get_succeeds_while_coming, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux319_busy_never_waits, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux319_transient_holder_stays, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux319_transient_holder_leaves, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux319_idle_unload, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux319_open_file_refuses, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux319_failed_init, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
