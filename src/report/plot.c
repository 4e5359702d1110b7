/* modsim matrix --plot: the matrix as a heat map and the cost columns as bars, drawn by gnuplot through a pipe. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <modsim/lab/matrix.h>

#include "kernel/units.h"

extern char **environ;

#define PLOT_WIDTH 1400
#define PLOT_HEIGHT 1300

/* @s inside a gnuplot double-quoted string: quotes and backslashes would end or escape it. */
static void gp_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '"' || *s == '\\' ? '_' : *s, f);
}

static const struct modsim_matrix_cell *cell_at(const struct modsim_matrix_result *r,
						unsigned int row, unsigned int col)
{
	return &r->cell[(size_t)row * r->cfg.nscenarios + col];
}

static void plot_heat(FILE *f, const struct modsim_matrix_result *r)
{
	const struct modsim_matrix_config *c = &r->cfg;
	unsigned int label = 1;

	fprintf(f, "set origin 0,0.42\nset size 1,0.54\n");
	fprintf(f, "set title \"detection rate per cell: trials that found a violation / trials; "
		   "U/S the post's prediction; boxed in blue: MISMATCH\"\n");
	fprintf(f, "set xrange [-0.5:%u.5]\nset yrange [%u.5:-0.5]\n", c->nscenarios - 1,
		c->nstrategies - 1);
	fprintf(f, "set cbrange [0:1]\nset cblabel \"detection rate\"\n");
	fprintf(f, "set palette defined (0 \"#f4f4f4\", 0.5 \"#fc9272\", 1 \"#cb181d\")\n");
	fprintf(f, "set tics scale 0\nunset key\nset xtics (");
	for (unsigned int col = 0; col < c->nscenarios; col++) {
		const char *hz = "-";

		for (unsigned int row = 0; row < c->nstrategies; row++)
			if (cell_at(r, row, col)->trials) {
				hz = cell_at(r, row, col)->hazard;
				break;
			}
		fprintf(f, "%s\"", col ? ", " : "");
		gp_text(f, c->scenarios[col]);
		fputs("\\n", f);
		gp_text(f, hz);
		fprintf(f, "\" %u", col);
	}
	fprintf(f, ")\nset ytics (");
	for (unsigned int row = 0; row < c->nstrategies; row++) {
		fprintf(f, "%s\"", row ? ", " : "");
		gp_text(f, c->strategies[row]);
		fprintf(f, "\" %u", row);
	}
	fputs(")\n", f);
	for (unsigned int row = 0; row < c->nstrategies; row++) {
		for (unsigned int col = 0; col < c->nscenarios; col++) {
			const struct modsim_matrix_cell *cell = cell_at(r, row, col);
			char pred = cell->predict == MODSIM_PREDICT_UNSAFE ? 'U' :
				    cell->predict == MODSIM_PREDICT_SAFE   ? 'S' : '?';

			if (!cell->trials)
				continue;
			fprintf(f, "set label %u \"%u/%u %c\\n%s\" at %u,%u center front font \",8\" "
				   "textcolor rgb \"%s\"\n",
				label++, cell->found, cell->trials, pred,
				modsim_matrix_verdict_name(cell->verdict), col, row,
				cell->verdict == MODSIM_VERDICT_MISMATCH ? "#0000c0" : "black");
			if (cell->verdict == MODSIM_VERDICT_MISMATCH)
				fprintf(f, "set object %u rect from %g,%g to %g,%g front fillstyle empty "
					   "border lc rgb \"#0000c0\" lw 3\n",
					label, col - 0.48, row - 0.48, col + 0.48, row + 0.48);
		}
	}
	fputs("$heat << EOD\n", f);
	for (unsigned int row = 0; row < c->nstrategies; row++)
		for (unsigned int col = 0; col < c->nscenarios; col++) {
			const struct modsim_matrix_cell *cell = cell_at(r, row, col);

			fprintf(f, "%u %u %.4f\n", col, row,
				cell->trials ? (double)cell->found / cell->trials : 0.0);
		}
	fputs("EOD\nplot $heat using 1:2:3 with image\n", f);
}

/* One bar chart of cost column @col (1-based in $cost) at horizontal slot @slot of 4. */
static void plot_cost(FILE *f, const struct modsim_matrix_result *r, int slot, int col,
		      const char *title, double max)
{
	fprintf(f, "reset\nset origin %g,0\nset size 0.25,0.42\n", slot * 0.25);
	fprintf(f, "set title \"%s\" font \",10\"\nunset key\n", title);
	fputs("set style data histograms\nset style histogram clustered gap 1\n"
	      "set style fill solid 0.8 border -1\nset boxwidth 0.8\n"
	      "set xtics rotate by 90 right font \",8\" nomirror\nset tics scale 0.5\n", f);
	fprintf(f, "set yrange [0:%g]\n", max > 0 ? max * 1.1 : 1.0);
	fprintf(f, "plot $cost using %d:xtic(1) lc rgb \"#3182bd\"\n", col);
	(void)r;
}

static void plot_costs(FILE *f, const struct modsim_matrix_result *r)
{
	double max[4] = { 0, 0, 0, 0 };

	fputs("$cost << EOD\n", f);
	for (unsigned int row = 0; row < r->cfg.nstrategies; row++) {
		const struct modsim_matrix_cost *k = &r->cost[row];
		double v[4] = { k->refused_live_per_mlive, k->unload_p50_ns / 1e3,
				k->world_stop_p99_ns / 1e3, k->refused_transition_per_mlive };

		fputc('"', f);
		gp_text(f, r->cfg.strategies[row]);
		fputc('"', f);
		for (int i = 0; i < 4; i++) {
			fprintf(f, " %.3f", v[i]);
			if (v[i] > max[i])
				max[i] = v[i];
		}
		fputc('\n', f);
	}
	fputs("EOD\n", f);
	plot_cost(f, r, 0, 2, "refused while LIVE per million calls while LIVE", max[0]);
	plot_cost(f, r, 1, 3, "unload latency p50 (us)", max[1]);
	plot_cost(f, r, 2, 4, "world-stop pause p99 (us)", max[2]);
	plot_cost(f, r, 3, 5, "refused while COMING/GOING per million calls while LIVE", max[3]);
}

/* The whole gnuplot script for @r into @path. */
static void plot_script(FILE *f, const struct modsim_matrix_result *r, const char *path)
{
	const struct modsim_matrix_config *c = &r->cfg;

	fprintf(f, "set terminal pngcairo size %d,%d font \"sans,10\" noenhanced\n", PLOT_WIDTH,
		PLOT_HEIGHT);
	fputs("set output '", f);
	for (const char *p = path; *p; p++) {
		if (*p == '\'')
			fputc('\'', f); /* '' is a quote inside gnuplot's single quotes */
		fputc(*p, f);
	}
	fputs("'\n", f);
	fprintf(f, "set multiplot title \"modsim matrix: %u strategies x %u scenarios, %u trial%s "
		   "of %g s per cell, %u workers, seed %" PRIu64 "; %u MATCH, %u MISMATCH\" "
		   "font \",12\"\n",
		c->nstrategies, c->nscenarios, c->trials, c->trials == 1 ? "" : "s",
		c->duration_ms / 1000.0, c->workers, c->seed, r->match, r->mismatch);
	plot_heat(f, r);
	plot_costs(f, r);
	fputs("unset multiplot\nset output\n", f);
}

/* Write the script to gnuplot's standard input; SIGPIPE is held off so a dying gnuplot is an error, not our death. */
static int plot_feed(int fd, const struct modsim_matrix_result *r, const char *path)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };
	FILE *f;
	int err = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		err = -errno;
	} else {
		plot_script(f, r, path);
		if (ferror(f))
			err = -EPIPE;
		if (fclose(f) && !err)
			err = -EPIPE;
	}
	while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

MODSIM_API int modsim_matrix_plot(const struct modsim_matrix_result *r, const char *path)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "gnuplot", NULL };
	struct stat st;
	int fds[2], err, status;
	pid_t pid;

	if (!r->ntrials)
		return modsim_err(-EINVAL, "plot: no trials to draw");
	if (pipe(fds))
		return modsim_err(-errno, "plot: cannot make a pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	err = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (err) {
		close(fds[1]);
		if (err == ENOENT)
			return modsim_err(-ENOENT, "plot: gnuplot is not installed (not found on PATH); "
					  "install it (Debian: apt-get install gnuplot-nox, or tools/install-deps)");
		return modsim_err(-err, "plot: cannot run gnuplot: %s", strerror(err));
	}
	err = plot_feed(fds[1], r, path);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return modsim_err(-EIO, "plot: lost gnuplot: %s", strerror(errno));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return modsim_err(-EIO, "plot: gnuplot failed (%s %d); its messages are above",
				  WIFEXITED(status) ? "exit status" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	if (err)
		return modsim_err(-EIO, "plot: gnuplot stopped reading its script");
	if (stat(path, &st) || !st.st_size)
		return modsim_err(-EIO, "plot: gnuplot wrote nothing to %s", path);
	return 0;
}
