/* Every cell the post predicts unsafe: pct finds the violation in a fixed range of seeds; the token replays it 100 times; the shrunk schedule still fails. */
/* LABELS: faults, sched */
/* TIMEOUT: 900 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/matrix.h>
#include <modsim/lab/run.h>
#include <modsim/strategy.h>

#include "kernel/units.h"

/*
 * The seeds searched per cell, and how often the token is replayed.  Most
 * cells fall within the first few seeds; a few (inc x long-session, self x
 * mixed) take tens to hundreds: pct keeps its highest-priority thread
 * running, and the window those cells need opens only when two threads
 * stand still at once (random finds them far sooner: bench/sched.py).
 * The sanitizer presets replay each token 5 times and let the shrinker try
 * 50 replays (MODSIM_CELL_REPLAYS, MODSIM_CELL_SHRINK_RUNS): the schedule
 * is the same in every build, and 100 replays of 45 cells under ASan or
 * TSan would take a quarter of an hour.
 */
#define CELL_SEEDS 500
#define CELL_REPLAYS 100
#define CELL_SHRINK_RUNS 300

/* @name from the environment when it is a positive number, else @def. */
static int env_count(const char *name, int def)
{
	const char *v = getenv(name);
	int n = v ? atoi(v) : 0;

	return n > 0 ? n : def;
}

struct cell {
	char name[160];
	const char *strategy;
	const char *scenario;
};

static struct cell *cells;
static size_t ncells;

struct outcome {
	enum modsim_sched_end end;
	uint32_t steps;
	int kind, thread, point;
	char module[64];
	unsigned long generation;
};

static void outcome_of(const struct modsim_run_result *res, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->end = res->sched.end;
	o->steps = res->sched.steps;
	o->kind = res->sched.schedule.expect;
	o->thread = res->sched.violation_thread;
	o->point = res->sched.violation_point;
	if (o->kind >= 0) {
		snprintf(o->module, sizeof(o->module), "%s", res->stats.first[o->kind].module);
		o->generation = res->stats.first[o->kind].generation;
	}
}

static void run_ok(const struct modsim_run_config *cfg, struct modsim_run_result *res)
{
	int err;

	memset(res, 0, sizeof(*res));
	err = modsim_run(cfg, res);
	if (err)
		fail_msg("%s x %s: modsim_run: %d: %s", cfg->strategy, cfg->scenario, err,
			 modsim_last_error());
}

static void test_cell(void **state)
{
	const struct cell *c = *state;
	struct modsim_run_result *res = calloc(1, sizeof(*res));
	struct modsim_run_config cfg, rc;
	struct modsim_schedule s, back, small;
	struct modsim_shrink_stats st;
	struct outcome want, got;
	uint64_t seed;
	char *tok = NULL;

	assert_non_null(res);
	modsim_run_config_default(&cfg);
	snprintf(cfg.strategy, sizeof(cfg.strategy), "%s", c->strategy);
	snprintf(cfg.scenario, sizeof(cfg.scenario), "%s", c->scenario);
	cfg.sched = MODSIM_SCHED_PCT;
	for (seed = 1; seed <= CELL_SEEDS; seed++) {
		cfg.seed = seed;
		run_ok(&cfg, res);
		if (modsim_run_violations(res) &&
		    (res->sched.end == MODSIM_SEND_VIOLATION || res->sched.end == MODSIM_SEND_DEADLOCK))
			break;
		modsim_run_result_free(res);
	}
	if (seed > CELL_SEEDS)
		fail_msg("%s: pct found no violation in seeds 1..%d", c->name, CELL_SEEDS);
	/* Attributed by the detector: a kind, a module, a thread and its point. */
	outcome_of(res, &want);
	assert_true(want.kind >= 0 && want.kind != MODSIM_V_LEAK);
	assert_true(want.module[0] && strcmp(want.module, "-"));
	assert_true(want.thread >= 0);

	modsim_run_schedule(&cfg, res, &s);
	assert_int_equal(modsim_schedule_encode(&s, &tok), 0);
	modsim_run_result_free(res);
	assert_int_equal(modsim_schedule_decode(tok, &back), 0);
	free(tok);

	for (int i = 0, n = env_count("MODSIM_CELL_REPLAYS", CELL_REPLAYS); i < n; i++) {
		modsim_run_config_default(&rc);
		modsim_run_config_replay(&rc, &back);
		run_ok(&rc, res);
		outcome_of(res, &got);
		if (memcmp(&want, &got, sizeof(want)))
			fail_msg("%s (seed %llu): replay %d ended on %s (kind %d) at step %u, not on kind %d at step %u",
				 c->name, (unsigned long long)seed, i, modsim_sched_end_name(got.end),
				 got.kind, got.steps, want.kind, want.steps);
		assert_int_equal(res->sched.divergences, 0);
		modsim_run_result_free(res);
	}

	assert_int_equal(modsim_shrink(&back, (unsigned int)env_count("MODSIM_CELL_SHRINK_RUNS",
								      CELL_SHRINK_RUNS),
				       &small, &st), 0);
	assert_int_equal(st.kind, want.kind);
	assert_true(st.preemptions_after <= st.preemptions_before);
	modsim_run_config_default(&rc);
	modsim_run_config_replay(&rc, &small);
	run_ok(&rc, res);
	assert_int_equal(res->sched.schedule.expect, want.kind);
	assert_int_equal(res->sched.steps, st.steps_after);
	modsim_run_result_free(res);
	modsim_schedule_free(&small);
	modsim_schedule_free(&back);
	free(res);
}

/* The cells: every built-in preset x every built-in scenario that the post predicts unsafe. */
static int cells_collect(void)
{
	const struct modsim_strategy *const *all;
	const char *const *scn = modsim_scenario_names();
	size_t n;
	char hazard[16];

	all = modsim_strategy_all(&n);
	for (size_t p = 0; p < n; p++) {
		for (size_t s = 0; scn[s]; s++) {
			struct cell *c;

			if (modsim_matrix_predict_sched(all[p]->name, scn[s], MODSIM_SCHED_PCT, hazard) !=
			    MODSIM_PREDICT_UNSAFE)
				continue;
			c = realloc(cells, (ncells + 1) * sizeof(*cells));
			if (!c)
				return -ENOMEM;
			cells = c;
			c = &cells[ncells++];
			c->strategy = all[p]->name;
			c->scenario = scn[s];
			snprintf(c->name, sizeof(c->name), "test_sched_cell_%s_%s", c->strategy,
				 c->scenario);
		}
	}
	return 0;
}

int main(void)
{
	struct CMUnitTest *tests;
	int status;

	if (cells_collect() || !ncells) {
		fprintf(stderr, "test_sched_cells: no cells\n");
		return 1;
	}
	tests = calloc(ncells, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < ncells; i++) {
		tests[i].name = cells[i].name;
		tests[i].test_func = test_cell;
		tests[i].initial_state = &cells[i];
	}
	status = _cmocka_run_group_tests("sched_cells", tests, ncells, NULL, NULL);
	free(tests);
	free(cells);
	return status;
}
