/* The controlled scheduler: schedules replay exactly, deadlocks end runs, budgets hold, shrinking keeps the failure. */
/* LABELS: faults */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/run.h>
#include <modsim/lab/sched.h>

#include "kernel/units.h"

#define SEARCH_SEEDS 40

struct fixture {
	struct modsim_run_config cfg;
	struct modsim_run_result res;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	modsim_run_config_default(&fx->cfg);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	modsim_run_result_free(&fx->res);
	free(fx);
	return 0;
}

static void cell(struct modsim_run_config *cfg, const char *strategy, const char *scenario,
		 enum modsim_sched_policy p)
{
	modsim_run_config_default(cfg);
	snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", strategy);
	snprintf(cfg->scenario, sizeof(cfg->scenario), "%s", scenario);
	cfg->sched = p;
}

static void run_ok(const struct modsim_run_config *cfg, struct modsim_run_result *res)
{
	int err;

	modsim_run_result_free(res);
	memset(res, 0, sizeof(*res));
	err = modsim_run(cfg, res);
	if (err)
		fail_msg("modsim_run: %d: %s", err, modsim_last_error());
}

/* The first seed from 1 whose schedule ends on a violation; fails the test when none does. */
static uint64_t find_failing(struct modsim_run_config *cfg, struct modsim_run_result *res)
{
	for (uint64_t seed = 1; seed <= SEARCH_SEEDS; seed++) {
		cfg->seed = seed;
		run_ok(cfg, res);
		if (res->sched.end == MODSIM_SEND_VIOLATION)
			return seed;
	}
	fail_msg("%s x %s: no violation in seeds 1..%d", cfg->strategy, cfg->scenario, SEARCH_SEEDS);
	return 0;
}

/* What must be the same every time a schedule is replayed. */
struct outcome {
	enum modsim_sched_end end;
	uint32_t end_step, steps;
	int kind, thread, point;
	char module[64];
	unsigned long generation;
};

static void outcome_of(const struct modsim_run_result *res, struct outcome *o)
{
	const struct modsim_sched_report *r = &res->sched;

	memset(o, 0, sizeof(*o));
	o->end = r->end;
	o->end_step = r->end_step;
	o->steps = r->steps;
	o->kind = r->schedule.expect;
	o->thread = r->violation_thread;
	o->point = r->violation_point;
	if (o->kind >= 0) {
		snprintf(o->module, sizeof(o->module), "%s", res->stats.first[o->kind].module);
		o->generation = res->stats.first[o->kind].generation;
	}
}

static void assert_same_outcome(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->end, b->end);
	assert_int_equal(a->end_step, b->end_step);
	assert_int_equal(a->steps, b->steps);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->thread, b->thread);
	assert_int_equal(a->point, b->point);
	assert_string_equal(a->module, b->module);
	assert_int_equal(a->generation, b->generation);
}

/* none + unload-race under pct: found, attributed to a module; its token replays it 100 times. */
static void test_modsim_run_sched_pct_replays_100_times(void **state)
{
	struct fixture *fx = *state;
	struct modsim_run_config rc;
	struct modsim_schedule s, back;
	struct outcome want, got;
	char *tok = NULL;

	cell(&fx->cfg, "none", "unload-race", MODSIM_SCHED_PCT);
	find_failing(&fx->cfg, &fx->res);
	assert_true(modsim_run_violations(&fx->res) > 0);
	assert_true(fx->res.sched.schedule.expect == MODSIM_V_FAULT ||
		    fx->res.sched.schedule.expect == MODSIM_V_CALL_AFTER_EXIT);
	assert_true(fx->res.sched.schedule.expect_step <= fx->res.sched.end_step);
	assert_true(fx->res.sched.end_step <= fx->res.sched.schedule.expect_step + 1);
	outcome_of(&fx->res, &want);
	assert_true(want.module[0] && strcmp(want.module, "-"));

	/* Through the token, as a user would. */
	modsim_run_schedule(&fx->cfg, &fx->res, &s);
	assert_int_equal(modsim_schedule_encode(&s, &tok), 0);
	assert_int_equal(modsim_schedule_decode(tok, &back), 0);
	free(tok);
	for (int i = 0; i < 100; i++) {
		struct modsim_run_result *r = calloc(1, sizeof(*r));

		assert_non_null(r);
		modsim_run_config_default(&rc);
		modsim_run_config_replay(&rc, &back);
		run_ok(&rc, r);
		outcome_of(r, &got);
		assert_same_outcome(&want, &got);
		assert_int_equal(r->sched.divergences, 0);
		modsim_run_result_free(r);
		free(r);
	}
	modsim_schedule_free(&back);
}

/* --verify-replay's check: a schedule and its replay take the same steps. */
static void test_modsim_sched_compare_replay_same_steps(void **state)
{
	struct fixture *fx = *state;
	struct modsim_run_result *again = calloc(1, sizeof(*again));
	struct modsim_run_config rc;
	struct modsim_schedule s;
	uint32_t where = 0;
	char msg[256];

	assert_non_null(again);
	cell(&fx->cfg, "none", "put-return", MODSIM_SCHED_PCT);
	fx->cfg.sched_log = true;
	find_failing(&fx->cfg, &fx->res);
	assert_int_equal(fx->res.sched.nlog, fx->res.sched.steps);

	modsim_run_schedule(&fx->cfg, &fx->res, &s);
	modsim_run_config_default(&rc);
	modsim_run_config_replay(&rc, &s);
	rc.sched_log = true;
	run_ok(&rc, again);
	assert_true(modsim_sched_compare(&fx->res.sched, &again->sched, &where, msg, sizeof(msg)));
	assert_int_equal(where, fx->res.sched.nlog);
	modsim_run_result_free(again);
	free(again);
}

/* The check names the first step that differs, and how. */
static void test_modsim_sched_compare_names_first_divergence(void **state)
{
	struct modsim_sched_step la[3] = {
		{ .runnable = 0x3, .current = 0, .chosen = 0, .point = MODSIM_PT_LOAD_AFTER_MAP },
		{ .runnable = 0x3, .current = 0, .chosen = 1, .point = MODSIM_PT_LOAD_AFTER_INIT },
		{ .runnable = 0x3, .current = 1, .chosen = 1, .point = MODSIM_PT_QUIESCENT },
	};
	struct modsim_sched_step lb[3];
	struct modsim_sched_report a = { .nthreads = 2, .log = la, .nlog = 3 };
	struct modsim_sched_report b;
	uint32_t where = 99;
	char msg[256];

	(void)state;
	snprintf(a.thread_name[0], sizeof(a.thread_name[0]), "loader");
	snprintf(a.thread_name[1], sizeof(a.thread_name[1]), "worker0");
	memcpy(lb, la, sizeof(la));
	b = a;
	b.log = lb;
	assert_true(modsim_sched_compare(&a, &b, &where, msg, sizeof(msg)));
	assert_int_equal(where, 3);

	lb[1].runnable = 0x1;
	assert_false(modsim_sched_compare(&a, &b, &where, msg, sizeof(msg)));
	assert_int_equal(where, 1);
	assert_non_null(strstr(msg, "step 1"));
	assert_non_null(strstr(msg, "{loader,worker0}"));
	assert_non_null(strstr(msg, "{loader}"));

	memcpy(lb, la, sizeof(la));
	lb[2].point = MODSIM_PT_CALL_AFTER_LOOKUP;
	assert_false(modsim_sched_compare(&a, &b, &where, msg, sizeof(msg)));
	assert_int_equal(where, 2);
	assert_non_null(strstr(msg, "call.after_lookup"));

	memcpy(lb, la, sizeof(la));
	b.nlog = 2;
	assert_false(modsim_sched_compare(&a, &b, &where, msg, sizeof(msg)));
	assert_int_equal(where, 2);
}

/* stopworld + init-sleep: no thread can run; reported with each thread's place, and the run ends. */
static void test_modsim_run_sched_deadlock_reported(void **state)
{
	struct fixture *fx = *state;
	const struct modsim_sched_report *r = &fx->res.sched;

	cell(&fx->cfg, "stopworld", "init-sleep", MODSIM_SCHED_PCT);
	fx->cfg.seed = 1;
	run_ok(&fx->cfg, &fx->res);
	assert_int_equal(r->end, MODSIM_SEND_DEADLOCK);
	assert_int_equal(fx->res.stats.violations[MODSIM_V_DEADLOCK], 1);
	assert_int_equal(r->schedule.expect, MODSIM_V_DEADLOCK);
	assert_string_equal(fx->res.stats.first[MODSIM_V_DEADLOCK].module, "initsleep");
	assert_non_null(strstr(r->lost, "loader waits (firmware)"));
	assert_non_null(strstr(r->lost, "worker0 waits (world stopped)"));
	assert_non_null(strstr(r->lost, "worker1 waits (world stopped)"));
}

/* The same scenario under a preset that does not stop the world: a worker serves the firmware. */
static void test_modsim_run_sched_firmware_served(void **state)
{
	struct fixture *fx = *state;

	cell(&fx->cfg, "try", "init-sleep", MODSIM_SCHED_PCT);
	for (uint64_t seed = 1; seed <= 5; seed++) {
		fx->cfg.seed = seed;
		run_ok(&fx->cfg, &fx->res);
		assert_int_not_equal(fx->res.sched.end, MODSIM_SEND_DEADLOCK);
		assert_int_equal(modsim_run_violations(&fx->res), 0);
	}
	assert_true(fx->res.stats.loads > 0);
}

/* A safe preset runs to its budget (or to the end) with nothing found. */
static void test_modsim_run_sched_budget_ends(void **state)
{
	struct fixture *fx = *state;
	const struct modsim_sched_report *r = &fx->res.sched;

	cell(&fx->cfg, "try", "unload-race", MODSIM_SCHED_RANDOM);
	fx->cfg.steps = 40;
	fx->cfg.cycles = 1000;
	fx->cfg.seed = 3;
	run_ok(&fx->cfg, &fx->res);
	assert_int_equal(r->end, MODSIM_SEND_BUDGET);
	assert_int_equal(r->steps, 40);
	assert_int_equal(r->end_step, 40);
	assert_int_equal(modsim_run_violations(&fx->res), 0);
	assert_true(r->decisions <= r->steps);
}

/* A replayed choice that names a thread that cannot run is counted, not followed. */
static void test_modsim_run_sched_replay_divergence_counted(void **state)
{
	struct fixture *fx = *state;
	struct modsim_sched_choice bad[2] = { { .decision = 0, .thread = 40 },
					      { .decision = 5, .thread = 41 } };

	cell(&fx->cfg, "try", "unload-race", MODSIM_SCHED_REPLAY);
	fx->cfg.choices = bad;
	fx->cfg.nchoices = 2;
	fx->cfg.steps = 100;
	run_ok(&fx->cfg, &fx->res);
	assert_int_equal(fx->res.sched.divergences, 2);
	assert_int_equal(fx->res.sched.schedule.nchoices, 0);
}

/* The random policy finds put-then-return under none, and its schedule replays too. */
static void test_modsim_run_sched_random_replays(void **state)
{
	struct fixture *fx = *state;
	struct modsim_run_result *again = calloc(1, sizeof(*again));
	struct modsim_run_config rc;
	struct modsim_schedule s;
	struct outcome a, b;

	assert_non_null(again);
	cell(&fx->cfg, "none", "put-return", MODSIM_SCHED_RANDOM);
	find_failing(&fx->cfg, &fx->res);
	outcome_of(&fx->res, &a);
	modsim_run_schedule(&fx->cfg, &fx->res, &s);
	assert_int_equal(s.policy, MODSIM_SCHED_RANDOM);
	modsim_run_config_default(&rc);
	modsim_run_config_replay(&rc, &s);
	run_ok(&rc, again);
	outcome_of(again, &b);
	assert_same_outcome(&a, &b);
	modsim_run_result_free(again);
	free(again);
}

/* Shrinking keeps the kind of violation and never makes the schedule worse. */
static void test_modsim_shrink_keeps_failure(void **state)
{
	struct fixture *fx = *state;
	struct modsim_run_result *r = calloc(1, sizeof(*r));
	struct modsim_shrink_stats st;
	struct modsim_schedule s, small;
	struct modsim_run_config rc;

	assert_non_null(r);
	cell(&fx->cfg, "none", "unload-race", MODSIM_SCHED_PCT);
	find_failing(&fx->cfg, &fx->res);
	modsim_run_schedule(&fx->cfg, &fx->res, &s);
	assert_int_equal(modsim_shrink(&s, 400, &small, &st), 0);
	assert_int_equal(st.kind, s.expect);
	assert_int_equal(st.choices_before, s.nchoices);
	assert_true(st.preemptions_after <= st.preemptions_before);
	assert_true(st.choices_after <= st.choices_before ||
		    st.preemptions_after < st.preemptions_before);
	assert_true(st.runs >= 1 && st.runs <= 400);
	assert_int_equal(small.nchoices, st.choices_after);

	modsim_run_config_default(&rc);
	modsim_run_config_replay(&rc, &small);
	run_ok(&rc, r);
	assert_int_equal(r->sched.end, MODSIM_SEND_VIOLATION);
	assert_int_equal(r->sched.schedule.expect, st.kind);
	assert_int_equal(r->sched.steps, st.steps_after);
	modsim_schedule_free(&small);
	modsim_run_result_free(r);
	free(r);
}

/* A schedule that does not fail cannot be shrunk. */
static void test_modsim_shrink_rejects_passing_schedule(void **state)
{
	struct fixture *fx = *state;
	struct modsim_shrink_stats st;
	struct modsim_schedule s, out;

	cell(&fx->cfg, "try", "unload-race", MODSIM_SCHED_PCT);
	fx->cfg.seed = 1;
	run_ok(&fx->cfg, &fx->res);
	assert_int_not_equal(fx->res.sched.end, MODSIM_SEND_VIOLATION);
	modsim_run_schedule(&fx->cfg, &fx->res, &s);
	assert_int_equal(modsim_shrink(&s, 10, &out, &st), -ESRCH);
	assert_non_null(strstr(modsim_last_error(), "does not end on a violation"));
	assert_null(out.choices);
}

/* The trace has every thread's arrival and the ending violation at the last step. */
static void test_modsim_run_sched_trace_events(void **state)
{
	struct fixture *fx = *state;
	const struct modsim_sched_report *r = &fx->res.sched;
	unsigned int starts = 0, violations = 0, in_module = 0;

	cell(&fx->cfg, "none", "unload-race", MODSIM_SCHED_PCT);
	fx->cfg.sched_trace = true;
	find_failing(&fx->cfg, &fx->res);
	assert_true(r->nevents > 0);
	assert_true(r->nmods > 0);
	for (uint32_t i = 0; i < r->nevents; i++) {
		const struct modsim_sched_event *e = &r->events[i];

		assert_true(e->thread < r->nthreads);
		assert_true(e->step <= r->end_step);
		starts += e->kind == MODSIM_SEV_START;
		in_module += e->kind == MODSIM_SEV_POINT && e->point == MODSIM_PT_CALL_AFTER_ENTER;
		if (e->kind == MODSIM_SEV_VIOLATION) {
			violations++;
			assert_int_equal(e->thread, r->violation_thread);
			assert_string_equal(e->what, modsim_vkind_name(r->schedule.expect));
		}
	}
	assert_int_equal(starts, r->nthreads);
	assert_int_equal(violations, 1);
	assert_true(in_module > 0);
}

/* A schedule whose choices did not all fit makes no token, and the report says what was not kept. */
static void test_modsim_run_print_unkept_choices_no_token(void **state)
{
	struct fixture *fx = *state;
	char *text = NULL;
	size_t len;
	FILE *f;

	cell(&fx->cfg, "none", "unload-race", MODSIM_SCHED_PCT);
	fx->cfg.seed = 1;
	run_ok(&fx->cfg, &fx->res);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	modsim_run_print(f, MODSIM_FMT_TEXT, &fx->cfg, &fx->res);
	fclose(f);
	assert_non_null(strstr(text, "replay: modsim run --replay ms1."));
	assert_null(strstr(text, "not kept"));
	free(text);

	fx->res.sched.unkept_choices = 2;
	fx->res.sched.unkept_events = 5;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	modsim_run_print(f, MODSIM_FMT_TEXT, &fx->cfg, &fx->res);
	fclose(f);
	assert_null(strstr(text, "--replay ms1."));
	assert_non_null(strstr(text, "not kept (memory or the caps): 5 trace events, 0 logged steps, 2 choices"));
	assert_non_null(strstr(text, "replay: none: the schedule's choices did not all fit"));
	free(text);
}

/* Configurations a controlled trial refuses, with a reason. */
static void test_modsim_run_sched_bad_config(void **state)
{
	struct fixture *fx = *state;

	cell(&fx->cfg, "none", "unload-race", MODSIM_SCHED_PCT);
	fx->cfg.workers = 63;
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "controlled trial"));

	cell(&fx->cfg, "none", "unload-race", MODSIM_SCHED_REPLAY);
	fx->cfg.nchoices = 3;
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "no list"));

	cell(&fx->cfg, "none", "unload-race", (enum modsim_sched_policy)17);
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_run_sched_pct_replays_100_times, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_sched_compare_replay_same_steps, setup,
						teardown),
		cmocka_unit_test(test_modsim_sched_compare_names_first_divergence),
		cmocka_unit_test_setup_teardown(test_modsim_run_sched_deadlock_reported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_sched_firmware_served, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_sched_budget_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_sched_replay_divergence_counted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_sched_random_replays, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shrink_keeps_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shrink_rejects_passing_schedule, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_sched_trace_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_print_unkept_choices_no_token, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_sched_bad_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
