/* rmmod: unknown modules, held references under "try" and "none", users, forced unload, points. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <modsim/kernel.h>

#include "kernel/units.h"

static int make_kernel(void **state, const char *strategy, bool allow_force)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.allow_force = allow_force;
	cfg.timer_thread = false;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	*state = k;
	return 0;
}

static int setup_none(void **state)
{
	return make_kernel(state, "none", true);
}

static int setup_try(void **state)
{
	return make_kernel(state, "try", true);
}

static int setup_try_noforce(void **state)
{
	return make_kernel(state, "try", false);
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

static void assert_error_has(const char *needle)
{
	const char *msg = modsim_last_error();

	if (!strstr(msg, needle))
		fail_msg("last error \"%s\" lacks \"%s\"", msg, needle);
}

static struct modsim_mod *load(struct modsim_kernel *k, const char *spec, const char *param)
{
	char *params[] = { (char *)param };
	struct modsim_mod *m = NULL;

	assert_int_equal(modsim_load(k, spec, param ? 1 : 0, param ? params : NULL, &m), 0);
	return m;
}

static void test_modsim_unload_unknown(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_unload(k, "nosuchmod", 0), -ENOENT);
	assert_error_has("rmmod nosuchmod: not loaded");

	load(k, "hello", NULL);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(modsim_unload(k, "hello", 0), -ENOENT);
	assert_error_has("rmmod hello: not loaded");
}

/* Exit ran: what the module registered is gone, and nothing was left behind. */
static void test_modsim_unload_runs_exit(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;

	load(k, "hook", NULL);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "hook", 0), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 0);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(st.unload_attempts, 1);
	assert_int_equal(st.unload_ns.n, 1);
}

/* try: a reference held by the host refuses the unload until it is put. */
static void test_modsim_unload_try_held_ref(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = load(k, "hello", NULL);
	struct modsim_stats st;

	assert_true(try_module_get(m->desc));
	assert_int_equal(module_refcount(m->desc), 1);
	assert_int_equal(modsim_unload(k, "hello", 0), -EBUSY);
	assert_error_has("in use (count 1)");
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), -EBUSY);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_ptr_equal(modsim_find(k, "hello"), m);

	module_put(m->desc);
	assert_int_equal(module_refcount(m->desc), 0);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	/* A caller still holding the record fails its get: the count is -1. */
	assert_false(k->strat->get(m, &k->cpus[0]));

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_busy, 2);
	assert_int_equal(st.unload_done, 1);
}

/* none: nothing is counted, so the same unload goes through at once. */
static void test_modsim_unload_none_held_ref(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = load(k, "hello", NULL);

	assert_true(try_module_get(m->desc));
	assert_int_equal(module_refcount(m->desc), -1);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
}

/* A module that holds its own reference (taken in a hook call) under try. */
static void test_modsim_unload_try_busyhook(void **state)
{
	struct modsim_kernel *k = *state;

	load(k, "busyhook", "hold=1");
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "busyhook", 0), -EBUSY);
	assert_error_has("rmmod busyhook: in use");
	assert_int_equal(modsim_hook_run(k, "put"), 1);
	assert_int_equal(modsim_unload(k, "busyhook", 0), 0);
}

static void test_modsim_unload_none_busyhook(void **state)
{
	struct modsim_kernel *k = *state;

	load(k, "busyhook", "hold=1");
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "busyhook", 0), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 0);
}

/* An open file is a long-held reference: try refuses the unload. */
static void test_modsim_unload_try_open_file(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_file *f = NULL;

	load(k, "chardev", NULL);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), -EBUSY);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
}

/* Forced unload ignores the count (unsafe by design), unless forbidden. */
static void test_modsim_unload_force(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = load(k, "hello", NULL);
	struct modsim_stats st;

	assert_true(try_module_get(m->desc));
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_FORCE), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_forced, 1);
	assert_int_equal(st.unload_done, 1);
}

static void test_modsim_unload_force_refused(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = load(k, "hello", NULL);
	struct modsim_stats st;

	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_FORCE), -EPERM);
	assert_error_has("forced unload is not allowed");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_eperm, 1);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
}

/* A module whose exports another live module binds to stays. */
static void test_modsim_unload_used_by(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;

	load(k, "exporter", NULL);
	load(k, "importer", NULL);
	assert_int_equal(modsim_unload(k, "exporter", 0), -EWOULDBLOCK);
	assert_error_has("rmmod exporter: used by importer");
	assert_non_null(modsim_find(k, "exporter"));
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_wouldblock, 1);

	assert_int_equal(modsim_unload(k, "importer", 0), 0);
	assert_int_equal(modsim_unload(k, "exporter", 0), 0);
}

/* Every loader-side point of unload is passed once, in a successful unload. */
static void test_modsim_unload_points(void **state)
{
	static const enum modsim_point_id pts[] = {
		MODSIM_PT_UNLOAD_BEGIN, MODSIM_PT_UNLOAD_AFTER_CHECK, MODSIM_PT_UNLOAD_AFTER_GOING,
		MODSIM_PT_UNLOAD_AFTER_EXIT, MODSIM_PT_UNLOAD_AFTER_FREE,
	};
	struct modsim_kernel *k = *state;

	load(k, "hello", NULL);
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
		modsim_point_watch(k, pts[i]);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
		assert_int_equal(modsim_point_passes(k, pts[i]), 1);
}

/* modsim_mod_wait: the helper presets that wait for users build on. */
static atomic_int wait_flag;

static bool flag_set(struct modsim_mod *m)
{
	return atomic_load(&wait_flag);
}

struct waiter {
	struct modsim_mod *m;
	int err;
};

static void *waiter_main(void *p)
{
	struct waiter *w = p;

	w->err = modsim_mod_wait(w->m, flag_set);
	return NULL;
}

static void test_modsim_mod_wait_woken(void **state)
{
	struct modsim_kernel *k = *state;
	struct waiter w = { .m = load(k, "hello", NULL), .err = 1 };
	struct modsim_stats st;
	pthread_t t;

	atomic_store(&wait_flag, 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, NULL), 0);
	assert_int_equal(pthread_create(&t, NULL, waiter_main, &w), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, 10000), 0);
	assert_false(modsim_mod_waiting(w.m));
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	/* Whether the waiter sleeps already or not, setting the condition and
	 * waking ends the wait well before the (5 s) bound. */
	atomic_store(&wait_flag, 1);
	modsim_mod_wake(w.m);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.err, 0);
	assert_false(modsim_mod_waiting(w.m));
	modsim_stats_get(k, &st);
	assert_true(st.unload_waited <= 1);
}

static void test_modsim_mod_wait_times_out(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = load(k, "hello", NULL);
	struct modsim_stats st;

	atomic_store(&wait_flag, 0);
	k->cfg.unload_timeout_ms = 50;
	assert_int_equal(modsim_mod_wait(m, flag_set), -ETIMEDOUT);
	assert_false(modsim_mod_waiting(m));
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
	/* Already true: no wait, nothing counted. */
	atomic_store(&wait_flag, 1);
	assert_int_equal(modsim_mod_wait(m, flag_set), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_unload_unknown, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_runs_exit, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_try_held_ref, setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_none_held_ref, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_try_busyhook, setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_none_busyhook, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_try_open_file, setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_force, setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_force_refused, setup_try_noforce,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_used_by, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_points, setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_mod_wait_woken, setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_mod_wait_times_out, setup_try, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
