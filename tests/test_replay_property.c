/* Every printed replay token replays: random configurations, each run, encoded, decoded and run again. */
/* LABELS: faults */
/* TIMEOUT: 600 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/lab/matrix.h>
#include <modsim/lab/run.h>
#include <modsim/lab/sched.h>
#include <modsim/strategy.h>

#include "internal.h"

/* Configurations drawn; the issue asks for at least 200. */
#define CONFIGS 240
#define PROPERTY_SEED 0x5eed2026ULL

/* A scenario file, so the token's path and hash are exercised too. */
static char scenario_file[64];

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: a fixed sequence, so a failure names a configuration that reruns. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int pick(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static int setup(void **state)
{
	FILE *f;
	int fd;

	(void)state;
	snprintf(scenario_file, sizeof(scenario_file), "/tmp/modsim-replay-XXXXXX.ini");
	fd = mkstemps(scenario_file, 4);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f)
		return -1;
	fputs("[scenario]\nname = replay-property\nhazard = A\n"
	      "description = selfcount loaded and unloaded while workers run its hook\n"
	      "[module]\nname = selfcount\n[workers]\nhook = 1\n[loader]\naction = cycle\n", f);
	return fclose(f);
}

static int teardown(void **state)
{
	(void)state;
	unlink(scenario_file);
	return 0;
}

/* The module the ending violation names, or "". */
static const char *end_module(const struct modsim_run_result *res)
{
	int k = res->sched.schedule.expect;

	if (k < 0 || k >= MODSIM_V__COUNT || !res->stats.violations[k])
		return "";
	return res->stats.first[k].module;
}

/* A random controlled configuration into @cfg; its description into @desc. */
static void draw(struct modsim_run_config *cfg, char *desc, size_t len)
{
	const struct modsim_strategy *const *all;
	const char *const *scn = modsim_scenario_names();
	unsigned int nscn = 0;
	size_t nall;

	all = modsim_strategy_all(&nall);
	while (scn[nscn])
		nscn++;
	modsim_run_config_default(cfg);
	snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", all[pick((unsigned int)nall)]->name);
	if (pick(8) == 0)
		snprintf(cfg->scenario, sizeof(cfg->scenario), "%s", scenario_file);
	else
		snprintf(cfg->scenario, sizeof(cfg->scenario), "%s", scn[pick(nscn)]);
	cfg->workers = 1 + pick(3);
	cfg->cycles = pick(3) ? 1 + pick(8) : 0;
	cfg->duration_ms = 0;
	if (!cfg->cycles)
		cfg->duration_ms = 2000; /* the default: 3 cycles when controlled */
	cfg->sched = pick(2) ? MODSIM_SCHED_PCT : MODSIM_SCHED_RANDOM;
	cfg->depth = 1 + pick(5);
	cfg->steps = 100 + pick(2900);
	cfg->seed = rnd() % 1000000;
	snprintf(desc, len, "--strategy %s --scenario %s --workers %u --cycles %lu --sched %s --depth %u --steps %u --seed %llu",
		 cfg->strategy, cfg->scenario, cfg->workers, cfg->cycles,
		 modsim_sched_policy_name(cfg->sched), cfg->depth, (unsigned)cfg->steps,
		 (unsigned long long)cfg->seed);
}

/* Run @token's schedule and check it ends as @first did. */
static void check_replays(const char *token, const struct modsim_run_result *first,
			  const char *desc)
{
	struct modsim_run_result *again = calloc(1, sizeof(*again));
	struct modsim_run_config rc;
	struct modsim_schedule s;

	assert_non_null(again);
	if (modsim_schedule_decode(token, &s))
		fail_msg("%s: token %s does not decode: %s", desc, token, modsim_last_error());
	modsim_run_config_default(&rc);
	modsim_run_config_replay(&rc, &s);
	if (modsim_run(&rc, again))
		fail_msg("%s: replay could not run: %s", desc, modsim_last_error());
	if (again->sched.end != first->sched.end || again->sched.end_step != first->sched.end_step ||
	    again->sched.schedule.expect != first->sched.schedule.expect ||
	    again->sched.violation_thread != first->sched.violation_thread ||
	    strcmp(end_module(again), end_module(first)))
		fail_msg("%s: ran to %s %d at step %u (thread %d, module '%s'); its token %s replays to %s %d at step %u (thread %d, module '%s')",
			 desc, modsim_sched_end_name(first->sched.end), first->sched.schedule.expect,
			 first->sched.end_step, first->sched.violation_thread, end_module(first),
			 token, modsim_sched_end_name(again->sched.end),
			 again->sched.schedule.expect, again->sched.end_step,
			 again->sched.violation_thread, end_module(again));
	assert_int_equal(again->sched.divergences, 0);
	modsim_run_result_free(again);
	free(again);
	modsim_schedule_free(&s);
}

/* The property: the token modsim run prints (modsim_run_schedule(), encoded) replays. */
static void test_replay_property_random_configs(void **state)
{
	unsigned int ran = 0, violations = 0, files = 0, cycled = 0;
	char desc[768];

	(void)state;
	rng_state = PROPERTY_SEED;
	for (unsigned int i = 0; i < CONFIGS; i++) {
		struct modsim_run_result *res = calloc(1, sizeof(*res));
		struct modsim_run_config cfg;
		struct modsim_schedule s;
		char *tok = NULL;

		assert_non_null(res);
		draw(&cfg, desc, sizeof(desc));
		if (modsim_run(&cfg, res))
			fail_msg("config %u (%s) could not run: %s", i, desc, modsim_last_error());
		assert_int_equal(res->sched.unkept_choices, 0);
		modsim_run_schedule(&cfg, res, &s);
		if (modsim_schedule_encode(&s, &tok))
			fail_msg("config %u (%s): no token: %s", i, desc, modsim_last_error());
		check_replays(tok, res, desc);
		ran++;
		violations += res->sched.schedule.expect >= 0;
		files += strchr(cfg.scenario, '/') != NULL;
		cycled += cfg.cycles > MODSIM_SCHED_DEFAULT_CYCLES;
		free(tok);
		modsim_run_result_free(res);
		free(res);
	}
	assert_true(ran >= 200);
	/* The draw reached what the property is about. */
	assert_true(violations >= 20);
	assert_true(files >= 10);
	assert_true(cycled >= 20);
	print_message("%u configurations, %u ended on a violation, %u scenario files, %u with more than %d cycles\n",
		      ran, violations, files, cycled, MODSIM_SCHED_DEFAULT_CYCLES);
}

/* The regression of the issue: --cycles 200 was not in the token. */
static void test_replay_cycles_in_token(void **state)
{
	struct modsim_run_result *res = calloc(1, sizeof(*res));
	struct modsim_run_config cfg;
	struct modsim_schedule s, d;
	char *tok = NULL;

	(void)state;
	assert_non_null(res);
	modsim_run_config_default(&cfg);
	snprintf(cfg.strategy, sizeof(cfg.strategy), "none");
	snprintf(cfg.scenario, sizeof(cfg.scenario), "unload-race");
	cfg.sched = MODSIM_SCHED_PCT;
	cfg.seed = 1;
	cfg.cycles = 200;
	cfg.duration_ms = 0;
	assert_int_equal(modsim_run(&cfg, res), 0);
	modsim_run_schedule(&cfg, res, &s);
	assert_int_equal(s.cycles, 200);
	assert_int_equal(modsim_schedule_encode(&s, &tok), 0);
	assert_int_equal(modsim_schedule_decode(tok, &d), 0);
	assert_int_equal(d.cycles, 200);
	assert_int_equal(d.scenario_hash, 0);
	modsim_schedule_free(&d);
	check_replays(tok, res, "none x unload-race, pct seed 1, 200 cycles");
	free(tok);
	modsim_run_result_free(res);
	free(res);
}

/* A scenario file edited after its token was made: the replay is refused, not run. */
static void test_replay_changed_scenario_file_refused(void **state)
{
	struct modsim_run_result *res = calloc(1, sizeof(*res));
	struct modsim_run_config cfg, rc;
	struct modsim_schedule s, d;
	char *tok = NULL;
	FILE *f;

	(void)state;
	assert_non_null(res);
	modsim_run_config_default(&cfg);
	snprintf(cfg.strategy, sizeof(cfg.strategy), "none");
	snprintf(cfg.scenario, sizeof(cfg.scenario), "%s", scenario_file);
	cfg.sched = MODSIM_SCHED_RANDOM;
	assert_int_equal(modsim_run(&cfg, res), 0);
	modsim_run_schedule(&cfg, res, &s);
	assert_true(s.scenario_hash != 0);
	assert_int_equal(modsim_schedule_encode(&s, &tok), 0);
	modsim_run_result_free(res);

	f = fopen(scenario_file, "a");
	assert_non_null(f);
	fputs("; edited\n", f);
	fclose(f);
	assert_int_equal(modsim_schedule_decode(tok, &d), 0);
	modsim_run_config_default(&rc);
	modsim_run_config_replay(&rc, &d);
	memset(res, 0, sizeof(*res));
	assert_int_equal(modsim_run(&rc, res), -ESTALE);
	assert_non_null(strstr(modsim_last_error(), "bytes changed"));
	modsim_schedule_free(&d);
	free(tok);
	free(res);
	assert_int_equal(teardown(NULL), 0);
	assert_int_equal(setup(NULL), 0);
}

/* The hunt's token is the schedule it names: its policy and seed rerun it. */
static void test_hunt_names_its_schedule(void **state)
{
	static const char *const cells[][2] = {
		{ "none", "unload-race" }, { "inc", "timer" }, { "self", "half-init" },
		{ "twoinit", "put-return" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		struct modsim_run_result *res = calloc(1, sizeof(*res));
		struct modsim_run_config cfg;
		struct modsim_schedule s;
		struct modsim_hunt h;
		char *tok = NULL;

		assert_non_null(res);
		modsim_run_config_default(&cfg);
		snprintf(cfg.strategy, sizeof(cfg.strategy), "%s", cells[i][0]);
		snprintf(cfg.scenario, sizeof(cfg.scenario), "%s", cells[i][1]);
		/* A kind no schedule ends on: the hunt falls back to the first violation it saw. */
		assert_int_equal(modsim_sched_hunt(&cfg, MODSIM_V_LEAK, 1, 20, &h), 0);
		assert_non_null(h.token);
		assert_true(h.policy == MODSIM_SCHED_PCT || h.policy == MODSIM_SCHED_RANDOM);
		cfg.sched = h.policy;
		cfg.seed = h.seed;
		assert_int_equal(modsim_run(&cfg, res), 0);
		modsim_run_schedule(&cfg, res, &s);
		assert_int_equal(modsim_schedule_encode(&s, &tok), 0);
		assert_string_equal(tok, h.token);
		check_replays(h.token, res, cells[i][0]);
		free(tok);
		free(h.token);
		modsim_run_result_free(res);
		free(res);
	}
}

/* The tokens a matrix keeps (its schedules' finders) replay to the violation they name. */
static void test_matrix_tokens_replay(void **state)
{
	struct modsim_matrix_config cfg;
	struct modsim_matrix_result *r = NULL;
	unsigned int tokens = 0;

	(void)state;
	modsim_matrix_config_default(&cfg);
	assert_int_equal(modsim_matrix_set_strategies(&cfg, "none,inc,self,twoinit"), 0);
	assert_int_equal(modsim_matrix_set_scenarios(&cfg, "unload-race,half-init,timer,put-return"), 0);
	/* Every trial controlled (--sched: no free running, so TSan runs it too);
	 * the quick matrix's schedules keep their tokens the same way. */
	cfg.sched = MODSIM_SCHED_RANDOM;
	cfg.schedules = 0;
	cfg.trials = 4;
	cfg.steps = MODSIM_SCHED_DEFAULT_STEPS;
	assert_int_equal(modsim_matrix_run(&cfg, NULL, NULL, &r), 0);
	for (size_t i = 0; i < r->ntrials; i++) {
		const struct modsim_matrix_trial *t = &r->trial[i];
		struct modsim_run_result *res;
		struct modsim_run_config rc;
		struct modsim_schedule s;

		if (!t->token[0])
			continue;
		res = calloc(1, sizeof(*res));
		assert_non_null(res);
		assert_int_equal(modsim_schedule_decode(t->token, &s), 0);
		modsim_run_config_default(&rc);
		modsim_run_config_replay(&rc, &s);
		assert_int_equal(modsim_run(&rc, res), 0);
		if (res->sched.schedule.expect != s.expect ||
		    res->sched.schedule.expect_step != s.expect_step)
			fail_msg("%s x %s trial %u: token %s ended on %d at %u, replays to %d at %u",
				 t->strategy, t->scenario, t->trial, t->token, s.expect, s.expect_step,
				 res->sched.schedule.expect, res->sched.schedule.expect_step);
		/* A schedule that ended on a violation names it on its replay line. */
		if (s.expect >= 0)
			assert_string_equal(modsim_vkind_name((enum modsim_vkind)s.expect),
					    t->first_kind);
		tokens++;
		modsim_schedule_free(&s);
		modsim_run_result_free(res);
		free(res);
	}
	assert_true(tokens >= 10);
	modsim_matrix_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_cycles_in_token),
		cmocka_unit_test(test_replay_changed_scenario_file_refused),
		cmocka_unit_test(test_hunt_names_its_schedule),
		cmocka_unit_test(test_matrix_tokens_replay),
		cmocka_unit_test(test_replay_property_random_configs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
