/* Scenario names and files that try to mislead: a file shadowing a built-in, repeated keys, continuation lines, endless or binary input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/scenario.h"

#include "internal.h"

/* A private directory, the current one for the test; removed in teardown. */
struct fixture {
	char dir[64], cwd[4096];
	struct modsim_scenario s;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/modsim-scnh-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_non_null(getcwd(fx->cwd, sizeof(fx->cwd)));
	assert_int_equal(chdir(fx->dir), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	assert_int_equal(chdir(fx->cwd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Write @len bytes of @text to @name in the current directory. */
static void put_file(const char *name, const char *text, size_t len)
{
	FILE *f = fopen(name, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void expect_refused(struct fixture *fx, const char *text, size_t len, int err, int line,
			   const char *what)
{
	char where[32];

	put_file("t.ini", text, len);
	assert_int_equal(modsim_scenario_resolve("t.ini", &fx->s), err);
	snprintf(where, sizeof(where), "t.ini:%d:", line);
	if (line > 0 && !strstr(modsim_last_error(), where))
		fail_msg("'%s' does not name %s", modsim_last_error(), where);
	if (!strstr(modsim_last_error(), what))
		fail_msg("'%s' does not say '%s'", modsim_last_error(), what);
}

#define EVIL "[module]\nname = /nonexistent/evil.so\n"

static void test_modsim_scenario_resolve_builtin_wins_over_cwd_file(void **state)
{
	struct fixture *fx = *state;

	put_file("unload-race", EVIL, strlen(EVIL));
	assert_int_equal(modsim_scenario_resolve("unload-race", &fx->s), 0);
	assert_string_equal(fx->s.name, "unload-race");
	assert_int_equal(fx->s.nmods, 3);
	assert_string_equal(fx->s.mods[0].spec, "selfcount");
}

static void test_modsim_scenario_resolve_cwd_file_needs_a_path(void **state)
{
	struct fixture *fx = *state;

	put_file("mine", EVIL, strlen(EVIL));
	assert_int_equal(modsim_scenario_resolve("mine", &fx->s), -ENOENT);
	if (!strstr(modsim_last_error(), "give ./mine"))
		fail_msg("the refusal does not say how: %s", modsim_last_error());
	assert_int_equal(modsim_scenario_resolve("./mine", &fx->s), 0);
	assert_string_equal(fx->s.mods[0].spec, "/nonexistent/evil.so");
	put_file("mine.ini", EVIL, strlen(EVIL));
	assert_int_equal(modsim_scenario_resolve("mine.ini", &fx->s), 0);
	assert_string_equal(fx->s.name, "mine");
}

static void test_modsim_scenario_load_file_repeated_key(void **state)
{
	static const char text[] = "[module]\nname = hello\nname = /tmp/evil.so\n";

	expect_refused(*state, text, strlen(text), -EINVAL, 3, "'name' is set twice in [module] (first on line 2)");
}

static void test_modsim_scenario_load_file_repeated_key_other_section(void **state)
{
	static const char text[] = "[workers]\nhook = 1\n[module]\nname = hello\n[workers]\nhook = 4\n";

	expect_refused(*state, text, strlen(text), -EINVAL, 6, "'hook' is set twice in [workers]");
}

static void test_modsim_scenario_load_file_continuation_line(void **state)
{
	static const char text[] = "[module]\nname = hello\n   /tmp/evil.so\n";

	expect_refused(*state, text, strlen(text), -EINVAL, 3, "continuation lines are not allowed");
}

static void test_modsim_scenario_load_file_modules_keep_their_keys(void **state)
{
	static const char text[] = "[module]\nname = hello\nparams = a=1\n\n[module]\nname = hook\n"
				   "params = b=2\n  ; an indented comment\n";
	struct fixture *fx = *state;

	put_file("two.ini", text, strlen(text));
	assert_int_equal(modsim_scenario_resolve("two.ini", &fx->s), 0);
	assert_int_equal(fx->s.nmods, 2);
	assert_string_equal(fx->s.mods[0].spec, "hello");
	assert_string_equal(fx->s.mods[1].spec, "hook");
	assert_string_equal(fx->s.mods[1].params[0], "b=2");
}

static void test_modsim_scenario_load_file_nul_byte(void **state)
{
	static const char text[] = "[module]\nname = hel\0/tmp/evil.so\n";

	expect_refused(*state, text, sizeof(text) - 1, -EINVAL, 2, "NUL byte");
}

static void test_modsim_scenario_load_file_too_big(void **state)
{
	size_t len = 100 * 1024;
	char *text = malloc(len);

	assert_non_null(text);
	memset(text, '#', len);
	for (size_t i = 60; i < len; i += 61)
		text[i] = '\n';
	expect_refused(*state, text, len, -EFBIG, 0, "bytes; a scenario file is at most");
	free(text);
}

static void test_modsim_scenario_resolve_not_a_regular_file(void **state)
{
	struct fixture *fx = *state;

	/* It used to read /dev/zero for ever. */
	assert_int_equal(modsim_scenario_resolve("/dev/zero", &fx->s), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "/dev/zero: not a regular file"));
	assert_int_equal(mkdir("d.ini", 0700), 0);
	assert_int_equal(modsim_scenario_resolve("d.ini", &fx->s), -EINVAL);
	assert_non_null(strstr(modsim_last_error(), "not a regular file"));
}

static void test_modsim_scenario_load_file_long_line(void **state)
{
	char text[600];

	memset(text, 'x', sizeof(text));
	memcpy(text, "[scenario]\ndescription = ", 25);
	text[sizeof(text) - 1] = '\n';
	expect_refused(*state, text, sizeof(text), -EINVAL, 2, "line longer than");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_modsim_scenario_resolve_builtin_wins_over_cwd_file),
		T(test_modsim_scenario_resolve_cwd_file_needs_a_path),
		T(test_modsim_scenario_load_file_repeated_key),
		T(test_modsim_scenario_load_file_repeated_key_other_section),
		T(test_modsim_scenario_load_file_continuation_line),
		T(test_modsim_scenario_load_file_modules_keep_their_keys),
		T(test_modsim_scenario_load_file_nul_byte),
		T(test_modsim_scenario_load_file_too_big),
		T(test_modsim_scenario_resolve_not_a_regular_file),
		T(test_modsim_scenario_load_file_long_line),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
