/* modsim matrix: the cells, the trials' seeds and shards, and the run over them (predictions: predict.c). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/matrix.h>
#include <modsim/strategy.h>

#include "lab/scenario.h"

#include "kernel/units.h"

#define MATRIX_DEFAULT_DURATION_MS 300
#define MATRIX_DEFAULT_WORKERS 2
/*
 * Controlled schedules per cell in the quick matrix, besides its free
 * trial: the verdict's deterministic evidence (the same seed gives the same
 * schedules, so 20 runs give one table).  bench/stability.sh measures it.
 */
#define MATRIX_DEFAULT_SCHEDULES 32

MODSIM_API void modsim_matrix_config_default(struct modsim_matrix_config *cfg)
{
	const struct modsim_strategy *const *all;
	const char *const *scn = modsim_scenario_names();
	size_t n;

	memset(cfg, 0, sizeof(*cfg));
	all = modsim_strategy_all(&n);
	for (size_t i = 0; i < n && i < MODSIM_MATRIX_MAX; i++)
		snprintf(cfg->strategies[cfg->nstrategies++], MODSIM_MATRIX_NAME_MAX, "%s",
			 all[i]->name);
	for (size_t i = 0; scn[i] && i < MODSIM_MATRIX_MAX; i++)
		snprintf(cfg->scenarios[cfg->nscenarios++], MODSIM_MATRIX_NAME_MAX, "%s", scn[i]);
	cfg->trials = 1;
	cfg->duration_ms = MATRIX_DEFAULT_DURATION_MS;
	cfg->workers = MATRIX_DEFAULT_WORKERS;
	cfg->seed = 1;
	cfg->shard_k = cfg->shard_n = 1;
	cfg->schedules = MATRIX_DEFAULT_SCHEDULES;
}

/* Does @name resolve as a strategy? */
static int check_strategy(const char *name)
{
	const struct modsim_strategy *s;
	void *handle;
	int err;

	err = modsim_strategy_resolve(name, &s, &handle);
	if (handle)
		dlclose(handle);
	return err;
}

/* Does @name resolve as a scenario (built in, or a file that parses)? */
static int check_scenario(const char *name)
{
	struct modsim_scenario s;

	return modsim_scenario_resolve(name, &s);
}

/* Split @list at commas into @names (left as they were on error); each must pass @check. */
static int set_list(const char *what, const char *list, char names[][MODSIM_MATRIX_NAME_MAX],
		    unsigned int *n, int (*check)(const char *name))
{
	char (*tmp)[MODSIM_MATRIX_NAME_MAX];
	unsigned int count = 0;
	const char *p = list;
	int err = 0;

	if (!list || !*list)
		return modsim_err(-EINVAL, "matrix: empty list of %s", what);
	tmp = calloc(MODSIM_MATRIX_MAX, sizeof(*tmp));
	if (!tmp)
		return modsim_err(-ENOMEM, "matrix: out of memory");
	for (;;) {
		size_t len = strcspn(p, ",");

		if (!len) {
			err = modsim_err(-EINVAL, "matrix: an empty name in the list of %s '%s'", what,
					 list);
			goto free_tmp;
		}
		if (len >= MODSIM_MATRIX_NAME_MAX) {
			err = modsim_err(-EINVAL, "matrix: a name in the list of %s is longer than %d characters",
					 what, MODSIM_MATRIX_NAME_MAX - 1);
			goto free_tmp;
		}
		if (count == MODSIM_MATRIX_MAX) {
			err = modsim_err(-EINVAL, "matrix: more than %d %s", MODSIM_MATRIX_MAX, what);
			goto free_tmp;
		}
		memcpy(tmp[count], p, len);
		tmp[count][len] = '\0';
		for (unsigned int i = 0; i < count; i++) {
			if (!strcmp(tmp[i], tmp[count])) {
				err = modsim_err(-EINVAL, "matrix: %s '%s' is listed twice", what,
						 tmp[count]);
				goto free_tmp;
			}
		}
		err = check(tmp[count]);
		if (err) {
			err = err == -ENOENT ? -ENOENT : -EINVAL;
			goto free_tmp;
		}
		count++;
		p += len;
		if (!*p)
			break;
		p++;
	}
	memcpy(names, tmp, count * sizeof(*tmp));
	*n = count;
free_tmp:
	free(tmp);
	return err;
}

MODSIM_API int modsim_matrix_set_strategies(struct modsim_matrix_config *cfg, const char *list)
{
	return set_list("strategies", list, cfg->strategies, &cfg->nstrategies, check_strategy);
}

MODSIM_API int modsim_matrix_set_scenarios(struct modsim_matrix_config *cfg, const char *list)
{
	return set_list("scenarios", list, cfg->scenarios, &cfg->nscenarios, check_scenario);
}

/* ---- seeds and shards ---- */

static uint64_t mix64(uint64_t x)
{
	/* The splitmix64 finaliser: every input bit reaches every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

MODSIM_API uint64_t modsim_matrix_trial_seed(uint64_t seed, const char *strategy,
					     const char *scenario, unsigned int trial)
{
	uint64_t x = mix64(seed + 0x9e3779b97f4a7c15ULL);

	x = mix64(x ^ hash_name(strategy));
	x = mix64(x ^ hash_name(scenario));
	x = mix64(x ^ (uint64_t)trial);
	/* Seeds print as decimal on a `modsim run` line: keep them readable. */
	return x % 1000000000000ULL;
}

MODSIM_API bool modsim_matrix_in_shard(unsigned long index, unsigned int k, unsigned int n)
{
	return n <= 1 || index % n == (unsigned long)(k - 1);
}

/* ---- the run ---- */

static int check_config(const struct modsim_matrix_config *cfg)
{
	if (!cfg->nstrategies || cfg->nstrategies > MODSIM_MATRIX_MAX)
		return modsim_err(-EINVAL, "matrix: %u strategies; want 1 to %d", cfg->nstrategies,
				  MODSIM_MATRIX_MAX);
	if (!cfg->nscenarios || cfg->nscenarios > MODSIM_MATRIX_MAX)
		return modsim_err(-EINVAL, "matrix: %u scenarios; want 1 to %d", cfg->nscenarios,
				  MODSIM_MATRIX_MAX);
	if (!cfg->trials || cfg->trials > MODSIM_MATRIX_MAX_TRIALS)
		return modsim_err(-EINVAL, "matrix: %u trials per cell; want 1 to %d", cfg->trials,
				  MODSIM_MATRIX_MAX_TRIALS);
	if (!cfg->duration_ms)
		return modsim_err(-EINVAL, "matrix: a trial needs a duration");
	if (cfg->schedules > MODSIM_MATRIX_MAX_TRIALS)
		return modsim_err(-EINVAL, "matrix: %u schedules per cell; want 0 to %d",
				  cfg->schedules, MODSIM_MATRIX_MAX_TRIALS);
	if (cfg->schedules && cfg->sched != MODSIM_SCHED_OFF)
		return modsim_err(-EINVAL, "matrix: schedules besides free trials, but the trials are controlled already (%s)",
				  modsim_sched_policy_name(cfg->sched));
	if (!cfg->shard_n || !cfg->shard_k || cfg->shard_k > cfg->shard_n)
		return modsim_err(-EINVAL, "matrix: shard %u/%u; want K/N with 1 <= K <= N",
				  cfg->shard_k, cfg->shard_n);
	return 0;
}

/* What a trial's record keeps of its result. */
static void trial_fill(struct modsim_matrix_trial *t, const struct modsim_run_result *res)
{
	const struct modsim_stats *st = &res->stats;
	int first = modsim_run_first_kind(res);

	t->violations = modsim_run_violations(res);
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		t->by_kind[v] = st->violations[v];
	t->first_violation_ns = t->violations ? res->first_violation_ns : 0;
	if (first >= 0) {
		snprintf(t->first_kind, sizeof(t->first_kind), "%s",
			 modsim_vkind_name((enum modsim_vkind)first));
		snprintf(t->first_module, sizeof(t->first_module), "%s", st->first[first].module);
	}
	t->cycles = res->cycles;
	t->elapsed_ns = res->elapsed_ns;
	for (int s = 0; s < MODSIM_SS__COUNT; s++) {
		t->ops += st->ops[s];
		t->failed_get += st->failed_get[s];
	}
	t->unload_attempts = st->unload_attempts;
	t->unload_done = st->unload_done;
	t->loads = st->loads;
	t->init_failures = st->init_failures;
	t->unload_overlapped = st->unload_overlapped;
	t->init_fail_overlapped = st->init_fail_overlapped;
	t->timer_calls = st->ops[MODSIM_SS_TIMER] + st->failed_get[MODSIM_SS_TIMER];
	for (int s = 0; s < MODSIM_SS__COUNT; s++) {
		t->refused_live += st->refused_live[s];
		t->ops_unlive += st->ops_unlive[s];
	}
	t->unload_ns = st->unload_ns;
	t->world_stop_ns = st->world_stop_ns;
}

/* A controlled trial's schedule, and its token when it found a violation. */
static void trial_fill_sched(struct modsim_matrix_trial *t, const struct modsim_run_config *rc,
			     const struct modsim_run_result *res)
{
	struct modsim_schedule s;
	char *tok = NULL;

	snprintf(t->sched, sizeof(t->sched), "%s", modsim_sched_policy_name(rc->sched));
	t->depth = rc->sched == MODSIM_SCHED_PCT ? res->sched.depth : 0;
	t->steps = res->sched.budget;
	t->sched_steps = res->sched.steps;
	/* Controlled, the first violation in time is the one the schedule ended
	 * on: name it, so that the replay line and its token agree. */
	if (res->sched.schedule.expect >= 0 && res->sched.schedule.expect < MODSIM_V__COUNT &&
	    res->stats.violations[res->sched.schedule.expect]) {
		int k = res->sched.schedule.expect;

		snprintf(t->first_kind, sizeof(t->first_kind), "%s",
			 modsim_vkind_name((enum modsim_vkind)k));
		snprintf(t->first_module, sizeof(t->first_module), "%s",
			 res->stats.first[k].module);
	}
	if (!t->violations || res->sched.unkept_choices)
		return;
	modsim_run_schedule(rc, res, &s);
	if (!modsim_schedule_encode(&s, &tok) && strlen(tok) < sizeof(t->token))
		snprintf(t->token, sizeof(t->token), "%s", tok);
	free(tok);
}

/* Run trial @idx of cell (@p, @s) into @t. */
static int run_trial(const struct modsim_matrix_config *cfg, unsigned int p, unsigned int s,
		     unsigned int tr, struct modsim_matrix_trial *t)
{
	struct modsim_run_config rc;
	struct modsim_run_result *res;
	int err;

	res = malloc(sizeof(*res));
	if (!res)
		return modsim_err(-ENOMEM, "matrix: out of memory");
	memset(t, 0, sizeof(*t));
	t->strategy_index = p;
	t->scenario_index = s;
	t->trial = tr;
	snprintf(t->strategy, sizeof(t->strategy), "%s", cfg->strategies[p]);
	snprintf(t->scenario, sizeof(t->scenario), "%s", cfg->scenarios[s]);
	/* One prediction per cell: with schedules, the controlled label. */
	t->predict = modsim_matrix_predict_sched(t->strategy, t->scenario,
						 cfg->schedules ? MODSIM_SCHED_PCT : cfg->sched,
						 t->hazard);
	t->seed = modsim_matrix_trial_seed(cfg->seed, t->strategy, t->scenario, tr);
	t->matrix_seed = cfg->seed;
	t->trials = cfg->trials;
	t->duration_ms = cfg->duration_ms;
	t->workers = cfg->workers;
	t->schedules = cfg->schedules;
	t->total = (unsigned long)cfg->nstrategies * cfg->nscenarios * (cfg->trials + cfg->schedules);

	modsim_run_config_default(&rc);
	snprintf(rc.strategy, sizeof(rc.strategy), "%s", t->strategy);
	snprintf(rc.scenario, sizeof(rc.scenario), "%s", t->scenario);
	rc.workers = cfg->workers;
	rc.duration_ms = cfg->duration_ms;
	rc.seed = t->seed;
	rc.sched = cfg->sched;
	rc.depth = cfg->depth;
	rc.steps = cfg->steps;
	if (tr >= cfg->trials) /* one of the cell's schedules: pct and random by turns */
		rc.sched = (tr - cfg->trials) % 2 ? MODSIM_SCHED_RANDOM : MODSIM_SCHED_PCT;
	snprintf(t->sched, sizeof(t->sched), "off");
	memset(res, 0, sizeof(*res));
	err = modsim_run(&rc, res);
	if (err && res->unloadable) {
		/* No evidence at all: the cell is VOID, and says why. */
		snprintf(t->load_error, sizeof(t->load_error), "%s", modsim_last_error());
		if (rc.sched != MODSIM_SCHED_OFF) {
			snprintf(t->sched, sizeof(t->sched), "%s", modsim_sched_policy_name(rc.sched));
			t->depth = rc.sched == MODSIM_SCHED_PCT ?
					   (rc.depth ? rc.depth : MODSIM_SCHED_DEFAULT_DEPTH) : 0;
			t->steps = rc.steps ? rc.steps : MODSIM_SCHED_DEFAULT_STEPS;
		}
		err = 0;
	} else if (err) {
		char why[512];

		snprintf(why, sizeof(why), "%s", modsim_last_error());
		err = modsim_err(err, "matrix: %s x %s, trial %u (seed %llu): %s", t->strategy,
				 t->scenario, tr, (unsigned long long)t->seed, why);
	} else {
		trial_fill(t, res);
		if (rc.sched != MODSIM_SCHED_OFF)
			trial_fill_sched(t, &rc, res);
	}
	modsim_run_result_free(res);
	free(res);
	return err;
}

MODSIM_API int modsim_matrix_run(const struct modsim_matrix_config *cfg,
				 modsim_matrix_trial_fn on_trial, void *arg,
				 struct modsim_matrix_result **out)
{
	struct modsim_matrix_result *r;
	struct modsim_matrix_trial *t;
	unsigned long index = 0, count = 0, done = 0;
	unsigned int per_cell;
	int err;

	*out = NULL;
	err = check_config(cfg);
	if (err)
		return err;
	r = modsim_matrix_result_new();
	t = malloc(sizeof(*t));
	if (!r || !t) {
		err = modsim_err(-ENOMEM, "matrix: out of memory");
		goto free_result;
	}
	per_cell = cfg->trials + cfg->schedules;
	for (unsigned long i = 0; i < (unsigned long)cfg->nstrategies * cfg->nscenarios * per_cell; i++)
		count += modsim_matrix_in_shard(i, cfg->shard_k, cfg->shard_n);

	for (unsigned int p = 0; p < cfg->nstrategies; p++) {
		for (unsigned int s = 0; s < cfg->nscenarios; s++) {
			for (unsigned int tr = 0; tr < per_cell; tr++, index++) {
				if (!modsim_matrix_in_shard(index, cfg->shard_k, cfg->shard_n))
					continue;
				err = run_trial(cfg, p, s, tr, t);
				if (!err)
					err = modsim_matrix_result_add(r, t);
				if (err)
					goto free_result;
				if (on_trial)
					on_trial(t, ++done, count, arg);
			}
		}
	}
	err = modsim_matrix_tabulate(r);
	if (err)
		goto free_result;
	/* A slice that holds no trial still shows what was asked for. */
	if (!r->ntrials) {
		r->cfg = *cfg;
		r->cfg.nstrategies = r->cfg.nscenarios = 0;
	}
	r->cfg.shard_k = cfg->shard_k;
	r->cfg.shard_n = cfg->shard_n;
	r->total = (unsigned long)cfg->nstrategies * cfg->nscenarios * per_cell;
	free(t);
	*out = r;
	return 0;

free_result:
	free(t);
	modsim_matrix_result_free(r);
	return err;
}
