/* The matrix as a text table, JSON, CSV, or JSON lines of its trials (schemas in the README). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/matrix.h>

#include "base/text.h"
#include "lab/matrix_internal.h"
#include "report/cmdline.h"

#include "kernel/units.h"

void modsim_matrix_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ---- JSON lines: one trial a line ---- */

MODSIM_API void modsim_matrix_print_trial(FILE *f, const struct modsim_matrix_trial *t)
{
	const char *base = (const char *)t;

	fputc('{', f);
	for (size_t i = 0; i < modsim_matrix_nfields; i++) {
		const struct matrix_field *fd = &modsim_matrix_fields[i];

		fprintf(f, "%s\"%s\":", i ? "," : "", fd->key);
		switch (fd->type) {
		case MF_SCHEMA:
			modsim_matrix_json_str(f, MATRIX_TRIAL_SCHEMA);
			break;
		case MF_STR:
			modsim_matrix_json_str(f, base + fd->off);
			break;
		case MF_PREDICT:
			modsim_matrix_json_str(f, modsim_matrix_predict_name(t->predict));
			break;
		case MF_NUM:
			if (fd->size == sizeof(unsigned int)) {
				unsigned int v;

				memcpy(&v, base + fd->off, sizeof(v));
				fprintf(f, "%u", v);
			} else {
				uint64_t v;

				memcpy(&v, base + fd->off, sizeof(v));
				fprintf(f, "%" PRIu64, v);
			}
			break;
		}
	}
	fputs("}\n", f);
}

/* ---- shared helpers ---- */

static const struct modsim_matrix_cell *cell_at(const struct modsim_matrix_result *r,
						unsigned int row, unsigned int col)
{
	return &r->cell[(size_t)row * r->cfg.nscenarios + col];
}

/* The hazard of column @col (from its first cell with trials). */
static const char *column_hazard(const struct modsim_matrix_result *r, unsigned int col)
{
	for (unsigned int row = 0; row < r->cfg.nstrategies; row++)
		if (cell_at(r, row, col)->trials)
			return cell_at(r, row, col)->hazard;
	return "-";
}

static const char *observed_name(const struct modsim_matrix_cell *c)
{
	if (!c->trials)
		return "none";
	return c->found ? "unsafe" : "safe";
}

/* ---- text ---- */

static void text_ns(char *buf, size_t len, uint64_t ns, bool have)
{
	if (!have)
		snprintf(buf, len, "-");
	else if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
}

/* A cell's confidence, compact: "97% [84-99]" of an unsafe cell, "<9.4%" of a safe one. */
static void conf_text(char *buf, size_t len, const struct modsim_matrix_cell *c)
{
	struct modsim_matrix_confidence k;

	modsim_matrix_confidence(c, &k);
	if (!k.n)
		snprintf(buf, len, "-");
	else if (k.k)
		snprintf(buf, len, "%.0f%% [%.0f-%.0f] /%u", 100 * k.rate, 100 * k.lo, 100 * k.hi,
			 k.n);
	else
		snprintf(buf, len, "<=%.1f%% /%u", 100 * k.bound, k.n);
}

static void cell_text(char *buf, size_t len, const struct modsim_matrix_cell *c)
{
	char pred = c->predict == MODSIM_PREDICT_UNSAFE ? 'U' :
		    c->predict == MODSIM_PREDICT_SAFE   ? 'S' : '?';

	if (!c->trials)
		snprintf(buf, len, "-");
	else if (c->verdict == MODSIM_VERDICT_NONE)
		snprintf(buf, len, "%u/%u %c", c->found, c->trials, pred);
	else
		snprintf(buf, len, "%u/%u %c %s", c->found, c->trials, pred,
			 modsim_matrix_verdict_name(c->verdict));
}

/* Print --NAME a,b,c unless the list is the built-in default. */
static void repeat_list(FILE *f, const char *opt, const char names[][MODSIM_MATRIX_NAME_MAX],
			unsigned int n, const char defaults[][MODSIM_MATRIX_NAME_MAX], unsigned int nd)
{
	char buf[MODSIM_MATRIX_MAX * MODSIM_MATRIX_NAME_MAX];
	size_t used = 0;
	bool same = n == nd;

	for (unsigned int i = 0; same && i < n; i++)
		same = !strcmp(names[i], defaults[i]);
	if (same)
		return;
	buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "," : "", names[i]);
	fprintf(f, " %s ", opt);
	modsim_fput_shell_word(f, buf);
}

static void text_repeat(FILE *f, const struct modsim_matrix_result *r)
{
	const struct modsim_matrix_config *c = &r->cfg;
	struct modsim_matrix_config *def = malloc(sizeof(*def));

	fputs("repeat: ", f);
	modsim_fput_command(f, "matrix");
	if (def) {
		modsim_matrix_config_default(def);
		repeat_list(f, "--strategies", c->strategies, c->nstrategies, def->strategies,
			    def->nstrategies);
		repeat_list(f, "--scenarios", c->scenarios, c->nscenarios, def->scenarios,
			    def->nscenarios);
		free(def);
	}
	if (c->sched != MODSIM_SCHED_OFF) {
		fprintf(f, " --trials %u --sched %s", c->trials, modsim_sched_policy_name(c->sched));
		if (c->sched == MODSIM_SCHED_PCT)
			fprintf(f, " --depth %u", c->depth);
		fprintf(f, " --steps %u --workers %u --seed %" PRIu64, c->steps, c->workers,
			c->seed);
	} else {
		fprintf(f, " --trials %u --duration %g --workers %u --seed %" PRIu64, c->trials,
			c->duration_ms / 1000.0, c->workers, c->seed);
		fprintf(f, " --schedules %u", c->schedules);
		if (c->schedules && c->depth && c->depth != MODSIM_SCHED_DEFAULT_DEPTH)
			fprintf(f, " --depth %u", c->depth);
		if (c->schedules && c->steps && c->steps != MODSIM_SCHED_DEFAULT_STEPS)
			fprintf(f, " --steps %u", c->steps);
	}
	if (c->shard_n > 1)
		fprintf(f, " --shard %u/%u", c->shard_k, c->shard_n);
	fputc('\n', f);
}

static void text_grid(FILE *f, const struct modsim_matrix_result *r,
		      void (*fmt)(char *, size_t, const struct modsim_matrix_cell *))
{
	const struct modsim_matrix_config *c = &r->cfg;
	int w0 = (int)strlen("strategy"), w[MODSIM_MATRIX_MAX];
	char buf[64];

	for (unsigned int row = 0; row < c->nstrategies; row++)
		if ((int)strlen(modsim_printable(c->strategies[row])) > w0)
			w0 = (int)strlen(modsim_printable(c->strategies[row]));
	for (unsigned int col = 0; col < c->nscenarios; col++) {
		w[col] = (int)strlen(modsim_printable(c->scenarios[col]));
		if ((int)strlen(modsim_printable(column_hazard(r, col))) > w[col])
			w[col] = (int)strlen(modsim_printable(column_hazard(r, col)));
		for (unsigned int row = 0; row < c->nstrategies; row++) {
			fmt(buf, sizeof(buf), cell_at(r, row, col));
			if ((int)strlen(buf) > w[col])
				w[col] = (int)strlen(buf);
		}
	}
	fprintf(f, "%-*s", w0, "strategy");
	for (unsigned int col = 0; col < c->nscenarios; col++)
		fprintf(f, "  %-*s", col + 1 < c->nscenarios ? w[col] : 0,
			modsim_printable(c->scenarios[col]));
	fprintf(f, "\n%-*s", w0, "  hazard");
	for (unsigned int col = 0; col < c->nscenarios; col++)
		fprintf(f, "  %-*s", col + 1 < c->nscenarios ? w[col] : 0,
			modsim_printable(column_hazard(r, col)));
	fputc('\n', f);
	for (unsigned int row = 0; row < c->nstrategies; row++) {
		fprintf(f, "%-*s", w0, modsim_printable(c->strategies[row]));
		for (unsigned int col = 0; col < c->nscenarios; col++) {
			fmt(buf, sizeof(buf), cell_at(r, row, col));
			if (col + 1 < c->nscenarios)
				fprintf(f, "  %-*s", w[col], buf);
			else
				fprintf(f, "  %s", buf);
		}
		fputc('\n', f);
	}
}

static void text_costs(FILE *f, const struct modsim_matrix_result *r)
{
	const struct modsim_matrix_config *c = &r->cfg;
	int w0 = (int)strlen("strategy");
	char unload[32], stop[32];

	for (unsigned int row = 0; row < c->nstrategies; row++)
		if ((int)strlen(modsim_printable(c->strategies[row])) > w0)
			w0 = (int)strlen(modsim_printable(c->strategies[row]));
	fprintf(f, "%-*s  %7s  %9s  %14s  %14s  %11s  %14s\n", w0, "strategy", "trials", "cycles",
		"refused LIVE*", "refused C/G*", "unload p50", "world-stop p99");
	for (unsigned int row = 0; row < c->nstrategies; row++) {
		const struct modsim_matrix_cost *k = &r->cost[row];

		text_ns(unload, sizeof(unload), k->unload_p50_ns, k->unload_trials);
		text_ns(stop, sizeof(stop), k->world_stop_p99_ns, k->stop_trials);
		fprintf(f, "%-*s  %7u  %9lu  %14.1f  %14.1f  %11s  %14s\n", w0,
			modsim_printable(c->strategies[row]),
			k->trials, k->cycles, k->refused_live_per_mlive,
			k->refused_transition_per_mlive, unload, stop);
	}
	fputs("* per million calls attempted while the module was LIVE (over the free trials):\n"
	      "  refused LIVE: gets the preset refused although the module was LIVE (spurious,\n"
	      "  \"a source of random subsystem failure\"); refused C/G: gets refused while it was\n"
	      "  COMING or GOING (the protocol keeping callers out).  unload p50 and world-stop\n"
	      "  p99: the median over the strategy's trials of each trial's value.  Caller cost\n"
	      "  per call is modsim-bench's (docs/bench-figures.md), not the trials'.\n", f);
}

static void text_mismatch_line(FILE *out, const struct modsim_matrix_result *r, unsigned int row,
			       unsigned int col, unsigned int width);

/*
 * The counts, then a line per MISMATCH and UNSEEN cell.  With @width, a line
 * that would be wider leaves its command to the cell's replay line.
 */
static void text_mismatches(FILE *f, const struct modsim_matrix_result *r, unsigned int width)
{
	const struct modsim_matrix_config *c = &r->cfg;
	unsigned int cells = 0, none = 0;

	for (unsigned int row = 0; row < c->nstrategies; row++)
		for (unsigned int col = 0; col < c->nscenarios; col++) {
			cells += cell_at(r, row, col)->trials > 0;
			none += cell_at(r, row, col)->trials &&
				cell_at(r, row, col)->verdict == MODSIM_VERDICT_NONE;
		}
	fprintf(f, "%u cells: %u MATCH, %u MISMATCH", cells, r->match, r->mismatch);
	if (r->unseen)
		fprintf(f, ", %u UNSEEN (predicted unsafe, not found in these trials)", r->unseen);
	if (r->void_cells)
		fprintf(f, ", %u VOID (no trial exercised the hazard)", r->void_cells);
	if (r->free_only)
		fprintf(f, "; %u found by free trials only (FREE-ONLY below)", r->free_only);
	if (none)
		fprintf(f, ", %u without a prediction", none);
	fputc('\n', f);
	for (unsigned int row = 0; row < c->nstrategies; row++) {
		for (unsigned int col = 0; col < c->nscenarios; col++) {
			const struct modsim_matrix_cell *cell = cell_at(r, row, col);

			if (cell->free_only) {
				const struct modsim_matrix_trial *t = modsim_matrix_first_finder(
					r, c->strategies[row], c->scenarios[col]);

				fprintf(f, "FREE-ONLY %s x %s (hazard %s): %s: %u of %u free trials found %s in %s (modsim run --strategy %s --scenario %s --workers %u --duration %g --seed %" PRIu64 "), none of %u schedules did; the verdict is the schedules'\n",
					c->strategies[row], c->scenarios[col], cell->hazard,
					modsim_matrix_verdict_name(cell->verdict), cell->free_found,
					cell->free_trials, t ? t->first_kind : "?",
					t ? t->first_module : "?", c->strategies[row],
					c->scenarios[col], t ? t->workers : c->workers,
					t ? t->duration_ms / 1000.0 : 0.0, t ? t->seed : 0,
					cell->schedules);
			}
			if (cell->verdict == MODSIM_VERDICT_VOID) {
				fprintf(f, "VOID %s x %s (hazard %s): %u trials, no evidence: %s\n",
					c->strategies[row], c->scenarios[col], cell->hazard,
					cell->trials, cell->void_reason);
				continue;
			}
			if (cell->verdict != MODSIM_VERDICT_MISMATCH &&
			    cell->verdict != MODSIM_VERDICT_UNSEEN)
				continue;
			text_mismatch_line(f, r, row, col, width);
		}
	}
}

/* One MISMATCH or UNSEEN cell's line (see text_mismatches). */
static void text_mismatch_line(FILE *out, const struct modsim_matrix_result *r, unsigned int row,
			       unsigned int col, unsigned int width)
{
	const struct modsim_matrix_config *c = &r->cfg;
	const struct modsim_matrix_cell *cell = cell_at(r, row, col);
	const struct modsim_matrix_trial *t;
	char *line = NULL;
	size_t len = 0;
	long cut = -1;
	FILE *f = open_memstream(&line, &len);

	if (!f) {
		fprintf(out, "%s %s x %s: (out of memory)\n", modsim_matrix_verdict_name(cell->verdict),
			modsim_printable(c->strategies[row]), modsim_printable(c->scenarios[col]));
		return;
	}
	fprintf(f, "%s %s x %s (hazard %s): predicted %s, ", modsim_matrix_verdict_name(cell->verdict),
		modsim_printable(c->strategies[row]), modsim_printable(c->scenarios[col]),
		modsim_printable(cell->hazard), modsim_matrix_predict_name(cell->predict));
	if (!cell->found) {
		fprintf(f, "no violation in %u trial%s", cell->trials, cell->trials == 1 ? "" : "s");
		goto print;
	}
	t = modsim_matrix_token_finder(r, c->strategies[row], c->scenarios[col]);
	if (!t)
		t = modsim_matrix_first_finder(r, c->strategies[row], c->scenarios[col]);
	fprintf(f, "violations in %u of %u trials; first: %s in %s ", cell->found, cell->trials,
		modsim_printable(t->first_kind), modsim_printable(t->first_module));
	cut = ftell(f);
	fputc('(', f);
	if (t->token[0]) {
		modsim_fput_replay_cmd(f, t->token, t->strategy, t->scenario);
		fputc(')', f);
		goto print;
	}
	modsim_fput_command(f, "run");
	modsim_fput_opt(f, "--strategy", t->strategy);
	modsim_fput_opt(f, "--scenario", t->scenario);
	if (!strcmp(t->sched, "off"))
		fprintf(f, " --workers %u --duration %g --seed %" PRIu64 ")", t->workers,
			t->duration_ms / 1000.0, t->seed);
	else
		fprintf(f, " --workers %u --seed %" PRIu64 " --sched %s --steps %u)", t->workers,
			t->seed, modsim_printable(t->sched), t->steps);
print:
	if (fclose(f)) {
		free(line);
		return;
	}
	/* Too wide for the terminal: the command is on the cell's replay line. */
	if (width && strlen(line) > width && cut > 0 && (size_t)cut <= strlen(line))
		fprintf(out, "%.*s(its replay line is below)\n", (int)cut, line);
	else
		fprintf(out, "%s\n", line);
	free(line);
}

static int print_text(FILE *f, const struct modsim_matrix_result *r, unsigned int width,
		      const char *replays)
{
	int err;

	const struct modsim_matrix_config *c = &r->cfg;

	fprintf(f, "modsim matrix: %u strateg%s x %u scenario%s, %u trial%s", c->nstrategies,
		c->nstrategies == 1 ? "y" : "ies", c->nscenarios, c->nscenarios == 1 ? "" : "s",
		c->trials, c->trials == 1 ? "" : "s");
	if (c->sched == MODSIM_SCHED_OFF)
		fprintf(f, " of %g s", c->duration_ms / 1000.0);
	else if (c->sched == MODSIM_SCHED_PCT)
		fprintf(f, " (pct schedules of depth %u, up to %u steps)", c->depth, c->steps);
	else
		fprintf(f, " (%s schedules of up to %u steps)", modsim_sched_policy_name(c->sched),
			c->steps);
	if (c->schedules)
		fprintf(f, " + %u controlled schedules (pct, random)", c->schedules);
	fprintf(f, " per cell, %u worker%s, seed %" PRIu64 "\n", c->workers,
		c->workers == 1 ? "" : "s", c->seed);
	if (r->ntrials != r->total)
		fprintf(f, "%zu of the matrix's %lu trials%s\n", r->ntrials, r->total,
			c->shard_n > 1 ? " (this shard)" : " (shards missing?)");
	if (!r->ntrials)
		return 0;
	fputs("cell: trials that found a violation / trials, the post's prediction (U unsafe,\n"
	      "S safe), MATCH, MISMATCH (a violation where safe is predicted), UNSEEN\n"
	      "(predicted unsafe, not found in these trials) or VOID (no trial exercised\n"
	      "the hazard: no evidence either way)\n\n", f);
	text_grid(f, r, cell_text);
	fputc('\n', f);
	fprintf(f, "confidence (95 %%) per %s (docs/matrix-confidence.md): a cell that found a\n"
		"violation: detection rate [Wilson interval] /n; one that found none: the\n"
		"violation probability is at most 3/n (the rule of three)\n\n",
		c->schedules || c->sched != MODSIM_SCHED_OFF ? "controlled schedule" : "free trial");
	text_grid(f, r, conf_text);
	fputc('\n', f);
	text_costs(f, r);
	fputc('\n', f);
	text_mismatches(f, r, width);
	err = modsim_matrix_print_replays(f, r, width, replays);
	text_repeat(f, r);
	return err;
}

/* ---- JSON ---- */

static void json_list(FILE *f, const char names[][MODSIM_MATRIX_NAME_MAX], unsigned int n)
{
	fputc('[', f);
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		modsim_matrix_json_str(f, names[i]);
	}
	fputc(']', f);
}

/* A cell's evidence size and what it bounds (schema in docs/matrix-confidence.md). */
static void json_confidence(FILE *f, const struct modsim_matrix_cell *cell)
{
	struct modsim_matrix_confidence k;

	modsim_matrix_confidence(cell, &k);
	fprintf(f, ", \"free_trials\": %u, \"free_found\": %u, \"schedules\": %u, "
		"\"schedules_found\": %u, \"confidence\": {\"per\": \"%s\", \"n\": %u, "
		"\"k\": %u, ", cell->free_trials, cell->free_found, cell->schedules,
		cell->sched_found, k.per ? k.per : "trial", k.n, k.k);
	if (k.k)
		fprintf(f, "\"rate\": %.6f, \"wilson95_lo\": %.6f, \"wilson95_hi\": %.6f}",
			k.rate, k.lo, k.hi);
	else
		fprintf(f, "\"violation_p_max95\": %.6f}", k.bound);
}

static void json_cells(FILE *f, const struct modsim_matrix_result *r)
{
	const struct modsim_matrix_config *c = &r->cfg;
	bool first = true;

	fputs("  \"cells\": [", f);
	for (unsigned int row = 0; row < c->nstrategies; row++) {
		for (unsigned int col = 0; col < c->nscenarios; col++) {
			const struct modsim_matrix_cell *cell = cell_at(r, row, col);

			fputs(first ? "\n    {" : ",\n    {", f);
			first = false;
			fputs("\"strategy\": ", f);
			modsim_matrix_json_str(f, c->strategies[row]);
			fputs(", \"scenario\": ", f);
			modsim_matrix_json_str(f, c->scenarios[col]);
			fputs(", \"hazard\": ", f);
			modsim_matrix_json_str(f, cell->trials ? cell->hazard : column_hazard(r, col));
			fprintf(f, ", \"trials\": %u, \"found\": %u, \"violations\": %lu, "
				"\"first_violation_p50_ns\": %" PRIu64 ", \"predict\": \"%s\", "
				"\"observed\": \"%s\", \"verdict\": \"%s\"",
				cell->trials, cell->found, cell->violations,
				cell->first_violation_p50_ns, modsim_matrix_predict_name(cell->predict),
				observed_name(cell), modsim_matrix_verdict_name(cell->verdict));
			json_confidence(f, cell);
			fprintf(f, ", \"free_only\": %s", cell->free_only ? "true" : "false");
			if (cell->void_reason[0]) {
				fputs(", \"void_reason\": ", f);
				modsim_matrix_json_str(f, cell->void_reason);
			}
			if (cell->replay) {
				fputs(", \"replay\": ", f);
				modsim_matrix_json_str(f, cell->replay);
			}
			fputc('}', f);
		}
	}
	fputs("\n  ],\n", f);
}

static void json_costs(FILE *f, const struct modsim_matrix_result *r)
{
	fputs("  \"costs\": [", f);
	for (unsigned int row = 0; row < r->cfg.nstrategies; row++) {
		const struct modsim_matrix_cost *k = &r->cost[row];

		fputs(row ? ",\n    {" : "\n    {", f);
		fputs("\"strategy\": ", f);
		modsim_matrix_json_str(f, r->cfg.strategies[row]);
		fprintf(f, ", \"trials\": %u, \"cycles\": %lu, \"ops\": %lu, \"failed_get\": %lu, "
			"\"failed_get_per_mcall\": %.1f, \"calls_live\": %lu, "
			"\"refused_live\": %lu, \"refused_transition\": %lu, "
			"\"refused_live_per_mlive\": %.1f, \"refused_transition_per_mlive\": %.1f, "
			"\"unload_p50_ns\": %" PRIu64 ", "
			"\"unload_trials\": %u, \"world_stop_p99_ns\": %" PRIu64 ", "
			"\"stop_trials\": %u}",
			k->trials, k->cycles, k->ops, k->failed_get, k->failed_get_per_mop,
			k->calls_live, k->refused_live, k->refused_transition,
			k->refused_live_per_mlive, k->refused_transition_per_mlive,
			k->unload_p50_ns, k->unload_trials, k->world_stop_p99_ns, k->stop_trials);
	}
	fputs("\n  ],\n", f);
}

static void print_json(FILE *f, const struct modsim_matrix_result *r)
{
	const struct modsim_matrix_config *c = &r->cfg;

	fprintf(f, "{\n  \"schema\": \"%s\",\n  \"config\": {\n    \"strategies\": ", MATRIX_SCHEMA);
	json_list(f, c->strategies, c->nstrategies);
	fputs(",\n    \"scenarios\": ", f);
	json_list(f, c->scenarios, c->nscenarios);
	fprintf(f, ",\n    \"schedules\": %u", c->schedules);
	fprintf(f, ",\n    \"trials\": %u,\n    \"duration_ms\": %u,\n    \"workers\": %u,\n"
		"    \"seed\": %" PRIu64 ",\n    \"shard\": \"%u/%u\"\n  },\n",
		c->trials, c->duration_ms, c->workers, c->seed, c->shard_k, c->shard_n);
	json_cells(f, r);
	json_costs(f, r);
	fprintf(f, "  \"summary\": {\"trials\": %zu, \"trials_in_matrix\": %lu, \"match\": %u, "
		"\"mismatch\": %u, \"unseen\": %u, \"void\": %u, \"free_only\": %u}\n}\n",
		r->ntrials, r->total, r->match, r->mismatch, r->unseen, r->void_cells, r->free_only);
}

/* ---- CSV: one row per cell, the strategy's costs repeated ---- */

static void csv_word(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\n\r")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void print_csv(FILE *f, const struct modsim_matrix_result *r)
{
	const struct modsim_matrix_config *c = &r->cfg;

	fputs("strategy,scenario,hazard,trials,found,violations,first_violation_p50_ns,predict,"
	      "observed,verdict,failed_get_per_mcall,unload_p50_ns,world_stop_p99_ns,"
	      "refused_live_per_mlive,refused_transition_per_mlive,free_trials,free_found,"
	      "schedules,schedules_found,conf_per,conf_n,conf_k,rate,wilson95_lo,wilson95_hi,"
	      "violation_p_max95,void_reason\n", f);
	for (unsigned int row = 0; row < c->nstrategies; row++) {
		const struct modsim_matrix_cost *k = &r->cost[row];

		for (unsigned int col = 0; col < c->nscenarios; col++) {
			const struct modsim_matrix_cell *cell = cell_at(r, row, col);
			struct modsim_matrix_confidence q;

			modsim_matrix_confidence(cell, &q);
			csv_word(f, c->strategies[row]);
			fputc(',', f);
			csv_word(f, c->scenarios[col]);
			fputc(',', f);
			csv_word(f, cell->trials ? cell->hazard : column_hazard(r, col));
			fprintf(f, ",%u,%u,%lu,%" PRIu64 ",%s,%s,%s,%.1f,%" PRIu64 ",%" PRIu64
				",%.1f,%.1f,%u,%u,%u,%u,%s,%u,%u,",
				cell->trials, cell->found, cell->violations,
				cell->first_violation_p50_ns, modsim_matrix_predict_name(cell->predict),
				observed_name(cell), modsim_matrix_verdict_name(cell->verdict),
				k->failed_get_per_mop, k->unload_p50_ns, k->world_stop_p99_ns,
				k->refused_live_per_mlive, k->refused_transition_per_mlive,
				cell->free_trials, cell->free_found, cell->schedules, cell->sched_found,
				q.per ? q.per : "trial", q.n, q.k);
			if (q.k)
				fprintf(f, "%.6f,%.6f,%.6f,,", q.rate, q.lo, q.hi);
			else
				fprintf(f, ",,,%.6f,", q.bound);
			csv_word(f, cell->void_reason);
			fputc('\n', f);
		}
	}
}

MODSIM_API void modsim_matrix_print(FILE *f, enum modsim_format fmt,
				    const struct modsim_matrix_result *r)
{
	switch (fmt) {
	case MODSIM_FMT_JSON:
		print_json(f, r);
		break;
	case MODSIM_FMT_CSV:
		print_csv(f, r);
		break;
	case MODSIM_FMT_JSONL:
		for (size_t i = 0; i < r->ntrials; i++)
			modsim_matrix_print_trial(f, &r->trial[i]);
		break;
	default:
		print_text(f, r, 0, NULL);
		break;
	}
}

MODSIM_API int modsim_matrix_print_fit(FILE *f, const struct modsim_matrix_result *r,
				       unsigned int width, const char *replays)
{
	return print_text(f, r, width, replays);
}
