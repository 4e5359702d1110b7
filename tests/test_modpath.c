/* The module search path: bare names through the path, paths as given, and what a miss says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/kernel.h>

#include "kernel/units.h"

#define TEST_MODDIR MODSIM_BUILD_DIR "/tests/modules"

/* The kernel under test, and the environment to put back. */
struct fixture {
	struct modsim_kernel *k;
	char *saved_env;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *env = getenv("MODSIM_MODULE_PATH");

	assert_non_null(f);
	if (env)
		f->saved_env = strdup(env);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->k)
		modsim_kernel_destroy(f->k);
	if (f->saved_env)
		setenv("MODSIM_MODULE_PATH", f->saved_env, 1);
	else
		unsetenv("MODSIM_MODULE_PATH");
	free(f->saved_env);
	free(f);
	return 0;
}

/* Make the fixture's kernel with @module_path in the config (NULL: none). */
static void kernel_with_path(struct fixture *f, const char *module_path)
{
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.init_timeout_ms = 0;
	cfg.module_path = module_path;
	assert_int_equal(modsim_kernel_create(&cfg, &f->k), 0);
}

static void assert_error_has(const char *needle)
{
	const char *msg = modsim_last_error();

	if (!strstr(msg, needle))
		fail_msg("last error \"%s\" lacks \"%s\"", msg, needle);
}

/* This test binary's directory + "/modules", as the kernel computes it. */
static void exe_modules_dir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	n = (ssize_t)strlen(exe);
	assert_true((size_t)n + sizeof("/modules") <= len);
	memcpy(out, exe, (size_t)n);
	memcpy(out + n, "/modules", sizeof("/modules"));
}

static void test_modpath_resolve_bare_name_via_env(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = NULL;

	setenv("MODSIM_MODULE_PATH", "/nonexistent-modsim-a::" TEST_MODDIR, 1);
	kernel_with_path(f, NULL);
	assert_int_equal(modsim_load(f->k, "params", 0, NULL, &m), 0);
	assert_string_equal(m->path, TEST_MODDIR "/params.so");
	assert_string_equal(m->name, "params");
}

static void test_modpath_resolve_bare_name_with_suffix(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = NULL;

	kernel_with_path(f, TEST_MODDIR);
	assert_int_equal(modsim_load(f->k, "params.so", 0, NULL, &m), 0);
	assert_string_equal(m->path, TEST_MODDIR "/params.so");
}

/* Copy @src to @dst; 0 or -1. */
static int copy_file(const char *src, const char *dst)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	char buf[8192];
	size_t n;
	int err = (in && out) ? 0 : -1;

	while (!err && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			err = -1;
	if (in)
		fclose(in);
	if (out && fclose(out))
		err = -1;
	return err;
}

/* Two directories hold params.so: the one listed first wins. */
static void test_modpath_resolve_first_dir_wins(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/modsim-modpath-XXXXXX", copy[64], path[PATH_MAX], want[PATH_MAX];
	struct modsim_mod *m = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(copy, sizeof(copy), "%s/params.so", dir);
	assert_int_equal(copy_file(TEST_MODDIR "/params.so", copy), 0);

	snprintf(path, sizeof(path), "%s:%s", dir, TEST_MODDIR);
	kernel_with_path(f, path);
	assert_int_equal(modsim_load(f->k, "params", 0, NULL, &m), 0);
	assert_string_equal(m->path, copy);
	modsim_kernel_destroy(f->k);
	f->k = NULL;

	snprintf(path, sizeof(path), "%s:%s", TEST_MODDIR, dir);
	kernel_with_path(f, path);
	assert_int_equal(modsim_load(f->k, "params", 0, NULL, &m), 0);
	snprintf(want, sizeof(want), "%s/params.so", TEST_MODDIR);
	assert_string_equal(m->path, want);

	unlink(copy);
	rmdir(dir);
}

static void test_modpath_resolve_path_as_given(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = NULL;

	/* Not on the search path, and found anyway: a path is not searched. */
	kernel_with_path(f, "/nonexistent-modsim-a");
	assert_int_equal(modsim_load(f->k, TEST_MODDIR "/params.so", 0, NULL, &m), 0);
	assert_string_equal(m->path, TEST_MODDIR "/params.so");
}

static void test_modpath_resolve_path_missing(void **state)
{
	struct fixture *f = *state;

	kernel_with_path(f, TEST_MODDIR);
	assert_int_equal(modsim_load(f->k, TEST_MODDIR "/nosuch.so", 0, NULL, NULL), -ENOENT);
	assert_error_has(TEST_MODDIR "/nosuch.so");
}

static void test_modpath_resolve_not_found_lists_dirs(void **state)
{
	struct fixture *f = *state;

	kernel_with_path(f, "/nonexistent-modsim-a:/nonexistent-modsim-b");
	assert_int_equal(modsim_load(f->k, "params", 0, NULL, NULL), -ENOENT);
	assert_error_has("no module named params");
	assert_error_has("(searched: /nonexistent-modsim-a:/nonexistent-modsim-b)");
}

/* A directory is not a module, even when its name matches. */
static void test_modpath_resolve_skips_non_files(void **state)
{
	struct fixture *f = *state;

	/* MODSIM_BUILD_DIR has a "tests" directory, and no tests.so. */
	kernel_with_path(f, MODSIM_BUILD_DIR);
	assert_int_equal(modsim_load(f->k, "tests", 0, NULL, NULL), -ENOENT);
	assert_error_has("no module named tests");
}

static void test_modpath_init_config_overrides_env(void **state)
{
	struct fixture *f = *state;

	setenv("MODSIM_MODULE_PATH", TEST_MODDIR, 1);
	kernel_with_path(f, "/nonexistent-modsim-a");
	assert_string_equal(f->k->module_path, "/nonexistent-modsim-a");
	assert_int_equal(modsim_load(f->k, "params", 0, NULL, NULL), -ENOENT);
	assert_error_has("(searched: /nonexistent-modsim-a)");
}

/* @dir by its canonical name (as the kernel lists the directories it derives). */
static void canonical(const char *dir, char *out)
{
	assert_non_null(realpath(dir, out));
}

/*
 * After the environment: the installed modules folder (none in a build
 * tree: BINDIR/../lib/modsim/modules does not exist, and is not listed),
 * then the build tree's: the binary's directory + "/modules", and the
 * build's modules/ compiled into the test programs.
 */
static void test_modpath_init_env_then_exe_dir(void **state)
{
	struct fixture *f = *state;
	char want[3 * PATH_MAX + 64], exe_mods[PATH_MAX], build_mods[PATH_MAX];

	exe_modules_dir(exe_mods, sizeof(exe_mods));
	canonical(MODSIM_BUILD_DIR "/modules", build_mods);
	setenv("MODSIM_MODULE_PATH", "/nonexistent-modsim-a:/nonexistent-modsim-b", 1);
	kernel_with_path(f, NULL);
	snprintf(want, sizeof(want), "/nonexistent-modsim-a:/nonexistent-modsim-b:%s:%s", exe_mods,
		 build_mods);
	assert_string_equal(f->k->module_path, want);
	assert_null(strstr(f->k->module_path, "/lib/modsim/modules"));
}

/*
 * With neither config nor environment (a suite run by hand, not by CTest),
 * the executable's modules/ and the build's modules/ are searched: a test
 * module and an example module both load by bare name.
 */
static void test_modpath_init_exe_dir_alone(void **state)
{
	struct fixture *f = *state;
	char exe_mods[PATH_MAX], build_mods[PATH_MAX], want[2 * PATH_MAX + 16];
	struct modsim_mod *m = NULL;

	exe_modules_dir(exe_mods, sizeof(exe_mods));
	canonical(MODSIM_BUILD_DIR "/modules", build_mods);
	unsetenv("MODSIM_MODULE_PATH");
	kernel_with_path(f, NULL);
	snprintf(want, sizeof(want), "%s:%s", exe_mods, build_mods);
	assert_string_equal(f->k->module_path, want);
	/* The suites live in build/tests, beside build/tests/modules. */
	snprintf(want, sizeof(want), "%s/params.so", exe_mods);
	assert_int_equal(modsim_load(f->k, "params", 0, NULL, &m), 0);
	assert_string_equal(m->path, want);
	/* The example modules are in build/modules. */
	snprintf(want, sizeof(want), "%s/hello.so", build_mods);
	assert_int_equal(modsim_load(f->k, "hello", 0, NULL, &m), 0);
	assert_string_equal(m->path, want);
}

/* A directory named twice (the environment and the binary's) is searched once. */
static void test_modpath_init_derived_dir_once(void **state)
{
	struct fixture *f = *state;
	char exe_mods[PATH_MAX], build_mods[PATH_MAX], want[2 * PATH_MAX + 16];

	exe_modules_dir(exe_mods, sizeof(exe_mods));
	canonical(MODSIM_BUILD_DIR "/modules", build_mods);
	setenv("MODSIM_MODULE_PATH", build_mods, 1);
	kernel_with_path(f, NULL);
	snprintf(want, sizeof(want), "%s:%s", build_mods, exe_mods);
	assert_string_equal(f->k->module_path, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modpath_resolve_bare_name_via_env, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_resolve_bare_name_with_suffix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_resolve_first_dir_wins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_resolve_path_as_given, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_resolve_path_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_resolve_not_found_lists_dirs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_resolve_skips_non_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_init_config_overrides_env, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_init_env_then_exe_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modpath_init_exe_dir_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modpath_init_derived_dir_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
