/* Preset "stopworld": workers park around init and exit; a sleeping init deadlocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include <modsim/firmware.h>
#include <modsim/workers.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_stopworld;

static FILE *devnull; /* watchdog reports: keep ctest output short */

static int make_kernel(void **state, const char *strategy, unsigned int init_timeout_ms)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.timer_thread = false;
	cfg.init_timeout_ms = init_timeout_ms;
	cfg.log = devnull;
	if (modsim_kernel_create(&cfg, &k))
		return -1;
	*state = k;
	return 0;
}

static int setup(void **state)
{
	return make_kernel(state, "stopworld", 0);
}

/* The S hazard needs the watchdog: 300 ms, as the harness runs it. */
static int setup_watchdog(void **state)
{
	return make_kernel(state, "stopworld", 300);
}

static int setup_none_watchdog(void **state)
{
	return make_kernel(state, "none", 300);
}

/* One worker that only runs the hook chain; wait until it is looping. */
static void start_worker(struct modsim_kernel *k)
{
	struct modsim_mix mix;

	modsim_mix_default(&mix);
	mix.hook = 1;
	mix.chrdev = mix.notifier = mix.symbol = 0;
	assert_int_equal(modsim_workers_start(k, 1, &mix), 0);
	modsim_point_watch(k, MODSIM_PT_QUIESCENT);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_QUIESCENT, 2, PU_WAIT_MS), 0);
}

/* The worker runs: it passes its quiescent point twice more (one whole step between). */
static void assert_worker_moves(struct modsim_kernel *k)
{
	unsigned long p = modsim_point_passes(k, MODSIM_PT_QUIESCENT);

	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_QUIESCENT, p + 2, PU_WAIT_MS), 0);
}

/* With the world stopped: every online CPU slot is parked; how many are. */
static unsigned int assert_world_parked(struct modsim_kernel *k)
{
	unsigned int parked = 0;

	assert_int_equal(atomic_load(&k->world_stop), 1);
	for (unsigned int i = 0; i < k->ncpus; i++) {
		struct modsim_cpu *c = &k->cpus[i];

		if (!atomic_load(&c->used) || !atomic_load(&c->online))
			continue;
		assert_int_equal(atomic_load(&c->parked), 1);
		parked++;
	}
	return parked;
}

static unsigned long world_stops(struct modsim_kernel *k)
{
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	return st.world_stop_ns.n;
}

static unsigned long hook_ops(struct modsim_kernel *k)
{
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	return st.ops[MODSIM_SS_HOOK];
}

/* Wait (failure bound only) until workers have served @n firmware requests. */
static void wait_served(struct modsim_kernel *k, unsigned long n)
{
	uint64_t deadline = modsim_now_ns() + (uint64_t)PU_WAIT_MS * 1000000u;

	while (modsim_firmware_served(k) < n) {
		if (modsim_now_ns() > deadline)
			fail_msg("no worker served %lu firmware request(s)", n);
		sched_yield();
	}
}

static void test_stopworld_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_UNSAFE,
	};

	pu_assert_described(&modsim_preset_stopworld, "stopworld", "5", row);
	assert_null(modsim_preset_stopworld.self_enter);
}

static void test_stopworld_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/*
 * Load and unload with a worker running: while init runs (parked between
 * its registrations) and while exit is about to run, the worker stands
 * still, parked outside module code; each stop is recorded as a sample,
 * and the worker runs again afterwards (and calls what init registered).
 */
static void test_stopworld_worker_stands_still(void **state)
{
	struct modsim_kernel *k = *state;
	unsigned long stops0;
	struct pu_thread u;

	start_worker(k);
	stops0 = world_stops(k);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "halfinit"), 0);
	pu_start(&u, k, PU_LOAD, "halfinit", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, PU_WAIT_MS), 0);
	assert_int_equal(assert_world_parked(k), 1);
	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(atomic_load(&k->world_stop), 0);
	assert_int_equal(world_stops(k), stops0 + 1);
	assert_worker_moves(k);
	assert_true(hook_ops(k) > 0); /* the worker called halfinit's hook */

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_GOING, "halfinit"), 0);
	pu_start(&u, k, PU_UNLOAD, "halfinit", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_GOING, PU_WAIT_MS), 0);
	assert_int_equal(assert_world_parked(k), 1);
	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(atomic_load(&k->world_stop), 0);
	assert_int_equal(world_stops(k), stops0 + 2);
	assert_worker_moves(k);
	assert_int_equal(pu_violations(k), 0);
}

/* L: an open file is a counted reference; unload answers -EBUSY and restarts the world. */
static void test_stopworld_open_file_refuses_unload(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_file *f = NULL;
	unsigned long stops0;
	char buf[32];

	start_worker(k);
	pu_load(k, "chardev", NULL);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 0);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 1);

	stops0 = world_stops(k);
	assert_int_equal(modsim_unload(k, "chardev", 0), -EBUSY);
	pu_assert_error_has("rmmod chardev: in use (count 1)");
	assert_int_equal(modsim_mod_state(modsim_find(k, "chardev")), MODSIM_STATE_LIVE);
	assert_int_equal(atomic_load(&k->world_stop), 0);
	assert_int_equal(world_stops(k), stops0 + 1);
	assert_worker_moves(k);

	assert_true(modsim_chrdev_read(f, buf, sizeof(buf)) > 0);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

/* A failed init: the world is started again, the generation goes. */
static void test_stopworld_failed_init_restarts_world(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "fail_at=2" };

	start_worker(k);
	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	assert_int_equal(atomic_load(&k->world_stop), 0);
	assert_int_equal(modsim_mod_state(pu_newest(k)), MODSIM_STATE_GONE);
	assert_worker_moves(k);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * S: initsleep's init waits for a firmware request that only a worker
 * serves, and the worker is parked by the world stop around init.  The
 * watchdog fires (-ETIMEDOUT, one DEADLOCK, the module stuck), the world
 * runs again: the worker's operations go on, and it serves the request.
 */
static void test_stopworld_initsleep_deadlocks(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;
	struct modsim_mod *m;
	unsigned long ops0;

	pu_load(k, "hook", NULL); /* something for the worker to call */
	start_worker(k);
	assert_int_equal(modsim_load(k, "initsleep", 0, NULL, NULL), -ETIMEDOUT);
	pu_assert_error_has("watchdog");
	m = pu_newest(k);
	assert_string_equal(m->name, "initsleep");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_STUCK);
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_DEADLOCK], 1);
	assert_string_equal(st.first[MODSIM_V_DEADLOCK].module, "initsleep");
	assert_int_equal(st.first[MODSIM_V_DEADLOCK].subsys, MODSIM_SS_LOADER);

	assert_int_equal(atomic_load(&k->world_stop), 0);
	ops0 = st.ops[MODSIM_SS_HOOK];
	assert_worker_moves(k);
	assert_true(hook_ops(k) > ops0);
	wait_served(k, 1);
	assert_int_equal(modsim_firmware_pending(k), 0);
}

/* The same load under "none": the worker serves the request, init returns 0. */
static void test_none_initsleep_loads(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;

	pu_load(k, "hook", NULL);
	start_worker(k);
	assert_int_equal(modsim_load(k, "initsleep", 0, NULL, NULL), 0);
	assert_int_equal(modsim_firmware_served(k), 1);
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_DEADLOCK], 0);
	assert_int_equal(modsim_unload(k, "initsleep", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stopworld_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_stopworld_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_stopworld_worker_stands_still, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_stopworld_open_file_refuses_unload, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_stopworld_failed_init_restarts_world, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_stopworld_initsleep_deadlocks, setup_watchdog,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_none_initsleep_loads, setup_none_watchdog,
						pu_teardown),
	};
	int rc;

	devnull = fopen("/dev/null", "w");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (devnull)
		fclose(devnull);
	return rc;
}
