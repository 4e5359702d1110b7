/* Scenarios: the built-ins as data, scenario files (INI via libinih), and amplifier specs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/lab/run.h>

#include "lab/scenario.h"

#include "kernel/units.h"

/* A scenario file written for one test; removed in teardown. */
struct fixture {
	char path[64];
	struct modsim_scenario s;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->path[0])
		unlink(fx->path);
	free(fx);
	return 0;
}

/* Write @text to a fresh "/tmp/modsim-scn-XXXXXX.ini" and return its path. */
static const char *write_file(struct fixture *fx, const char *text)
{
	int fd;
	FILE *f;

	snprintf(fx->path, sizeof(fx->path), "/tmp/modsim-scn-XXXXXX.ini");
	fd = mkstemps(fx->path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return fx->path;
}

static void test_modsim_scenario_names_all_builtins(void **state)
{
	static const char *const want[] = { "unload-race", "half-init", "put-return", "timer",
					    "long-session", "init-sleep", "dependency", "mixed" };
	const char *const *names = modsim_scenario_names();
	struct modsim_scenario *s = &((struct fixture *)*state)->s;
	size_t n = 0;

	while (names[n])
		n++;
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(names[i], want[i]);
		assert_int_equal(modsim_scenario_builtin(names[i], s), 0);
		assert_true(s->nmods > 0);
		assert_non_null(modsim_scenario_hazard(names[i]));
	}
	assert_string_equal(modsim_scenario_hazard("unload-race"), "A+L");
	assert_string_equal(modsim_scenario_hazard("init-sleep"), "S");
	assert_string_equal(modsim_scenario_hazard("mixed"), "mixed");
	assert_null(modsim_scenario_hazard("no-such"));
}

static void test_modsim_scenario_builtin_half_init_data(void **state)
{
	struct modsim_scenario *s = &((struct fixture *)*state)->s;

	assert_int_equal(modsim_scenario_builtin("half-init", s), 0);
	/* a as a hook, then a as the device "halfinit" that workers open. */
	assert_int_equal(s->nmods, 2);
	assert_string_equal(s->mods[0].spec, "halfinit");
	assert_int_equal(s->mods[0].nparams, 1);
	assert_string_equal(s->mods[0].params[0], "fail_at=2");
	assert_string_equal(s->mods[1].spec, "halfinit");
	assert_int_equal(s->mods[1].nparams, 2);
	assert_string_equal(s->mods[1].params[1], "chrdev=1");
	assert_int_equal(s->action, SCN_LOAD_FAIL);
	assert_true(s->mix.hook > 0);
	assert_true(s->mix.chrdev > 0);
	assert_string_equal(s->mix.device, "halfinit");
	/* Its default amplification parses. */
	struct modsim_amplify a[MODSIM_RUN_MAX_AMPLIFY];

	assert_true(modsim_amplify_parse(s->amplify, a, MODSIM_RUN_MAX_AMPLIFY) > 0);
}

static void test_modsim_scenario_resolve_unknown_names_builtins(void **state)
{
	struct modsim_scenario *s = &((struct fixture *)*state)->s;

	assert_int_equal(modsim_scenario_resolve("no-such-scenario", s), -ENOENT);
	assert_non_null(strstr(modsim_last_error(), "no-such-scenario"));
	assert_non_null(strstr(modsim_last_error(), "unload-race"));
	assert_int_equal(modsim_scenario_resolve("/nonexistent/dir/x.ini", s), -ENOENT);
	assert_non_null(strstr(modsim_last_error(), "/nonexistent/dir/x.ini"));
}

static void test_modsim_scenario_load_file_full(void **state)
{
	struct fixture *fx = *state;
	struct modsim_scenario *s = &fx->s;
	const char *path = write_file(fx,
		"; a comment\n"
		"[scenario]\n"
		"name = mine\n"
		"hazard = B\n"
		"description = two modules\n"
		"amplify = call.after_lookup:0.5:spin:10,all:0.01\n"
		"timer_thread = no\n"
		"init_timeout_ms = 250\n"
		"\n"
		"[module]\n"
		"name = halfinit\n"
		"params = fail_at=2 leak=1\n"
		"\n"
		"[module]\n"
		"name = exporter\n"
		"cycle = no\n"
		"\n"
		"[module]\n"
		"name = sub/mymod.so\n"
		"\n"
		"[workers]\n"
		"hook = 2\n"
		"symbol = 1\n"
		"session_ops = 9\n"
		"symbol_name = exporter_add\n"
		"\n"
		"[loader]\n"
		"action = load-fail\n"
		"unload_order = forward\n"
		"nowait = yes\n");

	assert_int_equal(modsim_scenario_resolve(path, s), 0);
	assert_string_equal(s->name, "mine");
	assert_string_equal(s->hazard, "B");
	assert_string_equal(s->amplify, "call.after_lookup:0.5:spin:10,all:0.01");
	assert_false(s->timer_thread);
	assert_int_equal(s->init_timeout_ms, 250);
	assert_int_equal(s->nmods, 3);
	assert_string_equal(s->mods[0].spec, "halfinit");
	assert_int_equal(s->mods[0].nparams, 2);
	assert_string_equal(s->mods[0].params[1], "leak=1");
	assert_true(s->mods[0].cycle);
	assert_string_equal(s->mods[1].spec, "exporter");
	assert_false(s->mods[1].cycle);
	/* A relative path is taken from the file's directory. */
	assert_string_equal(s->mods[2].spec, "/tmp/sub/mymod.so");
	assert_int_equal(s->mix.hook, 2);
	assert_int_equal(s->mix.chrdev, 0);
	assert_int_equal(s->mix.symbol, 1);
	assert_int_equal(s->mix.session_ops, 9);
	assert_string_equal(s->mix.symbol_name, "exporter_add");
	assert_int_equal(s->action, SCN_LOAD_FAIL);
	assert_int_equal(s->unload_order, SCN_FORWARD);
	assert_true(s->nowait);
	assert_false(s->force);
}

static void test_modsim_scenario_load_file_default_name(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_file(fx, "[module]\nname = hello\n");
	char want[64];

	assert_int_equal(modsim_scenario_load_file(path, &fx->s), 0);
	/* "/tmp/modsim-scn-XXXXXX.ini" -> "modsim-scn-XXXXXX" */
	snprintf(want, sizeof(want), "%.*s", (int)(strlen(path) - 9), path + 5);
	assert_string_equal(fx->s.name, want);
	assert_string_equal(fx->s.hazard, "-");
	assert_int_equal(fx->s.action, SCN_CYCLE);
}

/* @text must be refused with -EINVAL and a message naming @line and containing @what. */
static void expect_bad(struct fixture *fx, const char *text, int line, const char *what)
{
	char where[96];

	write_file(fx, text);
	assert_int_equal(modsim_scenario_load_file(fx->path, &fx->s), -EINVAL);
	if (line > 0) {
		snprintf(where, sizeof(where), "%s:%d:", fx->path, line);
		if (!strstr(modsim_last_error(), where))
			fail_msg("'%s' does not name %s", modsim_last_error(), where);
	}
	if (!strstr(modsim_last_error(), what))
		fail_msg("'%s' does not say '%s'", modsim_last_error(), what);
	unlink(fx->path);
	fx->path[0] = '\0';
}

static void test_modsim_scenario_load_file_errors_name_line(void **state)
{
	struct fixture *fx = *state;

	expect_bad(fx, "[module]\nname = hello\n[workers]\nhooks = 1\n", 4, "hooks");
	expect_bad(fx, "[bogus]\nx = 1\n", 2, "[bogus]");
	expect_bad(fx, "x = 1\n", 1, "before any [section]");
	expect_bad(fx, "[module]\nname = hello\n\n[loader]\naction = explode\n", 5, "explode");
	expect_bad(fx, "[module]\nname = hello\n[workers]\nhook = -1\n", 4, "hook");
	expect_bad(fx, "[module]\nname = hello\nparams = novalue\n", 3, "name=value");
	expect_bad(fx, "[scenario]\namplify = nowhere:0.5\n[module]\nname = hello\n", 2, "nowhere");
	expect_bad(fx, "[module]\nname = hello\n[module]\nparams = a=1\n", 0, "no name=");
	expect_bad(fx, "[scenario]\nname = x\n", 0, "no [module]");
	expect_bad(fx, "[module]\nname hello\n", 2, "not an INI line");
}

static void test_modsim_amplify_parse_items(void **state)
{
	struct modsim_amplify a[MODSIM_RUN_MAX_AMPLIFY];
	char buf[256];

	assert_int_equal(modsim_amplify_parse("call.after_lookup:0.5:spin:20; all:0.01 ,unload.wait:1:yield",
					      a, MODSIM_RUN_MAX_AMPLIFY), 3);
	assert_int_equal(a[0].point, MODSIM_PT_CALL_AFTER_LOOKUP);
	assert_true(a[0].prob == 0.5);
	assert_int_equal(a[0].how, MODSIM_DELAY_SPIN);
	assert_int_equal(a[0].us, 20);
	assert_int_equal(a[1].point, -1);
	assert_int_equal(a[1].how, MODSIM_DELAY_SLEEP); /* the default */
	assert_int_equal(a[1].us, 100);
	assert_int_equal(a[2].point, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(a[2].how, MODSIM_DELAY_YIELD);

	/* The canonical form parses back to the same settings. */
	modsim_amplify_format(a, 3, buf, sizeof(buf));
	assert_string_equal(buf, "call.after_lookup:0.5:spin:20,all:0.01:sleep:100,unload.wait:1:yield:100");
	assert_int_equal(modsim_amplify_parse(buf, a, MODSIM_RUN_MAX_AMPLIFY), 3);
	assert_int_equal(a[2].how, MODSIM_DELAY_YIELD);
	assert_int_equal(modsim_amplify_parse("", a, MODSIM_RUN_MAX_AMPLIFY), 0);
}

static void test_modsim_amplify_parse_bad(void **state)
{
	static const char *const bad[] = {
		"call.after_lookup",         /* no probability */
		"nowhere:0.5",               /* no such point */
		"all:1.5",                   /* probability out of range */
		"all:-0.1",
		"all:0.5x",
		"all:0.5:wobble",            /* no such delay */
		"all:0.5:spin:-3",           /* negative microseconds */
		"all:0.5:spin:2000000",      /* more than a second */
		"all:0.5:spin:20:extra",     /* too many fields */
	};
	struct modsim_amplify a[2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (modsim_amplify_parse(bad[i], a, 2) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(modsim_last_error()[0] != '\0');
	}
	assert_int_equal(modsim_amplify_parse("all:0.1,all:0.2,all:0.3", a, 2), -EINVAL);
}

/* The spec a trial uses: --no-amplify, the items given, or the scenario's default. */
static void test_modsim_run_amplify_spec_choice(void **state)
{
	struct modsim_scenario *s = &((struct fixture *)*state)->s;
	struct modsim_run_config cfg;
	char buf[256];

	modsim_run_config_default(&cfg);
	assert_int_equal(modsim_scenario_builtin("timer", s), 0);
	modsim_run_amplify_spec(&cfg, s, buf, sizeof(buf));
	assert_string_equal(buf, s->amplify);
	assert_true(buf[0] != '\0');

	cfg.namplify = 1;
	cfg.amplify[0] = (struct modsim_amplify){ MODSIM_PT_QUIESCENT, 0.25, MODSIM_DELAY_YIELD, 0 };
	modsim_run_amplify_spec(&cfg, s, buf, sizeof(buf));
	assert_string_equal(buf, "quiescent:0.25:yield:0");

	cfg.namplify = 0;
	cfg.no_amplify = true;
	modsim_run_amplify_spec(&cfg, s, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_scenario_names_all_builtins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_scenario_builtin_half_init_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_scenario_resolve_unknown_names_builtins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_scenario_load_file_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_scenario_load_file_default_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_scenario_load_file_errors_name_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_amplify_parse_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_amplify_parse_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_run_amplify_spec_choice, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
