/* A module author's cmocka test: counter.so's unload path under chosen presets, with the race forced at a named point. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/point.h>
#include <modsim/stats.h>

/* How long a wait may take before the test fails; it never orders threads. */
#define WAIT_MS 10000

/* A kernel under @preset, with init and exit run inline on the loading thread. */
static struct modsim_kernel *kernel_under(const char *preset)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.strategy = preset;
	cfg.timer_thread = false;
	cfg.init_timeout_ms = 0;
	if (modsim_kernel_create(&cfg, &k) != 0)
		fail_msg("cannot make a kernel under %s: %s", preset, modsim_last_error());
	return k;
}

static int teardown(void **state)
{
	if (*state)
		modsim_kernel_destroy(*state);
	return 0;
}

/* Load counter.so (by its path: it is ours, not on the module path). */
static void load_counter(struct modsim_kernel *k, const char *param)
{
	char *params[] = { (char *)param };

	if (modsim_load(k, COUNTER_SO, param ? 1 : 0, param ? params : NULL, NULL) != 0)
		fail_msg("insmod %s: %s", COUNTER_SO, modsim_last_error());
}

/* A CPU that runs the hook chain once; @ret is what modsim_hook_run() said. */
struct caller {
	struct modsim_kernel *k;
	pthread_t tid;
	int ret;
};

static void *caller_main(void *arg)
{
	struct caller *c = arg;

	c->ret = modsim_hook_run(c->k, NULL);
	return NULL;
}

/*
 * The unload race (the post's hazard A), forced: a caller finds counter's
 * hook and is parked at call.after_lookup, before the preset's entry; rmmod
 * runs to the end meanwhile; then the caller goes on.  The presets used here
 * (none, try) do not make rmmod wait for a caller that has not entered yet,
 * so this thread can unload while the caller is parked.  Returns rmmod's
 * result; the caller's is in @c->ret.
 */
static int race_unload_against_caller(struct modsim_kernel *k, struct caller *c)
{
	int point = modsim_point_lookup("call.after_lookup");
	int rmmod;

	assert_true(point >= 0);
	assert_int_equal(modsim_point_trap(k, (enum modsim_point_id)point, "counter"), 0);
	c->k = k;
	c->ret = INT_MIN;
	assert_int_equal(pthread_create(&c->tid, NULL, caller_main, c), 0);
	assert_int_equal(modsim_point_wait_parked(k, (enum modsim_point_id)point, WAIT_MS), 0);

	rmmod = modsim_unload(k, "counter", 0);

	modsim_point_release(k, (enum modsim_point_id)point);
	assert_int_equal(pthread_join(c->tid, NULL), 0);
	return rmmod;
}

/*
 * Under "none" nothing protects the call: the caller enters counter after
 * its exit began and runs its unloaded code; modsim catches the fault and
 * names both.
 */
static void test_counter_unload_race_under_none(void **state)
{
	struct modsim_kernel *k = *state = kernel_under("none");
	const struct modsim_violation *fault;
	struct modsim_stats st;
	struct caller c;

	load_counter(k, NULL);
	assert_int_equal(race_unload_against_caller(k, &c), 0);
	assert_int_equal(c.ret, 0); /* the faulted hook does not count as called */

	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_CALL_AFTER_EXIT], 1);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 1);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 0);
	assert_int_equal(st.faulted[MODSIM_SS_HOOK], 1);
	fault = &st.first[MODSIM_V_FAULT];
	assert_string_equal(fault->module, "counter");
	assert_int_equal(fault->subsys, MODSIM_SS_HOOK);
	assert_int_equal(fault->point, modsim_point_lookup("call.after_lookup"));
}

/* Under "try" (try_module_get on entry) the parked caller is refused instead: no violation. */
static void test_counter_unload_race_under_try(void **state)
{
	struct modsim_kernel *k = *state = kernel_under("try");
	struct modsim_stats st;
	struct caller c;

	load_counter(k, NULL);
	assert_int_equal(race_unload_against_caller(k, &c), 0);
	assert_int_equal(c.ret, 0); /* no hook ran */

	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 1);
	for (int kind = 0; kind < MODSIM_V__COUNT; kind++)
		assert_int_equal(st.violations[kind], 0);
	assert_null(modsim_find(k, "counter"));
}

/* A hook left registered by exit is a leak, named, at the rmmod that left it. */
static void test_counter_forgotten_unregister_is_a_leak(void **state)
{
	struct modsim_kernel *k = *state = kernel_under("try");
	struct modsim_violation v[8];
	struct modsim_stats st;
	size_t n;

	load_counter(k, "forget_unregister=1");
	assert_int_equal(modsim_unload(k, "counter", 0), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 1);
	n = modsim_violations(k, v, 8);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].kind, MODSIM_V_LEAK);
	assert_string_equal(v[0].module, "counter");
	assert_non_null(strstr(v[0].detail, "counter"));
	/* The leftover was swept: the chain no longer reaches the unloaded hook. */
	assert_int_equal(modsim_hook_run(k, NULL), 0);
}

/* "nounload" refuses rmmod: the module stays, and keeps working. */
static void test_counter_unload_refused_under_nounload(void **state)
{
	struct modsim_kernel *k = *state = kernel_under("nounload");
	struct modsim_stats st;

	load_counter(k, NULL);
	assert_int_equal(modsim_unload(k, "counter", 0), -EPERM);
	assert_non_null(modsim_find(k, "counter"));
	assert_int_equal(modsim_hook_run(k, NULL), 1);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_eperm, 1);
	assert_int_equal(st.unload_done, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_counter_unload_race_under_none, teardown),
		cmocka_unit_test_teardown(test_counter_unload_race_under_try, teardown),
		cmocka_unit_test_teardown(test_counter_forgotten_unregister_is_a_leak, teardown),
		cmocka_unit_test_teardown(test_counter_unload_refused_under_nounload, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
