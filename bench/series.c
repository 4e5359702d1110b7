/* Run-by-run figures to medians, ranges and spreads; the growing result arrays. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(const double *v, size_t n)
{
	double tmp[BENCH_MAX_RUNS];

	if (n == 0)
		return NAN;
	if (n > BENCH_MAX_RUNS)
		n = BENCH_MAX_RUNS;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

struct bench_stat bench_stat_of(const double *v, size_t n)
{
	struct bench_stat s = { NAN, NAN, NAN };

	if (n == 0)
		return s;
	s.med = bench_median(v, n);
	s.min = s.max = v[0];
	for (size_t i = 1; i < n; i++) {
		if (v[i] < s.min)
			s.min = v[i];
		if (v[i] > s.max)
			s.max = v[i];
	}
	return s;
}

/*
 * How far the median moves from one set of runs to another: the runs are
 * split into two interleaved halves (odd and even), each half gives a
 * median, and the figure is their difference over the median of all runs.
 * Interleaving keeps slow drifts (a warming machine) out of one half.
 */
static double median_moves(const double *v, size_t n, double med)
{
	double odd[BENCH_MAX_RUNS], even[BENCH_MAX_RUNS];
	size_t no = 0, ne = 0;

	if (n < 2 || !(med > 0))
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (i % 2)
			odd[no++] = v[i];
		else
			even[ne++] = v[i];
	}
	return fabs(bench_median(odd, no) - bench_median(even, ne)) / med;
}

/*
 * Keep only the runs whose threads ran together (overlap of at least
 * BENCH_MIN_OVERLAP); when none did, keep them all and say so (dropped ==
 * nruns).  One thread always ran "together".
 */
static void keep_concurrent(struct bench_series *s)
{
	unsigned int kept = 0;
	double ov[BENCH_MAX_RUNS];

	for (unsigned int i = 0; i < s->nruns; i++)
		if (s->threads < 2 || s->overlap[i] >= BENCH_MIN_OVERLAP)
			kept++;
	if (!kept) {
		s->dropped = s->nruns;
		s->overlap_med = bench_median(s->overlap, s->nruns);
		return;
	}
	kept = 0;
	for (unsigned int i = 0; i < s->nruns; i++) {
		if (s->threads >= 2 && s->overlap[i] < BENCH_MIN_OVERLAP)
			continue;
		s->ns[kept] = s->ns[i];
		s->ratio[kept] = s->ratio[i];
		s->bi_ns[kept] = s->bi_ns[i];
		s->bi_ratio[kept] = s->bi_ratio[i];
		ov[kept] = s->overlap[i];
		kept++;
	}
	s->dropped = s->nruns - kept;
	s->nruns = kept;
	memcpy(s->overlap, ov, kept * sizeof(*ov));
	s->overlap_med = bench_median(s->overlap, s->nruns);
}

void bench_series_finish(struct bench_series *s)
{
	keep_concurrent(s);
	s->s = bench_stat_of(s->ns, s->nruns);
	s->r = bench_stat_of(s->ratio, s->nruns);
	if (!s->baseline) {
		s->bi = bench_stat_of(s->bi_ns, s->nruns);
		s->bir = bench_stat_of(s->bi_ratio, s->nruns);
	}
	s->spread = s->s.med > 0 ? (s->s.max - s->s.min) / s->s.med : NAN;
	s->moves = median_moves(s->ns, s->nruns, s->s.med);
}

/*
 * Make room for one more @size-byte entry in @arr (@n used, @cap allocated);
 * return the array, possibly moved, and set *@entry to the new zeroed
 * entry.  NULL (and @arr untouched) when out of memory.
 */
static void *grow(void *arr, size_t *n, size_t *cap, size_t size, void **entry)
{
	char *a = arr;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;

		a = realloc(a, c * size);
		if (!a)
			return NULL;
		*cap = c;
	}
	*entry = a + *n * size;
	memset(*entry, 0, size);
	(*n)++;
	return a;
}

struct bench_series *bench_series_add(struct bench_results *r)
{
	void *e = NULL, *a = grow(r->series, &r->nseries, &r->cap_series, sizeof(*r->series), &e);

	if (a)
		r->series = a;
	return e;
}

struct bench_unload *bench_unload_add(struct bench_results *r)
{
	void *e = NULL, *a = grow(r->unloads, &r->nunloads, &r->cap_unloads, sizeof(*r->unloads), &e);

	if (a)
		r->unloads = a;
	return e;
}

struct bench_cycle *bench_cycle_add(struct bench_results *r)
{
	void *e = NULL, *a = grow(r->cycles, &r->ncycles, &r->cap_cycles, sizeof(*r->cycles), &e);

	if (a)
		r->cycles = a;
	return e;
}

void bench_results_free(struct bench_results *r)
{
	free(r->series);
	free(r->unloads);
	free(r->cycles);
	r->series = NULL;
	r->unloads = NULL;
	r->cycles = NULL;
	r->nseries = r->nunloads = r->ncycles = 0;
}

const struct bench_series *bench_series_find(const struct bench_results *r, const char *name,
					     bool baseline, unsigned int threads)
{
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];

		if (s->baseline == baseline && s->threads == threads && !strcmp(s->name, name))
			return s;
	}
	return NULL;
}
