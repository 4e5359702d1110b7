/* Issue 5's "figures to reach": computed from the runs, each with an honest verdict. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "bench.h"

#define DISPATCH_LIMIT_NS 1.0
#define SAFE_RATIO_LIMIT 1.15
#define SAFE_GROWTH_LIMIT 1.2
#define STABLE_LIMIT 0.05

/* "Per-CPU counts, rcu and self": the safe presets that should stay near the floor. */
static const char *const safe_fast[] = { "linux26", "percpu-ref", "rcu", "self", "self-restart" };
/* The presets whose callers share one atomic per module: the cache line bounces. */
static const char *const shared_atomic[] = { "inc", "try", "try-drain", "linux319", "rundown" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *bench_verdict_name(enum bench_verdict v)
{
	static const char *const names[] = { "PASS", "FAIL", "SKIP", "INFO" };

	return (unsigned int)v < NELEM(names) ? names[v] : "?";
}

static __attribute__((format(printf, 8, 9))) void
figure(struct bench_results *r, const char *id, unsigned int threads, const char *preset,
       double value, double limit, enum bench_verdict v, const char *fmt, ...)
{
	struct bench_figure *f;
	va_list ap;

	if (r->nfigures == BENCH_MAX_FIGURES)
		return;
	f = &r->figures[r->nfigures++];
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "%s", id);
	f->threads = threads;
	snprintf(f->preset, sizeof(f->preset), "%s", preset ? preset : "");
	f->value = value;
	f->limit = limit;
	f->verdict = v;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static bool has_threads(const struct bench_opts *o, unsigned int t)
{
	for (size_t i = 0; i < o->nthreads; i++)
		if (o->threads[i] == t)
			return true;
	return false;
}

static const struct bench_series *preset_at(const struct bench_results *r, const char *name,
					    unsigned int t)
{
	return bench_series_find(r, name, false, t);
}

/* The safe-fast preset with the lowest median at @t (by ratio to the bare call when @by_ratio). */
static const struct bench_series *best_safe(const struct bench_results *r, unsigned int t,
					    bool by_ratio)
{
	const struct bench_series *best = NULL;

	for (size_t i = 0; i < NELEM(safe_fast); i++) {
		const struct bench_series *s = preset_at(r, safe_fast[i], t);

		if (!s)
			continue;
		if (!best || (by_ratio ? s->r.med < best->r.med : s->s.med < best->s.med))
			best = s;
	}
	return best;
}

/* The median over the runs of @a - @b, run by run (both measured in the same run). */
static double paired_diff(const struct bench_series *a, const struct bench_series *b)
{
	double diff[BENCH_MAX_RUNS];

	for (unsigned int i = 0; i < a->nruns; i++)
		diff[i] = a->ns[i] - b->ns[i];
	return bench_median(diff, a->nruns);
}

static void fig_dispatch(struct bench_results *r, unsigned int t)
{
	const struct bench_series *d = bench_series_find(r, "percpu-inline", true, t);
	const struct bench_series *rt = bench_series_find(r, "percpu-runtime", true, t);
	const struct bench_series *on = bench_series_find(r, "percpu-online", true, t);
	const struct bench_series *c = bench_series_find(r, "percpu-call", true, t);
	const struct bench_series *tb = bench_series_find(r, "percpu-table", true, t);
	double med;

	if (!d || !rt || !d->nruns) {
		figure(r, "dispatch", t, NULL, NAN, DISPATCH_LIMIT_NS, BENCH_SKIP,
		       "no per-CPU baselines at %u threads", t);
		return;
	}
	med = paired_diff(rt, d);
	figure(r, "dispatch", t, NULL, med, DISPATCH_LIMIT_NS,
	       med <= DISPATCH_LIMIT_NS ? BENCH_PASS : BENCH_FAIL,
	       "per-CPU count chosen at run time %.2f ns - compiled in %.2f ns = %+.2f ns per call (limit %.2f)",
	       rt->s.med, d->s.med, med, DISPATCH_LIMIT_NS);
	if (on)
		figure(r, "online", t, NULL, paired_diff(on, d), NAN, BENCH_INFO,
		       "the CPU half of the call bracket (online check), which every preset pays alike and the loops leave out: %+.2f ns per call",
		       paired_diff(on, d));
	if (!c || !tb)
		return;
	/* Where the old way went: making enter/exit calls at all, then making them through the table. */
	figure(r, "dispatch-table", t, NULL, paired_diff(tb, d), NAN, BENCH_INFO,
	       "through the table's function pointers instead (the old dispatch): %.2f ns = %+.2f ns per call; of that, out-of-line calls instead of inline code: %+.2f ns, the table instead of direct calls: %+.2f ns",
	       tb->s.med, paired_diff(tb, d), paired_diff(c, d), paired_diff(tb, c));
}

static void fig_best_safe(struct bench_results *r)
{
	const struct bench_series *b1, *b2;
	double g;

	if (!has_threads(r->o, 1)) {
		figure(r, "safe-floor", 1, NULL, NAN, SAFE_RATIO_LIMIT, BENCH_SKIP,
		       "needs --threads with 1");
		return;
	}
	b1 = best_safe(r, 1, true);
	if (!b1) {
		figure(r, "safe-floor", 1, NULL, NAN, SAFE_RATIO_LIMIT, BENCH_SKIP,
		       "none of linux26, percpu-ref, rcu, self, self-restart was measured (built in: see 'missing')");
		return;
	}
	figure(r, "safe-floor", 1, b1->name, b1->r.med, SAFE_RATIO_LIMIT,
	       b1->r.med <= SAFE_RATIO_LIMIT ? BENCH_PASS : BENCH_FAIL,
	       "best safe preset %s at 1 thread: %.2f ns = %.2fx the bare call (limit %.2fx)",
	       b1->name, b1->s.med, b1->r.med, SAFE_RATIO_LIMIT);
	b2 = has_threads(r->o, 2) ? preset_at(r, b1->name, 2) : NULL;
	if (!b2) {
		figure(r, "safe-growth", 2, b1->name, NAN, SAFE_GROWTH_LIMIT, BENCH_SKIP,
		       "needs --threads with 1 and 2");
		return;
	}
	g = b2->s.med / b1->s.med;
	figure(r, "safe-growth", 2, b1->name, g, SAFE_GROWTH_LIMIT,
	       g <= SAFE_GROWTH_LIMIT ? BENCH_PASS : BENCH_FAIL,
	       "%s from 1 to 2 threads: %.2f -> %.2f ns per call = %.2fx (limit %.2fx)", b1->name,
	       b1->s.med, b2->s.med, g, SAFE_GROWTH_LIMIT);
}

/* 2-thread over 1-thread for @name; INFO, against the limit the safe ones must meet. */
static void fig_growth_info(struct bench_results *r, const char *id, const char *name,
			    bool baseline)
{
	const struct bench_series *a = bench_series_find(r, name, baseline, 1);
	const struct bench_series *b = bench_series_find(r, name, baseline, 2);
	double g;

	if (!a || !b)
		return;
	g = b->s.med / a->s.med;
	figure(r, id, 2, name, g, SAFE_GROWTH_LIMIT, BENCH_INFO,
	       "%s from 1 to 2 threads: %.2f -> %.2f ns per call = %.2fx", name, a->s.med,
	       b->s.med, g);
}

static void fig_vs_urcu(struct bench_results *r, unsigned int t)
{
	const struct bench_series *u = bench_series_find(r, "urcu", true, t);
	const struct bench_series *b = best_safe(r, t, false);

	if (!u || !b) {
		figure(r, "vs-urcu", t, NULL, NAN, NAN, BENCH_SKIP,
		       "needs the urcu baseline and a safe per-CPU/rcu/self preset at %u threads", t);
		return;
	}
	figure(r, "vs-urcu", t, b->name, b->s.med, u->s.med,
	       b->s.med <= u->s.med ? BENCH_PASS : BENCH_FAIL,
	       "best safe preset %s %.2f ns vs liburcu read lock/unlock %.2f ns per call, %u thread%s",
	       b->name, b->s.med, u->s.med, t, t == 1 ? "" : "s");
}

static void fig_stable(struct bench_results *r)
{
	const struct bench_series *worst = NULL, *widest = NULL;

	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];

		if (isnan(s->moves))
			continue;
		if (!worst || s->moves > worst->moves)
			worst = s;
		if (!widest || s->spread > widest->spread)
			widest = s;
	}
	if (!worst) {
		figure(r, "stable", 0, NULL, NAN, STABLE_LIMIT, BENCH_SKIP,
		       "needs --runs 2 or more");
		return;
	}
	figure(r, "stable", worst->threads, worst->name, worst->moves, STABLE_LIMIT,
	       worst->moves < STABLE_LIMIT ? BENCH_PASS : BENCH_FAIL,
	       "median of odd runs vs even runs moves at most %.1f%% (%s, %u threads; limit %.0f%%)",
	       100 * worst->moves, worst->name, worst->threads, 100 * STABLE_LIMIT);
	figure(r, "spread", widest->threads, widest->name, widest->spread, NAN, BENCH_INFO,
	       "widest run-to-run range (max-min)/median: %.1f%% (%s, %u threads)",
	       100 * widest->spread, widest->name, widest->threads);
}

void bench_figures(struct bench_results *r)
{
	r->nfigures = 0;
	for (size_t i = 0; i < r->o->nthreads; i++)
		fig_dispatch(r, r->o->threads[i]);
	fig_best_safe(r);
	for (size_t i = 0; i < NELEM(safe_fast); i++)
		fig_growth_info(r, "growth", safe_fast[i], false);
	for (size_t i = 0; i < NELEM(shared_atomic); i++)
		fig_growth_info(r, "bounce", shared_atomic[i], false);
	fig_growth_info(r, "bounce", "atomic", true);
	for (size_t i = 0; i < r->o->nthreads; i++)
		fig_vs_urcu(r, r->o->threads[i]);
	fig_stable(r);
}
