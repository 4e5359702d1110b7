/* --plot: ns per call against threads, one line per preset (baselines dashed), drawn by gnuplot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* Is there an executable gnuplot on $PATH? */
static bool have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], file[PATH_MAX + 16];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
		snprintf(file, sizeof(file), "%s/gnuplot", n ? dir : ".");
		if (!access(file, X_OK))
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/* Is @name already among the first @n series (so it gets one line only)? */
static bool seen(const struct bench_results *r, size_t n, const struct bench_series *s)
{
	for (size_t i = 0; i < n; i++)
		if (r->series[i].baseline == s->baseline && !strcmp(r->series[i].name, s->name))
			return true;
	return false;
}

/* The baselines worth a line: the floor and the anchors the figures compare with. */
static bool plotted_baseline(const struct bench_series *s)
{
	return s->v == BV_BARE || s->v == BV_ATOMIC || s->v == BV_URCU || s->v == BV_RWLOCK;
}

static bool plotted(const struct bench_series *s)
{
	return !s->baseline || plotted_baseline(s);
}

static void script(FILE *g, const struct bench_results *r, const char *png)
{
	bool first = true;

	fprintf(g, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
		   "{ set terminal pngcairo size 1000,650 } else { set terminal png size 1000,650 }\n");
	fprintf(g, "set output '%s'\n", png);
	fprintf(g, "set title 'modsim-bench: caller cost per call (median of %u runs), %s'\n",
		r->o->runs, r->machine.cpu);
	fprintf(g, "set xlabel 'threads'\nset ylabel 'ns per call (log scale)'\nset logscale y\n");
	fprintf(g, "set key outside right\nset grid\nset xtics (");
	for (size_t i = 0; i < r->o->nthreads; i++)
		fprintf(g, "%s%u", i ? ", " : "", r->o->threads[i]);
	fprintf(g, ")\nset offsets 0.2, 0.2, 0, 0\n");

	fprintf(g, "plot ");
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];

		if (!plotted(s) || seen(r, i, s))
			continue;
		fprintf(g, "%s'-' using 1:2 with linespoints %s title '%s%s'", first ? "" : ", ",
			s->baseline ? "dashtype 2 linewidth 2" : "linewidth 1.5",
			s->baseline ? "baseline " : "", s->name);
		first = false;
	}
	fputc('\n', g);
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];

		if (!plotted(s) || seen(r, i, s))
			continue;
		for (size_t t = 0; t < r->o->nthreads; t++) {
			const struct bench_series *p =
				bench_series_find(r, s->name, s->baseline, r->o->threads[t]);

			if (p)
				fprintf(g, "%u %.4f\n", p->threads, p->s.med);
		}
		fprintf(g, "e\n");
	}
}

int bench_plot(const struct bench_results *r, const char *png)
{
	FILE *g;
	int status;

	if (!r->nseries) {
		fprintf(stderr, "modsim-bench: --plot %s: nothing was measured; no plot\n", png);
		return -1;
	}
	if (strchr(png, '\'')) {
		fprintf(stderr, "modsim-bench: --plot %s: a quote in the file name; no plot\n", png);
		return -1;
	}
	if (!have_gnuplot()) {
		fprintf(stderr, "modsim-bench: --plot %s: gnuplot not found on PATH; skipping the plot "
				"(apt-get install gnuplot-nox)\n", png);
		return -1;
	}
	fflush(NULL);
	g = popen("gnuplot", "w");
	if (!g) {
		fprintf(stderr, "modsim-bench: --plot %s: cannot run gnuplot: %s\n", png,
			strerror(errno));
		return -1;
	}
	script(g, r, png);
	status = pclose(g);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "modsim-bench: --plot %s: gnuplot failed (status %d)\n", png, status);
		return -1;
	}
	return 0;
}
