/* Preset "self-noquiesce": no quiescence wait; returning after a put runs freed text. */
/* LABELS: faults */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "preset_unit.h"
#include "self_unit.h"

extern const struct modsim_strategy modsim_preset_self_noquiesce;

static FILE *devnull; /* violation reports: keep ctest output short */

static int setup(void **state)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.strategy = "self-noquiesce";
	cfg.timer_thread = false;
	cfg.init_timeout_ms = 0;
	cfg.log = devnull;
	if (modsim_kernel_create(&cfg, &k))
		return -1;
	*state = k;
	return 0;
}

static void test_self_noquiesce_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_SAFE,
	};

	pu_assert_described(&modsim_preset_self_noquiesce, "self-noquiesce", "2", row);
}

static void test_self_noquiesce_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/*
 * P, forced: the caller dropped its count and is parked inside module code
 * (count 0).  Unload neither waits nor passes UNLOAD_WAIT: it exits and
 * frees at once.  Released, the caller returns into the freed text: a
 * fault attributed to selfcount (MODSIM_V_FAULT).
 */
static void test_self_noquiesce_put_then_return_faults(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;
	struct su_caller c;
	struct modsim_mod *m = pu_load(k, "selfcount", NULL);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_SELF_AFTER_PUT, "selfcount"), 0);
	su_caller_start(&c, k, NULL);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_SELF_AFTER_PUT, PU_WAIT_MS), 0);
	assert_int_equal(module_refcount(m->desc), 0);

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_unload(k, "selfcount", 0), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_point_release(k, MODSIM_PT_SELF_AFTER_PUT);
	assert_int_equal(su_caller_join(&c), 0); /* the call faulted: not counted as called */
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 1);
	assert_string_equal(st.first[MODSIM_V_FAULT].module, "selfcount");
	assert_int_equal(st.first[MODSIM_V_FAULT].generation, m->generation);
	assert_int_equal(st.first[MODSIM_V_FAULT].subsys, MODSIM_SS_HOOK);
	assert_int_equal(st.faulted[MODSIM_SS_HOOK], 1);
	assert_int_equal(st.violations[MODSIM_V_MODULE_CRASH], 0);
}

/* A held count at unload: restarted and -EBUSY; the module keeps working. */
static void test_self_noquiesce_busy_restarts(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "selfhold", NULL);

	assert_int_equal(modsim_hook_run(k, "hold"), 1);
	assert_int_equal(modsim_unload(k, "selfhold", 0), -EBUSY);
	pu_assert_error_has("rmmod selfhold: in use (count 1)");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(su_stat(k, SH_RESTARTS), 1);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(su_stat(k, SH_CALLS), 1);
	assert_int_equal(modsim_hook_run(k, "drop"), 1);
	assert_int_equal(modsim_unload(k, "selfhold", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_self_noquiesce_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_noquiesce_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_noquiesce_put_then_return_faults, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_self_noquiesce_busy_restarts, setup, pu_teardown),
	};
	int rc;

	devnull = fopen("/dev/null", "w");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (devnull)
		fclose(devnull);
	return rc;
}
