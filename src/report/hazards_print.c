/* `modsim hazards`: run the harness for each strategy × hazard cell, print prediction against measurement (the library half: the cells, run and printed). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "lab/hazards/hazard_internal.h"

#define CELLS_MAX_STRATEGIES 64

/* The strategies of a run, resolved for their predictions. */
struct cells {
	const char *name[CELLS_MAX_STRATEGIES];
	const struct modsim_strategy *s[CELLS_MAX_STRATEGIES];
	void *handle[CELLS_MAX_STRATEGIES];
	size_t n;
	bool hazard[MODSIM_HZ__COUNT];
	char *copy; /* owns the names */
};

enum measured { M_UNSAFE, M_SAFE, M_UNPROVEN, M_ERROR };

static const char *const measured_name[] = {
	[M_UNSAFE] = "unsafe",
	[M_SAFE] = "safe",
	[M_UNPROVEN] = "safe?", /* no violation, but no sign of protection */
	[M_ERROR] = "ERROR",
};

static int cells_strategies(struct cells *c, const char *list)
{
	char *save = NULL, *name;
	int err = 0;

	if (!list) {
		size_t n;
		const struct modsim_strategy *const *all = modsim_strategy_all(&n);

		for (size_t i = 0; i < n && i < CELLS_MAX_STRATEGIES; i++) {
			c->name[i] = all[i]->name;
			c->s[i] = all[i];
		}
		c->n = n < CELLS_MAX_STRATEGIES ? n : CELLS_MAX_STRATEGIES;
		return 0;
	}
	c->copy = strdup(list);
	if (!c->copy)
		return modsim_err(-ENOMEM, "hazards: out of memory");
	for (name = strtok_r(c->copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (c->n == CELLS_MAX_STRATEGIES)
			return modsim_err(-E2BIG, "hazards: more than %d strategies", CELLS_MAX_STRATEGIES);
		err = modsim_strategy_resolve(name, &c->s[c->n], &c->handle[c->n]);
		if (err)
			return err;
		c->name[c->n++] = name;
	}
	if (!c->n)
		return modsim_err(-EINVAL, "hazards: empty strategy list");
	return 0;
}

static int cells_hazards(struct cells *c, const char *list)
{
	char *copy, *save = NULL, *name;
	int h, err = 0;
	bool any = false;

	if (!list) {
		for (h = 0; h < MODSIM_HZ__COUNT; h++)
			c->hazard[h] = true;
		return 0;
	}
	copy = strdup(list);
	if (!copy)
		return modsim_err(-ENOMEM, "hazards: out of memory");
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		h = modsim_hazard_lookup(name);
		if (h < 0) {
			err = modsim_err(-EINVAL, "hazards: unknown hazard '%s' (A, B, P, T, L, S)", name);
			break;
		}
		c->hazard[h] = any = true;
	}
	free(copy);
	if (!err && !any)
		err = modsim_err(-EINVAL, "hazards: empty hazard list");
	return err;
}

static void cells_free(struct cells *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->handle[i])
			dlclose(c->handle[i]);
	free(c->copy);
}

static enum measured measure(int err, const struct modsim_hazard_outcome *o, enum modsim_hazard h)
{
	if (err)
		return M_ERROR;
	if (modsim_hazard_outcome_unsafe(o, h))
		return M_UNSAFE;
	return modsim_hazard_outcome_protected(o, h) ? M_SAFE : M_UNPROVEN;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void print_json_cell(FILE *f, bool first, const struct modsim_hazard_outcome *o,
			    const char *predicted, enum measured m, bool match)
{
	fputs(first ? "\n    {" : ",\n    {", f);
	fputs("\"strategy\": ", f);
	json_str(f, o->strategy);
	fprintf(f, ", \"hazard\": \"%s\", \"module\": ", modsim_hazard_name(o->hazard));
	json_str(f, o->module);
	fprintf(f, ", \"predicted\": \"%s\", \"measured\": \"%s\", \"match\": %s", predicted,
		measured_name[m], match ? "true" : "false");
	fprintf(f, ", \"rc\": %d, \"caller_rc\": %d, \"failed_gets\": %lu", o->rc, o->caller_rc,
		o->failed_gets);
	fprintf(f, ", \"waited\": %s, \"held\": %s, \"found\": %s, \"violations\": {",
		o->waited ? "true" : "false", o->held ? "true" : "false",
		o->found ? "true" : "false");
	for (int v = 0; v < MODSIM_V__COUNT; v++) {
		fprintf(f, "%s", v ? ", " : "");
		json_str(f, modsim_vkind_name((enum modsim_vkind)v));
		fprintf(f, ": %lu", o->violations[v]);
	}
	fputs("}, \"note\": ", f);
	json_str(f, o->note);
	fputc('}', f);
}

static void print_md_note(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

MODSIM_API int modsim_hazards_print(FILE *f, const char *strategies, const char *hazards,
				    enum modsim_hazards_format fmt)
{
	struct cells c = { .n = 0 };
	unsigned int total = 0, matched = 0, errors = 0;
	bool first = true;
	int err;

	err = cells_strategies(&c, strategies);
	if (!err)
		err = cells_hazards(&c, hazards);
	if (err) {
		cells_free(&c);
		return err;
	}

	if (fmt == MODSIM_HAZARDS_TEXT)
		fprintf(f, "%-20s %-2s %-9s %-9s %-8s %s\n", "strategy", "hz", "predicted",
			"measured", "verdict", "evidence");
	else if (fmt == MODSIM_HAZARDS_MARKDOWN)
		fputs("| strategy | hazard | predicted | measured | verdict | evidence |\n"
		      "|---|---|---|---|---|---|\n", f);
	else
		fputs("{\n  \"cells\": [", f);
	fflush(f);

	for (size_t i = 0; i < c.n; i++) {
		for (int h = 0; h < MODSIM_HZ__COUNT; h++) {
			struct modsim_hazard_outcome o;
			const char *pred;
			enum measured m;
			bool match;
			int rc;

			if (!c.hazard[h])
				continue;
			rc = modsim_hazard_run(c.name[i], (enum modsim_hazard)h, &o);
			m = measure(rc, &o, (enum modsim_hazard)h);
			pred = c.s[i]->predict[h] == MODSIM_UNSAFE ? "unsafe" : "safe";
			match = (m == M_UNSAFE && c.s[i]->predict[h] == MODSIM_UNSAFE) ||
				(m == M_SAFE && c.s[i]->predict[h] == MODSIM_SAFE);
			total++;
			matched += match;
			errors += m == M_ERROR;
			if (fmt == MODSIM_HAZARDS_TEXT) {
				fprintf(f, "%-20s %-2s %-9s %-9s %-8s %s\n", modsim_printable(c.name[i]),
					modsim_hazard_name((enum modsim_hazard)h), pred,
					measured_name[m], match ? "MATCH" : "MISMATCH", o.note);
			} else if (fmt == MODSIM_HAZARDS_MARKDOWN) {
				fprintf(f, "| %s | %s | %s | %s | %s | ", modsim_printable(c.name[i]),
					modsim_hazard_name((enum modsim_hazard)h), pred,
					measured_name[m], match ? "MATCH" : "**MISMATCH**");
				print_md_note(f, o.note);
				fputs(" |\n", f);
			} else {
				print_json_cell(f, first, &o, pred, m, match);
				first = false;
			}
			fflush(f);
		}
	}

	if (fmt == MODSIM_HAZARDS_JSON)
		fprintf(f, "\n  ],\n  \"cells_total\": %u, \"matched\": %u, \"mismatched\": %u, \"errors\": %u\n}\n",
			total, matched, total - matched - errors, errors);
	else
		fprintf(f, "%s%u cells: %u match, %u mismatch, %u could not be forced\n",
			fmt == MODSIM_HAZARDS_MARKDOWN ? "\n" : "", total, matched,
			total - matched - errors, errors);
	cells_free(&c);
	return (int)(total - matched);
}

