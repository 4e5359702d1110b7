/* Workers and the cycler: operations happen, seeds reproduce, stop joins and frees slots. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/point.h>
#include <modsim/stats.h>
#include <modsim/workers.h>

#include "kernel/units.h"

#define WAIT_MS 10000

static struct modsim_kernel *kernel_new(unsigned long seed)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.seed = seed;
	cfg.timer_thread = false;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	return k;
}

static int setup(void **state)
{
	*state = kernel_new(1);
	return 0;
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

static unsigned int slots_used(struct modsim_kernel *k)
{
	unsigned int i, n = 0;

	for (i = 0; i < k->ncpus; i++)
		n += atomic_load(&k->cpus[i].used) ? 1 : 0;
	return n;
}

static void mix_only(struct modsim_mix *mix, enum modsim_subsys ss)
{
	modsim_mix_default(mix);
	mix->hook = ss == MODSIM_SS_HOOK;
	mix->chrdev = ss == MODSIM_SS_CHRDEV;
	mix->notifier = ss == MODSIM_SS_NOTIFIER;
	mix->symbol = ss == MODSIM_SS_SYMBOL;
}

/* Each pass of the quiescent point but a worker's first follows one finished operation. */
static void wait_steps(struct modsim_kernel *k, unsigned long n)
{
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_QUIESCENT, n, WAIT_MS), 0);
}

static void test_modsim_workers_start_hook_ops_rise(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;
	struct modsim_mix mix;

	assert_int_equal(modsim_load(k, "hook", 0, NULL, NULL), 0);
	mix_only(&mix, MODSIM_SS_HOOK);
	modsim_stats_get(k, &st);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 0);

	assert_int_equal(modsim_workers_start(k, 2, &mix), 0);
	assert_int_equal(modsim_workers_running(k), 2);
	wait_steps(k, 102);
	modsim_stats_get(k, &st);
	assert_true(st.ops[MODSIM_SS_HOOK] >= 100);
	assert_int_equal(st.ops[MODSIM_SS_CHRDEV], 0);
	modsim_workers_stop(k);
	assert_int_equal(modsim_workers_running(k), 0);
	assert_int_equal(modsim_unload(k, "hook", 0), 0);
}

static void test_modsim_workers_start_chrdev_sessions_close(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;
	struct modsim_mix mix;

	assert_int_equal(modsim_load(k, "chardev", 0, NULL, NULL), 0);
	mix_only(&mix, MODSIM_SS_CHRDEV);
	mix.session_ops = 4;
	assert_int_equal(modsim_workers_start(k, 2, &mix), 0);
	wait_steps(k, 202);
	modsim_stats_get(k, &st);
	/* open, 4 operations, release: every step is a call into the module */
	assert_true(st.ops[MODSIM_SS_CHRDEV] >= 200);
	modsim_workers_stop(k);
	/* Stopped workers closed their files: nothing holds chardev. */
	assert_int_equal(modsim_unload(k, "chardev", MODSIM_UNLOAD_NOWAIT), 0);
}

static void collect_choices(struct modsim_kernel *k, unsigned int n, int out[][32])
{
	unsigned long steps = 0;
	unsigned int i, have;
	int c[32];

	struct modsim_mix mix;

	modsim_mix_default(&mix);
	mix.hook = 1;
	mix.chrdev = 2;
	mix.notifier = 3;
	mix.symbol = 4;
	assert_int_equal(modsim_workers_start(k, n, &mix), 0);
	do {
		steps += 64;
		wait_steps(k, steps);
		for (have = 0, i = 0; i < n; i++)
			have += modsim_workers_choices(k, i, c, 32) == 32;
	} while (have < n);
	modsim_workers_stop(k);
	for (i = 0; i < n; i++)
		assert_int_equal(modsim_workers_choices(k, i, out[i], 32), 32);
}

static void test_modsim_workers_choices_same_seed(void **state)
{
	struct modsim_kernel *a = kernel_new(42), *b = kernel_new(42), *c = kernel_new(43);
	int ca[2][32], cb[2][32], cc[2][32];
	unsigned int i, j, seen[MODSIM_SS__COUNT] = { 0 };

	collect_choices(a, 2, ca);
	collect_choices(b, 2, cb);
	collect_choices(c, 2, cc);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 32; j++) {
			assert_int_equal(ca[i][j], cb[i][j]);
			assert_in_range(ca[i][j], 0, MODSIM_SS__COUNT - 1);
			seen[ca[i][j]]++;
		}
	/* Another seed, or another worker, chooses differently. */
	assert_memory_not_equal(ca[0], cc[0], sizeof(ca[0]));
	assert_memory_not_equal(ca[0], ca[1], sizeof(ca[0]));
	/* Only the four worker subsystems are chosen. */
	assert_int_equal(seen[MODSIM_SS_TIMER], 0);
	assert_int_equal(seen[MODSIM_SS_LOADER], 0);
	assert_true(seen[MODSIM_SS_SYMBOL] > 0);
	assert_int_equal(modsim_workers_choices(a, 2, ca[0], 32), -EINVAL);
	modsim_kernel_destroy(a);
	modsim_kernel_destroy(b);
	modsim_kernel_destroy(c);
}

static void test_modsim_workers_stop_releases_slots(void **state)
{
	struct modsim_kernel *k = *state;
	unsigned int before = slots_used(k);
	struct modsim_mix mix;

	modsim_mix_default(&mix);
	assert_int_equal(modsim_workers_start(k, 3, &mix), 0);
	/* start returns once every worker holds its slot */
	assert_int_equal(slots_used(k), before + 3);
	assert_int_equal(modsim_workers_start(k, 1, &mix), -EBUSY);
	modsim_workers_stop(k);
	assert_int_equal(slots_used(k), before);
	assert_int_equal(modsim_workers_running(k), 0);
	/* stopping twice is harmless; starting again works */
	modsim_workers_stop(k);
	assert_int_equal(modsim_workers_start(k, 2, &mix), 0);
	assert_int_equal(slots_used(k), before + 2);
	modsim_workers_stop(k);
	assert_int_equal(slots_used(k), before);
}

static void test_modsim_workers_start_bad_count(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mix mix;

	modsim_mix_default(&mix);
	assert_int_equal(modsim_workers_start(k, 0, &mix), -EINVAL);
	assert_int_equal(modsim_workers_start(k, 1, &(struct modsim_mix){ .session_ops = 1 }),
			 -EINVAL);
	assert_int_equal(modsim_workers_start(k, k->ncpus + 1, &mix), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "workers"));
	assert_int_equal(modsim_workers_running(k), 0);
}

static void test_modsim_workers_start_no_slot_left(void **state)
{
	struct modsim_kernel *k = *state;
	unsigned int before;
	struct modsim_mix mix;

	/* This thread takes a slot, so the kernel's CPUs cannot all be workers. */
	modsim_hook_run(k, NULL);
	before = slots_used(k);
	assert_true(before >= 1);
	modsim_mix_default(&mix);
	assert_int_equal(modsim_workers_start(k, k->ncpus, &mix), -EAGAIN);
	assert_int_equal(modsim_workers_running(k), 0);
	assert_int_equal(slots_used(k), before);
}

static void test_modsim_cycler_start_cycles(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "greeting=hi" };
	struct modsim_stats st;
	unsigned long cycles;

	assert_int_equal(modsim_cycler_start(k, "hello", 1, params), 0);
	assert_int_equal(modsim_cycler_start(k, "hello", 0, NULL), -EBUSY);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_LOAD_AFTER_INIT, 5, WAIT_MS), 0);
	cycles = modsim_cycler_stop(k);
	assert_true(cycles >= 4);
	modsim_stats_get(k, &st);
	assert_true(st.loads >= cycles);
	assert_true(st.unload_done >= cycles);
	assert_null(modsim_find(k, "hello"));
	assert_int_equal(modsim_cycler_stop(k), 0);
}

static void test_modsim_cycler_start_failed_loads_go_on(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "fail_at=1" };
	struct modsim_stats st;

	assert_int_equal(modsim_cycler_start(k, "halfinit", 1, params), 0);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_LOAD_INIT_FAILED, 3, WAIT_MS), 0);
	assert_int_equal(modsim_cycler_stop(k), 0);
	modsim_stats_get(k, &st);
	assert_true(st.init_failures >= 3);
	assert_null(modsim_find(k, "halfinit"));
}

/* Under try, a held file makes every unload EBUSY: stopping leaves the module loaded. */
static void test_modsim_cycler_stop_leaves_busy_module(void **state)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;
	struct modsim_file *f = NULL;
	struct modsim_stats st;
	char *log = NULL;
	size_t loglen = 0;

	modsim_config_default(&cfg);
	cfg.strategy = "try";
	cfg.timer_thread = false;
	cfg.log = open_memstream(&log, &loglen);
	assert_non_null(cfg.log);
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);

	/* Hold the cycler between its first load and its first unload. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_BEGIN, "chardev"), 0);
	assert_int_equal(modsim_cycler_start(k, "chardev", 0, NULL), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_BEGIN, WAIT_MS), 0);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_BEGIN);
	/* The refused unload is retried. */
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_UNLOAD_BEGIN, 5, WAIT_MS), 0);
	assert_int_equal(modsim_cycler_stop(k), 0);
	modsim_stats_get(k, &st);
	assert_true(st.unload_busy >= 3);
	assert_int_equal(st.unload_done, 0);
	assert_non_null(modsim_find(k, "chardev"));

	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	modsim_kernel_destroy(k);
	fclose(cfg.log);
	assert_non_null(strstr(log, "cycler: left chardev loaded"));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_workers_start_hook_ops_rise, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_workers_start_chrdev_sessions_close,
						setup, teardown),
		cmocka_unit_test(test_modsim_workers_choices_same_seed),
		cmocka_unit_test_setup_teardown(test_modsim_workers_stop_releases_slots, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_workers_start_bad_count, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_workers_start_no_slot_left, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cycler_start_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cycler_start_failed_loads_go_on, setup,
						teardown),
		cmocka_unit_test(test_modsim_cycler_stop_leaves_busy_module),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
