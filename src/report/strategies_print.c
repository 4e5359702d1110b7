/* `modsim strategies`: every preset, what it costs, what it predicts per hazard, and its axes. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "kernel/units.h"

#define SHOW_MAX 64

/* The presets being shown, and the .so handles to close afterwards. */
struct shown {
	const struct modsim_strategy *s[SHOW_MAX];
	void *handle[SHOW_MAX];
	size_t n;
	bool why; /* print each reason per hazard */
};

static const char *const hazard_what[MODSIM_HZ__COUNT] = {
	[MODSIM_HZ_A] = "unload race: a caller found a callback and enters it while the module goes",
	[MODSIM_HZ_B] = "half-init: init registered a, fails later, and a caller found a",
	[MODSIM_HZ_P] = "put-then-return: module code dropped its own count and still runs",
	[MODSIM_HZ_T] = "deferred work: a timer the module armed fires after exit",
	[MODSIM_HZ_L] = "long-held reference: an open file across an unload request",
	[MODSIM_HZ_S] = "sleeping init: init waits for another thread while the world is stopped",
};

/* A strategy .so's text, made printable (it is the .so author's, not ours). */
static const char *str(const char *s)
{
	return s && *s ? modsim_printable(s) : "?";
}

static char verdict(const struct modsim_strategy *s, int h)
{
	return s->predict[h] == MODSIM_UNSAFE ? 'U' : 'S';
}

/* @s in a markdown cell: '|' escaped. */
/* @src, one behaviour and its source a line, each line after @lead. */
static void sources_print(FILE *f, const char *src, const char *lead)
{
	while (*src) {
		size_t n = strcspn(src, "\n");

		fprintf(f, "%s%.*s\n", lead, (int)n, src);
		src += n;
		if (*src)
			src++;
	}
}

static void md_cell(FILE *f, const char *s)
{
	fputs(" ", f);
	for (s = str(s); *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputs(" |", f);
}

static void text_print(FILE *f, const struct shown *sh, bool all)
{
	fprintf(f, "Presets%s: %zu (U = unsafe: the harness forces a violation; S = safe)\n\n",
		all ? " built in" : "", sh->n);
	fprintf(f, "  %-20s %-14s A B P T L S\n", "preset", "post");
	for (size_t i = 0; i < sh->n; i++) {
		const struct modsim_strategy *s = sh->s[i];

		fprintf(f, "  %-20s %-14s", str(s->name), str(s->post));
		for (int h = 0; h < MODSIM_HZ__COUNT; h++)
			fprintf(f, " %c", verdict(s, h));
		fputc('\n', f);
	}

	fputs("\nWhat each costs\n", f);
	for (size_t i = 0; i < sh->n; i++) {
		const struct modsim_strategy *s = sh->s[i];

		fprintf(f, "  %s (post: %s)\n", str(s->name), str(s->post));
		fprintf(f, "    caller: %s\n", str(s->caller));
		fprintf(f, "    unload: %s\n", str(s->unloader));
		fprintf(f, "    author: %s\n", str(s->author));
		for (int h = 0; sh->why && h < MODSIM_HZ__COUNT; h++)
			fprintf(f, "    %s %s: %s\n", modsim_hazard_name((enum modsim_hazard)h),
				s->predict[h] == MODSIM_UNSAFE ? "unsafe" : "safe", str(s->why[h]));
		if (sh->why && s->sources)
			sources_print(f, s->sources, "    source: ");
	}

	fputs("\nAxes (compose on init: BASE+twoinit, BASE+stopworld-init)\n", f);
	fprintf(f, "  %-20s %-15s %-18s %-16s %s\n", "preset", "init", "caller", "unload",
		"owner-ref");
	for (size_t i = 0; i < sh->n; i++) {
		const char *n = sh->s[i]->name;

		fprintf(f, "  %-20s %-15s %-18s %-16s %s\n", str(n),
			modsim_strategy_axis(n, MODSIM_AXIS_INIT),
			modsim_strategy_axis(n, MODSIM_AXIS_CALLER),
			modsim_strategy_axis(n, MODSIM_AXIS_UNLOAD),
			modsim_strategy_axis(n, MODSIM_AXIS_OWNER_REF));
	}
	fputs("\n  owner-ref: which calls take the owner's reference per call: every call (the\n"
	      "  post's option 1) or only file operations and symbol_get (Linux; hooks, notifier\n"
	      "  blocks and timers rely on exit's unregister, which synchronises)\n", f);

	fputs("\nHazards\n", f);
	for (int h = 0; h < MODSIM_HZ__COUNT; h++)
		fprintf(f, "  %s  %s\n", modsim_hazard_name((enum modsim_hazard)h), hazard_what[h]);
	fputs("\nProve a row: modsim hazards --strategies NAME\n", f);
}

static void md_print(FILE *f, const struct shown *sh)
{
	fputs("## Presets\n\nU = unsafe (the harness forces a violation), S = safe.\n\n", f);
	fputs("| preset | post | caller | unload | A | B | P | T | L | S | author |\n", f);
	fputs("|---|---|---|---|---|---|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < sh->n; i++) {
		const struct modsim_strategy *s = sh->s[i];

		fputc('|', f);
		md_cell(f, s->name);
		md_cell(f, s->post);
		md_cell(f, s->caller);
		md_cell(f, s->unloader);
		for (int h = 0; h < MODSIM_HZ__COUNT; h++)
			fprintf(f, " %c |", verdict(s, h));
		md_cell(f, s->author);
		fputc('\n', f);
	}

	if (sh->why) {
		fputs("\n## Why\n\n| preset | hazard | predicted | why |\n|---|---|---|---|\n", f);
		for (size_t i = 0; i < sh->n; i++)
			for (int h = 0; h < MODSIM_HZ__COUNT; h++) {
				fputc('|', f);
				md_cell(f, sh->s[i]->name);
				md_cell(f, modsim_hazard_name((enum modsim_hazard)h));
				md_cell(f, sh->s[i]->predict[h] == MODSIM_UNSAFE ? "unsafe" : "safe");
				md_cell(f, sh->s[i]->why[h]);
				fputc('\n', f);
			}
		for (size_t i = 0; i < sh->n; i++)
			if (sh->s[i]->sources) {
				fprintf(f, "\n### Sources of %s\n\n", sh->s[i]->name);
				sources_print(f, sh->s[i]->sources, "- ");
			}
	}

	fputs("\n## Axes\n\nCompose on init: `BASE+twoinit`, `BASE+stopworld-init`.\n\n", f);
	fputs("| preset | init | caller | unload | owner-ref |\n|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < sh->n; i++) {
		const char *n = sh->s[i]->name;

		fputc('|', f);
		md_cell(f, n);
		for (int a = 0; a < MODSIM_AXIS__COUNT; a++)
			md_cell(f, modsim_strategy_axis(n, (enum modsim_axis)a));
		fputc('\n', f);
	}

	fputs("\n## Hazards\n\n| hazard | what |\n|---|---|\n", f);
	for (int h = 0; h < MODSIM_HZ__COUNT; h++) {
		fputc('|', f);
		md_cell(f, modsim_hazard_name((enum modsim_hazard)h));
		md_cell(f, hazard_what[h]);
		fputc('\n', f);
	}
}

/* Resolve the comma-separated @list into @sh. */
static int resolve_list(const char *list, struct shown *sh)
{
	char *copy = strdup(list), *save = NULL, *name;
	int err = 0;

	if (!copy)
		return modsim_err(-ENOMEM, "strategies: out of memory");
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (sh->n == SHOW_MAX) {
			err = modsim_err(-E2BIG, "strategies: more than %d in the list", SHOW_MAX);
			break;
		}
		err = modsim_strategy_resolve(name, &sh->s[sh->n], &sh->handle[sh->n]);
		if (err)
			break;
		sh->n++;
	}
	free(copy);
	return err;
}

MODSIM_API int modsim_strategies_show(FILE *f, const char *list, enum modsim_listing how)
{
	struct shown sh = { .n = 0 };
	int err = 0;

	if (list) {
		err = resolve_list(list, &sh);
		sh.why = true;
	} else {
		const struct modsim_strategy *const *all = modsim_strategy_all(&sh.n);

		if (sh.n > SHOW_MAX)
			sh.n = SHOW_MAX;
		memcpy(sh.s, all, sh.n * sizeof(sh.s[0]));
	}
	if (!err) {
		switch (how) {
		case MODSIM_LIST_NAMES:
			for (size_t i = 0; i < sh.n; i++)
				fprintf(f, "%s\n", str(sh.s[i]->name));
			break;
		case MODSIM_LIST_MARKDOWN:
			md_print(f, &sh);
			break;
		default:
			text_print(f, &sh, !list);
			break;
		}
	}
	for (size_t i = 0; i < sh.n; i++)
		if (sh.handle[i])
			dlclose(sh.handle[i]);
	return err;
}

MODSIM_API void modsim_strategies_print(FILE *f, bool markdown)
{
	modsim_strategies_show(f, NULL, markdown ? MODSIM_LIST_MARKDOWN : MODSIM_LIST_TEXT);
}
