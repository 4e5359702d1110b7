/* One trial's configuration and result as text, JSON, JSON lines or CSV (schema in the README). */
/* Past 600 lines: text, JSON and CSV of one trial share its description (run_describe, run_token). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/run.h>

#include "lab/scenario.h"

#include "base/text.h"
#include "report/cmdline.h"
#include "kernel/units.h"

#define RUN_SCHEMA "modsim-run/1"

/* What the printout needs of the scenario: its hazard and the amplification used. */
struct run_desc {
	char hazard[16];
	char amplify[SCN_AMPLIFY_MAX * 2];
};

static void run_describe(const struct modsim_run_config *cfg, struct run_desc *d)
{
	struct modsim_scenario s;
	char saved[1024];

	/* Printing must not disturb the caller's last error. */
	snprintf(saved, sizeof(saved), "%s", modsim_last_error());
	if (modsim_scenario_resolve(cfg->scenario, &s)) {
		modsim_scenario_init(&s);
		snprintf(s.hazard, sizeof(s.hazard), "?");
	}
	modsim_err(0, "%s", saved);
	snprintf(d->hazard, sizeof(d->hazard), "%s", s.hazard);
	modsim_run_amplify_spec(cfg, &s, d->amplify, sizeof(d->amplify));
}

/* ---- text ---- */

static void text_ns(FILE *f, uint64_t ns)
{
	if (ns < 1000)
		fprintf(f, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		fprintf(f, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		fprintf(f, "%.3f ms", ns / 1e6);
	else
		fprintf(f, "%.3f s", ns / 1e9);
}

static void text_dist(FILE *f, const char *what, const struct modsim_dist *d, const char *unit)
{
	fprintf(f, "%s", what);
	if (!d->n) {
		fprintf(f, "none\n");
		return;
	}
	fprintf(f, "p50 ");
	text_ns(f, d->p50);
	fprintf(f, ", p99 ");
	text_ns(f, d->p99);
	fprintf(f, ", max ");
	text_ns(f, d->max);
	fprintf(f, " (%lu %s)\n", d->n, unit);
}

static void text_per_subsys(FILE *f, const char *what, const unsigned long *v)
{
	unsigned long total = 0;

	fprintf(f, "%s", what);
	for (int s = 0; s < MODSIM_SS__COUNT; s++) {
		fprintf(f, "%s %s %lu", s ? "," : "", modsim_subsys_name(s), v[s]);
		total += v[s];
	}
	fprintf(f, "; %lu in all\n", total);
}

static void text_violation(FILE *f, const struct modsim_violation *v)
{
	fprintf(f, "module %s gen %lu, %s %s", modsim_printable(v->module), v->generation, modsim_subsys_name(v->subsys),
		v->op);
	if (v->point >= 0)
		fprintf(f, ", after %s", modsim_point_name(v->point));
	if (v->signo)
		fprintf(f, ", signal %d at %#" PRIxPTR, v->signo, v->addr);
	if (v->detail[0])
		fprintf(f, ": %s", modsim_printable(v->detail));
	fputc('\n', f);
}

/* The replay token of a controlled trial (malloc'ed), or NULL. */
static char *run_token(const struct modsim_run_config *cfg, const struct modsim_run_result *res)
{
	struct modsim_schedule s;
	char *tok = NULL;

	if (res->sched.policy == MODSIM_SCHED_OFF || res->sched.unkept_choices)
		return NULL;
	modsim_run_schedule(cfg, res, &s);
	if (modsim_schedule_encode(&s, &tok))
		return NULL;
	return tok;
}

/* A controlled trial: how it was scheduled, how it ended, and the line that replays it. */
static void text_sched(FILE *f, const struct modsim_run_config *cfg,
		       const struct modsim_run_result *res, const char *tok)
{
	const struct modsim_sched_report *r = &res->sched;

	fprintf(f, "schedule: %s, seed %" PRIu64, modsim_sched_policy_name(r->policy), r->seed);
	if (r->policy == MODSIM_SCHED_PCT)
		fprintf(f, ", depth %u", r->depth);
	fprintf(f, ", budget %u steps; %u steps, %u decisions, %u preemptions, %u choices\n",
		r->budget, r->steps, r->decisions, r->preemptions, r->schedule.nchoices);
	fprintf(f, "threads:");
	for (unsigned int i = 0; i < r->nthreads; i++)
		fprintf(f, " %u %s", i, modsim_printable(r->thread_name[i]));
	fprintf(f, "\nended: %s at step %u", modsim_sched_end_name(r->end), r->end_step);
	if (r->violation_thread >= 0 && (unsigned int)r->violation_thread < r->nthreads)
		fprintf(f, " (%s, after %s)", modsim_printable(r->thread_name[r->violation_thread]),
			r->violation_point >= 0 ? modsim_point_name(r->violation_point) : "its start");
	fputc('\n', f);
	if (r->end == MODSIM_SEND_DEADLOCK)
		fprintf(f, "stuck: %s\n", modsim_printable(r->lost));
	if (r->divergences)
		fprintf(f, "replay: %u recorded choice%s named a thread that could not run\n",
			r->divergences, r->divergences == 1 ? "" : "s");
	if (r->reproduced == 1)
		fprintf(f, "replay: reproduced %s at step %u\n",
			r->schedule.expect >= 0 ? modsim_vkind_name(r->schedule.expect) : "no violation",
			r->schedule.expect_step);
	else if (r->reproduced == 0)
		fprintf(f, "replay: NOT reproduced: this run ended on %s at step %u\n",
			r->schedule.expect >= 0 ? modsim_vkind_name(r->schedule.expect) : "no violation",
			r->end_step);
	if (r->verified == 1)
		fprintf(f, "verify-replay: the replay took the same %u steps\n", r->nlog);
	else if (r->verified == 0)
		fprintf(f, "verify-replay: DIVERGED: %s\n", r->verify_msg);
	if (r->unkept_events || r->unkept_steps || r->unkept_choices)
		fprintf(f, "not kept (memory or the caps): %u trace events, %u logged steps, %u choices\n",
			r->unkept_events, r->unkept_steps, r->unkept_choices);
	if (tok) {
		fputs("replay: ", f);
		modsim_fput_replay_cmd(f, tok, cfg->strategy, cfg->scenario);
		fputc('\n', f);
	}
	else if (r->unkept_choices)
		fprintf(f, "replay: none: the schedule's choices did not all fit; the repeat line reruns it\n");
}

/* A free-running trial's violation, and the controlled schedule found to replay one. */
static void text_hunt(FILE *f, const struct modsim_run_config *cfg, const struct modsim_hunt *h)
{
	if (!h->token) {
		fprintf(f, "replay: none of %u controlled schedules (pct, random) found a violation here; this free run does not replay\n",
			h->tries);
		return;
	}
	fputs("replay: ", f);
	modsim_fput_replay_cmd(f, h->token, cfg->strategy, cfg->scenario);
	fputc('\n', f);
	fprintf(f, "        (a %s schedule, seed %" PRIu64 ", found in %u tries, ends on %s)\n",
		modsim_sched_policy_name(h->policy), h->seed, h->tries, modsim_vkind_name(h->kind));
}

/* The command line that repeats this trial. */
static void text_repeat(FILE *f, const struct modsim_run_config *cfg, const struct run_desc *d)
{
	if (cfg->sched == MODSIM_SCHED_REPLAY)
		return; /* the replay line says it all */
	fputs("repeat: ", f);
	modsim_fput_command(f, "run");
	modsim_fput_opt(f, "--strategy", cfg->strategy);
	modsim_fput_opt(f, "--scenario", cfg->scenario);
	fprintf(f, " --workers %u", cfg->workers);
	if (cfg->sched != MODSIM_SCHED_OFF && cfg->sched != MODSIM_SCHED_REPLAY) {
		fprintf(f, " --seed %" PRIu64 " --sched %s", cfg->seed,
			modsim_sched_policy_name(cfg->sched));
		if (cfg->sched == MODSIM_SCHED_PCT)
			fprintf(f, " --depth %u", cfg->depth ? cfg->depth : MODSIM_SCHED_DEFAULT_DEPTH);
		if (cfg->sched == MODSIM_SCHED_PCT && cfg->pct_k &&
		    cfg->pct_k != MODSIM_SCHED_DEFAULT_PCT_K)
			fprintf(f, " --pct-k %u", cfg->pct_k);
		fprintf(f, " --steps %u", cfg->steps ? cfg->steps : MODSIM_SCHED_DEFAULT_STEPS);
		if (!cfg->duration_ms && cfg->cycles)
			fprintf(f, " --cycles %lu", cfg->cycles);
		fputc('\n', f);
		return;
	}
	if (cfg->duration_ms)
		fprintf(f, " --duration %g", cfg->duration_ms / 1000.0);
	else
		fprintf(f, " --cycles %lu", cfg->cycles);
	fprintf(f, " --seed %" PRIu64, cfg->seed);
	if (d->amplify[0])
		modsim_fput_opt(f, "--amplify", d->amplify);
	else
		fprintf(f, " --no-amplify");
	fputc('\n', f);
}

static void print_text(FILE *f, const struct modsim_run_config *cfg,
		       const struct modsim_run_result *res, const struct run_desc *d)
{
	const struct modsim_stats *st = &res->stats;
	unsigned long race = modsim_run_violations(res);
	const char *sep = " (";

	fprintf(f, "modsim run: strategy %s, scenario %s (hazard %s), %u worker%s, seed %" PRIu64 "\n",
		modsim_printable(cfg->strategy), modsim_printable(cfg->scenario),
		modsim_printable(d->hazard), cfg->workers, cfg->workers == 1 ? "" : "s",
		cfg->seed);
	if (res->sched.policy == MODSIM_SCHED_OFF)
		fprintf(f, "amplify: %s\n", d->amplify[0] ? modsim_printable(d->amplify) : "none");
	fprintf(f, "ran ");
	text_ns(f, res->elapsed_ns);
	fprintf(f, ": %lu load/unload cycle%s\n", res->cycles, res->cycles == 1 ? "" : "s");
	text_per_subsys(f, "operations:", st->ops);
	text_per_subsys(f, "failed gets:", st->failed_get);
	text_per_subsys(f, "faulted:", st->faulted);

	fprintf(f, "violations: %lu", race);
	for (int v = 0; v < MODSIM_V__COUNT; v++) {
		if (!st->violations[v] || !modsim_vkind_is_race((enum modsim_vkind)v))
			continue;
		fprintf(f, "%s%s %lu", sep, modsim_vkind_name(v), st->violations[v]);
		sep = ", ";
	}
	if (sep[0] == ',')
		fputc(')', f);
	if (st->violations[MODSIM_V_MODULE_CRASH])
		fprintf(f, "; module crashes (the module's own faults, not the preset's): %lu",
			st->violations[MODSIM_V_MODULE_CRASH]);
	if (race) {
		fprintf(f, ", the first after ");
		text_ns(f, res->first_violation_ns);
	}
	fprintf(f, "; leaked registrations: %lu\n", st->violations[MODSIM_V_LEAK]);
	for (int v = 0; v < MODSIM_V__COUNT; v++) {
		if (!st->violations[v])
			continue;
		fprintf(f, "  first %s: ", modsim_vkind_name(v));
		text_violation(f, &st->first[v]);
	}

	fprintf(f, "loads: %lu done, %lu failed (%lu init failures)\n", st->loads, st->load_failures,
		st->init_failures);
	fprintf(f, "unloads: %lu attempts: %lu done, %lu -EBUSY, %lu -EWOULDBLOCK, %lu -EPERM, %lu timed out, %lu forced; %lu waited\n",
		st->unload_attempts, st->unload_done, st->unload_busy, st->unload_wouldblock,
		st->unload_eperm, st->unload_timeout, st->unload_forced, st->unload_waited);
	text_dist(f, "unload latency: ", &st->unload_ns, "unloads");
	text_dist(f, "world stopped: ", &st->world_stop_ns, "stops");
	if (st->leaked_generations)
		fprintf(f, "generations whose quarantine could not be kept: %lu\n",
			st->leaked_generations);
	if (res->sched.policy != MODSIM_SCHED_OFF) {
		char *tok = run_token(cfg, res);

		text_sched(f, cfg, res, tok);
		free(tok);
	} else if (res->hunt.tries) {
		text_hunt(f, cfg, &res->hunt);
	}
	text_repeat(f, cfg, d);
}

/* ---- JSON ---- */

/* struct jw - a small JSON writer: @first[d] says no member was written at depth d yet. */
struct jw {
	FILE *f;
	bool pretty;
	int depth;
	bool first[8];
};

static void jw_string(struct jw *w, const char *s)
{
	fputc('"', w->f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(w->f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", w->f);
		else if (c == '\t')
			fputs("\\t", w->f);
		else if (c < 0x20)
			fprintf(w->f, "\\u%04x", c);
		else
			fputc(c, w->f);
	}
	fputc('"', w->f);
}

static void jw_newline(struct jw *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

static void jw_key(struct jw *w, const char *key)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	jw_newline(w);
	jw_string(w, key);
	fputs(w->pretty ? ": " : ":", w->f);
}

static void jw_open(struct jw *w, const char *key)
{
	if (key)
		jw_key(w, key);
	fputc('{', w->f);
	w->first[++w->depth] = true;
}

static void jw_close(struct jw *w)
{
	bool empty = w->first[w->depth];

	w->depth--;
	if (!empty)
		jw_newline(w);
	fputc('}', w->f);
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	if (v)
		jw_string(w, v);
	else
		fputs("null", w->f);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

static void jw_per_subsys(struct jw *w, const char *key, const unsigned long *v)
{
	jw_open(w, key);
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		jw_u64(w, modsim_subsys_name(s), v[s]);
	jw_close(w);
}

static void jw_dist(struct jw *w, const char *key, const struct modsim_dist *d)
{
	jw_open(w, key);
	jw_u64(w, "n", d->n);
	jw_u64(w, "p50", d->p50);
	jw_u64(w, "p99", d->p99);
	jw_u64(w, "max", d->max);
	jw_close(w);
}

static void jw_violation(struct jw *w, const char *key, const struct modsim_violation *v)
{
	jw_open(w, key);
	jw_str(w, "module", v->module);
	jw_u64(w, "generation", v->generation);
	jw_str(w, "subsystem", modsim_subsys_name(v->subsys));
	jw_str(w, "op", v->op);
	jw_str(w, "point", v->point >= 0 ? modsim_point_name(v->point) : NULL);
	jw_u64(w, "signal", (uint64_t)v->signo);
	jw_u64(w, "addr", v->addr);
	jw_u64(w, "pc", v->pc);
	jw_str(w, "detail", v->detail);
	jw_close(w);
}

static void jw_int(struct jw *w, const char *key, long v)
{
	jw_key(w, key);
	fprintf(w->f, "%ld", v);
}

static void json_sched(struct jw *w, const struct modsim_run_config *cfg,
		       const struct modsim_run_result *res)
{
	const struct modsim_sched_report *r = &res->sched;
	char *tok = run_token(cfg, res);
	char threads[MODSIM_SCHED_MAX_THREADS * 17] = "";
	size_t off = 0;

	for (unsigned int i = 0; i < r->nthreads && off < sizeof(threads); i++)
		off += (size_t)snprintf(threads + off, sizeof(threads) - off, "%s%s", i ? "," : "",
					r->thread_name[i]);
	jw_open(w, "sched");
	jw_str(w, "policy", modsim_sched_policy_name(r->policy));
	jw_u64(w, "seed", r->seed);
	jw_u64(w, "depth", r->depth);
	jw_u64(w, "budget", r->budget);
	jw_str(w, "threads", threads);
	jw_u64(w, "steps", r->steps);
	jw_u64(w, "decisions", r->decisions);
	jw_u64(w, "preemptions", r->preemptions);
	jw_u64(w, "choices", r->schedule.nchoices);
	jw_str(w, "end", modsim_sched_end_name(r->end));
	jw_u64(w, "end_step", r->end_step);
	jw_str(w, "violation", r->schedule.expect >= 0 ? modsim_vkind_name(r->schedule.expect) : "");
	jw_str(w, "violation_thread", r->violation_thread >= 0 &&
		   (unsigned int)r->violation_thread < r->nthreads ?
		   r->thread_name[r->violation_thread] : "");
	jw_str(w, "violation_point",
	       r->violation_point >= 0 ? modsim_point_name(r->violation_point) : "");
	jw_str(w, "stuck", r->end == MODSIM_SEND_DEADLOCK ? r->lost : "");
	jw_u64(w, "divergences", r->divergences);
	jw_u64(w, "unkept_events", r->unkept_events);
	jw_u64(w, "unkept_steps", r->unkept_steps);
	jw_u64(w, "unkept_choices", r->unkept_choices);
	jw_int(w, "reproduced", r->reproduced);
	jw_int(w, "verified", r->verified);
	jw_u64(w, "diverged_at", r->diverged_at);
	jw_str(w, "verify_msg", r->verify_msg);
	jw_str(w, "token", tok ? tok : "");
	jw_close(w);
	free(tok);
}

static void print_json(FILE *f, bool pretty, const struct modsim_run_config *cfg,
		       const struct modsim_run_result *res, const struct run_desc *d)
{
	const struct modsim_stats *st = &res->stats;
	struct jw w = { .f = f, .pretty = pretty };

	w.first[0] = true;
	jw_open(&w, NULL);
	jw_str(&w, "schema", RUN_SCHEMA);

	jw_open(&w, "config");
	jw_str(&w, "strategy", cfg->strategy);
	jw_str(&w, "scenario", cfg->scenario);
	jw_str(&w, "hazard", d->hazard);
	jw_u64(&w, "workers", cfg->workers);
	jw_u64(&w, "duration_ms", cfg->duration_ms);
	jw_u64(&w, "cycles", cfg->duration_ms ? 0 : cfg->cycles);
	jw_u64(&w, "seed", cfg->seed);
	jw_str(&w, "amplify", d->amplify);
	jw_bool(&w, "no_amplify", cfg->no_amplify);
	jw_close(&w);

	jw_open(&w, "result");
	jw_u64(&w, "cycles", res->cycles);
	jw_u64(&w, "elapsed_ns", res->elapsed_ns);
	jw_u64(&w, "violations", modsim_run_violations(res));
	jw_u64(&w, "first_violation_ns", res->first_violation_ns);
	jw_per_subsys(&w, "ops", st->ops);
	jw_per_subsys(&w, "failed_get", st->failed_get);
	jw_per_subsys(&w, "faulted", st->faulted);
	jw_open(&w, "by_kind");
	for (int v = 0; v < MODSIM_V__COUNT; v++) {
		jw_open(&w, modsim_vkind_name(v));
		jw_u64(&w, "count", st->violations[v]);
		if (st->violations[v])
			jw_violation(&w, "first", &st->first[v]);
		jw_close(&w);
	}
	jw_close(&w);
	jw_u64(&w, "loads", st->loads);
	jw_u64(&w, "load_failures", st->load_failures);
	jw_u64(&w, "init_failures", st->init_failures);
	jw_open(&w, "unloads");
	jw_u64(&w, "attempts", st->unload_attempts);
	jw_u64(&w, "done", st->unload_done);
	jw_u64(&w, "busy", st->unload_busy);
	jw_u64(&w, "wouldblock", st->unload_wouldblock);
	jw_u64(&w, "eperm", st->unload_eperm);
	jw_u64(&w, "timeout", st->unload_timeout);
	jw_u64(&w, "forced", st->unload_forced);
	jw_u64(&w, "waited", st->unload_waited);
	jw_close(&w);
	jw_dist(&w, "unload_ns", &st->unload_ns);
	jw_dist(&w, "world_stop_ns", &st->world_stop_ns);
	jw_u64(&w, "leaked_generations", st->leaked_generations);
	jw_close(&w);

	if (res->sched.policy != MODSIM_SCHED_OFF)
		json_sched(&w, cfg, res);
	else if (res->hunt.tries) {
		jw_open(&w, "hunt");
		jw_u64(&w, "tries", res->hunt.tries);
		jw_str(&w, "token", res->hunt.token ? res->hunt.token : "");
		jw_str(&w, "violation", res->hunt.kind >= 0 ? modsim_vkind_name(res->hunt.kind) : "");
		jw_u64(&w, "seed", res->hunt.seed);
		jw_str(&w, "policy", res->hunt.token ? modsim_sched_policy_name(res->hunt.policy) : "");
		jw_close(&w);
	}
	jw_close(&w);
	fputc('\n', f);
}

/* ---- CSV ---- */

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
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

/* "use-after-unload" -> "use_after_unload" */
static void csv_name(FILE *f, const char *prefix, const char *name, const char *suffix)
{
	fprintf(f, ",%s", prefix);
	for (; *name; name++)
		fputc(*name == '-' ? '_' : *name, f);
	fputs(suffix, f);
}

MODSIM_API void modsim_run_csv_header(FILE *f)
{
	static const char *const dists[] = { "unload", "world_stop" };

	fputs("strategy,scenario,hazard,workers,duration_ms,cycles_wanted,seed,amplify,"
	      "cycles,elapsed_ns,violations,first_violation_ns", f);
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		csv_name(f, "ops_", modsim_subsys_name(s), "");
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		csv_name(f, "failed_get_", modsim_subsys_name(s), "");
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		csv_name(f, "faulted_", modsim_subsys_name(s), "");
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		csv_name(f, "v_", modsim_vkind_name(v), "");
	fputs(",first_kind,first_module,first_generation,first_subsystem,first_op,first_point"
	      ",loads,load_failures,init_failures,unload_attempts,unload_done,unload_busy"
	      ",unload_wouldblock,unload_eperm,unload_timeout,unload_forced,unload_waited", f);
	for (size_t i = 0; i < sizeof(dists) / sizeof(dists[0]); i++) {
		csv_name(f, "", dists[i], "_n");
		csv_name(f, "", dists[i], "_p50_ns");
		csv_name(f, "", dists[i], "_p99_ns");
		csv_name(f, "", dists[i], "_max_ns");
	}
	fputs(",leaked_generations,sched,sched_steps,sched_end,sched_token\n", f);
}

static void csv_dist(FILE *f, const struct modsim_dist *d)
{
	fprintf(f, ",%lu,%" PRIu64 ",%" PRIu64 ",%" PRIu64, d->n, d->p50, d->p99, d->max);
}

static void csv_row(FILE *f, const struct modsim_run_config *cfg,
		    const struct modsim_run_result *res, const struct run_desc *d)
{
	const struct modsim_stats *st = &res->stats;
	int k = modsim_run_first_kind(res);

	csv_field(f, cfg->strategy);
	fputc(',', f);
	csv_field(f, cfg->scenario);
	fputc(',', f);
	csv_field(f, d->hazard);
	fprintf(f, ",%u,%u,%lu,%" PRIu64 ",", cfg->workers, cfg->duration_ms,
		cfg->duration_ms ? 0 : cfg->cycles, cfg->seed);
	csv_field(f, d->amplify);
	fprintf(f, ",%lu,%" PRIu64 ",%lu,%" PRIu64, res->cycles, res->elapsed_ns,
		modsim_run_violations(res), res->first_violation_ns);
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		fprintf(f, ",%lu", st->ops[s]);
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		fprintf(f, ",%lu", st->failed_get[s]);
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		fprintf(f, ",%lu", st->faulted[s]);
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		fprintf(f, ",%lu", st->violations[v]);
	if (k >= 0) {
		const struct modsim_violation *v = &st->first[k];

		fprintf(f, ",%s,", modsim_vkind_name(k));
		csv_field(f, v->module);
		fprintf(f, ",%lu,%s,", v->generation, modsim_subsys_name(v->subsys));
		csv_field(f, v->op);
		fprintf(f, ",%s", v->point >= 0 ? modsim_point_name(v->point) : "");
	} else {
		fputs(",,,,,,", f);
	}
	fprintf(f, ",%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu", st->loads, st->load_failures,
		st->init_failures, st->unload_attempts, st->unload_done, st->unload_busy,
		st->unload_wouldblock, st->unload_eperm, st->unload_timeout, st->unload_forced,
		st->unload_waited);
	csv_dist(f, &st->unload_ns);
	csv_dist(f, &st->world_stop_ns);
	fprintf(f, ",%lu", st->leaked_generations);
	if (res->sched.policy != MODSIM_SCHED_OFF) {
		char *tok = run_token(cfg, res);

		fprintf(f, ",%s,%u,%s,%s\n", modsim_sched_policy_name(res->sched.policy),
			res->sched.steps, modsim_sched_end_name(res->sched.end), tok ? tok : "");
		free(tok);
	} else {
		fputs(",off,0,,\n", f);
	}
}

MODSIM_API void modsim_run_csv_row(FILE *f, const struct modsim_run_config *cfg,
				   const struct modsim_run_result *res)
{
	struct run_desc d;

	run_describe(cfg, &d);
	csv_row(f, cfg, res, &d);
}

MODSIM_API void modsim_run_print(FILE *f, enum modsim_format fmt,
				 const struct modsim_run_config *cfg,
				 const struct modsim_run_result *res)
{
	struct run_desc d;

	run_describe(cfg, &d);
	switch (fmt) {
	case MODSIM_FMT_JSON:
		print_json(f, true, cfg, res, &d);
		break;
	case MODSIM_FMT_JSONL:
		print_json(f, false, cfg, res, &d);
		break;
	case MODSIM_FMT_CSV:
		modsim_run_csv_header(f);
		csv_row(f, cfg, res, &d);
		break;
	default:
		print_text(f, cfg, res, &d);
		break;
	}
	fflush(f);
}
