/* The human-readable summary of a kernel's statistics (modsim_stats_print). */
#include <inttypes.h>

#include "kernel/units.h"

static double report_us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static void report_dist(FILE *f, const char *what, const struct modsim_dist *d)
{
	if (!d->n) {
		fprintf(f, "  %-16s none\n", what);
		return;
	}
	fprintf(f, "  %-16s n=%lu  p50 %.1f us  p99 %.1f us  max %.1f us\n", what, d->n,
		report_us(d->p50), report_us(d->p99), report_us(d->max));
}

static void report_ops(FILE *f, const struct modsim_stats *st)
{
	unsigned long ops = 0, failed = 0, faulted = 0;

	fprintf(f, "operations:\n");
	fprintf(f, "  %-10s %14s %12s %10s\n", "subsystem", "calls", "failed-get", "faulted");
	for (int ss = 0; ss < MODSIM_SS__COUNT; ss++) {
		if (!st->ops[ss] && !st->failed_get[ss] && !st->faulted[ss])
			continue;
		fprintf(f, "  %-10s %14lu %12lu %10lu\n", modsim_subsys_name(ss), st->ops[ss],
			st->failed_get[ss], st->faulted[ss]);
		ops += st->ops[ss];
		failed += st->failed_get[ss];
		faulted += st->faulted[ss];
	}
	fprintf(f, "  %-10s %14lu %12lu %10lu\n", "total", ops, failed, faulted);
}

static void report_first(FILE *f, const struct modsim_violation *v)
{
	fprintf(f, "      first: module %s gen %lu, %s %s", v->module, v->generation,
		modsim_subsys_name(v->subsys), v->op);
	if (v->point >= 0)
		fprintf(f, ", after %s", modsim_point_name(v->point));
	if (v->signo || v->addr) {
		fprintf(f, ", addr %#" PRIxPTR " (signal %d", v->addr, v->signo);
		if (v->pc)
			fprintf(f, ", pc %#" PRIxPTR, v->pc);
		fputc(')', f);
	}
	if (v->detail[0])
		fprintf(f, ": %s", v->detail);
	fputc('\n', f);
}

static void report_violations(FILE *f, const struct modsim_stats *st)
{
	unsigned long total = 0;

	for (int v = 0; v < MODSIM_V__COUNT; v++)
		total += st->violations[v];
	fprintf(f, "violations: %lu\n", total);
	for (int v = 0; v < MODSIM_V__COUNT; v++) {
		if (!st->violations[v])
			continue;
		fprintf(f, "  %-20s %lu\n", modsim_vkind_name(v), st->violations[v]);
		report_first(f, &st->first[v]);
	}
}

MODSIM_API void modsim_stats_print(struct modsim_kernel *k, FILE *f)
{
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	if (k->strat && k->strat->name)
		fprintf(f, "strategy: %s\n", k->strat->name);
	report_ops(f, &st);
	report_violations(f, &st);
	fprintf(f, "loads: %lu ok, %lu failed (%lu in init)\n", st.loads, st.load_failures,
		st.init_failures);
	fprintf(f, "unloads: %lu attempted: %lu done, %lu busy, %lu would block, %lu refused, "
		   "%lu timed out, %lu forced; %lu waited for users\n",
		st.unload_attempts, st.unload_done, st.unload_busy, st.unload_wouldblock,
		st.unload_eperm, st.unload_timeout, st.unload_forced, st.unload_waited);
	if (st.leaked_generations)
		fprintf(f, "generations not kept in quarantine: %lu\n", st.leaked_generations);
	fprintf(f, "latency:\n");
	report_dist(f, "unload", &st.unload_ns);
	report_dist(f, "world stop", &st.world_stop_ns);
}
