/* One meaning per word: a callback exit waits for is no call-after-exit; a live module's own crash is module-crash, never the preset's. */
/* LABELS: faults */
/* TIMEOUT: 900 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/hook.h>
#include <modsim/kernel.h>
#include <modsim/lab/matrix.h>
#include <modsim/lab/run.h>
#include <modsim/point.h>
#include <modsim/stats.h>
#include <modsim/strategy.h>
#include <modsim/timer.h>

#include "kernel/units.h"

/* Failure bound of every wait; never orders threads. */
#define WAIT_MS 5000u
#define SLICE_MS 2u

static struct modsim_kernel *kernel_new(const char *strategy)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.max_cpus = 8;
	cfg.timer_thread = false;
	cfg.unload_timeout_ms = 2000;
	cfg.log = fopen("/dev/null", "w");
	assert_non_null(cfg.log);
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	return k;
}

static void kernel_free(struct modsim_kernel *k)
{
	FILE *log = k->cfg.log;

	modsim_kernel_destroy(k);
	fclose(log);
}

static unsigned long races(struct modsim_kernel *k)
{
	struct modsim_stats st;
	unsigned long n = 0;

	modsim_stats_get(k, &st);
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		if (modsim_vkind_is_race((enum modsim_vkind)v))
			n += st.violations[v];
	return n;
}

/* ---- the correct timer module, at the interleaving where its callback runs while exit waits ---- */

struct actor {
	struct modsim_kernel *k;
	pthread_t tid;
	_Atomic int done;
	int rc;
	int (*fn)(struct actor *a);
};

static void *actor_main(void *arg)
{
	struct actor *a = arg;

	a->rc = a->fn(a);
	modsim_cpu_release_self(a->k);
	atomic_store(&a->done, 1);
	return NULL;
}

static void actor_start(struct actor *a, struct modsim_kernel *k, int (*fn)(struct actor *a))
{
	a->k = k;
	a->fn = fn;
	atomic_store(&a->done, 0);
	assert_int_equal(pthread_create(&a->tid, NULL, actor_main, a), 0);
}

static int act_fire(struct actor *a)
{
	return modsim_timer_run_expired(a->k, true);
}

static int act_unload(struct actor *a)
{
	return modsim_unload(a->k, "timersync", 0);
}

/* Wait until a thread is parked at @id (true) or @a finished (false); fail past the bound. */
static bool parked_or_done(struct modsim_kernel *k, enum modsim_point_id id, struct actor *a)
{
	for (unsigned int t = 0; t < WAIT_MS; t += SLICE_MS) {
		if (modsim_point_wait_parked(k, id, SLICE_MS) == 0)
			return true;
		if (atomic_load(&a->done))
			return false;
	}
	fail_msg("neither parked at %s nor finished within %u ms", modsim_point_name(id), WAIT_MS);
	return false;
}

/*
 * F picks the armed timer and parks before its callback (timer.after_pick).
 * U unloads; exit sets the stop flag and del_timer_sync() finds the callback
 * running and waits (unload.wait), or the preset waits earlier, or unload
 * is refused.  Then F's callback runs, U finishes.  No violation: the
 * callback was waited for.  Returns whether the callback ran while exit
 * was waiting for it.
 */
static bool timersync_forced(const char *strategy)
{
	struct modsim_kernel *k = kernel_new(strategy);
	struct actor f = { 0 }, u = { 0 };
	struct modsim_mod *m = NULL;
	bool in_exit = false;

	assert_int_equal(modsim_load(k, "timersync", 0, NULL, &m), 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_TIMER_AFTER_PICK, "timersync"), 0);
	actor_start(&f, k, act_fire);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_TIMER_AFTER_PICK, WAIT_MS), 0);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "timersync"), 0);
	actor_start(&u, k, act_unload);
	if (parked_or_done(k, MODSIM_PT_UNLOAD_WAIT, &u))
		in_exit = atomic_load(&m->exiting);
	modsim_point_release(k, MODSIM_PT_TIMER_AFTER_PICK);
	assert_int_equal(pthread_join(f.tid, NULL), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(pthread_join(u.tid, NULL), 0);
	if (u.rc == 0)
		assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	else
		assert_true(u.rc == -EPERM || u.rc == -EBUSY || u.rc == -EWOULDBLOCK);
	if (races(k))
		fail_msg("%s: the correct timer module showed %lu violations", strategy, races(k));
	kernel_free(k);
	return in_exit;
}

static void test_timersync_forced_every_preset(void **state)
{
	const struct modsim_strategy *const *all;
	unsigned int in_exit = 0;
	size_t n;

	(void)state;
	all = modsim_strategy_all(&n);
	for (size_t i = 0; i < n; i++)
		in_exit += timersync_forced(all[i]->name);
	/* The interleaving the issue names happened, where exit reaches the timer first. */
	assert_true(timersync_forced("none"));
	assert_true(timersync_forced("inc"));
	assert_true(timersync_forced("twoinit"));
	assert_true(timersync_forced("quiesce"));
	assert_true(in_exit >= 4);
}

/* The same module, cycled under random schedules: no violation under any preset. */
static void test_timersync_random_every_preset(void **state)
{
	const struct modsim_strategy *const *all;
	char path[] = "/tmp/modsim-timersync-XXXXXX.ini";
	const char *ini = "[scenario]\nname = timer-sync\n"
			  "description = timersync cycled: a correct timer module\n"
			  "[module]\nname = timersync\n[workers]\nhook = 1\n[loader]\naction = cycle\n";
	unsigned long ops = 0, cycles = 0;
	size_t n;
	int fd;

	(void)state;
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
	close(fd);
	all = modsim_strategy_all(&n);
	for (size_t i = 0; i < n; i++) {
		bool named = !strcmp(all[i]->name, "none") || !strcmp(all[i]->name, "inc") ||
			     !strcmp(all[i]->name, "twoinit") || !strcmp(all[i]->name, "quiesce");
		unsigned int seeds = named ? 100 : 20;

		for (unsigned int seed = 1; seed <= seeds; seed++) {
			struct modsim_run_config cfg;
			struct modsim_run_result res;

			modsim_run_config_default(&cfg);
			snprintf(cfg.strategy, sizeof(cfg.strategy), "%s", all[i]->name);
			snprintf(cfg.scenario, sizeof(cfg.scenario), "%s", path);
			cfg.sched = MODSIM_SCHED_RANDOM;
			cfg.seed = seed;
			memset(&res, 0, sizeof(res));
			assert_int_equal(modsim_run(&cfg, &res), 0);
			if (modsim_run_violations(&res))
				fail_msg("%s seed %u: %lu violations on the correct timer module",
					 all[i]->name, seed, modsim_run_violations(&res));
			ops += res.stats.ops[MODSIM_SS_TIMER];
			cycles += res.cycles;
			modsim_run_result_free(&res);
		}
	}
	unlink(path);
	/* Evidence: the timer fired and the module was cycled. */
	assert_true(ops > 0);
	assert_true(cycles > 0);
}

/* ---- module-crash: a live module's own fault inside a guarded call ---- */

static void crash_case(const char *strategy, const char *how)
{
	struct modsim_kernel *k = kernel_new(strategy);
	char param[16];
	char *params[] = { param };
	struct modsim_violation v[4];
	struct modsim_stats st;
	struct modsim_mod *m = NULL;

	snprintf(param, sizeof(param), "how=%s", how);
	assert_int_equal(modsim_load(k, "crashhook", 1, params, &m), 0);
	/* The hook faults; the call is counted as faulted, the process lives on. */
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_MODULE_CRASH], 2);
	assert_int_equal(st.faulted[MODSIM_SS_HOOK], 2);
	assert_int_equal(races(k), 0);
	assert_int_equal(modsim_violations(k, v, 4), 2);
	assert_string_equal(v[0].module, "crashhook");
	assert_int_equal(v[0].kind, MODSIM_V_MODULE_CRASH);
	/* Still LIVE, and it unloads like any other. */
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(modsim_unload(k, "crashhook", 0), 0);
	kernel_free(k);
}

static void test_module_crash_null_call(void **state)
{
	(void)state;
	crash_case("try", "2");
	crash_case("linux26", "2");
	crash_case("none", "2");
}

static void test_module_crash_null_read(void **state)
{
	(void)state;
	crash_case("try", "1");
	crash_case("linux26", "1");
}

static void test_module_crash_rodata_write(void **state)
{
	(void)state;
	crash_case("try", "3");
}

/*
 * A run whose module crashes while LIVE (held loaded, so that every call
 * reaches it) shows no violation: nothing a preset is judged by.
 */
static void test_module_crash_not_a_verdict(void **state)
{
	char path[] = "/tmp/modsim-crashhook-XXXXXX.ini";
	const char *ini = "[scenario]\nname = crash\nhazard = A\n"
			  "description = a live hook that calls through NULL\n"
			  "[module]\nname = crashhook\nparams = how=2\n[workers]\nhook = 1\n"
			  "[loader]\naction = hold\n";
	const char *presets[] = { "try", "linux26" };
	int fd;

	(void)state;
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
	close(fd);
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		struct modsim_run_config cfg;
		struct modsim_run_result res;
		char hazard[16];

		modsim_run_config_default(&cfg);
		snprintf(cfg.strategy, sizeof(cfg.strategy), "%s", presets[i]);
		snprintf(cfg.scenario, sizeof(cfg.scenario), "%s", path);
		cfg.duration_ms = 200;
		memset(&res, 0, sizeof(res));
		assert_int_equal(modsim_run(&cfg, &res), 0);
		assert_true(res.stats.violations[MODSIM_V_MODULE_CRASH] > 0);
		assert_int_equal(modsim_run_violations(&res), 0);
		assert_int_equal(modsim_run_first_kind(&res), -1);
		/* Predicted safe for A, and no race found: the cell matches. */
		assert_int_equal(modsim_matrix_predict(presets[i], path, hazard), MODSIM_PREDICT_SAFE);
		modsim_run_result_free(&res);
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_crash_null_call),
		cmocka_unit_test(test_module_crash_null_read),
		cmocka_unit_test(test_module_crash_rodata_write),
		cmocka_unit_test(test_module_crash_not_a_verdict),
		cmocka_unit_test(test_timersync_forced_every_preset),
		cmocka_unit_test(test_timersync_random_every_preset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
