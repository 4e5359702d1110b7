/* The command interpreter driven by in-memory scripts: outcomes, '!', usage errors, exit status. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/kernel.h>
#include "shell.h"
#include <modsim/stats.h>
#include <modsim/workers.h>

/*
 * struct run - one script's outcome.
 * @out/@err: what the shell printed (NUL-terminated, malloc'd)
 */
struct run {
	int status;
	char *out, *err;
	size_t outlen, errlen;
};

static int setup(void **state)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.timer_thread = false;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

static struct run run_script(struct modsim_kernel *k, const char *script, bool interactive)
{
	struct run r = { 0 };
	FILE *in, *out, *err;

	in = fmemopen((void *)script, strlen(script), "r");
	assert_non_null(in);
	out = open_memstream(&r.out, &r.outlen);
	err = open_memstream(&r.err, &r.errlen);
	assert_non_null(out);
	assert_non_null(err);
	r.status = modsim_shell(k, in, out, err, interactive);
	fclose(in);
	fclose(out);
	fclose(err);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_modsim_shell_lifecycle(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k,
				  "# a comment, then a blank line\n"
				  "\n"
				  "insmod hello greeting=hi\n"
				  "insmod hook\n"
				  "lsmod\n"
				  "rmmod hello\n"
				  "rmmod hook --nowait\n"
				  "stats\n",
				  false);

	assert_string_equal(r.err, "");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "hello"));
	assert_non_null(strstr(r.out, "hook"));
	assert_null(modsim_find(k, "hello"));
	assert_null(modsim_find(k, "hook"));
	run_free(&r);
}

static void test_modsim_shell_lsmod_lists_loaded(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "insmod exporter\ninsmod importer\nlsmod\n", false);

	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "exporter"));
	assert_non_null(strstr(r.out, "importer"));
	assert_non_null(modsim_find(k, "importer"));
	run_free(&r);
}

static void test_modsim_shell_expect_fail_failed(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k,
				  "! insmod no_such_module\n"
				  "insmod exporter\n"
				  "insmod importer\n"
				  "! rmmod exporter\n"
				  "! insmod halfinit fail_at=2\n",
				  false);

	assert_string_equal(r.err, "");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "line 1: failed as expected: "));
	assert_non_null(strstr(r.out, "no_such_module"));
	assert_non_null(strstr(r.out, "line 4: failed as expected: "));
	assert_non_null(strstr(r.out, "line 5: failed as expected: "));
	assert_non_null(modsim_find(k, "exporter"));
	assert_null(modsim_find(k, "halfinit"));
	run_free(&r);
}

static void test_modsim_shell_expect_fail_succeeded(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "! insmod hello\nlsmod\n", false);

	assert_int_equal(r.status, 1);
	assert_int_equal(count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "modsim: line 1: "));
	assert_non_null(strstr(r.err, "expected it to fail"));
	/* the command did run */
	assert_non_null(modsim_find(k, "hello"));
	run_free(&r);
}

static void test_modsim_shell_failed_command(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "insmod no_such_module\ninsmod hello\n", false);

	assert_int_equal(r.status, 1);
	assert_int_equal(count_lines(r.err), 1);
	assert_memory_equal(r.err, "modsim: line 1: ", 16);
	assert_non_null(strstr(r.err, "no_such_module"));
	/* the script went on */
	assert_non_null(modsim_find(k, "hello"));
	run_free(&r);
}

static void test_modsim_shell_failed_rmmod_strategy(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "rmmod hello\nstrategy no_such_strategy\n", false);

	/* An unknown strategy is a misused line (2), beating the failed rmmod (1). */
	assert_int_equal(r.status, 2);
	assert_int_equal(count_lines(r.err), 2);
	assert_non_null(strstr(r.err, "modsim: line 1: "));
	assert_non_null(strstr(r.err, "modsim: line 2: "));
	assert_non_null(strstr(r.err, "no_such_strategy"));
	run_free(&r);
}

/* Each line alone is a usage error: status 2 and one line naming the line. */
static void test_modsim_shell_usage_errors(void **state)
{
	static const char *const bad[] = {
		"frobnicate\n",
		"insmod\n",
		"rmmod\n",
		"rmmod hello --bogus\n",
		"rmmod hello hook\n",
		"workers\n",
		"workers abc\n",
		"workers -1\n",
		"workers 2x\n",
		"workers 99999999999999999999999\n",
		"run\n",
		"run -1\n",
		"run 1e3\n",
		"run nan\n",
		"run 0.5s\n",
		"run 99999\n",
		"lsmod extra\n",
		"strategy\n",
		"quit now\n",
		"!\n",
		"! frobnicate\n",
		"!insmod hello\n",
	};
	struct modsim_kernel *k = *state;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run r = run_script(k, bad[i], false);

		if (r.status != 2 || count_lines(r.err) != 1 ||
		    strncmp(r.err, "modsim: line 1: ", 16))
			fail_msg("script '%s': status %d, err '%s'", bad[i], r.status, r.err);
		run_free(&r);
	}
	assert_int_equal(modsim_workers_running(k), 0);
	assert_null(modsim_find(k, "hello"));
}

static void test_modsim_shell_usage_beats_failure(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k,
				  "# line 1\n"
				  "\n"
				  "insmod no_such_module\n"
				  "bogus\n"
				  "insmod hello\n",
				  false);

	assert_int_equal(r.status, 2);
	assert_int_equal(count_lines(r.err), 2);
	assert_non_null(strstr(r.err, "modsim: line 3: "));
	assert_non_null(strstr(r.err, "modsim: line 4: unknown command 'bogus'"));
	assert_non_null(modsim_find(k, "hello"));
	run_free(&r);
}

static void test_modsim_shell_workers_run(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k,
				  "insmod hook\n"
				  "workers 2\n"
				  "run 0.05\n"
				  "workers 1\n"
				  "run .05\n"
				  "workers 0\n"
				  "rmmod hook\n",
				  false);

	assert_string_equal(r.err, "");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "run: 2 workers, 0.05 s: "));
	assert_non_null(strstr(r.out, "run: 1 workers, 0.05 s: "));
	assert_non_null(strstr(r.out, " operations"));
	assert_int_equal(modsim_workers_running(k), 0);
	run_free(&r);
}

static void test_modsim_shell_stops_its_workers(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "workers 2\n", false);

	assert_int_equal(r.status, 0);
	assert_int_equal(modsim_workers_running(k), 0);
	run_free(&r);
}

static void test_modsim_shell_quit(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "insmod hello\nquit\nbogus\ninsmod hook\n", false);

	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_null(modsim_find(k, "hook"));
	run_free(&r);
	r = run_script(k, "exit\nbogus\n", false);
	assert_int_equal(r.status, 0);
	run_free(&r);
}

static void test_modsim_shell_interactive_prompt(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "help\n", true);

	assert_int_equal(r.status, 0);
	assert_memory_equal(r.out, "modsim> ", 8);
	assert_non_null(strstr(r.out, "insmod"));
	assert_non_null(strstr(r.out, "rmmod"));
	assert_non_null(strstr(r.out, "workers"));
	run_free(&r);
	r = run_script(k, "lsmod\n", false);
	assert_null(strstr(r.out, "modsim> "));
	run_free(&r);
}

/* modinfo: what a module file declares, read without loading it (kmod's habit). */
static void test_modsim_shell_modinfo(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "modinfo hook\nmodinfo exporter\nmodinfo halfinit\n", false);

	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "name:        hook\n"));
	assert_non_null(strstr(r.out, "description: one hook that counts its calls\n"));
	assert_non_null(strstr(r.out, "hazard:      A\n"));
	assert_non_null(strstr(r.out, "parm:        priority:"));
	assert_non_null(strstr(r.out, "(int)\n"));
	assert_non_null(strstr(r.out, "export:      exporter_add\n"));
	assert_non_null(strstr(r.out, "parm:        fail_at:"));
	assert_non_null(strstr(r.out, "hazard:      B\n"));
	assert_non_null(strstr(r.out, "parm:        leak:"));
	assert_non_null(strstr(r.out, "(bool)\n"));
	/* Nothing was loaded. */
	assert_null(modsim_find(k, "hook"));
	assert_null(modsim_find(k, "halfinit"));
	run_free(&r);

	/* A loaded module: the same listing, and it stays loaded. */
	r = run_script(k, "insmod hook\nmodinfo hook\nrmmod hook\n", false);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "name:        hook\n"));
	run_free(&r);

	r = run_script(k, "modinfo no_such_module\n", false);
	assert_int_equal(r.status, 1);
	assert_int_equal(count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "modsim: line 1: modinfo no_such_module: no module named no_such_module"));
	run_free(&r);
	r = run_script(k, "modinfo\n", false);
	assert_int_equal(r.status, 2);
	run_free(&r);
}

/* rmmod takes kmod's -f and -w; -w and --nowait exclude each other. */
static void test_modsim_shell_rmmod_kmod_flags(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats *st = malloc(sizeof(*st));
	unsigned long forced;
	struct run r;

	assert_non_null(st);
	modsim_stats_get(k, st);
	forced = st->unload_forced;
	r = run_script(k, "insmod hello\nrmmod -w hello\ninsmod hello\nrmmod -f hello\n", false);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_null(modsim_find(k, "hello"));
	modsim_stats_get(k, st);
	assert_int_equal(st->unload_forced, forced + 1);
	run_free(&r);

	r = run_script(k, "insmod hello\nrmmod -w --nowait hello\n", false);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "modsim: line 2: rmmod: --wait and --nowait exclude each other"));
	assert_non_null(modsim_find(k, "hello"));
	run_free(&r);
	r = run_script(k, "rmmod -x hello\n", false);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown flag '-x'"));
	run_free(&r);
	free(st);
}

/* A prompt: a typo is reported and the session goes on to the next line. */
static void test_modsim_shell_interactive_typo_goes_on(void **state)
{
	struct modsim_kernel *k = *state;
	struct run r = run_script(k, "insmdo hello\ninsmod hello\nlsmod\n", true);

	assert_int_equal(r.status, 2);
	assert_int_equal(count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "modsim: line 1: unknown command 'insmdo'"));
	assert_non_null(modsim_find(k, "hello"));
	assert_non_null(strstr(r.out, "hello"));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_shell_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_lsmod_lists_loaded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_expect_fail_failed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_expect_fail_succeeded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_failed_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_failed_rmmod_strategy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_usage_beats_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_workers_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_stops_its_workers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_quit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_interactive_prompt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_modinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_rmmod_kmod_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_shell_interactive_typo_goes_on, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
