/* modsim run: an unsafe cell finds its violation, a safe one none; seeds reproduce; output; flags. */
/* LABELS: faults, freerun */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/lab/run.h>

#include "cli.h"
#include <modsim/workers.h>

#include "lab/scenario.h"

#include "kernel/units.h"

#define TRACE 64

/*
 * The workers' seeded choices of one trial (modsim_run_observe), and a
 * scenario file whose module registers nothing: with nothing to call, a
 * worker's steps pass no race point but the quiescent one, so its stream
 * of draws (amplifier decisions and choices alike) depends on the seed
 * alone, never on timing.
 */
struct fixture {
	struct modsim_run_config cfg;
	struct modsim_run_result res;
	char path[64];
	int trace[2][TRACE];
	int ntrace[2];
};

static const char quiet_scenario[] =
	"[scenario]\n"
	"name = quiet\n"
	"amplify = quiescent:0.5:yield\n"
	"[module]\n"
	"name = hello\n"
	"[workers]\n"
	"hook = 1\n"
	"chrdev = 1\n"
	"notifier = 1\n"
	"symbol = 1\n"
	"device = nodevice\n"
	"chain = nochain\n"
	"symbol_name = nosymbol\n";

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	modsim_run_config_default(&fx->cfg);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	modsim_run_observe = NULL;
	modsim_run_observe_arg = NULL;
	if (fx->path[0])
		unlink(fx->path);
	free(fx);
	return 0;
}

static void set(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v);
}

static void run_ok(struct fixture *fx)
{
	int err = modsim_run(&fx->cfg, &fx->res);

	if (err)
		fail_msg("modsim_run: %d: %s", err, modsim_last_error());
}

/* none + unload-race: the race is found, attributed, and timed. */
static void test_modsim_run_unsafe_cell_finds_violation(void **state)
{
	struct fixture *fx = *state;
	const struct modsim_stats *st = &fx->res.stats;
	const struct modsim_violation *v;

	set(fx->cfg.strategy, sizeof(fx->cfg.strategy), "none");
	set(fx->cfg.scenario, sizeof(fx->cfg.scenario), "unload-race");
	fx->cfg.duration_ms = 1000;
	run_ok(fx);

	assert_true(modsim_run_violations(&fx->res) > 0);
	assert_true(fx->res.cycles > 0);
	assert_true(fx->res.first_violation_ns > 0);
	assert_true(fx->res.first_violation_ns <= fx->res.elapsed_ns);
	v = st->violations[MODSIM_V_FAULT] ? &st->first[MODSIM_V_FAULT] :
					     &st->first[MODSIM_V_CALL_AFTER_EXIT];
	assert_true(st->violations[v->kind] > 0);
	if (strcmp(v->module, "selfcount") && strcmp(v->module, "hook") &&
	    strcmp(v->module, "chardev"))
		fail_msg("first violation attributed to '%s'", v->module);
	assert_true(v->generation > 0);
	assert_true(st->unload_done > 0);
	assert_int_equal(st->violations[MODSIM_V_MODULE_CRASH], 0);
}

/* try + unload-race: nothing found, and the preset visibly protected (refusals). */
static void test_modsim_run_safe_cell_finds_none(void **state)
{
	struct fixture *fx = *state;
	const struct modsim_stats *st = &fx->res.stats;
	unsigned long refused = st->unload_busy;

	set(fx->cfg.strategy, sizeof(fx->cfg.strategy), "try");
	set(fx->cfg.scenario, sizeof(fx->cfg.scenario), "unload-race");
	fx->cfg.duration_ms = 700;
	run_ok(fx);

	assert_int_equal(modsim_run_violations(&fx->res), 0);
	assert_int_equal(fx->res.first_violation_ns, 0);
	assert_true(fx->res.cycles > 0);
	assert_true(st->unload_done > 0);
	refused = st->unload_busy;
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		refused += st->failed_get[s];
	assert_true(refused > 0);
	assert_true(st->ops[MODSIM_SS_HOOK] > 0);
}

static void test_modsim_run_cycles_counted(void **state)
{
	struct fixture *fx = *state;

	set(fx->cfg.strategy, sizeof(fx->cfg.strategy), "try");
	set(fx->cfg.scenario, sizeof(fx->cfg.scenario), "half-init");
	fx->cfg.duration_ms = 0;
	fx->cfg.cycles = 7;
	run_ok(fx);
	assert_int_equal(fx->res.cycles, 7);
	/* half-init loads halfinit twice a cycle: a as a hook, then as a device. */
	assert_int_equal(fx->res.stats.init_failures, 14);
	assert_int_equal(fx->res.stats.loads, 0);
}

static void observe_choices(struct modsim_kernel *k, void *arg)
{
	struct fixture *fx = arg;

	for (unsigned int i = 0; i < 2; i++)
		fx->ntrace[i] = modsim_workers_choices(k, i, fx->trace[i], TRACE);
}

/*
 * Run the quiet scenario with @seed; copy each worker's choices into @out.
 * Return: the fewest choices either worker made (at most TRACE).  Nothing
 * is asserted about how many a worker makes in the time: a loaded machine
 * makes fewer; the streams are compared over their common length.
 */
static int quiet_run(struct fixture *fx, uint64_t seed, bool amplify, unsigned int ms,
		     int out[2][TRACE])
{
	int fd, n = TRACE;

	if (!fx->path[0]) {
		snprintf(fx->path, sizeof(fx->path), "/tmp/modsim-run-XXXXXX.ini");
		fd = mkstemps(fx->path, 4);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, quiet_scenario, strlen(quiet_scenario)),
				 (ssize_t)strlen(quiet_scenario));
		close(fd);
	}
	set(fx->cfg.strategy, sizeof(fx->cfg.strategy), "none");
	set(fx->cfg.scenario, sizeof(fx->cfg.scenario), fx->path);
	fx->cfg.seed = seed;
	fx->cfg.no_amplify = !amplify;
	fx->cfg.duration_ms = ms;
	modsim_run_observe = observe_choices;
	modsim_run_observe_arg = fx;
	run_ok(fx);
	memset(out, 0, sizeof(int[2][TRACE]));
	for (int i = 0; i < 2; i++) {
		if (fx->ntrace[i] < n)
			n = fx->ntrace[i];
		memcpy(out[i], fx->trace[i], sizeof(out[i]));
	}
	return n;
}

/*
 * The same seed gives the same amplifier decisions.  A worker draws its
 * amplifier decision at the quiescent point and its next choice from one
 * seeded generator; equal choice streams mean equal draws, and so equal
 * decisions.  Without amplification the stream differs, which shows the
 * decisions are drawn from it; another seed gives another stream.
 */
static void test_modsim_run_seed_repeats_decisions(void **state)
{
	struct fixture *fx = *state;
	int a[2][TRACE], b[2][TRACE], c[2][TRACE], d[2][TRACE];
	unsigned int ms = 300;
	int n, m;
	size_t len;

	/* A loaded machine (a sanitizer build, -j2) makes fewer draws in a
	 * trial's time: give the four trials longer until each made enough. */
	for (;;) {
		n = quiet_run(fx, 7, true, ms, a);
		m = quiet_run(fx, 7, true, ms, b);
		n = m < n ? m : n;
		m = quiet_run(fx, 8, true, ms, c);
		n = m < n ? m : n;
		m = quiet_run(fx, 7, false, ms, d);
		n = m < n ? m : n;
		if (n >= 16 || ms >= 9600)
			break;
		ms *= 2;
	}
	/* Enough draws that two different streams agreeing by chance is out of
	 * the question (each is one of several kinds). */
	assert_true(n >= 16);
	len = (size_t)n * sizeof(int);
	for (int w = 0; w < 2; w++)
		assert_memory_equal(a[w], b[w], len);
	assert_memory_not_equal(a[0], a[1], len);
	assert_true(memcmp(a[0], c[0], len) || memcmp(a[1], c[1], len));
	assert_true(memcmp(a[0], d[0], len) || memcmp(a[1], d[1], len));
}

static void test_modsim_run_bad_config(void **state)
{
	struct fixture *fx = *state;

	set(fx->cfg.strategy, sizeof(fx->cfg.strategy), "no-such-preset");
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), -ENOENT);
	assert_non_null(strstr(modsim_last_error(), "no-such-preset"));

	set(fx->cfg.strategy, sizeof(fx->cfg.strategy), "none");
	set(fx->cfg.scenario, sizeof(fx->cfg.scenario), "no-such-scenario");
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), -ENOENT);
	assert_non_null(strstr(modsim_last_error(), "no-such-scenario"));

	set(fx->cfg.scenario, sizeof(fx->cfg.scenario), "timer");
	fx->cfg.duration_ms = 0;
	fx->cfg.cycles = 0;
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), -EINVAL);
	fx->cfg.duration_ms = 100;
	fx->cfg.workers = 100000;
	assert_int_equal(modsim_run(&fx->cfg, &fx->res), -EINVAL);
}

/* ---- a strict JSON checker (RFC 8259 grammar, no semantics) ---- */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *start = p;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p) || strchr(".eE+-", *p))
		p++;
	return p > start ? p : NULL;
}

static const char *json_members(const char *p, char close, bool keys)
{
	p = json_ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keys) {
			p = json_string(json_ws(p));
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p)
{
	p = json_ws(p);
	switch (*p) {
	case '{':
		return json_members(p + 1, '}', true);
	case '[':
		return json_members(p + 1, ']', false);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return json_number(p);
	}
}

static bool json_valid(const char *text)
{
	const char *end = json_value(text);

	return end && !*json_ws(end);
}

/* Print @fmt into a string (caller frees). */
static char *print_to_string(struct fixture *fx, enum modsim_format fmt)
{
	char *buf = NULL, *copy;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	modsim_run_print(f, fmt, &fx->cfg, &fx->res);
	fclose(f);
	copy = strdup(buf);
	assert_non_null(copy);
	free(buf);
	return copy;
}

static void test_modsim_run_print_json_parses(void **state)
{
	struct fixture *fx = *state;
	char *json, *jsonl, *csv, *text, *nl;

	set(fx->cfg.strategy, sizeof(fx->cfg.strategy), "none");
	set(fx->cfg.scenario, sizeof(fx->cfg.scenario), "unload-race");
	fx->cfg.duration_ms = 300;
	run_ok(fx);
	text = print_to_string(fx, MODSIM_FMT_TEXT);
	assert_non_null(strstr(text, "violations: "));
	assert_non_null(strstr(text, "repeat: modsim run --strategy none"));
	assert_non_null(strstr(text, "--seed 1 --amplify "));

	/* A name that needs escaping must still give valid JSON. */
	set(fx->cfg.scenario, sizeof(fx->cfg.scenario), "we\"ird\\name");

	assert_false(json_valid("{\"a\":1,}"));
	assert_false(json_valid("{\"a\":1} x"));
	json = print_to_string(fx, MODSIM_FMT_JSON);
	if (!json_valid(json))
		fail_msg("not JSON:\n%s", json);
	assert_non_null(strstr(json, "\"schema\": \"modsim-run/1\""));
	assert_non_null(strstr(json, "\"use-after-unload\""));
	assert_non_null(strstr(json, "\"first_violation_ns\""));

	jsonl = print_to_string(fx, MODSIM_FMT_JSONL);
	nl = strchr(jsonl, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0'); /* one line */
	assert_true(json_valid(jsonl));

	csv = print_to_string(fx, MODSIM_FMT_CSV);
	nl = strchr(csv, '\n');
	assert_non_null(nl);
	assert_int_equal(strncmp(csv, "strategy,scenario,hazard,", 25), 0);
	assert_int_equal(strncmp(nl + 1, "none,\"we\"\"ird\\name\",", 20), 0);

	free(json);
	free(jsonl);
	free(csv);
	free(text);
}

/* Run modsim_run_main on a NULL-terminated argument list; capture both streams. */
static int run_main(char **out, char **err, ...)
{
	char *argv[32];
	int argc = 0, status;
	size_t lo, le;
	FILE *fo, *fe;
	va_list ap;

	argv[argc++] = "run";
	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	fo = open_memstream(out, &lo);
	fe = open_memstream(err, &le);
	status = cmd_run(argc, argv, fo, fe);
	fclose(fo);
	fclose(fe);
	return status;
}

/* A usage error: exit 2 and exactly one line on the error stream, naming @what. */
static void expect_usage(const char *what, ...)
{
	char *argv[32];
	int argc = 0, status;
	char *out = NULL, *err = NULL;
	size_t lo, le;
	FILE *fo, *fe;
	va_list ap;

	argv[argc++] = "run";
	va_start(ap, what);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	fo = open_memstream(&out, &lo);
	fe = open_memstream(&err, &le);
	status = cmd_run(argc, argv, fo, fe);
	fclose(fo);
	fclose(fe);
	if (status != 2 || !strstr(err, what) || strchr(err, '\n') != err + strlen(err) - 1)
		fail_msg("%s: exit %d, stderr '%s'", what, status, err);
	assert_string_equal(out, "");
	free(out);
	free(err);
}

static void test_modsim_run_main_bad_flags_exit_2(void **state)
{
	expect_usage("--bogus", "--bogus", NULL);
	expect_usage("--strategy", "--scenario", "timer", NULL);
	expect_usage("--scenario", "--strategy", "none", NULL);
	expect_usage("no-such", "--strategy", "no-such", "--scenario", "timer", NULL);
	expect_usage("nope", "--strategy", "none", "--scenario", "nope", NULL);
	expect_usage("--duration", "-s", "none", "-c", "timer", "--duration", "0", NULL);
	expect_usage("--duration", "-s", "none", "-c", "timer", "--duration", "2s", NULL);
	expect_usage("exclude", "-s", "none", "-c", "timer", "--duration", "1", "--cycles", "3",
		     NULL);
	expect_usage("--workers", "-s", "none", "-c", "timer", "--workers", "many", NULL);
	expect_usage("--seed", "-s", "none", "-c", "timer", "--seed", "-1", NULL);
	expect_usage("nowhere", "-s", "none", "-c", "timer", "--amplify", "nowhere:0.5", NULL);
	expect_usage("exclude", "-s", "none", "-c", "timer", "--amplify", "all:0.1", "--no-amplify",
		     NULL);
	expect_usage("only one", "-s", "none", "-c", "timer", "--json", "--csv", NULL);
	expect_usage("needs an argument", "-s", "none", "-c", NULL);
	expect_usage("unexpected", "-s", "none", "-c", "timer", "extra", NULL);
}

static void test_modsim_run_main_status(void **state)
{
	char *out = NULL, *err = NULL;

	assert_int_equal(run_main(&out, &err, "--help", NULL), 0);
	assert_non_null(strstr(out, "usage: modsim run"));
	free(out);
	free(err);

	/* A trial that finds its violation: 0, or 3 with --fail-on-violation. */
	assert_int_equal(run_main(&out, &err, "-s", "none", "-c", "unload-race", "-d", "0.3",
				  "--fail-on-violation", "--jsonl", NULL), 3);
	assert_true(json_valid(out));
	assert_string_equal(err, "");
	free(out);
	free(err);
	assert_int_equal(run_main(&out, &err, "-s", "try", "-c", "half-init", "--cycles", "3",
				  "--fail-on-violation", NULL), 0);
	assert_non_null(strstr(out, "3 load/unload cycles"));
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_run_unsafe_cell_finds_violation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_safe_cell_finds_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_cycles_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_seed_repeats_decisions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_print_json_parses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_main_bad_flags_exit_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_main_status, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
