/* lsmod: the modules that are not gone, in load order, as records and as a table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/kernel.h>

#include "kernel/units.h"

static int make_kernel(void **state, const char *strategy)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.timer_thread = false;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	*state = k;
	return 0;
}

static int setup_none(void **state)
{
	return make_kernel(state, "none");
}

static int setup_try(void **state)
{
	return make_kernel(state, "try");
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

/* lsmod_print into a string the caller frees. */
static char *print(struct modsim_kernel *k)
{
	FILE *f = tmpfile();
	char *buf;
	long n;

	assert_non_null(f);
	modsim_lsmod_print(k, f);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_modsim_lsmod_empty(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_modinfo info[2];
	char *out;

	assert_int_equal(modsim_lsmod(k, info, 2), 0);
	out = print(k);
	assert_non_null(strstr(out, "Module"));
	assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* header only */
	free(out);
}

static void test_modsim_lsmod_load_order(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_modinfo info[4];

	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
	assert_int_equal(modsim_load(k, "hook", 0, NULL, NULL), 0);
	assert_int_equal(modsim_lsmod(k, info, 4), 2);
	assert_string_equal(info[0].name, "hello");
	assert_string_equal(info[1].name, "hook");
	assert_int_equal(info[0].generation, 1);
	assert_int_equal(info[1].generation, 2);
	assert_int_equal(info[0].state, MODSIM_STATE_LIVE);
	assert_true(info[0].size > 0);
	assert_non_null(strstr(info[0].path, "hello.so"));
	assert_int_equal(info[0].refcount, -1); /* none keeps no count */
	assert_string_equal(info[0].used_by, "");

	/* At most max entries. */
	assert_int_equal(modsim_lsmod(k, info, 1), 1);
	assert_string_equal(info[0].name, "hello");

	/* Gone generations are not listed. */
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(modsim_lsmod(k, info, 4), 1);
	assert_string_equal(info[0].name, "hook");
}

static void test_modsim_lsmod_refcount_try(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_modinfo info[2];
	struct modsim_mod *m = NULL;
	char *out, *line;

	assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
	assert_int_equal(modsim_lsmod(k, info, 2), 1);
	assert_int_equal(info[0].refcount, 0);
	assert_true(try_module_get(m->desc));
	assert_int_equal(modsim_lsmod(k, info, 2), 1);
	assert_int_equal(info[0].refcount, 1);

	out = print(k);
	line = strstr(out, "\nhello ");
	assert_non_null(line);
	/* name, size, used, state, generation */
	{
		char name[64], state_s[16];
		size_t size;
		long used;
		unsigned long gen;

		assert_int_equal(sscanf(line + 1, "%63s %zu %ld %15s %lu", name, &size, &used,
					state_s, &gen), 5);
		assert_int_equal(size, info[0].size);
		assert_int_equal(used, 1);
		assert_string_equal(state_s, "live");
		assert_int_equal(gen, 1);
	}
	free(out);
	module_put(m->desc);
}

static void test_modsim_lsmod_print_none(void **state)
{
	struct modsim_kernel *k = *state;
	char *out, *line;
	char name[64], used[8], state_s[16];
	size_t size;

	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
	out = print(k);
	assert_non_null(strstr(out, "Module"));
	assert_non_null(strstr(out, "Size"));
	assert_non_null(strstr(out, "Used by"));
	assert_non_null(strstr(out, "State"));
	assert_non_null(strstr(out, "Gen"));
	line = strstr(out, "\nhello ");
	assert_non_null(line);
	assert_int_equal(sscanf(line + 1, "%63s %zu %7s %15s", name, &size, used, state_s), 4);
	assert_string_equal(used, "-");
	assert_string_equal(state_s, "live");
	free(out);
}

static void test_modsim_lsmod_used_by(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_modinfo info[4];
	char *out;

	assert_int_equal(modsim_load(k, "exporter", 0, NULL, NULL), 0);
	assert_int_equal(modsim_load(k, "importer", 0, NULL, NULL), 0);
	assert_int_equal(modsim_lsmod(k, info, 4), 2);
	assert_string_equal(info[0].name, "exporter");
	assert_string_equal(info[0].used_by, "importer");
	assert_string_equal(info[1].used_by, "");
	out = print(k);
	assert_non_null(strstr(out, "importer\n"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_lsmod_empty, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_lsmod_load_order, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_lsmod_refcount_try, setup_try, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_lsmod_print_none, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_lsmod_used_by, setup_none, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
