/* Shrinking a failing schedule: drop choices (delta debugging) while the replay still fails the same way. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/run.h>

#include "kernel/units.h"

#define SHRINK_DEFAULT_RUNS 2000

/* A schedule being tried, and how its replay went. */
struct shrink_try {
	struct modsim_schedule s; /* choices owned */
	int kind;                 /* the violation it ended on, or -1 */
	uint32_t preemptions, steps;
};

static void try_free(struct shrink_try *t)
{
	modsim_schedule_free(&t->s);
}

/*
 * Replay @s (choices not owned) and fill @t with the schedule it actually
 * took and how it ended.  Return: 0, or a negative errno from modsim_run().
 */
static int shrink_replay(const struct modsim_schedule *s, struct shrink_try *t,
			 struct modsim_shrink_stats *st)
{
	struct modsim_run_config cfg;
	struct modsim_run_result *res = calloc(1, sizeof(*res));
	int err;

	if (!res)
		return modsim_err(-ENOMEM, "shrink: out of memory");
	modsim_run_config_default(&cfg);
	modsim_run_config_replay(&cfg, s);
	err = modsim_run(&cfg, res);
	st->runs++;
	if (!err) {
		struct modsim_sched_report *r = &res->sched;

		memset(t, 0, sizeof(*t));
		modsim_run_schedule(&cfg, res, &t->s);
		t->s.policy = s->policy;
		/* Take the choices over from the report. */
		r->schedule.choices = NULL;
		r->schedule.nchoices = 0;
		t->kind = r->end == MODSIM_SEND_VIOLATION || r->end == MODSIM_SEND_DEADLOCK ?
				  t->s.expect : -1;
		t->preemptions = r->preemptions;
		t->steps = r->steps;
	}
	modsim_run_result_free(res);
	free(res);
	return err;
}

/* Is @b a better failing schedule than @a (both end on the wanted kind)? */
static bool shrink_better(const struct shrink_try *a, const struct shrink_try *b)
{
	if (b->preemptions != a->preemptions)
		return b->preemptions < a->preemptions;
	if (b->s.nchoices != a->s.nchoices)
		return b->s.nchoices < a->s.nchoices;
	return b->steps < a->steps;
}

/* @cur without its choices [from, from + n), into @cand (choices not owned by @cand). */
static int shrink_drop(const struct shrink_try *cur, uint32_t from, uint32_t n,
		       struct modsim_schedule *cand)
{
	uint32_t keep = cur->s.nchoices - n;

	*cand = cur->s;
	cand->choices = keep ? malloc(keep * sizeof(*cand->choices)) : NULL;
	if (keep && !cand->choices)
		return modsim_err(-ENOMEM, "shrink: out of memory");
	if (from)
		memcpy(cand->choices, cur->s.choices, from * sizeof(*cand->choices));
	if (keep > from)
		memcpy(cand->choices + from, cur->s.choices + from + n,
		       (keep - from) * sizeof(*cand->choices));
	cand->nchoices = keep;
	return 0;
}

MODSIM_API int modsim_shrink(const struct modsim_schedule *in, unsigned int max_runs,
			     struct modsim_schedule *out, struct modsim_shrink_stats *st)
{
	struct shrink_try cur, cand;
	uint32_t chunk;
	int err;

	memset(out, 0, sizeof(*out));
	memset(st, 0, sizeof(*st));
	if (!max_runs)
		max_runs = SHRINK_DEFAULT_RUNS;
	err = shrink_replay(in, &cur, st);
	if (err)
		return err;
	if (cur.kind < 0) {
		try_free(&cur);
		return modsim_err(-ESRCH, "shrink: the schedule does not end on a violation when replayed");
	}
	st->kind = cur.kind;
	st->choices_before = cur.s.nchoices;
	st->preemptions_before = cur.preemptions;
	st->steps_before = cur.steps;

	chunk = cur.s.nchoices;
	while (chunk >= 1 && st->runs < max_runs) {
		bool kept = false;

		for (uint32_t from = 0; from + chunk <= cur.s.nchoices && st->runs < max_runs;) {
			struct modsim_schedule drop;

			err = shrink_drop(&cur, from, chunk, &drop);
			if (err)
				goto fail;
			err = shrink_replay(&drop, &cand, st);
			free(drop.choices);
			if (err)
				goto fail;
			if (cand.kind == cur.kind && shrink_better(&cur, &cand)) {
				try_free(&cur);
				cur = cand;
				kept = true;
				continue; /* the same place, in the shorter list */
			}
			try_free(&cand);
			from += chunk;
		}
		if (!kept || chunk > cur.s.nchoices)
			chunk = chunk > 1 ? chunk / 2 : 0;
		if (chunk > cur.s.nchoices)
			chunk = cur.s.nchoices;
	}
	st->choices_after = cur.s.nchoices;
	st->preemptions_after = cur.preemptions;
	st->steps_after = cur.steps;
	*out = cur.s;
	return 0;

fail:
	try_free(&cur);
	return err;
}
