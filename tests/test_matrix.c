/* The matrix (matrix.c, matrix_table.c, matrix_print.c): cells, seeds, shards, predictions, verdicts, costs. */
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
#include <modsim/lab/matrix.h>
#include <modsim/strategy.h>

/*
 * Tiny real runs use presets whose outcome is certain: under nounload no
 * module is ever unloaded, so nothing can be called after its unload; under
 * try an unload only happens at count 0 and every entry is a try.  The
 * structure is asserted, never a timing-dependent count.
 */
#define TINY_STRATEGIES "nounload,try"
#define TINY_SCENARIOS "unload-race,long-session"
#define TINY_TRIALS 3

struct fixture {
	struct modsim_matrix_config cfg;
	struct modsim_matrix_result *r, *r2;
	unsigned long calls, last_done, last_count;
	unsigned long order_ok;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	modsim_matrix_config_default(&fx->cfg);
	assert_int_equal(modsim_matrix_set_strategies(&fx->cfg, TINY_STRATEGIES), 0);
	assert_int_equal(modsim_matrix_set_scenarios(&fx->cfg, TINY_SCENARIOS), 0);
	fx->cfg.trials = TINY_TRIALS;
	fx->cfg.duration_ms = 15;
	fx->cfg.workers = 1;
	fx->cfg.seed = 42;
	fx->cfg.schedules = 0; /* free trials only: tests/test_evidence.c covers schedules */
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	modsim_matrix_result_free(fx->r);
	modsim_matrix_result_free(fx->r2);
	free(fx);
	return 0;
}

/* Everything @fmt prints of @r, NUL-terminated (caller frees). */
static char *print_to_string(const struct modsim_matrix_result *r, enum modsim_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	modsim_matrix_print(f, fmt, r);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* ---- the defaults ---- */

static void test_modsim_matrix_config_default_every_cell(void **state)
{
	struct fixture *fx = *state;
	const char *const *scn = modsim_scenario_names();
	size_t n, nscn = 0;

	modsim_matrix_config_default(&fx->cfg);
	modsim_strategy_all(&n);
	while (scn[nscn])
		nscn++;
	assert_int_equal(fx->cfg.nstrategies, n);
	assert_int_equal(fx->cfg.nscenarios, nscn);
	assert_string_equal(fx->cfg.strategies[0], "none");
	assert_string_equal(fx->cfg.scenarios[0], scn[0]);
	assert_int_equal(fx->cfg.trials, 1);
	assert_int_equal(fx->cfg.duration_ms, 300);
	assert_int_equal(fx->cfg.schedules, 32);
	assert_int_equal(fx->cfg.shard_k, 1);
	assert_int_equal(fx->cfg.shard_n, 1);
}

/* ---- lists ---- */

static void test_modsim_matrix_set_strategies_rejects(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(modsim_matrix_set_strategies(&fx->cfg, ""), -EINVAL);
	assert_int_equal(modsim_matrix_set_strategies(&fx->cfg, "try,,none"), -EINVAL);
	assert_int_equal(modsim_matrix_set_strategies(&fx->cfg, "try,"), -EINVAL);
	assert_int_equal(modsim_matrix_set_strategies(&fx->cfg, "try,none,try"), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "twice"));
	assert_int_equal(modsim_matrix_set_strategies(&fx->cfg, "try,no-such-preset"), -ENOENT);
	assert_non_null(strstr(modsim_last_error(), "no-such-preset"));
	/* A refused list leaves the one before. */
	assert_int_equal(fx->cfg.nstrategies, 2);
	assert_string_equal(fx->cfg.strategies[0], "nounload");
	assert_string_equal(fx->cfg.strategies[1], "try");
}

static void test_modsim_matrix_set_scenarios_rejects(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(modsim_matrix_set_scenarios(&fx->cfg, "timer,no-such-scenario"), -ENOENT);
	assert_non_null(strstr(modsim_last_error(), "no-such-scenario"));
	assert_int_equal(modsim_matrix_set_scenarios(&fx->cfg, "timer,timer"), -EINVAL);
	assert_int_equal(fx->cfg.nscenarios, 2);
	assert_int_equal(modsim_matrix_set_scenarios(&fx->cfg, "mixed,timer"), 0);
	assert_int_equal(fx->cfg.nscenarios, 2);
	assert_string_equal(fx->cfg.scenarios[0], "mixed");
}

/* ---- seeds, shards, predictions ---- */

static void test_modsim_matrix_trial_seed_derived(void **state)
{
	uint64_t a = modsim_matrix_trial_seed(1, "try", "timer", 0);

	(void)state;
	assert_true(a == modsim_matrix_trial_seed(1, "try", "timer", 0));
	assert_true(a != modsim_matrix_trial_seed(2, "try", "timer", 0));
	assert_true(a != modsim_matrix_trial_seed(1, "none", "timer", 0));
	assert_true(a != modsim_matrix_trial_seed(1, "try", "mixed", 0));
	assert_true(a != modsim_matrix_trial_seed(1, "try", "timer", 1));
	/* Names, not positions: swapping them is another cell. */
	assert_true(modsim_matrix_trial_seed(1, "a", "b", 0) != modsim_matrix_trial_seed(1, "b", "a", 0));
}

static void test_modsim_matrix_in_shard_partitions(void **state)
{
	(void)state;
	for (unsigned int n = 1; n <= 7; n++) {
		unsigned long per[8] = { 0 };

		for (unsigned long i = 0; i < 100; i++) {
			unsigned int owners = 0;

			for (unsigned int k = 1; k <= n; k++) {
				if (modsim_matrix_in_shard(i, k, n)) {
					owners++;
					per[k]++;
				}
			}
			assert_int_equal(owners, 1);
		}
		/* Dealt round-robin: shard sizes differ by at most one. */
		for (unsigned int k = 1; k <= n; k++)
			assert_true(per[k] == 100 / n || per[k] == 100 / n + 1);
	}
}

static void test_modsim_matrix_predict_from_presets(void **state)
{
	char hz[16];

	(void)state;
	assert_int_equal(modsim_matrix_predict("none", "unload-race", hz), MODSIM_PREDICT_UNSAFE);
	assert_string_equal(hz, "A+L");
	assert_int_equal(modsim_matrix_predict("try", "unload-race", hz), MODSIM_PREDICT_SAFE);
	assert_int_equal(modsim_matrix_predict("twoinit", "half-init", hz), MODSIM_PREDICT_SAFE);
	assert_string_equal(hz, "B");
	assert_int_equal(modsim_matrix_predict("stopworld", "init-sleep", hz), MODSIM_PREDICT_UNSAFE);
	assert_string_equal(hz, "S");
	/* One hazard set, free or controlled: put-return races A as well as P. */
	assert_int_equal(modsim_matrix_predict("inc", "put-return", hz), MODSIM_PREDICT_UNSAFE);
	assert_string_equal(hz, "A+P");
	assert_int_equal(modsim_matrix_predict_sched("inc", "put-return", MODSIM_SCHED_PCT, hz),
			 MODSIM_PREDICT_UNSAFE);
	assert_string_equal(hz, "A+P");
	assert_int_equal(modsim_matrix_predict("self", "put-return", hz), MODSIM_PREDICT_SAFE);
	/* mixed: unsafe when any hazard is. */
	assert_int_equal(modsim_matrix_predict("nounload", "mixed", hz), MODSIM_PREDICT_UNSAFE);
	assert_string_equal(hz, "mixed");
	assert_int_equal(modsim_matrix_predict("try", "mixed", hz), MODSIM_PREDICT_SAFE);
	assert_int_equal(modsim_matrix_predict("no-such-preset", "timer", hz), MODSIM_PREDICT_UNKNOWN);
}

/* ---- tabulating made-up trials: verdicts, medians, costs ---- */

static void fake(struct modsim_matrix_trial *t, unsigned int p, unsigned int s, unsigned int tr,
		 enum modsim_matrix_predict pred, unsigned long violations)
{
	memset(t, 0, sizeof(*t));
	t->strategy_index = p;
	t->scenario_index = s;
	t->trial = tr;
	snprintf(t->strategy, sizeof(t->strategy), "strat%u", p);
	snprintf(t->scenario, sizeof(t->scenario), "scen%u", s);
	snprintf(t->hazard, sizeof(t->hazard), "A");
	t->predict = pred;
	t->matrix_seed = 9;
	t->trials = 3;
	t->duration_ms = 100;
	t->workers = 2;
	t->total = 12;
	t->violations = violations;
	t->first_violation_ns = violations ? 1000 * (tr + 1) : 0;
	t->elapsed_ns = 1000000;
	t->ops = 1500;
	t->failed_get = 500;
	t->unload_ns.n = 1;
	t->unload_ns.p50 = 100 * (tr + 1);
	t->loads = 3;
	t->unload_overlapped = 1;
}

static void test_modsim_matrix_tabulate_verdicts_and_costs(void **state)
{
	struct fixture *fx = *state;
	struct modsim_matrix_trial t;
	struct modsim_matrix_result *r;

	fx->r = r = modsim_matrix_result_new();
	assert_non_null(r);
	/* Added out of order, as shards arrive. */
	for (int tr = 2; tr >= 0; tr--) {
		unsigned int u = (unsigned int)tr;

		fake(&t, 1, 1, u, MODSIM_PREDICT_SAFE, 0);        /* safe, none: MATCH */
		assert_int_equal(modsim_matrix_result_add(r, &t), 0);
		fake(&t, 0, 0, u, MODSIM_PREDICT_UNSAFE, u ? 5 : 0); /* unsafe, 2 of 3: MATCH */
		assert_int_equal(modsim_matrix_result_add(r, &t), 0);
		fake(&t, 0, 1, u, MODSIM_PREDICT_UNSAFE, 0);      /* unsafe, none: UNSEEN */
		assert_int_equal(modsim_matrix_result_add(r, &t), 0);
		fake(&t, 1, 0, u, MODSIM_PREDICT_SAFE, u == 1);   /* safe, found: MISMATCH */
		assert_int_equal(modsim_matrix_result_add(r, &t), 0);
	}
	assert_int_equal(modsim_matrix_tabulate(r), 0);
	assert_int_equal(r->cfg.nstrategies, 2);
	assert_int_equal(r->cfg.nscenarios, 2);
	assert_string_equal(r->cfg.strategies[1], "strat1");
	assert_string_equal(r->cfg.scenarios[0], "scen0");
	assert_int_equal(r->cfg.trials, 3);
	assert_int_equal(r->cfg.seed, 9);
	assert_int_equal(r->trial[0].trial, 0);
	assert_int_equal(r->trial[11].strategy_index, 1);

	assert_int_equal(r->cell[0].found, 2);
	assert_int_equal(r->cell[0].trials, 3);
	assert_int_equal(r->cell[0].violations, 10);
	assert_int_equal(r->cell[0].verdict, MODSIM_VERDICT_MATCH);
	assert_int_equal(r->cell[0].first_violation_p50_ns, 2000); /* lower median of 2000, 3000 */
	assert_int_equal(r->cell[1].verdict, MODSIM_VERDICT_UNSEEN);
	assert_int_equal(r->cell[2].verdict, MODSIM_VERDICT_MISMATCH);
	assert_int_equal(r->cell[2].found, 1);
	assert_int_equal(r->cell[3].verdict, MODSIM_VERDICT_MATCH);
	assert_int_equal(r->match, 2);
	assert_int_equal(r->mismatch, 1);
	assert_int_equal(r->unseen, 1);

	/* 6 trials x 2000 calls attempted, 500 refused each; 2 workers x 1 ms each. */
	assert_int_equal(r->cost[0].trials, 6);
	assert_int_equal(r->cost[0].failed_get, 3000);
	assert_true(r->cost[0].failed_get_per_mop == 250000.0);

	assert_int_equal(r->cost[0].unload_p50_ns, 200);
	assert_int_equal(r->cost[0].stop_trials, 0);
}

static void test_modsim_matrix_result_add_refuses_strangers(void **state)
{
	struct fixture *fx = *state;
	struct modsim_matrix_trial t;

	fx->r = modsim_matrix_result_new();
	fake(&t, 0, 0, 0, MODSIM_PREDICT_SAFE, 0);
	assert_int_equal(modsim_matrix_result_add(fx->r, &t), 0);
	fake(&t, 0, 0, 1, MODSIM_PREDICT_SAFE, 0);
	t.matrix_seed = 10;
	assert_int_equal(modsim_matrix_result_add(fx->r, &t), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "seed"));
	fake(&t, 0, 0, 1, MODSIM_PREDICT_SAFE, 0);
	snprintf(t.strategy, sizeof(t.strategy), "other");
	assert_int_equal(modsim_matrix_result_add(fx->r, &t), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "other"));
	fake(&t, 0, 0, 3, MODSIM_PREDICT_SAFE, 0); /* trial 3 of 3 */
	assert_int_equal(modsim_matrix_result_add(fx->r, &t), -EINVAL);
	/* The same trial twice is found when tabulating. */
	fake(&t, 0, 0, 0, MODSIM_PREDICT_SAFE, 0);
	assert_int_equal(modsim_matrix_result_add(fx->r, &t), 0);
	assert_int_equal(modsim_matrix_tabulate(fx->r), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "twice"));
}

/* ---- tiny real runs ---- */

static void count_trial(const struct modsim_matrix_trial *t, unsigned long done, unsigned long count,
			void *arg)
{
	struct fixture *fx = arg;

	fx->calls++;
	fx->order_ok += done == fx->calls;
	fx->last_done = done;
	fx->last_count = count;
	(void)t;
}

static void test_modsim_matrix_run_cells_and_seeds(void **state)
{
	struct fixture *fx = *state;
	struct modsim_matrix_result *r;

	/* 3 free trials and 4 schedules a cell: the verdict and its evidence are
	 * the schedules', deterministic, so no cell is VOID however slow the
	 * machine (TSan). */
	fx->cfg.schedules = 4;
	assert_int_equal(modsim_matrix_run(&fx->cfg, count_trial, fx, &fx->r), 0);
	r = fx->r;
	assert_int_equal(fx->calls, 28);
	assert_int_equal(fx->order_ok, 28);
	assert_int_equal(fx->last_count, 28);
	assert_int_equal(r->ntrials, 28);
	assert_int_equal(r->total, 28);
	assert_int_equal(r->cfg.nstrategies, 2);
	assert_int_equal(r->cfg.nscenarios, 2);
	assert_string_equal(r->cfg.strategies[0], "nounload");
	assert_string_equal(r->cfg.scenarios[1], "long-session");
	for (size_t i = 0; i < r->ntrials; i++) {
		const struct modsim_matrix_trial *t = &r->trial[i];

		assert_int_equal(t->strategy_index, i / 14);
		assert_int_equal(t->scenario_index, (i / 7) % 2);
		assert_int_equal(t->trial, i % 7);
		assert_string_equal(t->sched, t->trial < 3 ? "off" : (t->trial - 3) % 2 ? "random" : "pct");
		assert_true(t->seed == modsim_matrix_trial_seed(42, t->strategy, t->scenario, t->trial));
		assert_int_equal(t->predict, MODSIM_PREDICT_SAFE);
		assert_int_equal(t->violations, 0);
		assert_int_equal(t->workers, 1);
		assert_true(t->elapsed_ns > 0);
	}
	for (int c = 0; c < 4; c++) {
		assert_int_equal(r->cell[c].trials, TINY_TRIALS + 4);
		assert_int_equal(r->cell[c].free_trials, TINY_TRIALS);
		assert_int_equal(r->cell[c].schedules, 4);
		assert_int_equal(r->cell[c].verdict, MODSIM_VERDICT_MATCH);
	}
	assert_int_equal(r->match, 4);
	assert_int_equal(r->mismatch, 0);
}

static void test_modsim_matrix_run_shards_are_disjoint_slices(void **state)
{
	struct fixture *fx = *state;
	unsigned int seen[2][2][TINY_TRIALS] = { { { 0 } } };
	uint64_t seeds[2][2][TINY_TRIALS];

	for (unsigned int k = 1; k <= 5; k++) {
		struct modsim_matrix_result *r;

		fx->cfg.shard_k = k;
		fx->cfg.shard_n = 5;
		assert_int_equal(modsim_matrix_run(&fx->cfg, NULL, NULL, &r), 0);
		assert_int_equal(r->total, 12);
		assert_int_equal(r->cfg.shard_k, k);
		assert_int_equal(r->ntrials, k <= 2 ? 3 : 2);
		for (size_t i = 0; i < r->ntrials; i++) {
			const struct modsim_matrix_trial *t = &r->trial[i];
			unsigned long index = (t->strategy_index * 2 + t->scenario_index) * TINY_TRIALS +
					      t->trial;

			assert_int_equal(index % 5, k - 1);
			seen[t->strategy_index][t->scenario_index][t->trial]++;
			seeds[t->strategy_index][t->scenario_index][t->trial] = t->seed;
		}
		modsim_matrix_result_free(r);
	}
	for (unsigned int p = 0; p < 2; p++)
		for (unsigned int s = 0; s < 2; s++)
			for (unsigned int t = 0; t < TINY_TRIALS; t++) {
				assert_int_equal(seen[p][s][t], 1);
				assert_true(seeds[p][s][t] ==
					    modsim_matrix_trial_seed(42, fx->cfg.strategies[p],
								     fx->cfg.scenarios[s], t));
			}
}

/* The run's own table equals the table of its trial lines read back. */
static void test_modsim_matrix_print_jsonl_reads_back_to_the_same_table(void **state)
{
	struct fixture *fx = *state;
	enum modsim_format fmts[] = { MODSIM_FMT_TEXT, MODSIM_FMT_JSON, MODSIM_FMT_CSV,
				      MODSIM_FMT_JSONL };
	char *lines;
	FILE *in;

	fx->cfg.trials = 1;
	assert_int_equal(modsim_matrix_run(&fx->cfg, NULL, NULL, &fx->r), 0);
	lines = print_to_string(fx->r, MODSIM_FMT_JSONL);
	in = fmemopen(lines, strlen(lines), "r");
	assert_non_null(in);
	fx->r2 = modsim_matrix_result_new();
	assert_int_equal(modsim_matrix_read_jsonl(in, "lines", fx->r2), 0);
	fclose(in);
	assert_int_equal(modsim_matrix_tabulate(fx->r2), 0);
	assert_int_equal(fx->r2->ntrials, 4);
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char *a = print_to_string(fx->r, fmts[i]), *b = print_to_string(fx->r2, fmts[i]);

		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	free(lines);
}

static void test_modsim_matrix_print_text_shape(void **state)
{
	struct fixture *fx = *state;
	char *text, *json;

	fx->cfg.trials = 1;
	fx->cfg.schedules = 2;
	assert_int_equal(modsim_matrix_run(&fx->cfg, NULL, NULL, &fx->r), 0);
	text = print_to_string(fx->r, MODSIM_FMT_TEXT);
	assert_non_null(strstr(text, "2 strategies x 2 scenarios, 1 trial of 0.015 s + 2 controlled schedules (pct, random) per cell"));
	assert_non_null(strstr(text, "\nnounload  0/3 S MATCH  0/3 S MATCH\n"));
	assert_non_null(strstr(text, "\nnounload  <=100.0% /2  <=100.0% /2\n"));
	assert_non_null(strstr(text, "4 cells: 4 MATCH, 0 MISMATCH"));
	assert_non_null(strstr(text, "repeat: modsim matrix --strategies nounload,try "
				     "--scenarios unload-race,long-session --trials 1 "
				     "--duration 0.015 --workers 1 --seed 42 --schedules 2"));
	json = print_to_string(fx->r, MODSIM_FMT_JSON);
	assert_non_null(strstr(json, "\"schema\": \"modsim-matrix/2\""));
	assert_non_null(strstr(json, "\"verdict\": \"MATCH\""));
	free(text);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_matrix_config_default_every_cell, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_set_strategies_rejects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_set_scenarios_rejects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_trial_seed_derived, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_in_shard_partitions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_predict_from_presets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_tabulate_verdicts_and_costs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_result_add_refuses_strangers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_run_cells_and_seeds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_run_shards_are_disjoint_slices,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_print_jsonl_reads_back_to_the_same_table,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_print_text_shape, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
