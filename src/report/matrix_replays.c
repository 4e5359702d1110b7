/* The matrix's replay lines: one per cell that found a violation, cut to a width, whole in a file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/kernel.h>
#include <modsim/lab/matrix.h>
#include <modsim/lab/run.h>

#include "base/text.h"
#include "lab/matrix_internal.h"
#include "report/cmdline.h"

#include "kernel/units.h"

/* The line of cell (@row, @col) in a malloc'd string ("  S x C: kind: command"), or NULL. */
static char *replay_line(const struct modsim_matrix_result *r, unsigned int row, unsigned int col)
{
	const struct modsim_matrix_config *c = &r->cfg;
	const struct modsim_matrix_cell *cell = &r->cell[(size_t)row * c->nscenarios + col];
	const struct modsim_matrix_trial *t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!cell->found)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	/* The trial whose token the cell replays, so the kind named is the token's. */
	t = modsim_matrix_token_finder(r, c->strategies[row], c->scenarios[col]);
	if (!t || !cell->replay || strcmp(cell->replay, t->token))
		t = modsim_matrix_first_finder(r, c->strategies[row], c->scenarios[col]);
	fprintf(f, "  %s x %s: %s: ", modsim_printable(c->strategies[row]),
		modsim_printable(c->scenarios[col]), modsim_printable(t->first_kind));
	if (cell->replay) {
		modsim_fput_replay_cmd(f, cell->replay, t->strategy, t->scenario);
	} else if (strcmp(t->sched, "off")) {
		modsim_fput_command(f, "run");
		modsim_fput_opt(f, "--strategy", t->strategy);
		modsim_fput_opt(f, "--scenario", t->scenario);
		fprintf(f, " --workers %u --seed %" PRIu64, t->workers, t->seed);
		modsim_fput_opt(f, "--sched", t->sched);
		fprintf(f, " --steps %u (token too long to keep)", t->steps);
	} else {
		if (cell->hunted)
			fprintf(f, "none of %u controlled schedules found one; ",
				MODSIM_MATRIX_HUNT_MAX);
		else if (cell->no_hunt_file)
			fputs("not searched: merge loads no strategy .so or scenario file named in its input; ", f);
		else
			fputs("no controlled schedule searched (--no-hunt); ", f);
		modsim_fput_command(f, "run");
		modsim_fput_opt(f, "--strategy", t->strategy);
		modsim_fput_opt(f, "--scenario", t->scenario);
		fprintf(f, " --workers %u --duration %g --seed %" PRIu64 " repeats the trial (not exactly: it runs free)",
			t->workers, t->duration_ms / 1000.0, t->seed);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Open @path, or a new file under $TMPDIR (else /tmp) whose name goes into @name. */
static FILE *replays_open(const char *path, char *name, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;
	FILE *f;

	if (path) {
		snprintf(name, len, "%s", path);
		return fopen(path, "w");
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(name, len, "%s/modsim-replays-XXXXXX", dir) >= (int)len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = mkstemp(name);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

int modsim_matrix_print_replays(FILE *f, const struct modsim_matrix_result *r,
				unsigned int width, const char *path)
{
	const struct modsim_matrix_config *c = &r->cfg;
	size_t n = (size_t)c->nstrategies * c->nscenarios, nlines = 0;
	char **lines = calloc(n ? n : 1, sizeof(*lines));
	char name[4096] = "";
	bool cut = false;
	FILE *file = NULL;
	int err = 0;

	if (!lines)
		return modsim_err(-ENOMEM, "replay lines: out of memory");
	for (unsigned int row = 0; row < c->nstrategies; row++)
		for (unsigned int col = 0; col < c->nscenarios; col++)
			if ((lines[nlines] = replay_line(r, row, col))) {
				cut |= width && strlen(lines[nlines]) > width;
				nlines++;
			}
	if (nlines && (cut || path)) {
		file = replays_open(path, name, sizeof(name));
		if (!file)
			err = modsim_err(-errno, "replay lines: cannot write %s: %s", name,
					 strerror(errno));
	}
	if (file) {
		for (size_t i = 0; i < nlines; i++)
			fprintf(file, "%s\n", lines[i] + 2);
		if (fclose(file)) {
			err = modsim_err(-EIO, "replay lines: cannot write %s", name);
			file = NULL;
		}
	}
	if (nlines) {
		const char *head = c->sched == MODSIM_SCHED_OFF ?
			"replay (per cell that found a violation, a controlled schedule that ends on one):" :
			"replay (the first schedule of each cell that found a violation):";

		if (width && strlen(head) > width)
			head = c->sched == MODSIM_SCHED_OFF ? "replay, per cell that found a violation:" :
							      "replay, each cell's first failing schedule:";
		fprintf(f, "%s\n", head);
	}
	for (size_t i = 0; i < nlines; i++) {
		/* Too wide: the cell and kind here, the line in the file (only when there is one). */
		if (file && width && strlen(lines[i]) > width) {
			char *cmd = strstr(lines[i] + 2, ": ");

			cmd = cmd ? strstr(cmd + 2, ": ") : NULL;
			char suffix[64];
			size_t room;

			if (cmd)
				*cmd = '\0';
			snprintf(suffix, sizeof(suffix), ": line %zu of the file below", i + 1);
			room = width > strlen(suffix) + 3 ? width - strlen(suffix) : 0;
			if (strlen(lines[i]) <= room)
				fprintf(f, "%s%s\n", lines[i], suffix);
			else if (room > 3)
				fprintf(f, "%.*s...%s\n", (int)(room - 3), lines[i], suffix);
			else
				fprintf(f, "  line %zu of the file below\n", i + 1);
		} else {
			fprintf(f, "%s\n", lines[i]);
		}
		free(lines[i]);
	}
	if (file)
		fprintf(f, "  in full: %s\n", name);
	if (nlines)
		fputc('\n', f);
	free(lines);
	return err;
}
