/* Preset "percpu-ref": per-CPU until killed; unload kills, waits for quiescence, folds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_percpu_ref;

static int setup(void **state)
{
	return pu_kernel(state, "percpu-ref", false);
}

/* A thread that opens or reads a device, on its own CPU. */
struct filer {
	struct modsim_kernel *k;
	struct modsim_file *f;
	pthread_t tid;
	long ret;
};

static void *opener_main(void *arg)
{
	struct filer *t = arg;

	t->ret = modsim_chrdev_open(t->k, "chardev", &t->f);
	modsim_cpu_release_self(t->k);
	return NULL;
}

static void *reader_main(void *arg)
{
	struct filer *t = arg;
	char buf[8];

	t->ret = modsim_chrdev_read(t->f, buf, sizeof(buf));
	modsim_cpu_release_self(t->k);
	return NULL;
}

/* Open "chardev" on another thread: the file's reference counts on that CPU. */
static struct modsim_file *open_on_thread(struct modsim_kernel *k)
{
	struct filer t = { .k = k };

	assert_int_equal(pthread_create(&t.tid, NULL, opener_main, &t), 0);
	assert_int_equal(pthread_join(t.tid, NULL), 0);
	assert_int_equal(t.ret, 0);
	return t.f;
}

static void test_percpu_ref_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE,
	};

	pu_assert_described(&modsim_preset_percpu_ref, "percpu-ref", "history", row);
	assert_string_equal(modsim_strategy_name(*state), "percpu-ref");
}

static void test_percpu_ref_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* The ref is dead until init succeeded: tryget_live fails while COMING. */
static void test_percpu_ref_get_fails_while_coming(void **state)
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
 * Kill, quiescence, switch.  A file opened on one CPU (per-CPU count) and
 * a reader parked inside a call on another (per-CPU count, online).
 * Killed (unloader trapped at its first UNLOAD_WAIT): gets fail.  The
 * unloader then waits for quiescence, which the reader holds up while it
 * stays in its call; the reader's put lands on the atomic count.  Once it
 * leaves, the slots are folded in (count 1: the file) and the unloader
 * waits for zero (second UNLOAD_WAIT).  The close, on a third CPU, goes
 * to the atomic count too, takes it to zero and lets the unload finish.
 */
static void test_percpu_ref_kill_quiesce_switch(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	struct modsim_file *f, *f2 = NULL;
	struct filer h = { .k = k };
	struct modsim_stats st;
	struct pu_thread u;

	f = open_on_thread(k);
	h.f = f;
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_ENTER, "chardev"), 0);
	assert_int_equal(pthread_create(&h.tid, NULL, reader_main, &h), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_ENTER, PU_WAIT_MS), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 2);

	/* Killed. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "chardev"), 0);
	pu_start(&u, k, PU_UNLOAD, "chardev", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GOING);
	assert_false(try_module_get(m->desc));
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f2), -ENODEV);

	/* Quiescence: held up by the reader, online in its call. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_BEFORE_EXIT, "chardev"), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "chardev"), 0);
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_ENTER);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_BEFORE_EXIT, PU_WAIT_MS), 0);
	assert_false(modsim_mod_waiting(m)); /* not yet waiting for the count */
	assert_int_equal(atomic_load(&m->teardown), 0);
	modsim_point_release(k, MODSIM_PT_CALL_BEFORE_EXIT);
	assert_int_equal(pthread_join(h.tid, NULL), 0);
	assert_int_equal(h.ret, 8);

	/* Folded and switched: the file's reference is the whole count. */
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 1);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	pu_wait_sleeping(m);
	assert_int_equal(atomic_load(&m->teardown), 0);

	/* release() is refused (killed); the put goes to the atomic and wakes the unloader. */
	assert_int_equal(modsim_chrdev_close(f), -ENODEV);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(st.ops[MODSIM_SS_CHRDEV], 2); /* open, read */
	assert_int_equal(pu_violations(k), 0);
}

/* NOWAIT with a user: EWOULDBLOCK after the fold, then resurrected: per-CPU and LIVE again. */
static void test_percpu_ref_nowait_resurrects(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	struct modsim_file *f, *f2 = NULL;
	struct modsim_stats st;
	char buf[8];

	f = open_on_thread(k);
	assert_int_equal(modsim_unload(k, "chardev", MODSIM_UNLOAD_NOWAIT), -EWOULDBLOCK);
	pu_assert_error_has("rmmod chardev: in use (count 1)");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 1);

	assert_int_equal(modsim_chrdev_open(k, "chardev", &f2), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 2);
	assert_int_equal(modsim_chrdev_read(f, buf, sizeof(buf)), 8);
	assert_int_equal(modsim_chrdev_close(f2), 0);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_wouldblock, 1);
	assert_int_equal(st.unload_waited, 0);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(pu_violations(k), 0);
}

/* A holder that never lets go: ETIMEDOUT, resurrected, and the count still adds up. */
static void test_percpu_ref_timeout_resurrects(void **state)
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
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 2);
	module_put(m->desc);
	module_put(m->desc);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 0);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_timeout, 1);
	assert_int_equal(st.unload_done, 1);
}

/* Failed init: the ref never went live, so it is freed at once. */
static void test_percpu_ref_failed_init(void **state)
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
		cmocka_unit_test_setup_teardown(test_percpu_ref_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_percpu_ref_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_percpu_ref_get_fails_while_coming, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_percpu_ref_kill_quiesce_switch, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_percpu_ref_nowait_resurrects, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_percpu_ref_timeout_resurrects, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_percpu_ref_failed_init, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
