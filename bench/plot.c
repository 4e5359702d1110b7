/* --plot: ns per call against threads, one line per preset (baselines dashed), drawn by gnuplot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "base/text.h"
#include "report/gnuplot.h"

/*
 * One colour and one point type per series, none repeated: 20 colours far
 * enough apart, the 15 distinct point shapes of gnuplot's cairo terminals
 * and then letters.  Names reach gnuplot as data (the header line of each
 * series' block, read by columnheader()), never as script text.
 */
static const char *const colours[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
	"#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
	"#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#000000",
};
#define NCOLOURS (sizeof(colours) / sizeof(colours[0]))
#define NSHAPES 15
static const char letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";

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

/* The machine's name for the title: letters, digits and a few marks; anything else is '?'. */
static void title_text(FILE *g, const char *s)
{
	for (; *s; s++)
		fputc(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ()@._,:+-/", *s) ?
			      *s : '?', g);
}

/* Every plotted series as one block of the datablock $d. */
static void data(FILE *g, const struct bench_results *r)
{
	size_t n = 0;

	fputs("$d << EOD\n", g);
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];
		char title[BENCH_NAME_MAX + 16];

		if (!plotted(s) || seen(r, i, s))
			continue;
		fputs(n ? "\n\n" : "", g);
		snprintf(title, sizeof(title), "%s%s", s->baseline ? "baseline " : "", s->name);
		fputs("threads\tns\t", g);
		modsim_gnuplot_field(g, title);
		fputc('\n', g);
		for (size_t t = 0; t < r->o->nthreads; t++) {
			const struct bench_series *p =
				bench_series_find(r, s->name, s->baseline, r->o->threads[t]);

			if (p)
				fprintf(g, "%u\t%.4f\n", p->threads, p->s.med);
		}
		n++;
	}
	fputs("EOD\n", g);
}

static void script(FILE *g, const struct bench_results *r, const char *png)
{
	size_t k = 0;

	fprintf(g, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
		   "{ set terminal pngcairo size 1000,650 noenhanced } "
		   "else { set terminal png size 1000,650 noenhanced }\n");
	modsim_gnuplot_output(g, png);
	fputs("set datafile separator \"\\t\"\n", g);
	data(g, r);
	fprintf(g, "set title 'modsim-bench: caller cost per call (median of %u runs), ", r->o->runs);
	title_text(g, r->machine.cpu);
	fputs("'\n", g);
	fprintf(g, "set xlabel 'threads'\nset ylabel 'ns per call (log scale)'\nset logscale y\n");
	fprintf(g, "set key outside right\nset grid\nset xtics (");
	for (size_t i = 0; i < r->o->nthreads; i++)
		fprintf(g, "%s%u", i ? ", " : "", r->o->threads[i]);
	fprintf(g, ")\nset offsets 0.2, 0.2, 0, 0\nset pointsize 1.3\n");

	fprintf(g, "plot ");
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];

		if (!plotted(s) || seen(r, i, s))
			continue;
		fprintf(g, "%s$d index %zu using 1:2 with linespoints lc rgb \"%s\" ", k ? ", \\\n  " : "",
			k, colours[k % NCOLOURS]);
		if (k < NSHAPES)
			fprintf(g, "pt %zu", k + 1);
		else
			fprintf(g, "pt \"%c\"", letters[(k - NSHAPES) % (sizeof(letters) - 1)]);
		fprintf(g, " %s title columnheader(3)",
			s->baseline ? "dashtype 2 linewidth 2" : "linewidth 1.5");
		k++;
	}
	fputc('\n', g);
}

int bench_plot(const struct bench_results *r, const char *png)
{
	char *text = NULL;
	size_t len = 0;
	FILE *g;
	int err;

	if (!r->nseries) {
		fprintf(stderr, "modsim-bench: --plot %s: nothing was measured; no plot\n",
			modsim_printable(png));
		return -1;
	}
	if (modsim_gnuplot_check_output(png)) {
		fprintf(stderr, "modsim-bench: --plot: %s\n", modsim_last_error());
		return -1;
	}
	g = open_memstream(&text, &len);
	if (!g) {
		fprintf(stderr, "modsim-bench: --plot %s: out of memory\n", modsim_printable(png));
		return -1;
	}
	script(g, r, png);
	if (fclose(g)) {
		free(text);
		fprintf(stderr, "modsim-bench: --plot %s: out of memory\n", modsim_printable(png));
		return -1;
	}
	err = modsim_gnuplot_run(text, len, png);
	free(text);
	if (err) {
		fprintf(stderr, "modsim-bench: --plot: %s\n", modsim_last_error());
		return -1;
	}
	return 0;
}
