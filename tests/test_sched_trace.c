/* Trace writers: a hand-made scheduler report as Chrome Trace Event JSON and as an SVG timeline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/point.h>
#include <modsim/lab/sched.h>

/*
 * The report: a loader and two workers.  The loader loads hook (init over
 * steps 1-3), worker0 calls into it (steps 5-11), the loader unloads it
 * (steps 6-13: exit 8-12, waiting for the count 9-12), worker0 calls in
 * again at 14 and faults at 15, where control ends.  worker1 entered a
 * module with an awkward name at 10 and never came out: its span and
 * worker0's second call are open when the events end.  A third module's
 * name holds control characters and a byte that is not UTF-8.
 */
enum { MOD_HOOK, MOD_BAD, MOD_CTL };

#define EV(s, t, k, p, m, c, w) \
	{ .step = (s), .thread = (t), .kind = (k), .point = (p), .mod = (m), .count = (c), .what = (w) }
#define PT(s, t, p, m) EV(s, t, MODSIM_SEV_POINT, p, m, -1, NULL)

static struct modsim_sched_event events[] = {
	EV(0, 0, MODSIM_SEV_START, -1, -1, -1, NULL),
	EV(0, 1, MODSIM_SEV_START, -1, -1, -1, NULL),
	EV(0, 2, MODSIM_SEV_START, -1, -1, -1, NULL),
	PT(1, 0, MODSIM_PT_LOAD_AFTER_MAP, MOD_HOOK),
	EV(2, 0, MODSIM_SEV_COUNT, -1, MOD_HOOK, 0, NULL),
	PT(3, 0, MODSIM_PT_LOAD_AFTER_INIT, MOD_HOOK),
	PT(4, 1, MODSIM_PT_CALL_AFTER_LOOKUP, MOD_HOOK),
	PT(5, 1, MODSIM_PT_CALL_AFTER_ENTER, MOD_HOOK),
	EV(5, 1, MODSIM_SEV_COUNT, -1, MOD_HOOK, 1, NULL),
	PT(6, 0, MODSIM_PT_UNLOAD_BEGIN, MOD_HOOK),
	PT(7, 0, MODSIM_PT_UNLOAD_AFTER_CHECK, MOD_HOOK),
	PT(8, 0, MODSIM_PT_UNLOAD_AFTER_GOING, MOD_HOOK),
	PT(9, 0, MODSIM_PT_UNLOAD_WAIT, MOD_HOOK),
	EV(9, 0, MODSIM_SEV_WAIT, -1, MOD_HOOK, -1, "unload wait"),
	PT(10, 2, MODSIM_PT_CALL_AFTER_ENTER, MOD_BAD),
	EV(10, 2, MODSIM_SEV_COUNT, -1, MOD_CTL, 2, NULL),
	PT(11, 1, MODSIM_PT_CALL_BEFORE_EXIT, MOD_HOOK),
	EV(11, 1, MODSIM_SEV_COUNT, -1, MOD_HOOK, 0, NULL),
	PT(12, 0, MODSIM_PT_UNLOAD_AFTER_EXIT, MOD_HOOK),
	PT(13, 0, MODSIM_PT_UNLOAD_AFTER_FREE, MOD_HOOK),
	PT(14, 1, MODSIM_PT_CALL_AFTER_ENTER, MOD_HOOK),
	EV(15, 1, MODSIM_SEV_VIOLATION, -1, MOD_HOOK, -1, "use-after-unload"),
};

static struct modsim_sched_mod mods[] = {
	[MOD_HOOK] = { .name = "hook", .generation = 3 },
	[MOD_BAD] = { .name = "bad<&\"mod", .generation = 5 },
	[MOD_CTL] = { .name = "ctl\x01\n\\\xff", .generation = 7 },
};

static void make_report(struct modsim_sched_report *r)
{
	memset(r, 0, sizeof(*r));
	r->policy = MODSIM_SCHED_PCT;
	r->depth = 3;
	r->seed = 7;
	r->budget = 1000;
	r->nthreads = 3;
	strcpy(r->thread_name[0], "loader");
	strcpy(r->thread_name[1], "worker0");
	strcpy(r->thread_name[2], "worker1");
	r->steps = 15;
	r->decisions = 9;
	r->preemptions = 2;
	r->end = MODSIM_SEND_VIOLATION;
	r->end_step = 15;
	r->violation_thread = 1;
	r->violation_point = MODSIM_PT_CALL_AFTER_ENTER;
	r->events = events;
	r->nevents = sizeof(events) / sizeof(events[0]);
	r->mods = mods;
	r->nmods = sizeof(mods) / sizeof(mods[0]);
}

/*
 * A second report for the span rules: the loader's init calls into the
 * module it loads (a nested span) and fails; worker0 waits twice under one
 * name (one wait), then leaves while in module code (closed by its END).
 * Not under control: the trace ends at its last event.
 */
static struct modsim_sched_event rule_events[] = {
	PT(1, 0, MODSIM_PT_LOAD_AFTER_MAP, MOD_HOOK),
	PT(2, 0, MODSIM_PT_CALL_AFTER_ENTER, MOD_HOOK),
	EV(2, 1, MODSIM_SEV_WAIT, -1, -1, -1, "world stopped"),
	PT(3, 0, MODSIM_PT_CALL_BEFORE_EXIT, MOD_HOOK),
	EV(3, 1, MODSIM_SEV_WAIT, -1, -1, -1, "world stopped"),
	PT(4, 0, MODSIM_PT_LOAD_INIT_FAILED, MOD_HOOK),
	PT(5, 1, MODSIM_PT_QUIESCENT, -1),
	PT(6, 1, MODSIM_PT_CALL_AFTER_ENTER, MOD_HOOK),
	EV(7, 1, MODSIM_SEV_END, -1, -1, -1, NULL),
	EV(8, 0, MODSIM_SEV_END, -1, -1, -1, NULL),
};

static void make_rules_report(struct modsim_sched_report *r)
{
	make_report(r);
	r->policy = MODSIM_SCHED_REPLAY;
	r->nthreads = 2;
	r->end = MODSIM_SEND_NONE;
	r->end_step = 0;
	r->violation_thread = -1;
	r->violation_point = -1;
	r->events = rule_events;
	r->nevents = sizeof(rule_events) / sizeof(rule_events[0]);
}

static void make_empty_report(struct modsim_sched_report *r)
{
	memset(r, 0, sizeof(*r));
	r->violation_thread = -1;
	r->violation_point = -1;
}

typedef int (*writer_fn)(const struct modsim_sched_report *r, FILE *f);

/* What @fn writes for @r, NUL-terminated; the caller frees it. */
static char *render(writer_fn fn, const struct modsim_sched_report *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(fn(r, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

/* Brackets and braces nest and close, strings end, nothing follows the value. */
static bool json_balanced(const char *s)
{
	char stack[64];
	size_t depth = 0;
	bool in_str = false, seen = false;

	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_str = false;
			else if ((unsigned char)*s < 0x20)
				return false; /* raw control character in a string */
			continue;
		}
		switch (*s) {
		case '"':
			in_str = true;
			break;
		case '{':
		case '[':
			if (seen && depth == 0)
				return false;
			if (depth == sizeof(stack))
				return false;
			stack[depth++] = *s == '{' ? '}' : ']';
			seen = true;
			break;
		case '}':
		case ']':
			if (depth == 0 || stack[--depth] != *s)
				return false;
			break;
		default:
			break;
		}
	}
	return seen && depth == 0 && !in_str;
}

/* Whether some line of @text holds every one of the NULL-terminated needles. */
static bool has_line(const char *text, ...)
{
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		bool all = true;
		va_list ap;

		va_start(ap, text);
		for (const char *n = va_arg(ap, const char *); n; n = va_arg(ap, const char *))
			if (!memmem(line, len, n, strlen(n)))
				all = false;
		va_end(ap);
		if (all)
			return true;
		line += len + (end ? 1 : 0);
	}
	return false;
}

/*
 * GCC 12 at -O2 inlines this into tests whose text came from render(), sees
 * the address of render()'s local 'buf' handed to open_memstream(), and
 * warns that a pointer into the text dangles (-Wdangling-pointer): a false
 * positive, the text is the heap buffer open_memstream() made.
 */
__attribute__((noinline)) static size_t count(const char *text, const char *needle)
{
	size_t n = 0, off = 0;
	const char *hit;

	while ((hit = strstr(text + off, needle)) != NULL) {
		n++;
		off = (size_t)(hit - text) + 1;
	}
	return n;
}

/* Feed @buf to a python3 one-liner that must exit 0; skipped when there is no python3. */
static void assert_python_accepts(const char *buf, size_t len, const char *script)
{
	char cmd[256];
	FILE *p;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		print_message("python3 not found: its parse check skipped\n");
		return;
	}
	signal(SIGPIPE, SIG_IGN); /* a python that gave up early fails the check, not the binary */
	snprintf(cmd, sizeof(cmd), "python3 -c '%s'", script);
	p = popen(cmd, "w");
	assert_non_null(p);
	fwrite(buf, 1, len, p);
	assert_int_equal(pclose(p), 0);
}

#define PY_JSON \
	"import json,sys; d=json.load(sys.stdin.buffer); assert isinstance(d[\"traceEvents\"], list)"
#define PY_XML "import sys,xml.etree.ElementTree as E; E.parse(sys.stdin.buffer)"

/* With MODSIM_SCHED_TRACE_EXAMPLE=prefix, keep the outputs as prefix.json and prefix.svg. */
static void keep_example(const char *ext, const char *buf, size_t len)
{
	const char *prefix = getenv("MODSIM_SCHED_TRACE_EXAMPLE");
	char path[512];
	FILE *f;

	if (!prefix || !*prefix)
		return;
	snprintf(path, sizeof(path), "%s.%s", prefix, ext);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_sched_trace_json_parses(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *json;

	make_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	keep_example("json", json, len);
	assert_int_equal(strlen(json), len);
	assert_true(json_balanced(json));
	assert_non_null(strstr(json, "\"traceEvents\":["));
	assert_non_null(strstr(json, "\"displayTimeUnit\":\"ns\""));
	assert_non_null(strstr(json, "\"time_unit\":\"1 us = 1 scheduler step\""));
	assert_non_null(strstr(json, "\"end\":\"violation\",\"end_step\":15"));
	assert_true(has_line(json, "\"ph\":\"M\"", "\"name\":\"process_name\"",
			     "\"name\":\"modsim pct seed 7\"", NULL));
	assert_python_accepts(json, len, PY_JSON);
	free(json);
}

static void test_sched_trace_json_thread_names(void **state)
{
	static const char *const names[] = { "loader", "worker0", "worker1" };
	struct modsim_sched_report r;
	char tid[16], sort[32], quoted[32];
	size_t len;
	char *json;

	make_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	for (unsigned int t = 0; t < 3; t++) {
		snprintf(tid, sizeof(tid), "\"tid\":%u,", t);
		snprintf(quoted, sizeof(quoted), "\"name\":\"%s\"", names[t]);
		snprintf(sort, sizeof(sort), "\"sort_index\":%u}", t);
		assert_true(has_line(json, "\"ph\":\"M\"", tid, "\"name\":\"thread_name\"", quoted,
				     NULL));
		assert_true(has_line(json, "\"ph\":\"M\"", tid, "\"thread_sort_index\"", sort, NULL));
	}
	assert_int_equal(count(json, "\"name\":\"thread_name\""), 3);
	free(json);
}

static void test_sched_trace_json_spans(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *json;

	make_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	/* worker0 in hook's code from call.after_enter (5) to call.before_exit (11) */
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":1,", "\"ts\":5,", "\"dur\":6,",
			     "\"name\":\"hook gen 3: hook call\"", "\"cat\":\"module\"", NULL));
	/* the loader: init 1-3, unload 6-13, exit 8-12, the count wait 9-12 */
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":0,", "\"ts\":1,", "\"dur\":2,",
			     "\"name\":\"init hook gen 3\"", NULL));
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":0,", "\"ts\":6,", "\"dur\":7,",
			     "\"name\":\"unload hook gen 3\"", NULL));
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":0,", "\"ts\":8,", "\"dur\":4,",
			     "\"name\":\"exit hook gen 3\"", NULL));
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":0,", "\"ts\":9,", "\"dur\":3,",
			     "\"name\":\"wait: unload wait\"", NULL));
	/* unload phases as thread instants named by their points */
	assert_true(has_line(json, "\"ph\":\"i\"", "\"tid\":0,", "\"ts\":7,", "\"s\":\"t\"",
			     "\"name\":\"unload.after_check\"", NULL));
	/* no closed span is marked unclosed */
	assert_false(has_line(json, "\"name\":\"hook gen 3: hook call\"", "\"ts\":5,",
			      "\"unclosed\"", NULL));
	free(json);
}

static void test_sched_trace_json_unclosed_spans(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *json;

	make_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	/* still open at the end: closed at the end step (15) */
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":2,", "\"ts\":10,", "\"dur\":5,",
			     "\"unclosed\":true", NULL));
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":1,", "\"ts\":14,", "\"dur\":1,",
			     "\"name\":\"hook gen 3: hook call\"", "\"unclosed\":true", NULL));
	free(json);
}

static void test_sched_trace_json_violation(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *json;

	make_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	assert_true(has_line(json, "\"ph\":\"i\"", "\"s\":\"g\"", "\"ts\":15,",
			     "\"name\":\"VIOLATION use-after-unload\"",
			     "\"point\":\"call.after_enter\"", "\"thread\":1,",
			     "\"thread_name\":\"worker0\"", NULL));
	assert_int_equal(count(json, "VIOLATION"), 1);
	assert_true(has_line(json, "\"ph\":\"i\"", "\"s\":\"g\"", "\"name\":\"END violation\"",
			     NULL));
	free(json);
}

static void test_sched_trace_json_counter(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *json;

	make_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	assert_true(has_line(json, "\"ph\":\"C\"", "\"ts\":5,", "\"name\":\"hook gen 3\"",
			     "\"args\":{\"count\":1}", NULL));
	assert_true(has_line(json, "\"ph\":\"C\"", "\"ts\":11,", "\"name\":\"hook gen 3\"",
			     "\"args\":{\"count\":0}", NULL));
	assert_int_equal(count(json, "\"ph\":\"C\""), 4);
	free(json);
}

static void test_sched_trace_json_escapes(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *json;

	make_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	assert_non_null(strstr(json, "\"name\":\"bad<&\\\"mod gen 5: bad<&\\\"mod call\""));
	/* \x01 \n \\ and a lone \xff */
	assert_non_null(strstr(json, "\"name\":\"ctl\\u0001\\n\\\\\\ufffd gen 7\""));
	assert_null(strchr(json, '\x01'));
	assert_null(strchr(json, '\xff'));
	assert_true(json_balanced(json));
	assert_python_accepts(json, len, PY_JSON);
	free(json);
}

static void test_sched_trace_json_span_rules(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *json;

	make_rules_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	/* a failed init, and the call its init made nested in it */
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":0,", "\"ts\":1,", "\"dur\":3,",
			     "\"name\":\"init hook gen 3 (failed)\"", "\"failed\":true", NULL));
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":0,", "\"ts\":2,", "\"dur\":1,",
			     "\"name\":\"hook gen 3: hook call\"", NULL));
	/* a wait repeated under one name is one wait, to the thread's next event */
	assert_int_equal(count(json, "\"name\":\"wait: world stopped\""), 1);
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":1,", "\"ts\":2,", "\"dur\":3,",
			     "\"name\":\"wait: world stopped\"", NULL));
	/* a thread that leaves in module code: its call ends there, unclosed */
	assert_true(has_line(json, "\"ph\":\"X\"", "\"tid\":1,", "\"ts\":6,", "\"dur\":1,",
			     "\"unclosed\":true", NULL));
	assert_non_null(strstr(json, "\"name\":\"modsim replay seed 7\""));
	assert_null(strstr(json, "\"cat\":\"end\""));
	assert_python_accepts(json, len, PY_JSON);
	free(json);
}

static void test_sched_trace_json_empty(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *json;

	make_empty_report(&r);
	json = render(modsim_sched_trace_json, &r, &len);
	assert_true(json_balanced(json));
	assert_non_null(strstr(json, "\"traceEvents\":["));
	assert_null(strstr(json, "\"ph\":\"X\""));
	assert_null(strstr(json, "thread_name"));
	assert_python_accepts(json, len, PY_JSON);
	free(json);
}

/* A file opened read-only: every write fails, and so must @fn, with -EIO. */
static void assert_readonly_fails(writer_fn fn)
{
	struct modsim_sched_report r;
	FILE *f = fopen("/dev/null", "r");

	assert_non_null(f);
	make_report(&r);
	assert_int_equal(fn(&r, f), -EIO);
	fclose(f);
}

static void test_sched_trace_json_write_error(void **state)
{
	assert_readonly_fails(modsim_sched_trace_json);
}

static void test_sched_timeline_svg_shape(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *svg;

	make_report(&r);
	svg = render(modsim_sched_timeline_svg, &r, &len);
	keep_example("svg", svg, len);
	assert_int_equal(strncmp(svg, "<svg", 4), 0);
	assert_true(len > 7);
	assert_string_equal(svg + len - 7, "</svg>\n");
	assert_int_equal(count(svg, "<svg"), 1);
	assert_int_equal(count(svg, "</svg>"), 1);
	assert_non_null(strstr(svg, "modsim pct seed 7, depth 3: ended by violation at step 15"));
	assert_python_accepts(svg, len, PY_XML);
	free(svg);
}

static void test_sched_timeline_svg_lanes(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *svg;

	make_report(&r);
	svg = render(modsim_sched_timeline_svg, &r, &len);
	assert_int_equal(count(svg, "class=\"lane-label\""), 3);
	assert_true(has_line(svg, "class=\"lane-label\"", ">loader</text>", NULL));
	assert_true(has_line(svg, "class=\"lane-label\"", ">worker0</text>", NULL));
	assert_true(has_line(svg, "class=\"lane-label\"", ">worker1</text>", NULL));
	/* the call's bar, with its step range on hover, and the loader's spans */
	assert_non_null(strstr(svg, "<title>hook gen 3: hook call \xe2\x80\x94 worker0, "
				    "steps 5 to 11</title>"));
	assert_non_null(strstr(svg, "<title>unload hook gen 3 \xe2\x80\x94 loader, "
				    "steps 6 to 13</title>"));
	assert_non_null(strstr(svg, "<title>wait: unload wait \xe2\x80\x94 loader, "
				    "steps 9 to 12</title>"));
	free(svg);
}

static void test_sched_timeline_svg_violation(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *svg;

	make_report(&r);
	svg = render(modsim_sched_timeline_svg, &r, &len);
	assert_true(has_line(svg, "<line class=\"violation\"", "stroke=\"#d62728\"",
			     "VIOLATION use-after-unload", NULL));
	assert_true(has_line(svg, "class=\"violation-label\"",
			     "VIOLATION use-after-unload: worker0 at call.after_enter, step 15",
			     NULL));
	free(svg);
}

static void test_sched_timeline_svg_escapes(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *svg;

	make_report(&r);
	svg = render(modsim_sched_timeline_svg, &r, &len);
	assert_non_null(strstr(svg, "bad&lt;&amp;&quot;mod gen 5"));
	assert_null(strstr(svg, "bad<"));
	assert_null(strstr(svg, "&\""));
	assert_null(strchr(svg, '\x01'));
	assert_null(strchr(svg, '\xff'));
	assert_python_accepts(svg, len, PY_XML);
	free(svg);
}

static void test_sched_timeline_svg_span_rules(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *svg;

	make_rules_report(&r);
	svg = render(modsim_sched_timeline_svg, &r, &len);
	/* the failed init is outlined in red; its nested call has a bar of its own */
	assert_true(has_line(svg, "stroke=\"#d62728\"",
			     "<title>init hook gen 3 (failed) \xe2\x80\x94 loader, "
			     "steps 1 to 4</title>", NULL));
	assert_non_null(strstr(svg, "<title>hook gen 3: hook call \xe2\x80\x94 loader, "
				    "steps 2 to 3</title>"));
	assert_true(has_line(svg, "stroke-dasharray=\"4 2\"",
			     "<title>hook gen 3: hook call \xe2\x80\x94 worker0, steps 6 to 7", NULL));
	assert_non_null(strstr(svg, "modsim replay seed 7: not under control"));
	assert_null(strstr(svg, "class=\"violation\""));
	assert_python_accepts(svg, len, PY_XML);
	free(svg);
}

static void test_sched_timeline_svg_empty(void **state)
{
	struct modsim_sched_report r;
	size_t len;
	char *svg;

	make_empty_report(&r);
	svg = render(modsim_sched_timeline_svg, &r, &len);
	assert_int_equal(strncmp(svg, "<svg", 4), 0);
	assert_string_equal(svg + len - 7, "</svg>\n");
	assert_int_equal(count(svg, "class=\"lane-label\""), 0);
	assert_non_null(strstr(svg, "no events were recorded"));
	assert_python_accepts(svg, len, PY_XML);
	free(svg);
}

static void test_sched_timeline_svg_write_error(void **state)
{
	assert_readonly_fails(modsim_sched_timeline_svg);
}

/* A device that takes nothing: the writes buffer, and a flush fails (ENOSPC). */
static void assert_full_device_fails(writer_fn fn)
{
	struct modsim_sched_report r;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	make_report(&r);
	assert_int_equal(fn(&r, f), -EIO);
	fclose(f);
}

static void test_sched_trace_json_flush_error(void **state)
{
	assert_full_device_fails(modsim_sched_trace_json);
}

static void test_sched_timeline_svg_flush_error(void **state)
{
	assert_full_device_fails(modsim_sched_timeline_svg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sched_trace_json_parses),
		cmocka_unit_test(test_sched_trace_json_thread_names),
		cmocka_unit_test(test_sched_trace_json_spans),
		cmocka_unit_test(test_sched_trace_json_unclosed_spans),
		cmocka_unit_test(test_sched_trace_json_violation),
		cmocka_unit_test(test_sched_trace_json_counter),
		cmocka_unit_test(test_sched_trace_json_escapes),
		cmocka_unit_test(test_sched_trace_json_span_rules),
		cmocka_unit_test(test_sched_trace_json_empty),
		cmocka_unit_test(test_sched_trace_json_write_error),
		cmocka_unit_test(test_sched_timeline_svg_shape),
		cmocka_unit_test(test_sched_timeline_svg_lanes),
		cmocka_unit_test(test_sched_timeline_svg_violation),
		cmocka_unit_test(test_sched_timeline_svg_escapes),
		cmocka_unit_test(test_sched_timeline_svg_span_rules),
		cmocka_unit_test(test_sched_timeline_svg_empty),
		cmocka_unit_test(test_sched_timeline_svg_write_error),
		cmocka_unit_test(test_sched_trace_json_flush_error),
		cmocka_unit_test(test_sched_timeline_svg_flush_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
