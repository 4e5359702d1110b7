/* Tests for the hook chain: priority order, HOOK_STOP, refused stale calls, the leak sweep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <modsim/hook.h>
#include <modsim/kernel.h>
#include <modsim/point.h>
#include <modsim/stats.h>

#define WAIT_MS 10000

static int setup_strategy(void **state, const char *strategy)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.timer_thread = false;
	cfg.init_timeout_ms = 0;
	if (modsim_kernel_create(&cfg, &k))
		return -1;
	*state = k;
	return 0;
}

static int setup_none(void **state)
{
	return setup_strategy(state, "none");
}

static int setup_try(void **state)
{
	return setup_strategy(state, "try");
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

/* How many recorded violations are of @kind and have @detail in their detail line. */
static int violations_with(struct modsim_kernel *k, enum modsim_vkind kind, const char *detail)
{
	struct modsim_violation v[64];
	size_t n = modsim_violations(k, v, 64);
	int hits = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].kind == kind && (!detail || strstr(v[i].detail, detail)))
			hits++;
	return hits;
}

/* A caller thread running the chain once. */
struct runner {
	struct modsim_kernel *k;
	pthread_t tid;
	char log[32];
	int ret;
};

static void *run_hooks(void *arg)
{
	struct runner *r = arg;

	r->ret = modsim_hook_run(r->k, r->log);
	return NULL;
}

static void test_register_hook_priority_order(void **state)
{
	struct modsim_kernel *k = *state;
	char log[32] = "";

	assert_int_equal(modsim_load(k, "ss_hooks", 0, NULL, NULL), 0);
	/* a(10), b(-5), c(10), d(0) registered in that order: lower first, ties stable. */
	assert_int_equal(modsim_hook_run(k, log), 4);
	assert_string_equal(log, "bdac");
	assert_int_equal(modsim_unload(k, "ss_hooks", 0), 0);

	memset(log, 0, sizeof(log));
	assert_int_equal(modsim_hook_run(k, log), 0);
	assert_string_equal(log, "");
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, NULL), 0);
}

static void test_register_hook_across_modules(void **state)
{
	struct modsim_kernel *k = *state;
	char *prio[] = { "priority=5" };
	struct modsim_stats st;
	char log[32] = "";

	assert_int_equal(modsim_load(k, "ss_hooks", 0, NULL, NULL), 0);
	assert_int_equal(modsim_load(k, "hook", 1, prio, NULL), 0);
	/* The example's hook (priority 5) sits between d (0) and a (10); it logs nothing. */
	assert_int_equal(modsim_hook_run(k, log), 5);
	assert_string_equal(log, "bdac");
	modsim_stats_get(k, &st);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 5);
	assert_int_equal(modsim_unload(k, "hook", 0), 0);
	assert_int_equal(modsim_unload(k, "ss_hooks", 0), 0);
}

static void test_modsim_hook_run_stop(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "stop=d" };
	char log[32] = "";

	assert_int_equal(modsim_load(k, "ss_hooks", 1, params, NULL), 0);
	assert_int_equal(modsim_hook_run(k, log), 2);
	assert_string_equal(log, "bd");
	assert_int_equal(modsim_unload(k, "ss_hooks", 0), 0);
}

static void test_modsim_hook_run_empty(void **state)
{
	assert_int_equal(modsim_hook_run(*state, NULL), 0);
}

static void test_register_hook_twice(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "twice=1" };
	char log[32] = "";

	/* The module's init fails unless its second register_hook() says -EEXIST. */
	assert_int_equal(modsim_load(k, "ss_hooks", 1, params, NULL), 0);
	assert_int_equal(modsim_hook_run(k, log), 4);
	assert_string_equal(log, "bdac");
	assert_int_equal(modsim_unload(k, "ss_hooks", 0), 0);
}

static void test_register_hook_no_owner(void **state)
{
	static struct hook_ops builtin = { .name = "builtin" };

	assert_int_equal(register_hook(NULL), -EINVAL);
	assert_int_equal(register_hook(&builtin), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "builtin"));
	assert_int_equal(unregister_hook(&builtin), -ENOENT);
}

/*
 * Problem A under `try`: a caller found the hook, the module is unloaded
 * before it enters; the entry is refused and nothing faults.
 */
static void test_modsim_hook_run_unload_race_refused(void **state)
{
	struct modsim_kernel *k = *state;
	struct runner r = { .k = k };
	struct modsim_stats st;

	assert_int_equal(modsim_load(k, "hook", 0, NULL, NULL), 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_LOOKUP, "hook"), 0);
	assert_int_equal(pthread_create(&r.tid, NULL, run_hooks, &r), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_LOOKUP, WAIT_MS), 0);

	assert_int_equal(modsim_unload(k, "hook", 0), 0);
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_LOOKUP);
	assert_int_equal(pthread_join(r.tid, NULL), 0);

	assert_int_equal(r.ret, 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 1);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 0);
	assert_int_equal(st.faulted[MODSIM_SS_HOOK], 0);
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		assert_int_equal(st.violations[v], 0);
}

static void test_modsim_hook_sweep_leak(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "leak=1" };
	char log[32] = "";

	assert_int_equal(modsim_load(k, "ss_hooks", 1, params, NULL), 0);
	assert_int_equal(modsim_unload(k, "ss_hooks", 0), 0);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, NULL), 4);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, "hook 'a' still registered"), 1);
	assert_int_equal(violations_with(k, MODSIM_V_LEAK, "hook 'd' still registered"), 1);
	/* Swept: the chain no longer calls into the unloaded module. */
	assert_int_equal(modsim_hook_run(k, log), 0);
	assert_int_equal(violations_with(k, MODSIM_V_FAULT, NULL), 0);

	/* Loadable again: the stale registrations are gone. */
	assert_int_equal(modsim_load(k, "ss_hooks", 0, NULL, NULL), 0);
	assert_int_equal(modsim_hook_run(k, log), 4);
	assert_string_equal(log, "bdac");
	assert_int_equal(modsim_unload(k, "ss_hooks", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_hook_priority_order, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_register_hook_across_modules, setup_none,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_hook_run_stop, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_hook_run_empty, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_register_hook_twice, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_register_hook_no_owner, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_hook_run_unload_race_refused, setup_try,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_hook_sweep_leak, setup_none, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
