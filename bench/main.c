/* modsim-bench: run the caller-cost runs, the unload and world-stop runs, the cycles; report. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

void bench_progress(const struct bench_opts *o, const char *fmt, ...)
{
	va_list ap;

	/* Progress is for a person watching: none to a pipe or a file. */
	if (o->quiet || !isatty(STDERR_FILENO))
		return;
	va_start(ap, fmt);
	fputs("modsim-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void bench_failed(unsigned int *nfail, const char *what, const char *name, unsigned int t,
		  int err)
{
	(*nfail)++;
	fprintf(stderr, "modsim-bench: %s%s%s", what, *name ? " " : "", name);
	if (t)
		fprintf(stderr, " at %u thread%s", t, t == 1 ? "" : "s");
	fprintf(stderr, ": %s (%s)\n", modsim_errname(err), modsim_last_error());
}

/* Caller cost: per thread count, the baselines and every preset, on one pool. */
static void run_costs(const struct bench_opts *o, struct bench_results *r, unsigned int *nfail)
{
	for (size_t i = 0; i < o->nthreads; i++) {
		unsigned int t = o->threads[i];
		struct bench_pool *p;
		int err = bench_pool_start(&p, t, o->pin);

		if (err) {
			bench_failed(nfail, "thread pool", "", t, err);
			continue;
		}
		bench_run_costs(p, o, r, nfail);
		bench_pool_stop(p);
	}
}

/* Unload latency and world stops: per thread count, every preset, callers at full speed. */
static void run_unloads(const struct bench_opts *o, struct bench_results *r, unsigned int *nfail)
{
	if (!o->unloads)
		return;
	for (size_t i = 0; i < o->nthreads; i++) {
		unsigned int t = o->threads[i];
		struct bench_pool *p;
		int err = bench_pool_start(&p, t, o->pin);

		if (err) {
			bench_failed(nfail, "thread pool", "", t, err);
			continue;
		}
		for (size_t j = 0; j < o->npresets; j++) {
			bench_progress(o, "unload latency, %u thread%s: %s", t, t == 1 ? "" : "s",
				       o->presets[j]->name);
			err = bench_run_unload(p, o, o->presets[j], r);
			if (err)
				bench_failed(nfail, "unload run", o->presets[j]->name, t, err);
		}
		bench_pool_stop(p);
	}
}

int main(int argc, char **argv)
{
	struct bench_results r;
	struct bench_opts o;
	unsigned int nfail = 0;
	uint64_t t0;
	int rc;

	rc = bench_opts_parse(argc, argv, &o);
	if (rc > 0)
		return 0;
	if (rc < 0)
		return 2;
	if (o.rss_cycles) {
		bench_clock = CLOCK_MONOTONIC;
		return bench_run_rss(&o);
	}
	bench_clock = o.cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
	memset(&r, 0, sizeof(r));
	r.o = &o;
	bench_machine_fill(&r.machine);

	t0 = bench_now_ns();
	run_costs(&o, &r, &nfail);
	run_unloads(&o, &r, &nfail);
	if (o.cycles) {
		bench_progress(&o, "load/unload cycles");
		rc = bench_run_cycles(&o, &r);
		if (rc)
			bench_failed(&nfail, "cycles", "", 0, rc);
	}
	r.elapsed_s = (double)(bench_now_ns() - t0) / 1e9;
	bench_machine_finish(&r.machine, r.elapsed_s);

	bench_figures(&r);
	switch (o.format) {
	case BENCH_JSON:
		bench_print_json(stdout, &r);
		break;
	case BENCH_CSV:
		bench_print_csv(stdout, &r);
		break;
	default:
		bench_print_text(stdout, &r);
		break;
	}
	fflush(stdout);
	if (o.plot) {
		if (bench_plot(&r, o.plot))
			nfail++; /* the message is written */
		else
			bench_progress(&o, "plot written to %s", o.plot);
	}
	bench_results_free(&r);
	return nfail ? 1 : 0;
}
