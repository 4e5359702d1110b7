/* Scheduling policies: PCT (priorities and d-1 change points), uniform random, and replay of a schedule. */
#include <errno.h>
#include <stdlib.h>

#include "cpu/sched_internal.h"

/* PCT's starvation bound: decisions in a row one thread may win (see pct_pick). */
#define SCHED_PCT_SLICE 64

/* splitmix64: the policy's own generator, apart from the workers'. */
static uint64_t pol_next(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A uniform draw in [0, n), n > 0 (rejection keeps it unbiased). */
static uint64_t pol_below(uint64_t *s, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = pol_next(s);
	while (x >= limit);
	return x % n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): the n
 * threads get the distinct priorities d .. d+n-1 in a random order, and d-1
 * change points k_1 .. k_{d-1} are drawn among the first k decisions (k:
 * PCT's estimate of the run's length, cfg->pct_k; a trial of modsim's
 * default three cycles takes 100 to 300 decisions, and change points drawn
 * past the end of the run are lost: bench/sched.py measured the detection
 * of several cells double from k = 2000 to k = 100).  At every decision the
 * runnable thread of highest priority runs; at change point k_i the thread
 * that just ran drops to priority i, below every initial one (the labels are
 * drawn with the points, so in time order they come shuffled).  A bug of depth d then
 * shows with probability at least 1/(n k^(d-1)) per run.  Decisions count
 * only steps where more than one thread can run.
 */
static int pct_init(struct sched_policy *p, const struct modsim_sched_config *cfg)
{
	unsigned int d = cfg->depth ? cfg->depth : 1;
	uint64_t k = cfg->pct_k ? cfg->pct_k : 1;
	unsigned int order[MODSIM_SCHED_MAX_THREADS];

	for (unsigned int i = 0; i < p->n; i++)
		order[i] = i;
	for (unsigned int i = p->n; i > 1; i--) {
		unsigned int j = (unsigned int)pol_below(&p->rng, i), tmp = order[i - 1];

		order[i - 1] = order[j];
		order[j] = tmp;
	}
	for (unsigned int i = 0; i < p->n; i++)
		p->prio[order[i]] = (int64_t)d + i;
	p->lowest = 0;
	p->last = p->n;
	p->nchange = d - 1;
	if (p->nchange) {
		uint64_t *pair = calloc(p->nchange, sizeof(*pair));

		p->change = calloc(p->nchange, sizeof(*p->change));
		p->label = calloc(p->nchange, sizeof(*p->label));
		if (!pair || !p->change || !p->label) {
			free(pair);
			return modsim_err(-ENOMEM, "sched: out of memory");
		}
		/* Change point k_i hands out priority i; sorted by time, the
		 * priorities come in a random order. */
		for (unsigned int i = 0; i < p->nchange; i++)
			pair[i] = pol_below(&p->rng, k) << 8 | (i + 1);
		qsort(pair, p->nchange, sizeof(*pair), cmp_u64);
		for (unsigned int i = 0; i < p->nchange; i++) {
			p->change[i] = (uint32_t)(pair[i] >> 8);
			p->label[i] = (unsigned int)(pair[i] & 0xff);
		}
		free(pair);
	}
	return 0;
}

static unsigned int pct_pick(struct sched_policy *p, uint64_t runnable, unsigned int cur,
			     uint32_t decision)
{
	unsigned int best = 0;
	int64_t top = INT64_MIN;

	while (p->next_change < p->nchange && p->change[p->next_change] <= decision) {
		if (cur < p->n)
			p->prio[cur] = (int64_t)p->label[p->next_change];
		p->next_change++;
	}
	/* The starvation bound: a thread picked SCHED_PCT_SLICE times in a
	 * row while another could run goes below every other. */
	if (p->run >= SCHED_PCT_SLICE && p->last < p->n) {
		p->prio[p->last] = --p->lowest;
		p->run = 0;
	}
	for (unsigned int i = 0; i < p->n; i++)
		if (((runnable >> i) & 1) && p->prio[i] > top) {
			top = p->prio[i];
			best = i;
		}
	p->run = best == p->last ? p->run + 1 : 1;
	p->last = best;
	return best;
}

static unsigned int random_pick(struct sched_policy *p, uint64_t runnable)
{
	unsigned int k = (unsigned int)pol_below(&p->rng, (uint64_t)__builtin_popcountll(runnable));

	for (unsigned int i = 0; i < p->n; i++)
		if ((runnable >> i) & 1 && k-- == 0)
			return i;
	return 0;
}

static unsigned int replay_pick(struct sched_policy *p, uint64_t runnable, uint32_t decision,
				unsigned int def)
{
	while (p->idx < p->nchoices && p->choices[p->idx].decision < decision)
		p->idx++; /* a choice for a decision this run never reached */
	if (p->idx < p->nchoices && p->choices[p->idx].decision == decision) {
		unsigned int t = p->choices[p->idx++].thread;

		if (t < p->n && ((runnable >> t) & 1))
			return t;
		p->divergences++;
	}
	return def;
}

int modsim_sched_policy_init(struct sched_policy *p, const struct modsim_sched_config *cfg,
			     unsigned int n)
{
	*p = (struct sched_policy){ .kind = cfg->policy, .n = n };
	p->rng = cfg->seed ^ 0x6a09e667f3bcc909ULL;
	switch (cfg->policy) {
	case MODSIM_SCHED_PCT:
		return pct_init(p, cfg);
	case MODSIM_SCHED_RANDOM:
		return 0;
	case MODSIM_SCHED_REPLAY:
		p->choices = cfg->choices;
		p->nchoices = cfg->nchoices;
		return 0;
	default:
		return modsim_err(-EINVAL, "sched: no policy %d for a controlled trial",
				  (int)cfg->policy);
	}
}

void modsim_sched_policy_fini(struct sched_policy *p)
{
	free(p->change);
	free(p->label);
	p->change = NULL;
	p->label = NULL;
}

unsigned int modsim_sched_policy_pick(struct sched_policy *p, uint64_t runnable, unsigned int cur,
				      uint32_t decision, unsigned int def)
{
	switch (p->kind) {
	case MODSIM_SCHED_PCT:
		return pct_pick(p, runnable, cur, decision);
	case MODSIM_SCHED_RANDOM:
		return random_pick(p, runnable);
	case MODSIM_SCHED_REPLAY:
		return replay_pick(p, runnable, decision, def);
	default:
		return def;
	}
}

uint32_t modsim_sched_policy_divergences(const struct sched_policy *p)
{
	return p->divergences;
}
