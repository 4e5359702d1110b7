/* Module parameters: insmod's name=value strings, parsed by type into module variables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/kernel.h>

#include "kernel/units.h"

#define PARAMS_SO MODSIM_BUILD_DIR "/tests/modules/params.so"

/* Indexes of params_get() in tests/modules/params.c. */
enum { P_COUNT, P_MASK, P_OFFSET, P_LIMIT, P_VERBOSE, P_LABEL };

static int setup(void **state)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.init_timeout_ms = 0;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

static void assert_error_has(const char *needle)
{
	const char *msg = modsim_last_error();

	if (!strstr(msg, needle))
		fail_msg("last error \"%s\" lacks \"%s\"", msg, needle);
}

/* Load params.so with @n parameters; 0 and *@out, or the load's error. */
static int load_params(struct modsim_kernel *k, int n, char *const argv[], struct modsim_mod **out)
{
	return modsim_load(k, PARAMS_SO, n, argv, out);
}

/* The value params_get(@which) returns in the loaded generation @m. */
static long param_value(struct modsim_mod *m, long which)
{
	long (*get)(long) = (long (*)(long))dlsym(m->handle, "params_get");

	assert_non_null(get);
	return get(which);
}

static void test_params_apply_defaults(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = NULL;

	assert_int_equal(load_params(k, 0, NULL, &m), 0);
	assert_int_equal(param_value(m, P_COUNT), -7);
	assert_int_equal(param_value(m, P_MASK), 7);
	assert_int_equal(param_value(m, P_OFFSET), -70);
	assert_int_equal(param_value(m, P_LIMIT), 70);
	assert_int_equal(param_value(m, P_VERBOSE), 0);
	assert_int_equal(param_value(m, P_LABEL), 0);
	assert_int_equal(m->nparam_strings, 0);
}

static void test_params_apply_each_type(void **state)
{
	struct modsim_kernel *k = *state;
	char *argv[] = { "count=-42", "mask=0xff", "offset=-9000000000", "limit=18446744073709551615",
			 "verbose=yes", "label=hello world" };
	struct modsim_mod *m = NULL;
	const char *label;

	assert_int_equal(load_params(k, 6, argv, &m), 0);
	assert_int_equal(param_value(m, P_COUNT), -42);
	assert_int_equal(param_value(m, P_MASK), 255);
	assert_int_equal(param_value(m, P_OFFSET), -9000000000L);
	assert_int_equal((unsigned long)param_value(m, P_LIMIT), 18446744073709551615UL);
	assert_int_equal(param_value(m, P_VERBOSE), 1);
	label = (const char *)(intptr_t)param_value(m, P_LABEL);
	assert_non_null(label);
	assert_string_equal(label, "hello world");
	/* A copy the kernel owns, not the caller's string. */
	assert_int_equal(m->nparam_strings, 1);
	assert_ptr_equal(label, m->param_strings[0]);
	assert_ptr_not_equal(label, argv[5] + strlen("label="));
}

static void test_params_apply_extremes(void **state)
{
	struct modsim_kernel *k = *state;
	char *max[] = { "count=2147483647", "mask=4294967295", "offset=9223372036854775807",
			"limit=0" };
	char *min[] = { "count=-2147483648", "mask=0", "offset=-9223372036854775808" };
	struct modsim_mod *m = NULL;

	assert_int_equal(load_params(k, 4, max, &m), 0);
	assert_int_equal(param_value(m, P_COUNT), 2147483647L);
	assert_int_equal(param_value(m, P_MASK), 4294967295L);
	assert_int_equal(param_value(m, P_OFFSET), 9223372036854775807L);
	assert_int_equal(param_value(m, P_LIMIT), 0);
	assert_int_equal(modsim_unload(k, "params", 0), 0);

	assert_int_equal(load_params(k, 3, min, &m), 0);
	assert_int_equal(param_value(m, P_COUNT), -2147483648L);
	assert_int_equal(param_value(m, P_MASK), 0);
	assert_int_equal(param_value(m, P_OFFSET), (long)(-9223372036854775807L - 1));
}

static void test_params_apply_bool_words(void **state)
{
	static const struct {
		const char *arg;
		long want;
	} cases[] = {
		{ "verbose=1", 1 },    { "verbose=0", 0 },    { "verbose=y", 1 },
		{ "verbose=n", 0 },    { "verbose=true", 1 }, { "verbose=false", 0 },
		{ "verbose=yes", 1 },  { "verbose=no", 0 },   { "verbose=on", 1 },
		{ "verbose=off", 0 },  { "verbose=Y", 1 },    { "verbose=OFF", 0 },
	};
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = NULL;
	char *argv[2];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Start from the opposite value, so a value that is not written shows. */
		argv[0] = cases[i].want ? "verbose=0" : "verbose=1";
		argv[1] = (char *)cases[i].arg;
		if (load_params(k, 2, argv, &m) != 0)
			fail_msg("%s refused: %s", cases[i].arg, modsim_last_error());
		if (param_value(m, P_VERBOSE) != cases[i].want)
			fail_msg("%s gave %ld", cases[i].arg, param_value(m, P_VERBOSE));
		assert_int_equal(modsim_unload(k, "params", 0), 0);
	}
}

static void test_params_apply_out_of_range(void **state)
{
	static const struct {
		const char *arg, *type, *name;
	} cases[] = {
		{ "count=2147483648", "int", "count" },
		{ "count=-2147483649", "int", "count" },
		{ "mask=4294967296", "uint", "mask" },
		{ "mask=-1", "uint", "mask" },
		{ "offset=9223372036854775808", "long", "offset" },
		{ "offset=-9223372036854775809", "long", "offset" },
		{ "limit=18446744073709551616", "ulong", "limit" },
		{ "limit=-1", "ulong", "limit" },
	};
	struct modsim_kernel *k = *state;
	char want[128], *argv[1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv[0] = (char *)cases[i].arg;
		assert_int_equal(load_params(k, 1, argv, NULL), -EINVAL);
		snprintf(want, sizeof(want), "invalid value '%s' for %s parameter '%s'",
			 strchr(cases[i].arg, '=') + 1, cases[i].type, cases[i].name);
		assert_error_has(want);
		assert_error_has("out of range");
		assert_null(modsim_find(k, "params"));
	}
}

static void test_params_apply_bad_values(void **state)
{
	static const struct {
		const char *arg, *type, *name;
	} cases[] = {
		{ "count=12abc", "int", "count" },   { "count=", "int", "count" },
		{ "count= 1", "int", "count" },      { "count=1 ", "int", "count" },
		{ "mask=1.5", "uint", "mask" },      { "offset=abc", "long", "offset" },
		{ "limit=0x", "ulong", "limit" },    { "verbose=maybe", "bool", "verbose" },
		{ "verbose=", "bool", "verbose" },   { "verbose=2", "bool", "verbose" },
	};
	struct modsim_kernel *k = *state;
	char want[128], *argv[1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv[0] = (char *)cases[i].arg;
		assert_int_equal(load_params(k, 1, argv, NULL), -EINVAL);
		snprintf(want, sizeof(want), "invalid value '%s' for %s parameter '%s'",
			 strchr(cases[i].arg, '=') + 1, cases[i].type, cases[i].name);
		assert_error_has(want);
		assert_null(modsim_find(k, "params"));
	}
}

static void test_params_apply_unknown(void **state)
{
	struct modsim_kernel *k = *state;
	char *argv[] = { "count=1", "nosuch=1" };
	struct modsim_mod *m = NULL;

	assert_int_equal(load_params(k, 2, argv, NULL), -EINVAL);
	assert_error_has("insmod params: unknown parameter 'nosuch'");
	assert_null(modsim_find(k, "params"));
	/* A prefix of a real name is not that name. */
	argv[1] = "coun=1";
	assert_int_equal(load_params(k, 2, argv, NULL), -EINVAL);
	assert_error_has("unknown parameter 'coun'");
	/* The module still loads with good parameters afterwards. */
	assert_int_equal(load_params(k, 1, argv, &m), 0);
	assert_int_equal(param_value(m, P_COUNT), 1);
}

static void test_params_apply_missing_equals(void **state)
{
	struct modsim_kernel *k = *state;
	char *argv[] = { "verbose" };

	assert_int_equal(load_params(k, 1, argv, NULL), -EINVAL);
	assert_error_has("insmod params:");
	assert_error_has("'verbose'");
	assert_null(modsim_find(k, "params"));
}

static void test_params_apply_charp_last_wins(void **state)
{
	struct modsim_kernel *k = *state;
	char *argv[] = { "label=first", "label=", "label=last=one" };
	struct modsim_mod *m = NULL;

	assert_int_equal(load_params(k, 3, argv, &m), 0);
	/* Everything after the first '=' is the value. */
	assert_string_equal((const char *)(intptr_t)param_value(m, P_LABEL), "last=one");
	assert_int_equal(m->nparam_strings, 3);
}

/* The kernel frees the strings when the generation is released. */
static void test_params_free_at_unload(void **state)
{
	struct modsim_kernel *k = *state;
	char *argv[] = { "label=kept until unload" };
	struct modsim_mod *m = NULL;

	assert_int_equal(load_params(k, 1, argv, &m), 0);
	assert_int_equal(m->nparam_strings, 1);
	assert_int_equal(modsim_unload(k, "params", 0), 0);
	/* Records outlive their generation; its strings do not. */
	assert_int_equal(m->nparam_strings, 0);
	assert_null(m->param_strings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_params_apply_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_apply_each_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_apply_extremes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_apply_bool_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_apply_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_apply_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_apply_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_apply_missing_equals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_apply_charp_last_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_free_at_unload, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
