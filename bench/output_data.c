/* Machine-readable results: one JSON document (--json) or long-format CSV rows (--csv). */
#include <math.h>
#include <string.h>

#include "bench.h"
#include "bench_config.h"

/* A JSON string: quotes, backslashes and control characters escaped. */
static void jstr(FILE *f, const char *s)
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

/* A JSON number; NaN and infinities (a figure that could not be taken) are null. */
static void jnum(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v); /* counts stay exact */
	else
		fprintf(f, "%.6g", v);
}

static void jkv_str(FILE *f, const char *k, const char *v, bool comma)
{
	jstr(f, k);
	fputc(':', f);
	jstr(f, v);
	if (comma)
		fputc(',', f);
}

static void jkv_num(FILE *f, const char *k, double v, bool comma)
{
	jstr(f, k);
	fputc(':', f);
	jnum(f, v);
	if (comma)
		fputc(',', f);
}

static void jarr(FILE *f, const char *k, const double *v, unsigned int n, bool comma)
{
	jstr(f, k);
	fputs(":[", f);
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		jnum(f, v[i]);
	}
	fputc(']', f);
	if (comma)
		fputc(',', f);
}

static void json_head(FILE *f, const struct bench_results *r)
{
	const struct bench_machine *mi = &r->machine;
	const struct bench_opts *o = r->o;

	fputs("{\"tool\":\"modsim-bench\",", f);
	jkv_str(f, "version", BENCH_VERSION, true);
	fputs("\"machine\":{", f);
	jkv_str(f, "cpu", mi->cpu, true);
	jkv_num(f, "cpus_online", (double)mi->cpus_online, true);
	jkv_num(f, "cpus_in_cpuinfo", mi->cpus_listed, true);
	jkv_str(f, "kernel", mi->kernel, true);
	jkv_str(f, "compiler", mi->compiler, true);
	jkv_str(f, "flags", mi->flags, true);
	jkv_str(f, "build_type", mi->build_type, true);
	jkv_str(f, "date", mi->date, true);
	jkv_num(f, "elapsed_s", r->elapsed_s, true);
	jkv_num(f, "others_cpu_share", mi->others >= 0 ? mi->others : NAN, false);
	fputs("},\"settings\":{", f);
	jkv_num(f, "loops", (double)o->loops, true);
	jkv_num(f, "runs", o->runs, true);
	jkv_num(f, "slices", BENCH_SLICES, true);
	jkv_num(f, "warmup_slices", 1, true);
	jkv_num(f, "quiescent_every", BENCH_QS_EVERY, true);
	jkv_num(f, "unloads", o->unloads, true);
	jkv_num(f, "cycles", o->cycles, true);
	jkv_num(f, "init_timeout_ms", o->init_timeout_ms, true);
	fputs("\"pin\":", f);
	fputs(o->pin ? "true," : "false,", f);
	jkv_str(f, "clock", o->cpu_clock ? "cpu" : "wall", true);
	fputs("\"threads\":[", f);
	for (size_t i = 0; i < o->nthreads; i++)
		fprintf(f, "%s%u", i ? "," : "", o->threads[i]);
	fputs("],\"presets\":[", f);
	for (size_t i = 0; i < o->npresets; i++) {
		if (i)
			fputc(',', f);
		jstr(f, o->presets[i]->name);
	}
	fputs("],", f);
	jkv_str(f, "missing", mi->missing, false);
	fputs("},", f);
}

static void json_series(FILE *f, const struct bench_series *s)
{
	fputc('{', f);
	jkv_str(f, "kind", s->baseline ? "baseline" : "preset", true);
	jkv_str(f, "name", s->name, true);
	jkv_num(f, "threads", s->threads, true);
	jkv_num(f, "ns_per_call", s->s.med, true);
	jkv_num(f, "min", s->s.min, true);
	jkv_num(f, "max", s->s.max, true);
	jkv_num(f, "ratio_bare", s->r.med, true);
	jkv_num(f, "spread", s->spread, true);
	jkv_num(f, "moves", s->moves, true);
	jkv_num(f, "overlap", s->overlap_med, true);
	jkv_num(f, "dropped_runs", s->dropped, true);
	jarr(f, "ns_runs", s->ns, s->nruns, true);
	jarr(f, "ratio_runs", s->ratio, s->nruns, !s->baseline);
	if (!s->baseline) {
		fputs("\"builtin\":{", f);
		jkv_num(f, "ns_per_call", s->bi.med, true);
		jkv_num(f, "min", s->bi.min, true);
		jkv_num(f, "max", s->bi.max, true);
		jkv_num(f, "ratio_bare", s->bir.med, false);
		fputs("},", f);
		jkv_num(f, "refused", (double)s->refused, false);
	}
	fputc('}', f);
}

static void json_unload(FILE *f, const struct bench_unload *u)
{
	fputc('{', f);
	jkv_str(f, "preset", u->name, true);
	jkv_num(f, "threads", u->threads, true);
	jkv_num(f, "samples", u->samples, true);
	jkv_num(f, "ok", u->ok, true);
	jkv_num(f, "p50_us", u->ok ? u->p50_us : NAN, true);
	jkv_num(f, "max_us", u->ok ? u->max_us : NAN, true);
	jkv_num(f, "attempts", (double)u->attempts, true);
	jkv_num(f, "use_after_unload", (double)u->faults, true);
	jkv_num(f, "call_after_exit", (double)u->after_exit, true);
	jkv_num(f, "calls", (double)u->calls, true);
	jkv_num(f, "refused_calls", (double)u->refused, true);
	jkv_str(f, "result", u->violated ? "violation" : u->err ? "error" : "ok", true);
	jkv_str(f, "error", u->err ? modsim_errname(u->err) : "", true);
	jkv_str(f, "message", u->msg, true);
	fputs("\"world_stop\":{", f);
	jkv_num(f, "stops", (double)u->world.n, true);
	jkv_num(f, "p50_us", u->world.n ? u->world.p50 / 1e3 : NAN, true);
	jkv_num(f, "p99_us", u->world.n ? u->world.p99 / 1e3 : NAN, true);
	jkv_num(f, "max_us", u->world.n ? u->world.max / 1e3 : NAN, false);
	fputs("}}", f);
}

static void json_cycles(FILE *f, const struct bench_results *r)
{
	fputs("\"cycles\":{", f);
	jkv_num(f, "dlopen_cycles", r->dlopen_done, true);
	jkv_num(f, "dlopen_per_s", r->dlopen_per_s > 0 ? r->dlopen_per_s : NAN, true);
	fputs("\"presets\":[", f);
	for (size_t i = 0; i < r->ncycles; i++) {
		const struct bench_cycle *c = &r->cycles[i];

		fputs(i ? ",{" : "{", f);
		jkv_str(f, "preset", c->name, true);
		jkv_num(f, "cycles", c->done, true);
		jkv_num(f, "rounds", c->rounds, true);
		jkv_num(f, "per_s", c->rounds ? 1e6 / c->us : NAN, true);
		jkv_num(f, "us_per_cycle", c->rounds ? c->us : NAN, true);
		jkv_num(f, "dlopen_us_per_cycle", c->rounds ? c->dlopen_us : NAN, true);
		jkv_num(f, "slower_than_dlopen", c->rounds ? c->slower : NAN, true);
		jkv_str(f, "error", c->err ? modsim_errname(c->err) : "", true);
		jkv_str(f, "message", c->msg, false);
		fputc('}', f);
	}
	fputs("]},", f);
}

void bench_print_json(FILE *f, const struct bench_results *r)
{
	json_head(f, r);
	fputs("\n\"summary\":[", f);
	for (size_t i = 0; i < r->nseries; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_series(f, &r->series[i]);
	}
	fputs("],\n\"unload\":[", f);
	for (size_t i = 0; i < r->nunloads; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_unload(f, &r->unloads[i]);
	}
	fputs("],\n", f);
	json_cycles(f, r);
	fputs("\n\"figures\":[", f);
	for (size_t i = 0; i < r->nfigures; i++) {
		const struct bench_figure *g = &r->figures[i];

		fputs(i ? ",\n{" : "\n{", f);
		jkv_str(f, "id", g->id, true);
		jkv_num(f, "threads", g->threads, true);
		jkv_str(f, "preset", g->preset, true);
		jkv_num(f, "value", g->value, true);
		jkv_num(f, "limit", g->limit, true);
		jkv_str(f, "verdict", bench_verdict_name(g->verdict), true);
		jkv_str(f, "text", g->text, false);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

/* One CSV row; names never hold commas or quotes (presets, baselines, metrics). */
static void row(FILE *f, const char *section, const char *name, unsigned int threads,
		const char *metric, double v)
{
	fprintf(f, "%s,%s,%u,%s,", section, name, threads, metric);
	if (isfinite(v))
		fprintf(f, "%.6g\n", v);
	else
		fputs("\n", f);
}

void bench_print_csv(FILE *f, const struct bench_results *r)
{
	fputs("section,name,threads,metric,value\n", f);
	for (size_t i = 0; i < r->nseries; i++) {
		const struct bench_series *s = &r->series[i];
		const char *sec = s->baseline ? "baseline" : "preset";

		row(f, sec, s->name, s->threads, "ns_per_call", s->s.med);
		row(f, sec, s->name, s->threads, "min", s->s.min);
		row(f, sec, s->name, s->threads, "max", s->s.max);
		row(f, sec, s->name, s->threads, "ratio_bare", s->r.med);
		row(f, sec, s->name, s->threads, "spread", s->spread);
		row(f, sec, s->name, s->threads, "overlap", s->overlap_med);
		row(f, sec, s->name, s->threads, "dropped_runs", s->dropped);
		if (s->baseline)
			continue;
		row(f, sec, s->name, s->threads, "builtin_ns_per_call", s->bi.med);
		row(f, sec, s->name, s->threads, "builtin_ratio_bare", s->bir.med);
		row(f, sec, s->name, s->threads, "refused", (double)s->refused);
	}
	for (size_t i = 0; i < r->nunloads; i++) {
		const struct bench_unload *u = &r->unloads[i];

		row(f, "unload", u->name, u->threads, "ok", u->ok);
		row(f, "unload", u->name, u->threads, "samples", u->samples);
		row(f, "unload", u->name, u->threads, "p50_us", u->ok ? u->p50_us : NAN);
		row(f, "unload", u->name, u->threads, "max_us", u->ok ? u->max_us : NAN);
		row(f, "unload", u->name, u->threads, "attempts", (double)u->attempts);
		row(f, "unload", u->name, u->threads, "use_after_unload", (double)u->faults);
		row(f, "unload", u->name, u->threads, "call_after_exit", (double)u->after_exit);
		row(f, "unload", u->name, u->threads, "refused_calls", (double)u->refused);
		if (!u->world.n)
			continue;
		row(f, "worldstop", u->name, u->threads, "stops", (double)u->world.n);
		row(f, "worldstop", u->name, u->threads, "p50_us", u->world.p50 / 1e3);
		row(f, "worldstop", u->name, u->threads, "p99_us", u->world.p99 / 1e3);
		row(f, "worldstop", u->name, u->threads, "max_us", u->world.max / 1e3);
	}
	if (r->o->cycles)
		row(f, "cycles", "bare-dlopen", 0, "per_s", r->dlopen_per_s > 0 ? r->dlopen_per_s : NAN);
	for (size_t i = 0; i < r->ncycles; i++) {
		const struct bench_cycle *c = &r->cycles[i];

		row(f, "cycles", c->name, 0, "per_s", c->rounds ? 1e6 / c->us : NAN);
		row(f, "cycles", c->name, 0, "dlopen_per_s", c->rounds ? 1e6 / c->dlopen_us : NAN);
		row(f, "cycles", c->name, 0, "slower_than_dlopen", c->rounds ? c->slower : NAN);
	}
	for (size_t i = 0; i < r->nfigures; i++) {
		const struct bench_figure *g = &r->figures[i];
		char name[64];

		snprintf(name, sizeof(name), "%s%s%s:%s", g->id, g->preset[0] ? "/" : "", g->preset,
			 bench_verdict_name(g->verdict));
		row(f, "figure", name, g->threads, "value", g->value);
	}
}
