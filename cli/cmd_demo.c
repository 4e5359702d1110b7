/* The demo: load the example modules, race two workers against an unload, report what happened. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shell.h"

#include "kernel/units.h"

static const char *const demo_modules[] = { "hello", "hook", "chardev", "notifier", "timer" };
#define DEMO_NMODULES (sizeof(demo_modules) / sizeof(demo_modules[0]))
#define DEMO_WORKERS 2
#define DEMO_HALF_RUN_NS 500000000L

static void demo_sleep_half(void)
{
	struct timespec ts = { 0, DEMO_HALF_RUN_NS };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void demo_ops(FILE *out, const struct modsim_stats *a, const struct modsim_stats *b)
{
	unsigned long total = 0, failed = 0, faulted = 0;
	int s;

	fprintf(out, "operations:");
	for (s = 0; s < MODSIM_SS__COUNT; s++) {
		if (s == MODSIM_SS_LOADER)
			continue;
		total += b->ops[s] - a->ops[s];
		failed += b->failed_get[s] - a->failed_get[s];
		faulted += b->faulted[s] - a->faulted[s];
		fprintf(out, " %s %lu", modsim_subsys_name(s), b->ops[s] - a->ops[s]);
	}
	fprintf(out, "; %lu in all, %lu failed gets, %lu faulted\n", total, failed, faulted);
}

/* One line: what the strategy in force let happen in this run. */
static void demo_verdict(struct modsim_kernel *k, FILE *out, const struct modsim_stats *st)
{
	unsigned long total = 0;
	const char *sep = " (";
	int v;

	for (v = 0; v < MODSIM_V__COUNT; v++)
		total += st->violations[v];
	fprintf(out, "\nverdict: strategy %s: %lu violation%s", modsim_strategy_name(k), total,
		total == 1 ? "" : "s");
	for (v = 0; v < MODSIM_V__COUNT; v++) {
		if (!st->violations[v])
			continue;
		fprintf(out, "%s%s %lu", sep, modsim_vkind_name(v), st->violations[v]);
		sep = ", ";
	}
	fprintf(out, "%s\n", total ? ")" : "");
}

/* Unload @name while the workers run, without waiting; say what happened. */
static bool demo_race_unload(struct modsim_kernel *k, FILE *out, const char *name)
{
	int err = modsim_unload(k, name, MODSIM_UNLOAD_NOWAIT);

	if (err) {
		fprintf(out, "rmmod --nowait %s: refused: %s\n", name, modsim_last_error());
		return false;
	}
	fprintf(out, "rmmod --nowait %s: unloaded while the workers ran\n", name);
	return true;
}

int modsim_demo(struct modsim_kernel *k, FILE *out)
{
	bool loaded[DEMO_NMODULES] = { false };
	struct modsim_stats *a, *b;
	struct modsim_mix mix;
	int status = 0, err;
	size_t i;

	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		fprintf(out, "demo: out of memory\n");
		return 1;
	}

	fprintf(out, "modsim demo: strategy %s, seed %lu\n\n", modsim_strategy_name(k),
		k->cfg.seed);
	fprintf(out, "== load the example modules\n");
	for (i = 0; i < DEMO_NMODULES; i++) {
		err = modsim_load(k, demo_modules[i], 0, NULL, NULL);
		if (err) {
			fprintf(out, "insmod %s: FAILED: %s\n", demo_modules[i],
				modsim_last_error());
			status = 1;
			continue;
		}
		loaded[i] = true;
		fprintf(out, "insmod %s: loaded\n", demo_modules[i]);
	}
	modsim_lsmod_print(k, out);

	fprintf(out, "\n== %d workers for about 1 s; halfway, rmmod --nowait chardev\n",
		DEMO_WORKERS);
	modsim_mix_default(&mix);
	modsim_stats_get(k, a);
	err = modsim_workers_start(k, DEMO_WORKERS, &mix);
	if (err) {
		fprintf(out, "workers: FAILED: %s\n", modsim_last_error());
		status = 1;
	} else {
		demo_sleep_half();
		for (i = 0; i < DEMO_NMODULES; i++)
			if (loaded[i] && !strcmp(demo_modules[i], "chardev") &&
			    demo_race_unload(k, out, demo_modules[i]))
				loaded[i] = false;
		demo_sleep_half();
		modsim_workers_stop(k);
	}
	modsim_stats_get(k, b);
	demo_ops(out, a, b);
	modsim_lsmod_print(k, out);

	fprintf(out, "\n== workers stopped; unload everything, last loaded first\n");
	for (i = DEMO_NMODULES; i-- > 0;) {
		if (!loaded[i])
			continue;
		err = modsim_unload(k, demo_modules[i], 0);
		if (err) {
			fprintf(out, "rmmod %s: FAILED: %s\n", demo_modules[i],
				modsim_last_error());
			status = 1;
			continue;
		}
		fprintf(out, "rmmod %s: unloaded\n", demo_modules[i]);
	}
	modsim_lsmod_print(k, out);

	fprintf(out, "\n== statistics\n");
	modsim_stats_print(k, out);
	modsim_stats_get(k, b);
	demo_verdict(k, out, b);
	fflush(out);
	free(a);
	free(b);
	return status;
}
