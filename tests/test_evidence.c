/* No verdict without evidence: failed inits retried whatever their errno, unloadable modules refused, VOID cells, confidence figures. */
/* LABELS: faults, freerun */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/lab/matrix.h>
#include <modsim/lab/run.h>

#include "internal.h"

struct fixture {
	char path[64];
	struct modsim_run_config cfg;
	struct modsim_run_result res;
	struct modsim_matrix_result *r;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	modsim_run_config_default(&fx->cfg);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->path[0])
		unlink(fx->path);
	modsim_run_result_free(&fx->res);
	modsim_matrix_result_free(fx->r);
	free(fx);
	return 0;
}

/* Write scenario file @text to a temporary .ini; its path in fx->path. */
static void scenario(struct fixture *fx, const char *text)
{
	FILE *f;
	int fd;

	snprintf(fx->path, sizeof(fx->path), "/tmp/modsim-evidence-XXXXXX.ini");
	fd = mkstemps(fx->path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	snprintf(fx->cfg.scenario, sizeof(fx->cfg.scenario), "%s", fx->path);
}

#define TAKEN_SCENARIO(params)                                                            \
	"[scenario]\nname = taken\nhazard = B\n"                                           \
	"[module]\nname = inittaken\nparams = " params "\n"                               \
	"[workers]\nhook = 1\n[loader]\naction = load-fail\n"

/* An init failing with -EEXIST (a taken name) is retried every cycle: B keeps being raced. */
static void test_run_eexist_init_retried(void **state)
{
	struct fixture *fx = *state;

	scenario(fx, TAKEN_SCENARIO("busy=0"));
	snprintf(fx->cfg.strategy, sizeof(fx->cfg.strategy), "none");
	fx->cfg.duration_ms = 0;
	fx->cfg.cycles = 7;
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), 0);
	assert_int_equal(fx->res.stats.loads, 0);
	assert_int_equal(fx->res.stats.init_failures, 7);
	assert_int_equal(fx->res.cycles, 7);
}

/* The same with -EBUSY, and under a controlled schedule. */
static void test_run_ebusy_init_retried_controlled(void **state)
{
	struct fixture *fx = *state;

	scenario(fx, TAKEN_SCENARIO("busy=1"));
	snprintf(fx->cfg.strategy, sizeof(fx->cfg.strategy), "try");
	fx->cfg.sched = MODSIM_SCHED_RANDOM;
	fx->cfg.cycles = 5;
	fx->cfg.steps = 100000;
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), 0);
	assert_int_equal(fx->res.stats.init_failures, 5);
}

/* A module that cannot load at all: an error naming it and the loader's reason. */
static void test_run_unloadable_module_is_an_error(void **state)
{
	struct fixture *fx = *state;
	int err;

	scenario(fx, "[scenario]\nname = bogus\nhazard = A\n[module]\nname = selfcount\n"
		     "params = bogus=1\n[workers]\nhook = 1\n");
	snprintf(fx->cfg.strategy, sizeof(fx->cfg.strategy), "none");
	fx->cfg.duration_ms = 200;
	err = modsim_run(&fx->cfg, &fx->res);
	assert_int_equal(err, -EINVAL);
	assert_true(fx->res.unloadable);
	assert_non_null(strstr(modsim_last_error(), "selfcount"));
	assert_non_null(strstr(modsim_last_error(), "unknown parameter 'bogus'"));
	assert_non_null(strstr(modsim_last_error(), "cannot load"));
}

static void test_run_missing_so_is_an_error(void **state)
{
	struct fixture *fx = *state;

	scenario(fx, "[scenario]\nname = missing\nhazard = A\n[module]\nname = ./no-such-module.so\n"
		     "[workers]\nhook = 1\n");
	snprintf(fx->cfg.strategy, sizeof(fx->cfg.strategy), "none");
	fx->cfg.sched = MODSIM_SCHED_PCT;
	assert_true(modsim_run(&fx->cfg, &fx->res) < 0);
	assert_true(fx->res.unloadable);
	assert_non_null(strstr(modsim_last_error(), "no-such-module.so"));
}

/* A matrix of one cell over @fx->path under @strategy: 1 free trial and 4 schedules. */
static void matrix_one(struct fixture *fx, const char *strategy)
{
	struct modsim_matrix_config cfg;

	modsim_matrix_config_default(&cfg);
	assert_int_equal(modsim_matrix_set_strategies(&cfg, strategy), 0);
	assert_int_equal(modsim_matrix_set_scenarios(&cfg, fx->path), 0);
	cfg.duration_ms = 100;
	cfg.schedules = 4;
	assert_int_equal(modsim_matrix_run(&cfg, NULL, NULL, &fx->r), 0);
	assert_int_equal(fx->r->cell[0].trials, 5);
	assert_int_equal(fx->r->cell[0].schedules, 4);
}

/* A module that cannot load: the cell is VOID and says why (today: 0/1 S MATCH). */
static void test_matrix_void_when_module_cannot_load(void **state)
{
	struct fixture *fx = *state;

	scenario(fx, "[scenario]\nname = bogus\nhazard = A\n[module]\nname = selfcount\n"
		     "params = bogus=1\n[workers]\nhook = 1\n");
	matrix_one(fx, "try");
	assert_int_equal(fx->r->cell[0].predict, MODSIM_PREDICT_SAFE);
	assert_int_equal(fx->r->cell[0].verdict, MODSIM_VERDICT_VOID);
	assert_non_null(strstr(fx->r->cell[0].void_reason, "cannot load"));
	assert_non_null(strstr(fx->r->cell[0].void_reason, "unknown parameter 'bogus'"));
	assert_int_equal(fx->r->void_cells, 1);
	assert_int_equal(fx->r->unloadable, 1);
	assert_int_equal(fx->r->match, 0);
}

/* Modules loaded and unloaded, but no caller: the unload race was never run. */
static void test_matrix_void_when_no_caller(void **state)
{
	struct fixture *fx = *state;

	scenario(fx, "[scenario]\nname = lonely\nhazard = A\n[module]\nname = selfcount\n"
		     "[workers]\nhook = 0\nsymbol = 0\n");
	matrix_one(fx, "try");
	assert_int_equal(fx->r->cell[0].found, 0);
	assert_int_equal(fx->r->cell[0].verdict, MODSIM_VERDICT_VOID);
	assert_non_null(strstr(fx->r->cell[0].void_reason,
			       "no call into module code while an unload was under way"));
	assert_int_equal(fx->r->unloadable, 0);
}

/* With callers, the same cell has evidence: not VOID. */
static void test_matrix_not_void_with_callers(void **state)
{
	struct fixture *fx = *state;

	scenario(fx, "[scenario]\nname = busy\nhazard = A\n[module]\nname = selfcount\n"
		     "[workers]\nhook = 1\n");
	matrix_one(fx, "try");
	assert_int_equal(fx->r->cell[0].verdict, MODSIM_VERDICT_MATCH);
	assert_string_equal(fx->r->cell[0].void_reason, "");
}

/* The schedules of a cell are the same schedules every run: the verdicts they give repeat. */
static void test_matrix_schedules_repeat(void **state)
{
	struct fixture *fx = *state;
	struct modsim_matrix_result *again = NULL;
	struct modsim_matrix_config cfg;

	modsim_matrix_config_default(&cfg);
	assert_int_equal(modsim_matrix_set_strategies(&cfg, "none,inc,try"), 0);
	assert_int_equal(modsim_matrix_set_scenarios(&cfg, "unload-race,timer,half-init"), 0);
	cfg.duration_ms = 20;
	cfg.schedules = 6;
	assert_int_equal(modsim_matrix_run(&cfg, NULL, NULL, &fx->r), 0);
	assert_int_equal(modsim_matrix_run(&cfg, NULL, NULL, &again), 0);
	for (unsigned int i = 0; i < 9; i++) {
		assert_int_equal(fx->r->cell[i].schedules, 6);
		assert_int_equal(fx->r->cell[i].sched_found, again->cell[i].sched_found);
	}
	/* none x unload-race: the schedules find it, whatever the free trial did. */
	assert_true(fx->r->cell[0].sched_found > 0);
	assert_int_equal(fx->r->cell[0].verdict, MODSIM_VERDICT_MATCH);
	modsim_matrix_result_free(again);
}

/* With schedules the verdict is theirs: a violation only a free trial found is FREE-ONLY, not a flip. */
static void test_matrix_free_only_does_not_flip(void **state)
{
	struct fixture *fx = *state;
	struct modsim_matrix_trial t;

	fx->r = modsim_matrix_result_new();
	assert_non_null(fx->r);
	for (unsigned int tr = 0; tr < 3; tr++) {
		memset(&t, 0, sizeof(t));
		snprintf(t.strategy, sizeof(t.strategy), "inc");
		snprintf(t.scenario, sizeof(t.scenario), "init-sleep");
		snprintf(t.hazard, sizeof(t.hazard), "S");
		t.predict = MODSIM_PREDICT_SAFE;
		t.trial = tr;
		t.trials = 1;
		t.schedules = 2;
		t.total = 3;
		t.workers = 2;
		t.duration_ms = 300;
		t.loads = 1;
		snprintf(t.sched, sizeof(t.sched), "%s", tr ? "pct" : "off");
		t.violations = tr ? 0 : 1; /* the free trial's watchdog fired on a slow init */
		snprintf(t.first_kind, sizeof(t.first_kind), "%s", tr ? "" : "deadlock");
		assert_int_equal(modsim_matrix_result_add(fx->r, &t), 0);
	}
	assert_int_equal(modsim_matrix_tabulate(fx->r), 0);
	assert_int_equal(fx->r->cell[0].verdict, MODSIM_VERDICT_MATCH);
	assert_true(fx->r->cell[0].free_only);
	assert_int_equal(fx->r->free_only, 1);
	assert_int_equal(fx->r->mismatch, 0);
}

/* The Wilson interval and the rule of three, against values worked by hand. */
static void test_matrix_confidence_figures(void **state)
{
	struct modsim_matrix_cell cell;
	struct modsim_matrix_confidence k;
	double lo, hi;

	(void)state;
	modsim_wilson(16, 32, &lo, &hi);
	assert_true(fabs(lo - 0.3363) < 1e-3 && fabs(hi - 0.6637) < 1e-3);
	modsim_wilson(32, 32, &lo, &hi);
	assert_true(fabs(lo - 0.8928) < 1e-3 && hi == 1.0);

	memset(&cell, 0, sizeof(cell));
	cell.trials = 33;
	cell.free_trials = 1;
	cell.schedules = 32;
	modsim_matrix_confidence(&cell, &k);
	assert_string_equal(k.per, "schedule");
	assert_int_equal(k.n, 32);
	assert_true(fabs(k.bound - 3.0 / 32) < 1e-12);

	cell.found = cell.sched_found = 16;
	modsim_matrix_confidence(&cell, &k);
	assert_true(fabs(k.rate - 0.5) < 1e-12);
	assert_true(fabs(k.lo - 0.3363) < 1e-3);
	assert_true(k.bound == 0.0);

	memset(&cell, 0, sizeof(cell));
	cell.trials = cell.free_trials = 2;
	modsim_matrix_confidence(&cell, &k);
	assert_string_equal(k.per, "trial");
	assert_true(k.bound == 1.0); /* 3/2, capped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_eexist_init_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_ebusy_init_retried_controlled, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_unloadable_module_is_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_missing_so_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matrix_void_when_module_cannot_load, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_matrix_void_when_no_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matrix_not_void_with_callers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matrix_schedules_repeat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matrix_free_only_does_not_flip, setup, teardown),
		cmocka_unit_test(test_matrix_confidence_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
