/* The matrix's table: trials collected (run or merged), sorted, and reduced to cells, verdicts and costs. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/matrix.h>

#include "lab/matrix_internal.h"

#include "kernel/units.h"

/*
 * struct table - a result and the names each position had in its trials, so
 * a trial whose position names another strategy or scenario is refused.
 */
struct table {
	struct modsim_matrix_result pub;
	char strategy_at[MODSIM_MATRIX_MAX][MODSIM_MATRIX_NAME_MAX];
	char scenario_at[MODSIM_MATRIX_MAX][MODSIM_MATRIX_NAME_MAX];
};

static struct table *to_table(struct modsim_matrix_result *r)
{
	return (struct table *)((char *)r - offsetof(struct table, pub));
}

MODSIM_API const char *modsim_matrix_predict_name(enum modsim_matrix_predict p)
{
	switch (p) {
	case MODSIM_PREDICT_SAFE:
		return "safe";
	case MODSIM_PREDICT_UNSAFE:
		return "unsafe";
	default:
		return "unknown";
	}
}

MODSIM_API const char *modsim_matrix_verdict_name(enum modsim_matrix_verdict v)
{
	switch (v) {
	case MODSIM_VERDICT_MATCH:
		return "MATCH";
	case MODSIM_VERDICT_MISMATCH:
		return "MISMATCH";
	case MODSIM_VERDICT_UNSEEN:
		return "UNSEEN";
	case MODSIM_VERDICT_VOID:
		return "VOID";
	default:
		return "-";
	}
}

MODSIM_API struct modsim_matrix_result *modsim_matrix_result_new(void)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->pub.cfg.shard_k = t->pub.cfg.shard_n = 1;
	return &t->pub;
}

MODSIM_API void modsim_matrix_result_free(struct modsim_matrix_result *r)
{
	if (!r)
		return;
	free(r->trial);
	if (r->cell)
		for (size_t i = 0; i < (size_t)r->cfg.nstrategies * r->cfg.nscenarios; i++)
			free(r->cell[i].replay);
	free(r->cell);
	free(r->cost);
	free(to_table(r));
}

/* Does @t belong with @first (the same matrix)?  Return: 0 or -EINVAL. */
static int same_matrix(const struct modsim_matrix_trial *first, const struct modsim_matrix_trial *t)
{
	if (t->matrix_seed != first->matrix_seed)
		return modsim_err(-EINVAL, "matrix seed %llu, but earlier trials have %llu",
				  (unsigned long long)t->matrix_seed,
				  (unsigned long long)first->matrix_seed);
	if (t->trials != first->trials)
		return modsim_err(-EINVAL, "%u trials per cell, but earlier trials have %u",
				  t->trials, first->trials);
	if (t->schedules != first->schedules)
		return modsim_err(-EINVAL, "%u schedules per cell, but earlier trials have %u",
				  t->schedules, first->schedules);
	if (t->duration_ms != first->duration_ms)
		return modsim_err(-EINVAL, "trials of %u ms, but earlier trials ran %u ms",
				  t->duration_ms, first->duration_ms);
	/* With schedules besides free trials, a cell mixes policies by design. */
	if (!t->schedules &&
	    (strcmp(t->sched, first->sched) || t->depth != first->depth || t->steps != first->steps))
		return modsim_err(-EINVAL, "trials scheduled %s (depth %u, %u steps), but earlier trials %s (depth %u, %u steps)",
				  t->sched, t->depth, t->steps, first->sched, first->depth,
				  first->steps);
	if (t->workers != first->workers)
		return modsim_err(-EINVAL, "%u workers, but earlier trials had %u", t->workers,
				  first->workers);
	if (t->total != first->total)
		return modsim_err(-EINVAL, "a matrix of %lu trials, but earlier trials are of %lu",
				  t->total, first->total);
	return 0;
}

/* Position @idx must always name the same thing.  Return: 0 or -EINVAL. */
static int same_name(char at[MODSIM_MATRIX_NAME_MAX], const char *what, unsigned int idx,
		     const char *name)
{
	if (!at[0]) {
		snprintf(at, MODSIM_MATRIX_NAME_MAX, "%s", name);
		return 0;
	}
	if (strcmp(at, name))
		return modsim_err(-EINVAL, "%s %u is '%s', but earlier trials call it '%s'", what,
				  idx, name, at);
	return 0;
}

MODSIM_API int modsim_matrix_result_add(struct modsim_matrix_result *r,
					const struct modsim_matrix_trial *t)
{
	struct table *tb = to_table(r);
	int err;

	if (t->strategy_index >= MODSIM_MATRIX_MAX || t->scenario_index >= MODSIM_MATRIX_MAX)
		return modsim_err(-EINVAL, "position (%u, %u) is outside a matrix of at most %d x %d",
				  t->strategy_index, t->scenario_index, MODSIM_MATRIX_MAX,
				  MODSIM_MATRIX_MAX);
	if (!t->trials || t->trial >= t->trials + t->schedules)
		return modsim_err(-EINVAL, "trial %u of a cell of %u trials", t->trial,
				  t->trials + t->schedules);
	/* "" is a trial made before trials were scheduled: free running. */
	if (t->sched[0] && (modsim_sched_policy_lookup(t->sched) < 0 || !strcmp(t->sched, "replay")))
		return modsim_err(-EINVAL, "trial scheduled \"%s\": not off, pct or random", t->sched);
	if (r->ntrials) {
		err = same_matrix(&r->trial[0], t);
		if (err)
			return err;
	}
	err = same_name(tb->strategy_at[t->strategy_index], "strategy", t->strategy_index,
			t->strategy);
	if (!err)
		err = same_name(tb->scenario_at[t->scenario_index], "scenario", t->scenario_index,
				t->scenario);
	if (err)
		return err;
	if (r->ntrials == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct modsim_matrix_trial *n = realloc(r->trial, cap * sizeof(*n));

		if (!n)
			return modsim_err(-ENOMEM, "matrix: out of memory");
		r->trial = n;
		r->cap = cap;
	}
	r->trial[r->ntrials++] = *t;
	return 0;
}

/* ---- tabulating ---- */

static int trial_cmp(const void *a, const void *b)
{
	const struct modsim_matrix_trial *x = a, *y = b;

	if (x->strategy_index != y->strategy_index)
		return x->strategy_index < y->strategy_index ? -1 : 1;
	if (x->scenario_index != y->scenario_index)
		return x->scenario_index < y->scenario_index ? -1 : 1;
	if (x->trial != y->trial)
		return x->trial < y->trial ? -1 : 1;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n values (the lower one of an even count); sorts @v.  0 for none. */
static uint64_t median(uint64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), u64_cmp);
	return v[(n - 1) / 2];
}

/* A trial that ran free (not one of the controlled schedules). */
static bool trial_free(const struct modsim_matrix_trial *t)
{
	return !t->sched[0] || !strcmp(t->sched, "off");
}

/* Rows and columns: the positions the trials use, in order, with their names. */
static void tabulate_axes(struct modsim_matrix_result *r, int row_of[], int col_of[])
{
	struct table *tb = to_table(r);
	struct modsim_matrix_config *c = &r->cfg;
	int policy;

	c->nstrategies = c->nscenarios = 0;
	for (int i = 0; i < MODSIM_MATRIX_MAX; i++)
		row_of[i] = col_of[i] = -1;
	for (size_t i = 0; i < r->ntrials; i++) {
		row_of[r->trial[i].strategy_index] = 0;
		col_of[r->trial[i].scenario_index] = 0;
	}
	for (int i = 0; i < MODSIM_MATRIX_MAX; i++) {
		if (!row_of[i]) {
			row_of[i] = (int)c->nstrategies;
			snprintf(c->strategies[c->nstrategies++], MODSIM_MATRIX_NAME_MAX, "%s",
				 tb->strategy_at[i]);
		}
		if (!col_of[i]) {
			col_of[i] = (int)c->nscenarios;
			snprintf(c->scenarios[c->nscenarios++], MODSIM_MATRIX_NAME_MAX, "%s",
				 tb->scenario_at[i]);
		}
	}
	if (r->ntrials) {
		c->trials = r->trial[0].trials;
		c->schedules = r->trial[0].schedules;
		c->duration_ms = r->trial[0].duration_ms;
		c->workers = r->trial[0].workers;
		c->seed = r->trial[0].matrix_seed;
		r->total = r->trial[0].total;
		policy = r->trial[0].sched[0] ? modsim_sched_policy_lookup(r->trial[0].sched) : 0;
		c->sched = policy > 0 ? (enum modsim_sched_policy)policy : MODSIM_SCHED_OFF;
		c->depth = r->trial[0].depth;
		c->steps = r->trial[0].steps;
		/* Free trials and schedules: the schedules' depth and budget. */
		for (size_t i = 0; c->schedules && i < r->ntrials; i++)
			if (!trial_free(&r->trial[i]) && r->trial[i].depth) {
				c->depth = r->trial[i].depth;
				c->steps = r->trial[i].steps;
				break;
			}
	}
	c->shard_k = c->shard_n = 1;
}

/* Append "; @what" (or @what) to @reason. */
static void add_reason(char *reason, size_t len, const char *what)
{
	size_t used = strlen(reason);

	snprintf(reason + used, len - used, "%s%s", used ? "; " : "", what);
}

/*
 * What the trials @t[0..@n-1] did not show of hazard set @hazard, into
 * @reason ("" when they exercised every hazard of it).  The evidence per
 * hazard (docs/matrix-confidence.md):
 *   every hazard  a successful load
 *   A, P, L       an unload during which a call into module code was made
 *                 or refused
 *   B             a failed init during which a caller ran (made or was
 *                 refused a call, or passed a quiescent point)
 *   T             a timer callback made or refused, and an unload attempted
 *   S             an init that ran (a load, or a failed init)
 *   mixed         an unload during which a call was made or refused
 */
static void cell_evidence(const struct modsim_matrix_trial *t, size_t n, bool sched_only,
			  const char *hazard, char *reason, size_t len)
{
	unsigned long loads = 0, inits = 0, overlap = 0, init_overlap = 0, timer = 0, unloads = 0;
	const char *load_error = NULL;

	reason[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (t[i].load_error[0] && !load_error)
			load_error = t[i].load_error;
		if (sched_only && trial_free(&t[i]))
			continue;
		loads += t[i].loads;
		inits += t[i].loads + t[i].init_failures;
		overlap += t[i].unload_overlapped;
		init_overlap += t[i].init_fail_overlapped;
		timer += t[i].timer_calls;
		unloads += t[i].unload_attempts;
	}
	if (load_error) {
		char buf[300];

		snprintf(buf, sizeof(buf), "the module cannot load: %s", load_error);
		add_reason(reason, len, buf);
		return;
	}
	if (!loads && !strchr(hazard, 'B'))
		add_reason(reason, len, "no successful load");
	if ((strpbrk(hazard, "APL") || !strcmp(hazard, "mixed")) && !overlap)
		add_reason(reason, len, "no call into module code while an unload was under way");
	if (strchr(hazard, 'B') && !init_overlap)
		add_reason(reason, len, "no caller running while a failing init was under way");
	if (strchr(hazard, 'T') && (!timer || !unloads))
		add_reason(reason, len, "no timer callback with an unload attempted");
	if (strchr(hazard, 'S') && !inits)
		add_reason(reason, len, "no init ran");
}

/* One cell from its trials @t[0..@n-1]; @scratch holds @n values. */
static void tabulate_cell(struct modsim_matrix_cell *cell, const struct modsim_matrix_trial *t,
			  size_t n, uint64_t *scratch)
{
	size_t nfirst = 0;
	unsigned int found;

	snprintf(cell->hazard, sizeof(cell->hazard), "%s", t[0].hazard);
	cell->predict = t[0].predict;
	for (size_t i = 0; i < n; i++) {
		bool free_run = trial_free(&t[i]);

		cell->trials++;
		cell->free_trials += free_run;
		cell->schedules += !free_run;
		cell->violations += t[i].violations;
		if (t[i].violations) {
			cell->found++;
			cell->free_found += free_run;
			cell->sched_found += !free_run;
			scratch[nfirst++] = t[i].first_violation_ns;
		}
	}
	cell->first_violation_p50_ns = median(scratch, nfirst);
	/*
	 * With schedules, the verdict is theirs alone (deterministic for the
	 * seed); the free trials corroborate, and a violation only they found
	 * is reported apart (cell->free_only), not folded into the verdict: a
	 * free trial's finding depends on the machine's load (a watchdog that
	 * fires on a slow init), so it would make the verdict flip.
	 */
	found = cell->schedules ? cell->sched_found : cell->found;
	cell->free_only = cell->schedules && !cell->sched_found && cell->free_found;
	cell_evidence(t, n, cell->schedules > 0, cell->hazard, cell->void_reason,
		      sizeof(cell->void_reason));
	if (cell->predict == MODSIM_PREDICT_UNKNOWN)
		cell->verdict = MODSIM_VERDICT_NONE;
	else if (!found && cell->void_reason[0])
		cell->verdict = MODSIM_VERDICT_VOID;
	else if ((cell->predict == MODSIM_PREDICT_UNSAFE) == (found > 0))
		cell->verdict = MODSIM_VERDICT_MATCH;
	else if (cell->predict == MODSIM_PREDICT_UNSAFE)
		cell->verdict = MODSIM_VERDICT_UNSEEN;
	else
		cell->verdict = MODSIM_VERDICT_MISMATCH;
}

/* Does trial @t count in its strategy's costs?  The free ones, when there are any. */
static bool cost_trial(const struct modsim_matrix_trial *t, bool any_free)
{
	return !any_free || trial_free(t);
}

/* One strategy's costs from its trials @t[0..@n-1]; @scratch holds @n values. */
static void tabulate_cost(struct modsim_matrix_cost *c, const struct modsim_matrix_trial *t,
			  size_t n, uint64_t *scratch)
{
	unsigned long attempts;
	bool any_free = false;

	for (size_t i = 0; i < n; i++)
		any_free |= trial_free(&t[i]);
	for (size_t i = 0; i < n; i++) {
		if (!cost_trial(&t[i], any_free))
			continue;
		c->trials++;
		c->cycles += t[i].cycles;
		c->ops += t[i].ops;
		c->failed_get += t[i].failed_get;
		c->refused_live += t[i].refused_live;
		c->refused_transition += t[i].failed_get - t[i].refused_live;
		/* Made while LIVE (all made, less those made while not), and refused while LIVE. */
		c->calls_live += t[i].ops - t[i].ops_unlive + t[i].refused_live;
	}
	attempts = c->ops + c->failed_get;
	c->failed_get_per_mop = attempts ? (double)c->failed_get * 1e6 / (double)attempts : 0.0;
	c->refused_live_per_mlive =
		c->calls_live ? (double)c->refused_live * 1e6 / (double)c->calls_live : 0.0;
	c->refused_transition_per_mlive =
		c->calls_live ? (double)c->refused_transition * 1e6 / (double)c->calls_live : 0.0;

	for (size_t i = 0; i < n; i++)
		if (cost_trial(&t[i], any_free) && t[i].unload_ns.n)
			scratch[c->unload_trials++] = t[i].unload_ns.p50;
	c->unload_p50_ns = median(scratch, c->unload_trials);
	for (size_t i = 0; i < n; i++)
		if (cost_trial(&t[i], any_free) && t[i].world_stop_ns.n)
			scratch[c->stop_trials++] = t[i].world_stop_ns.p99;
	c->world_stop_p99_ns = median(scratch, c->stop_trials);
}

MODSIM_API int modsim_matrix_tabulate(struct modsim_matrix_result *r)
{
	int row_of[MODSIM_MATRIX_MAX], col_of[MODSIM_MATRIX_MAX];
	struct modsim_matrix_config *c = &r->cfg;
	uint64_t *scratch;
	size_t i, j;

	qsort(r->trial, r->ntrials, sizeof(*r->trial), trial_cmp);
	for (i = 1; i < r->ntrials; i++) {
		if (!trial_cmp(&r->trial[i - 1], &r->trial[i]))
			return modsim_err(-EINVAL, "trial %u of %s x %s appears twice (a shard given twice?)",
					  r->trial[i].trial, r->trial[i].strategy,
					  r->trial[i].scenario);
	}
	if (r->cell)
		for (i = 0; i < (size_t)c->nstrategies * c->nscenarios; i++)
			free(r->cell[i].replay);
	tabulate_axes(r, row_of, col_of);

	free(r->cell);
	free(r->cost);
	r->cell = calloc((size_t)c->nstrategies * c->nscenarios + 1, sizeof(*r->cell));
	r->cost = calloc((size_t)c->nstrategies + 1, sizeof(*r->cost));
	scratch = calloc(r->ntrials + 1, sizeof(*scratch));
	if (!r->cell || !r->cost || !scratch) {
		free(scratch);
		return modsim_err(-ENOMEM, "matrix: out of memory");
	}
	r->match = r->mismatch = r->unseen = r->void_cells = r->unloadable = r->free_only = 0;
	/* Sorted: a cell's trials, and a strategy's, are next to each other. */
	for (i = 0; i < r->ntrials; i = j) {
		const struct modsim_matrix_trial *t = &r->trial[i];
		struct modsim_matrix_cell *cell;

		for (j = i; j < r->ntrials && r->trial[j].strategy_index == t->strategy_index &&
			    r->trial[j].scenario_index == t->scenario_index; j++)
			;
		cell = &r->cell[row_of[t->strategy_index] * c->nscenarios +
				col_of[t->scenario_index]];
		tabulate_cell(cell, t, j - i, scratch);
		r->match += cell->verdict == MODSIM_VERDICT_MATCH;
		r->mismatch += cell->verdict == MODSIM_VERDICT_MISMATCH;
		r->unseen += cell->verdict == MODSIM_VERDICT_UNSEEN;
		r->void_cells += cell->verdict == MODSIM_VERDICT_VOID;
		r->free_only += cell->free_only;
		r->unloadable += !strncmp(cell->void_reason, "the module cannot load", 22);
	}
	for (i = 0; i < r->ntrials; i = j) {
		const struct modsim_matrix_trial *t = &r->trial[i];

		for (j = i; j < r->ntrials && r->trial[j].strategy_index == t->strategy_index; j++)
			;
		tabulate_cost(&r->cost[row_of[t->strategy_index]], t, j - i, scratch);
	}
	free(scratch);
	return 0;
}

/* ---- confidence ---- */

MODSIM_API void modsim_wilson(unsigned int k, unsigned int n, double *lo, double *hi)
{
	const double z = 1.959963984540054; /* the 97.5th percentile of the normal */
	double p, centre, half, d;

	if (!n) {
		*lo = 0.0;
		*hi = 1.0;
		return;
	}
	p = (double)k / n;
	d = 1.0 + z * z / n;
	centre = (p + z * z / (2.0 * n)) / d;
	half = z * sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * (double)n)) / d;
	*lo = centre - half < 0.0 ? 0.0 : centre - half;
	*hi = centre + half > 1.0 ? 1.0 : centre + half;
}

MODSIM_API void modsim_matrix_confidence(const struct modsim_matrix_cell *cell,
					 struct modsim_matrix_confidence *out)
{
	memset(out, 0, sizeof(*out));
	/* The schedules are the verdict's evidence when there are any. */
	if (cell->schedules) {
		out->n = cell->schedules;
		out->k = cell->sched_found;
		out->per = "schedule";
	} else {
		out->n = cell->free_trials;
		out->k = cell->free_found;
		out->per = "trial";
	}
	if (!out->n)
		return;
	out->rate = (double)out->k / out->n;
	modsim_wilson(out->k, out->n, &out->lo, &out->hi);
	out->bound = out->k ? 0.0 : 3.0 / out->n;
	if (out->bound > 1.0)
		out->bound = 1.0;
}

const struct modsim_matrix_trial *modsim_matrix_first_finder(const struct modsim_matrix_result *r,
							     const char *strategy,
							     const char *scenario)
{
	for (size_t i = 0; i < r->ntrials; i++)
		if (r->trial[i].violations && !strcmp(r->trial[i].strategy, strategy) &&
		    !strcmp(r->trial[i].scenario, scenario))
			return &r->trial[i];
	return NULL;
}

const struct modsim_matrix_trial *modsim_matrix_token_finder(const struct modsim_matrix_result *r,
							     const char *strategy,
							     const char *scenario)
{
	for (size_t i = 0; i < r->ntrials; i++)
		if (r->trial[i].violations && r->trial[i].token[0] &&
		    !strcmp(r->trial[i].strategy, strategy) && !strcmp(r->trial[i].scenario, scenario))
			return &r->trial[i];
	return NULL;
}
