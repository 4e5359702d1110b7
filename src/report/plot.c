/* modsim matrix --plot: the matrix as a heat map and the cost columns as bars, drawn by gnuplot. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/matrix.h>

#include "report/gnuplot.h"

#include "kernel/units.h"

#define PLOT_WIDTH 1400
#define PLOT_HEIGHT 1300

/*
 * Every name (strategy, scenario, hazard) goes to gnuplot as a field of a
 * datablock and reaches the picture through xticlabels()/yticlabels(): no
 * name is ever part of a command.  The script's own text holds numbers and
 * modsim's words only.
 */

static const struct modsim_matrix_cell *cell_at(const struct modsim_matrix_result *r,
						unsigned int row, unsigned int col)
{
	return &r->cell[(size_t)row * r->cfg.nscenarios + col];
}

/* The hazard of column @col: its first cell with trials says. */
static const char *column_hazard(const struct modsim_matrix_result *r, unsigned int col)
{
	for (unsigned int row = 0; row < r->cfg.nstrategies; row++)
		if (cell_at(r, row, col)->trials)
			return cell_at(r, row, col)->hazard;
	return "-";
}

/* $cells: col, row, rate (NaN: no trials), "found/trials P", verdict, mismatch, scenario, hazard, strategy. */
static void data_cells(FILE *f, const struct modsim_matrix_result *r)
{
	const struct modsim_matrix_config *c = &r->cfg;

	fputs("$cells << EOD\n", f);
	for (unsigned int row = 0; row < c->nstrategies; row++) {
		for (unsigned int col = 0; col < c->nscenarios; col++) {
			const struct modsim_matrix_cell *cell = cell_at(r, row, col);
			char pred = cell->predict == MODSIM_PREDICT_UNSAFE ? 'U' :
				    cell->predict == MODSIM_PREDICT_SAFE   ? 'S' : '?';

			fprintf(f, "%u\t%u\t", col, row);
			if (cell->trials)
				fprintf(f, "%.4f\t%u/%u %c\t%s\t%d\t", (double)cell->found / cell->trials,
					cell->found, cell->trials, pred,
					modsim_matrix_verdict_name(cell->verdict),
					cell->verdict == MODSIM_VERDICT_MISMATCH);
			else
				fputs("NaN\t-\t-\t0\t", f);
			modsim_gnuplot_field(f, c->scenarios[col]);
			fputc('\t', f);
			modsim_gnuplot_field(f, column_hazard(r, col));
			fputc('\t', f);
			modsim_gnuplot_field(f, c->strategies[row]);
			fputc('\n', f);
		}
	}
	fputs("EOD\n", f);
}

static void plot_heat(FILE *f, const struct modsim_matrix_result *r)
{
	const struct modsim_matrix_config *c = &r->cfg;

	fprintf(f, "set origin 0,0.42\nset size 1,0.54\n");
	fprintf(f, "set title \"detection rate per cell: trials that found a violation / trials; "
		   "U/S the post's prediction; boxed in blue: MISMATCH\"\n");
	fprintf(f, "set xrange [-0.5:%u.5]\nset yrange [%u.5:-0.5]\n", c->nscenarios - 1,
		c->nstrategies - 1);
	fprintf(f, "set cbrange [0:1]\nset cblabel \"detection rate\"\n");
	fprintf(f, "set palette defined (0 \"#f4f4f4\", 0.5 \"#fc9272\", 1 \"#cb181d\")\n");
	fputs("set tics scale 0\nunset key\n", f);
	/* Boxes, not "with image": an image needs two rows and two columns. */
	fputs("plot $cells using 1:2:(0.5):(0.5):3:xticlabels(strcol(7).\"\\n\".strcol(8)):"
	      "yticlabels(9) with boxxyerror fs solid 1.0 noborder fc palette, \\\n"
	      "  $cells using 1:2:4 with labels offset 0,0.5 font \",8\", \\\n"
	      "  $cells using 1:2:5:(column(6) > 0 ? 192 : 0) with labels offset 0,-0.5 "
	      "font \",8\" tc rgb variable, \\\n"
	      "  $cells using 1:2:(column(6) > 0 ? 0.48 : NaN):(0.48) with boxxyerror "
	      "fs empty lc rgb \"#0000c0\" lw 3\n", f);
}

/* One bar chart of cost column @col (1-based in $cost) at horizontal slot @slot of 4. */
static void plot_cost(FILE *f, int slot, int col, const char *title, double max)
{
	fprintf(f, "reset\nset datafile separator \"\\t\"\nset origin %g,0\nset size 0.25,0.42\n",
		slot * 0.25);
	fprintf(f, "set title \"%s\" font \",10\"\nunset key\n", title);
	fputs("set style data histograms\nset style histogram clustered gap 1\n"
	      "set style fill solid 0.8 border -1\nset boxwidth 0.8\n"
	      "set xtics rotate by 90 right font \",8\" nomirror\nset tics scale 0.5\n", f);
	fprintf(f, "set yrange [0:%g]\n", max > 0 ? max * 1.1 : 1.0);
	fprintf(f, "plot $cost using %d:xticlabels(2) lc rgb \"#3182bd\"\n", col);
}

static void plot_costs(FILE *f, const struct modsim_matrix_result *r)
{
	double max[4] = { 0, 0, 0, 0 };

	fputs("$cost << EOD\n", f);
	for (unsigned int row = 0; row < r->cfg.nstrategies; row++) {
		const struct modsim_matrix_cost *k = &r->cost[row];
		double v[4] = { k->refused_live_per_mlive, k->unload_p50_ns / 1e3,
				k->world_stop_p99_ns / 1e3, k->refused_transition_per_mlive };

		fprintf(f, "%u\t", row);
		modsim_gnuplot_field(f, r->cfg.strategies[row]);
		for (int i = 0; i < 4; i++) {
			fprintf(f, "\t%.3f", v[i]);
			if (v[i] > max[i])
				max[i] = v[i];
		}
		fputc('\n', f);
	}
	fputs("EOD\n", f);
	plot_cost(f, 0, 3, "refused while LIVE per million calls while LIVE", max[0]);
	plot_cost(f, 1, 4, "unload latency p50 (us)", max[1]);
	plot_cost(f, 2, 5, "world-stop pause p99 (us)", max[2]);
	plot_cost(f, 3, 6, "refused while COMING/GOING per million calls while LIVE", max[3]);
}

/* The whole gnuplot script for @r, drawing into @png. */
static void plot_script(FILE *f, const struct modsim_matrix_result *r, const char *png)
{
	const struct modsim_matrix_config *c = &r->cfg;

	fprintf(f, "set terminal pngcairo size %d,%d font \"sans,10\" noenhanced\n", PLOT_WIDTH,
		PLOT_HEIGHT);
	modsim_gnuplot_output(f, png);
	fputs("set datafile separator \"\\t\"\n", f);
	data_cells(f, r);
	fprintf(f, "set multiplot title \"modsim matrix: %u strategies x %u scenarios, %u trial%s "
		   "of %g s per cell, %u workers, seed %" PRIu64 "; %u MATCH, %u MISMATCH\" "
		   "font \",12\"\n",
		c->nstrategies, c->nscenarios, c->trials, c->trials == 1 ? "" : "s",
		c->duration_ms / 1000.0, c->workers, c->seed, r->match, r->mismatch);
	plot_heat(f, r);
	plot_costs(f, r);
	fputs("unset multiplot\nset output\n", f);
}

MODSIM_API int modsim_matrix_plot(const struct modsim_matrix_result *r, const char *path)
{
	char *script = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (!r->ntrials)
		return modsim_err(-EINVAL, "plot: no trials to draw");
	err = modsim_gnuplot_check_output(path);
	if (err)
		return err;
	f = open_memstream(&script, &len);
	if (!f)
		return modsim_err(-ENOMEM, "plot: out of memory");
	plot_script(f, r, path);
	if (fclose(f)) {
		free(script);
		return modsim_err(-ENOMEM, "plot: out of memory for the script");
	}
	err = modsim_gnuplot_run(script, len, path);
	free(script);
	return err;
}
