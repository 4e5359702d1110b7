/* Statistics: the violation log, loader counters, latency samples, snapshots. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define VIOLATION_LOG_MAX 1024
#define SAMPLES_MAX 65536
#define PRINT_FIRST 5 /* FAULT and CALL_AFTER_EXIT reports printed in full */

/* Up to SAMPLES_MAX samples; beyond that, a uniform random subset of all. */
struct reservoir {
	uint64_t *v;
	size_t len, cap;
	unsigned long seen;
	uint64_t max;
};

/*
 * struct modsim_kstats - k->stats.
 *
 * @lock protects everything here: the violation log (@log, @nlog), the
 * per-kind counts and first occurrences, how many reports were printed, the
 * loader counters, the sample reservoirs and @rng.  The per-operation counters
 * live in the CPU slots (struct modsim_cpu) and are summed when read.  A leaf
 * lock: nothing else is taken, and nothing is printed, while it is held.
 */
struct modsim_kstats {
	pthread_mutex_t lock;
	struct modsim_violation *log;
	size_t nlog;
	unsigned long count[MODSIM_V__COUNT];
	struct modsim_violation first[MODSIM_V__COUNT];
	unsigned long printed[MODSIM_V__COUNT];
	unsigned long lstat[MODSIM_LS__COUNT];
	struct reservoir res[MODSIM_SAMPLE__COUNT];
	uint64_t rng;
};

int modsim_stats_init(struct modsim_kernel *k)
{
	struct modsim_kstats *s = calloc(1, sizeof(*s));

	if (!s)
		return modsim_err(-ENOMEM, "kernel: no memory for statistics");
	s->log = calloc(VIOLATION_LOG_MAX, sizeof(*s->log));
	if (!s->log) {
		free(s);
		return modsim_err(-ENOMEM, "kernel: no memory for the violation log");
	}
	pthread_mutex_init(&s->lock, NULL);
	s->rng = (uint64_t)k->cfg.seed ^ 0xda942042e4dd58b5ULL;
	k->stats = s;
	return 0;
}

void modsim_stats_fini(struct modsim_kernel *k)
{
	struct modsim_kstats *s = k->stats;

	if (!s)
		return;
	for (int i = 0; i < MODSIM_SAMPLE__COUNT; i++)
		free(s->res[i].v);
	pthread_mutex_destroy(&s->lock);
	free(s->log);
	free(s);
	k->stats = NULL;
}

void modsim_violation_init(struct modsim_violation *v, enum modsim_vkind kind,
			   struct modsim_mod *m, enum modsim_subsys subsys, const char *op)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	if (m) {
		snprintf(v->module, sizeof(v->module), "%s", m->name);
		v->generation = m->generation;
	} else {
		snprintf(v->module, sizeof(v->module), "-");
	}
	v->subsys = subsys;
	snprintf(v->op, sizeof(v->op), "%s", op ? op : "-");
	v->point = -1;
}

/* One line: what, whose, doing what, where. */
static void stats_violation_print(FILE *f, const struct modsim_violation *v)
{
	fprintf(f, "modsim: %s: module %s gen %lu, %s %s", modsim_vkind_name(v->kind), v->module,
		v->generation, modsim_subsys_name(v->subsys), v->op);
	if (v->point >= 0)
		fprintf(f, ", after %s", modsim_point_name(v->point));
	if (v->signo) {
		fprintf(f, ", signal %d at %#lx", v->signo, (unsigned long)v->addr);
		if (v->pc)
			fprintf(f, " (pc %#lx)", (unsigned long)v->pc);
	}
	if (v->detail[0])
		fprintf(f, ": %s", v->detail);
	fputc('\n', f);
}

void modsim_stat_violation(struct modsim_kernel *k, const struct modsim_violation *v)
{
	struct modsim_kstats *s = k->stats;
	FILE *f = k->cfg.log ? k->cfg.log : stderr;
	enum modsim_vkind kind = v->kind;
	bool print = false, note_further = false;

	if (!s || (int)kind < 0 || kind >= MODSIM_V__COUNT)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->nlog < VIOLATION_LOG_MAX)
		s->log[s->nlog++] = *v;
	if (s->count[kind]++ == 0)
		s->first[kind] = *v;
	if (kind == MODSIM_V_FAULT || kind == MODSIM_V_CALL_AFTER_EXIT) {
		print = s->printed[kind] < PRINT_FIRST;
		note_further = s->printed[kind] == PRINT_FIRST;
		if (s->printed[kind] <= PRINT_FIRST)
			s->printed[kind]++;
	} else {
		print = true;
	}
	pthread_mutex_unlock(&s->lock);

	if (k->on_violation)
		k->on_violation(k, v);
	if (print)
		stats_violation_print(f, v);
	else if (note_further)
		fprintf(f, "modsim: further %s violations are counted, not printed\n",
			modsim_vkind_name(kind));
}

static uint64_t stats_rng_next(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* With s->lock held. */
static void stats_reservoir_add(struct modsim_kstats *s, struct reservoir *r, uint64_t ns)
{
	r->seen++;
	if (ns > r->max)
		r->max = ns;
	if (r->len < SAMPLES_MAX) {
		if (r->len == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 256;
			uint64_t *v = realloc(r->v, cap * sizeof(*v));

			if (!v)
				return; /* keep the count and max; lose the sample */
			r->v = v;
			r->cap = cap;
		}
		r->v[r->len++] = ns;
		return;
	}
	/* Algorithm R: keep the new sample with probability len/seen. */
	uint64_t j = stats_rng_next(&s->rng) % r->seen;

	if (j < r->len)
		r->v[j] = ns;
}

void modsim_stat_sample(struct modsim_kernel *k, enum modsim_sample which, uint64_t ns)
{
	struct modsim_kstats *s = k->stats;

	if (!s || (int)which < 0 || which >= MODSIM_SAMPLE__COUNT)
		return;
	pthread_mutex_lock(&s->lock);
	stats_reservoir_add(s, &s->res[which], ns);
	pthread_mutex_unlock(&s->lock);
}

void modsim_stat_loader(struct modsim_kernel *k, enum modsim_lstat which)
{
	struct modsim_kstats *s = k->stats;

	if (!s || (int)which < 0 || which >= MODSIM_LS__COUNT)
		return;
	pthread_mutex_lock(&s->lock);
	s->lstat[which]++;
	pthread_mutex_unlock(&s->lock);
}

static int stats_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank stats_percentile @pct of the sorted @v[@n]. */
static uint64_t stats_percentile(const uint64_t *v, size_t n, unsigned int pct)
{
	size_t rank = ((size_t)pct * n + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

/* With s->lock held; @buf has room for SAMPLES_MAX values. */
static void stats_dist_fill(const struct reservoir *r, struct modsim_dist *d, uint64_t *buf)
{
	memset(d, 0, sizeof(*d));
	d->n = r->seen;
	d->max = r->max;
	if (!r->len || !buf)
		return;
	memcpy(buf, r->v, r->len * sizeof(*buf));
	qsort(buf, r->len, sizeof(*buf), stats_u64_cmp);
	d->p50 = stats_percentile(buf, r->len, 50);
	d->p99 = stats_percentile(buf, r->len, 99);
}

unsigned long modsim_stat_loader_get(struct modsim_kernel *k, enum modsim_lstat which)
{
	struct modsim_kstats *s = k->stats;
	unsigned long v;

	if (!s || (int)which < 0 || which >= MODSIM_LS__COUNT)
		return 0;
	pthread_mutex_lock(&s->lock);
	v = s->lstat[which];
	pthread_mutex_unlock(&s->lock);
	return v;
}

unsigned long modsim_stat_calls(struct modsim_kernel *k)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < k->ncpus; i++)
		for (int ss = 0; ss < MODSIM_SS__COUNT; ss++) {
			if (ss == MODSIM_SS_LOADER)
				continue; /* the loader's own init and exit calls */
			n += atomic_load_explicit(&k->cpus[i].ops[ss], memory_order_relaxed) +
			     atomic_load_explicit(&k->cpus[i].failed_get[ss], memory_order_relaxed);
		}
	return n;
}

unsigned long modsim_stat_activity(struct modsim_kernel *k)
{
	unsigned long n = modsim_stat_calls(k);

	for (unsigned int i = 0; i < k->ncpus; i++)
		n += atomic_load_explicit(&k->cpus[i].qs, memory_order_relaxed);
	return n;
}

MODSIM_API void modsim_stats_get(struct modsim_kernel *k, struct modsim_stats *out)
{
	struct modsim_kstats *s = k->stats;
	uint64_t *buf;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < k->ncpus; i++) {
		struct modsim_cpu *c = &k->cpus[i];

		for (int ss = 0; ss < MODSIM_SS__COUNT; ss++) {
			out->ops[ss] += atomic_load_explicit(&c->ops[ss], memory_order_relaxed);
			out->failed_get[ss] +=
				atomic_load_explicit(&c->failed_get[ss], memory_order_relaxed);
			out->faulted[ss] += atomic_load_explicit(&c->faulted[ss], memory_order_relaxed);
			out->refused_live[ss] +=
				atomic_load_explicit(&c->refused_live[ss], memory_order_relaxed);
			out->ops_unlive[ss] +=
				atomic_load_explicit(&c->ops_unlive[ss], memory_order_relaxed);
		}
	}
	if (!s)
		return;

	buf = malloc(SAMPLES_MAX * sizeof(*buf));
	pthread_mutex_lock(&s->lock);
	memcpy(out->violations, s->count, sizeof(out->violations));
	memcpy(out->first, s->first, sizeof(out->first));
	out->loads = s->lstat[MODSIM_LS_LOADS];
	out->load_failures = s->lstat[MODSIM_LS_LOAD_FAILURES];
	out->init_failures = s->lstat[MODSIM_LS_INIT_FAILURES];
	out->unload_attempts = s->lstat[MODSIM_LS_UNLOAD_ATTEMPTS];
	out->unload_done = s->lstat[MODSIM_LS_UNLOAD_DONE];
	out->unload_busy = s->lstat[MODSIM_LS_UNLOAD_BUSY];
	out->unload_wouldblock = s->lstat[MODSIM_LS_UNLOAD_WOULDBLOCK];
	out->unload_eperm = s->lstat[MODSIM_LS_UNLOAD_EPERM];
	out->unload_timeout = s->lstat[MODSIM_LS_UNLOAD_TIMEOUT];
	out->unload_forced = s->lstat[MODSIM_LS_UNLOAD_FORCED];
	out->unload_waited = s->lstat[MODSIM_LS_UNLOAD_WAITED];
	out->leaked_generations = s->lstat[MODSIM_LS_LEAKED_GENERATIONS];
	out->unload_overlapped = s->lstat[MODSIM_LS_UNLOAD_OVERLAP];
	out->init_fail_overlapped = s->lstat[MODSIM_LS_INIT_FAIL_OVERLAP];
	stats_dist_fill(&s->res[MODSIM_SAMPLE_UNLOAD], &out->unload_ns, buf);
	stats_dist_fill(&s->res[MODSIM_SAMPLE_WORLD_STOP], &out->world_stop_ns, buf);
	pthread_mutex_unlock(&s->lock);
	free(buf);
}

MODSIM_API void modsim_stats_reset(struct modsim_kernel *k)
{
	struct modsim_kstats *s = k->stats;

	/* Each counter has one writer, its slot's thread; a bump racing with
	 * this store may survive it.  Reset between runs, not during one. */
	for (unsigned int i = 0; i < k->ncpus; i++) {
		struct modsim_cpu *c = &k->cpus[i];

		for (int ss = 0; ss < MODSIM_SS__COUNT; ss++) {
			atomic_store_explicit(&c->ops[ss], 0, memory_order_relaxed);
			atomic_store_explicit(&c->failed_get[ss], 0, memory_order_relaxed);
			atomic_store_explicit(&c->refused_live[ss], 0, memory_order_relaxed);
			atomic_store_explicit(&c->ops_unlive[ss], 0, memory_order_relaxed);
			atomic_store_explicit(&c->faulted[ss], 0, memory_order_relaxed);
		}
	}
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->nlog = 0;
	memset(s->count, 0, sizeof(s->count));
	memset(s->first, 0, sizeof(s->first));
	memset(s->printed, 0, sizeof(s->printed));
	memset(s->lstat, 0, sizeof(s->lstat));
	for (int i = 0; i < MODSIM_SAMPLE__COUNT; i++) {
		s->res[i].len = 0;
		s->res[i].seen = 0;
		s->res[i].max = 0;
	}
	pthread_mutex_unlock(&s->lock);
}

MODSIM_API size_t modsim_violations(struct modsim_kernel *k, struct modsim_violation *out,
				    size_t max)
{
	struct modsim_kstats *s = k->stats;
	size_t n;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	n = s->nlog < max ? s->nlog : max;
	if (n)
		memcpy(out, s->log, n * sizeof(*out));
	pthread_mutex_unlock(&s->lock);
	return n;
}
