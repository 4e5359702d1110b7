/* The text report: header, tables, grep-able SUMMARY/UNLOAD/WORLDSTOP/CYCLES lines, verdicts. */
#include <math.h>
#include <string.h>

#include "bench.h"
#include "bench_config.h"

static void header(FILE *f, const struct bench_results *r)
{
	const struct bench_machine *mi = &r->machine;
	const struct bench_opts *o = r->o;

	fprintf(f, "modsim-bench %s: what callers pay per call under each strategy (refscale-style)\n",
		BENCH_VERSION);
	fprintf(f, "machine   %s; %ld CPUs online (%u in /proc/cpuinfo); %s\n", mi->cpu,
		mi->cpus_online, mi->cpus_listed, mi->kernel);
	fprintf(f, "compiler  %s; flags \"%s\"; build type %s\n", mi->compiler, mi->flags,
		mi->build_type);
	fprintf(f, "settings  loops=%lu per thread per variant per run, in %d interleaved slices after a warm-up slice; runs=%u; threads=",
		o->loops, BENCH_SLICES, o->runs);
	for (size_t i = 0; i < o->nthreads; i++)
		fprintf(f, "%s%u", i ? "," : "", o->threads[i]);
	fprintf(f, "; pin=%s; clock=%s; quiescent point every %d calls; unloads=%u; cycles=%u; init_timeout_ms=%u\n",
		o->pin ? "on" : "off", o->cpu_clock ? "cpu" : "wall", BENCH_QS_EVERY, o->unloads,
		o->cycles, o->init_timeout_ms);
	fprintf(f, "presets   ");
	for (size_t i = 0; i < o->npresets; i++)
		fprintf(f, "%s%s", i ? "," : "", o->presets[i]->name);
	fprintf(f, "\nmissing   %s\n", mi->missing[0] ? mi->missing : "none (all 16 presets of the post and its history are built in)");
	fprintf(f, "date      %s; took %.1f s\n", mi->date, r->elapsed_s);
	if (mi->others >= 0)
		fprintf(f, "others    other processes used %.0f%% of the CPUs while it ran%s\n",
			100 * mi->others,
			mi->others > 0.05 ? " (the machine was not idle: expect noise)" : "");
}

static void table(FILE *f, const struct bench_results *r, unsigned int t)
{
	fprintf(f, "\nthreads=%u\n", t);
	fprintf(f, "  %-15s %8s %8s %8s %7s %7s  %s\n", "baseline", "ns/call", "min", "max", "x bare",
		"spread", "what");
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];

		if (!s->baseline || s->threads != t)
			continue;
		fprintf(f, "  %-15s %8.2f %8.2f %8.2f %7.2f %6.1f%%  %s\n", s->name, s->s.med,
			s->s.min, s->s.max, s->r.med, 100 * s->spread, bench_variant_what(s->v));
	}
	fprintf(f, "  %-15s %8s %8s %8s %7s %7s  %9s %7s\n", "preset", "ns/call", "min", "max",
		"x bare", "spread", "built-in", "x bare");
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];

		if (s->baseline || s->threads != t)
			continue;
		fprintf(f, "  %-15s %8.2f %8.2f %8.2f %7.2f %6.1f%%  %9.2f %7.2f%s\n", s->name,
			s->s.med, s->s.min, s->s.max, s->r.med, 100 * s->spread, s->bi.med,
			s->bir.med, s->refused ? "  (entries refused!)" : "");
	}
}

static void summaries(FILE *f, const struct bench_results *r)
{
	fputc('\n', f);
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];

		fprintf(f, "SUMMARY %s=%s threads=%u ns_per_call=%.2f min=%.2f max=%.2f ratio_bare=%.2f",
			s->baseline ? "baseline" : "preset", s->name, s->threads, s->s.med, s->s.min,
			s->s.max, s->r.med);
		if (!s->baseline)
			fprintf(f, " builtin_ns=%.2f builtin_ratio=%.2f", s->bi.med, s->bir.med);
		fprintf(f, " spread=%.1f%% runs=%u", 100 * s->spread, s->nruns);
		if (s->threads > 1) {
			fprintf(f, " overlap=%.2f dropped=%u", s->overlap_med, s->dropped);
			if (s->dropped && s->dropped == s->nruns)
				fputs(" concurrent=NO", f);
		}
		if (!s->baseline)
			fprintf(f, " refused=%lu", s->refused);
		fputc('\n', f);
	}
}

static void unloads(FILE *f, const struct bench_results *r)
{
	if (!r->nunloads)
		return;
	fprintf(f, "\nUnload latency with callers at full speed (every thread runs the hook chain;\n"
		   "busy answers are retried for up to 250 ms, like a script re-running rmmod):\n");
	for (size_t i = 0; i < r->nunloads; i++) {
		const struct bench_unload *u = &r->unloads[i];

		fprintf(f, "UNLOAD preset=%s threads=%u samples=%u ok=%u", u->name, u->threads,
			u->samples, u->ok);
		if (u->ok)
			fprintf(f, " p50_us=%.1f max_us=%.1f", u->p50_us, u->max_us);
		fprintf(f, " attempts=%lu use_after_unload=%lu call_after_exit=%lu calls=%lu refused_calls=%lu",
			u->attempts, u->faults, u->after_exit, u->calls, u->refused);
		if (u->violated)
			fprintf(f, " result=VIOLATION (predicted safe: this run failed)");
		else if (u->err)
			fprintf(f, " result=%s (%s)", modsim_errname(u->err), u->msg);
		else if (u->unsafe_predicted && (u->faults || u->after_exit))
			fprintf(f, " result=ok (violations expected: predicted unsafe for A)");
		else
			fprintf(f, " result=ok");
		fputc('\n', f);
	}
	fprintf(f, "\nWorld stops (callers parked at a quiescent point; the kernel's world_stop_ns):\n");
	for (size_t i = 0; i < r->nunloads; i++) {
		const struct bench_unload *u = &r->unloads[i];

		if (!u->world.n)
			continue;
		fprintf(f, "WORLDSTOP preset=%s threads=%u stops=%lu p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
			u->name, u->threads, u->world.n, u->world.p50 / 1e3, u->world.p99 / 1e3,
			u->world.max / 1e3);
	}
}

static void cycles(FILE *f, const struct bench_results *r)
{
	if (!r->o->cycles)
		return;
	fprintf(f, "\nLoad/unload cycles, no callers (insmod + rmmod against dlopen + dlclose of the same .so,\n"
		   "in rounds that alternate the two; medians over the rounds):\n");
	if (r->dlopen_per_s > 0)
		fprintf(f, "CYCLES preset=bare-dlopen cycles=%u per_s=%.0f us_per_cycle=%.1f\n",
			r->dlopen_done, r->dlopen_per_s, 1e6 / r->dlopen_per_s);
	else
		fprintf(f, "CYCLES preset=bare-dlopen failed (%s)\n", r->dlopen_msg);
	for (size_t i = 0; i < r->ncycles; i++) {
		const struct bench_cycle *c = &r->cycles[i];

		fprintf(f, "CYCLES preset=%s cycles=%u", c->name, c->done);
		if (c->rounds)
			fprintf(f, " rounds=%u per_s=%.0f us_per_cycle=%.1f dlopen_us_per_cycle=%.1f slower_than_dlopen=%.2fx",
				c->rounds, 1e6 / c->us, c->us, c->dlopen_us, c->slower);
		if (c->err)
			fprintf(f, " result=%s (%s)", modsim_errname(c->err), c->msg);
		fputc('\n', f);
	}
}

static void figures(FILE *f, const struct bench_results *r)
{
	fprintf(f, "\nFigures to reach; verdicts are information, the exit status stays 0:\n");
	for (size_t i = 0; i < r->nfigures; i++) {
		const struct bench_figure *g = &r->figures[i];
		const char *tag = g->verdict == BENCH_INFO ? "INFO" : "VERDICT";

		fprintf(f, "%s %s", tag, g->id);
		if (g->threads)
			fprintf(f, " threads=%u", g->threads);
		if (g->preset[0])
			fprintf(f, " preset=%s", g->preset);
		if (g->verdict == BENCH_INFO)
			fprintf(f, ": %s\n", g->text);
		else
			fprintf(f, " %s: %s\n", bench_verdict_name(g->verdict), g->text);
	}
}

void bench_print_text(FILE *f, const struct bench_results *r)
{
	header(f, r);
	fprintf(f, "\nCaller cost in ns per call (%s): median of %u runs, min and max; x bare = ratio to\n"
		   "the bare call measured in the same run, interleaved with it; spread = (max - min) / median.\n",
		r->o->cpu_clock ? "the calling thread's CPU time" : "wall clock", r->o->runs);
	for (size_t i = 0; i < r->o->nthreads; i++)
		table(f, r, r->o->threads[i]);
	summaries(f, r);
	unloads(f, r);
	cycles(f, r);
	figures(f, r);
}
