/* modsim_sched_trace_json: a controlled trial as Chrome Trace Event JSON (Perfetto, chrome://tracing). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <modsim/point.h>
#include <modsim/lab/sched.h>
#include <modsim/stats.h>

#include "report/sched_spans.h"
#include "kernel/units.h"

/*
 * The layout: one process (pid 1) named after the policy and seed, one
 * track per thread (tid = thread id), ts = the step number.  The format's
 * unit is the microsecond, so 1 us on screen is 1 scheduler step; the
 * metadata says so.  Spans are complete ("X") events written as they close,
 * race points and arrivals thread-scoped instants, violations and the end
 * of control global instants, module counts one counter per generation
 * (named "hook gen 3", its one series "count").
 */

/* Check for a failed write every so many events, so a dead pipe stops us early. */
#define JSON_CHECK_EVERY 1024

struct json {
	FILE *f;
	const struct modsim_sched_report *r;
	bool first; /* no trace event written yet: no comma before the next */
};

/* The two-character escape JSON has for @c, or NULL. */
static const char *json_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		return NULL;
	}
}

/* The characters of @s (at most @max bytes, or to its NUL), escaped for a JSON string. */
static void json_chars(FILE *f, const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max) : 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = json_escape(c);
		size_t len;

		if (esc) {
			fputs(esc, f);
			i++;
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if ((len = modsim_sched_spans_utf8(s + i, n - i)) == 0) {
			fputs("\\ufffd", f); /* not UTF-8: a JSON reader would reject the file */
			i++;
		} else {
			fwrite(s + i, 1, len, f);
			i += len;
		}
	}
}

/* @s as a quoted JSON string. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	json_chars(f, s, SIZE_MAX);
	fputc('"', f);
}

/* Begin one trace event: the separator, then its common fields, up to the open args. */
static void event_begin(struct json *j, const char *ph, unsigned int tid, uint32_t ts)
{
	fputs(j->first ? "\n" : ",\n", j->f);
	j->first = false;
	fprintf(j->f, "{\"ph\":\"%s\",\"pid\":1,\"tid\":%u,\"ts\":%" PRIu32, ph, tid, ts);
}

static void write_meta(struct json *j)
{
	const struct modsim_sched_report *r = j->r;
	unsigned int n = modsim_sched_spans_nthreads(r);
	char name[96], buf[24];

	snprintf(name, sizeof(name), "modsim %s seed %" PRIu64,
		 modsim_sched_policy_name(r->policy), r->seed);
	event_begin(j, "M", 0, 0);
	fputs(",\"name\":\"process_name\",\"args\":{\"name\":", j->f);
	json_str(j->f, name);
	fputs("}}", j->f);

	if (r->end != MODSIM_SEND_NONE) {
		snprintf(name, sizeof(name), "ended: %s at step %" PRIu32,
			 modsim_sched_end_name(r->end), r->end_step);
		event_begin(j, "M", 0, 0);
		fputs(",\"name\":\"process_labels\",\"args\":{\"labels\":", j->f);
		json_str(j->f, name);
		fputs("}}", j->f);
	}

	for (unsigned int t = 0; t < n; t++) {
		event_begin(j, "M", t, 0);
		fputs(",\"name\":\"thread_name\",\"args\":{\"name\":", j->f);
		json_str(j->f, modsim_sched_spans_thread(r, t, buf));
		fputs("}}", j->f);
		event_begin(j, "M", t, 0);
		fprintf(j->f, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}", t);
	}
}

/* ,"module":"hook","generation":3 for a known module; nothing otherwise. */
static void mod_args(struct json *j, int32_t mod)
{
	const struct modsim_sched_mod *m = modsim_sched_spans_mod(j->r, mod);

	if (!m)
		return;
	fputs(",\"module\":\"", j->f);
	json_chars(j->f, m->name, sizeof(m->name));
	fprintf(j->f, "\",\"generation\":%lu", m->generation);
}

static const char *const span_cat[] = {
	[MODSIM_SPAN_CALL] = "module",
	[MODSIM_SPAN_INIT] = "init",
	[MODSIM_SPAN_EXIT] = "exit",
	[MODSIM_SPAN_UNLOAD] = "unload",
	[MODSIM_SPAN_WAIT] = "wait",
};

static void write_span(const struct modsim_sched_span *s, void *arg)
{
	struct json *j = arg;
	char name[256];

	modsim_sched_spans_name(j->r, s, name, sizeof(name));
	event_begin(j, "X", s->thread, s->begin);
	fprintf(j->f, ",\"dur\":%" PRIu32 ",\"cat\":\"%s\",\"name\":", s->end - s->begin,
		span_cat[s->kind]);
	json_str(j->f, name);
	fprintf(j->f, ",\"args\":{\"begin_step\":%" PRIu32 ",\"end_step\":%" PRIu32, s->begin,
		s->end);
	mod_args(j, s->mod);
	if (s->kind == MODSIM_SPAN_WAIT) {
		fputs(",\"wait\":", j->f);
		json_str(j->f, s->what ? s->what : "?");
	}
	if (s->failed)
		fputs(",\"failed\":true", j->f);
	if (s->unclosed)
		fputs(",\"unclosed\":true", j->f);
	fputs("}}", j->f);
}

/* ,"point":"call.after_enter" (or null). */
static void point_arg(struct json *j, int point)
{
	fputs(",\"point\":", j->f);
	if (point < 0)
		fputs("null", j->f);
	else
		json_str(j->f, modsim_point_name((enum modsim_point_id)point));
}

static void write_violation(struct json *j, unsigned int thread, uint32_t step, const char *kind,
			    int point, int32_t mod)
{
	char name[96], buf[24];

	snprintf(name, sizeof(name), "VIOLATION %s", kind ? kind : "?");
	event_begin(j, "i", thread, step);
	fputs(",\"s\":\"g\",\"cat\":\"violation\",\"name\":", j->f);
	json_str(j->f, name);
	fputs(",\"args\":{\"kind\":", j->f);
	json_str(j->f, kind ? kind : "?");
	fprintf(j->f, ",\"thread\":%u,\"thread_name\":", thread);
	json_str(j->f, modsim_sched_spans_thread(j->r, thread, buf));
	point_arg(j, point);
	fprintf(j->f, ",\"step\":%" PRIu32, step);
	mod_args(j, mod);
	fputs("}}", j->f);
}

static void write_event(struct json *j, uint32_t i)
{
	const struct modsim_sched_event *e = &j->r->events[i];
	char name[96];

	switch (e->kind) {
	case MODSIM_SEV_POINT:
		event_begin(j, "i", e->thread, e->step);
		fputs(",\"s\":\"t\",\"cat\":\"point\",\"name\":", j->f);
		json_str(j->f, modsim_point_name((enum modsim_point_id)e->point));
		fprintf(j->f, ",\"args\":{\"step\":%" PRIu32, e->step);
		mod_args(j, e->mod);
		fputs("}}", j->f);
		break;
	case MODSIM_SEV_START:
	case MODSIM_SEV_END:
		event_begin(j, "i", e->thread, e->step);
		fprintf(j->f, ",\"s\":\"t\",\"cat\":\"thread\",\"name\":\"%s\","
			"\"args\":{\"step\":%" PRIu32 "}}",
			e->kind == MODSIM_SEV_START ? "arrives" : "leaves", e->step);
		break;
	case MODSIM_SEV_VIOLATION:
		write_violation(j, e->thread, e->step, e->what, modsim_sched_spans_point(j->r, i),
				e->mod);
		break;
	case MODSIM_SEV_COUNT:
		/* Perfetto names the track "hook gen 3 count": event name, then arg */
		modsim_sched_spans_mod_label(j->r, e->mod, name, sizeof(name));
		event_begin(j, "C", e->thread, e->step);
		fputs(",\"cat\":\"count\",\"name\":", j->f);
		json_str(j->f, name);
		fprintf(j->f, ",\"args\":{\"count\":%ld}}", e->count);
		break;
	default: /* waits are spans */
		break;
	}
}

/* The end of control, and the ending violation when no event recorded it. */
static void write_end(struct json *j, bool saw_violation)
{
	const struct modsim_sched_report *r = j->r;
	char name[64];

	if (r->end == MODSIM_SEND_NONE)
		return;
	if (r->end == MODSIM_SEND_VIOLATION && !saw_violation && r->violation_thread >= 0)
		write_violation(j, (unsigned int)r->violation_thread, r->end_step, NULL,
				r->violation_point, -1);
	snprintf(name, sizeof(name), "END %s", modsim_sched_end_name(r->end));
	event_begin(j, "i", r->violation_thread >= 0 ? (unsigned int)r->violation_thread : 0,
		    r->end_step);
	fputs(",\"s\":\"g\",\"cat\":\"end\",\"name\":", j->f);
	json_str(j->f, name);
	fprintf(j->f, ",\"args\":{\"end\":\"%s\",\"step\":%" PRIu32 "}}",
		modsim_sched_end_name(r->end), r->end_step);
}

static void write_metadata(struct json *j)
{
	const struct modsim_sched_report *r = j->r;

	fputs("\"metadata\":{\"generator\":\"modsim\",\"time_unit\":\"1 us = 1 scheduler step\"",
	      j->f);
	fprintf(j->f, ",\"policy\":\"%s\",\"depth\":%u,\"seed\":\"%" PRIu64 "\",\"budget\":%" PRIu32,
		modsim_sched_policy_name(r->policy), r->depth, r->seed, r->budget);
	fprintf(j->f, ",\"threads\":%u,\"steps\":%" PRIu32 ",\"decisions\":%" PRIu32
		",\"preemptions\":%" PRIu32 ",\"divergences\":%" PRIu32,
		r->nthreads, r->steps, r->decisions, r->preemptions, r->divergences);
	fprintf(j->f, ",\"end\":\"%s\",\"end_step\":%" PRIu32 ",\"violation_thread\":%d",
		modsim_sched_end_name(r->end), r->end_step, r->violation_thread);
	fputs(",\"violation_point\":", j->f);
	if (r->violation_point < 0)
		fputs("null", j->f);
	else
		json_str(j->f, modsim_point_name((enum modsim_point_id)r->violation_point));
	if (r->end == MODSIM_SEND_LOST) {
		fputs(",\"lost\":\"", j->f);
		json_chars(j->f, r->lost, sizeof(r->lost));
		fputc('"', j->f);
	}
	fprintf(j->f, ",\"events\":%" PRIu32 "}", r->nevents);
}

MODSIM_API int modsim_sched_trace_json(const struct modsim_sched_report *r, FILE *f)
{
	struct json j = { .f = f, .r = r, .first = true };
	bool saw_violation = false;

	if (!r || !f)
		return modsim_err(-EINVAL, "trace json: no report or no file");
	fputs("{\"traceEvents\":[", f);
	write_meta(&j);
	modsim_sched_spans_walk(r, write_span, &j);
	for (uint32_t i = 0; i < r->nevents; i++) {
		if (i % JSON_CHECK_EVERY == 0 && ferror(f))
			break;
		if (r->events[i].kind == MODSIM_SEV_VIOLATION)
			saw_violation = true;
		write_event(&j, i);
	}
	write_end(&j, saw_violation);
	fputs("\n],\n\"displayTimeUnit\":\"ns\",\n", f);
	write_metadata(&j);
	fputs("}\n", f);
	return modsim_sched_spans_finish(f, "trace json");
}
