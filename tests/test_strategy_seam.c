/* The strategy seam: a preset from a .so sees every caller-side and loader-side operation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include <modsim/kernel.h>

#include "kernel/units.h"

#define COUNTING_SO MODSIM_BUILD_DIR "/tests/strategies/counting.so"

enum { C_ENTER, C_EXIT, C_GET, C_PUT, C_LOAD, C_UNLOAD, C_SETUP, C_TEARDOWN, C__COUNT };
static const char *const counter_names[C__COUNT] = {
	"counting_enter", "counting_exit", "counting_get", "counting_put",
	"counting_load", "counting_unload", "counting_setup", "counting_teardown",
};

struct fixture {
	struct modsim_kernel *k;
	void *so; /* our own reference to counting.so, so counters outlive the kernel */
	_Atomic unsigned long *c[C__COUNT];
};

static struct fixture fx;

static int setup(void **state)
{
	struct modsim_config cfg;

	memset(&fx, 0, sizeof(fx));
	modsim_config_default(&cfg);
	cfg.strategy = COUNTING_SO;
	cfg.timer_thread = false;
	assert_int_equal(modsim_kernel_create(&cfg, &fx.k), 0);
	fx.so = dlopen(COUNTING_SO, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(fx.so);
	for (int i = 0; i < C__COUNT; i++) {
		fx.c[i] = dlsym(fx.so, counter_names[i]);
		assert_non_null(fx.c[i]);
		atomic_store(fx.c[i], 0);
	}
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	modsim_kernel_destroy(fx.k);
	dlclose(fx.so);
	return 0;
}

static unsigned long count(int which)
{
	return atomic_load(fx.c[which]);
}

static void test_modsim_strategy_resolve_from_so(void **state)
{
	assert_string_equal(modsim_strategy_name(fx.k), "counting");
	assert_non_null(fx.k->strat_handle);
}

/* Load and unload go through the preset's load and unload operations. */
static void test_modsim_strategy_load_unload_ops(void **state)
{
	struct modsim_mod *m = NULL;

	assert_int_equal(modsim_load(fx.k, "hello", 0, NULL, &m), 0);
	assert_int_equal(count(C_SETUP), 1);
	assert_int_equal(count(C_LOAD), 1);
	assert_int_equal(count(C_UNLOAD), 0);
	assert_ptr_equal(m->strat, fx.k->strat);
	assert_int_equal(modsim_unload(fx.k, "hello", 0), 0);
	assert_int_equal(count(C_UNLOAD), 1);
	/* Forced unload is the core's own path: the preset's unload is not asked. */
	assert_int_equal(modsim_load(fx.k, "hello", 0, NULL, NULL), 0);
	assert_int_equal(modsim_unload(fx.k, "hello", MODSIM_UNLOAD_FORCE), 0);
	assert_int_equal(count(C_UNLOAD), 1);
	assert_int_equal(count(C_LOAD), 2);
	/* Per-module state is torn down with the records, at destruction. */
	assert_int_equal(count(C_TEARDOWN), 0);
	modsim_kernel_destroy(fx.k);
	fx.k = NULL;
	assert_int_equal(count(C_TEARDOWN), 2);
	assert_int_equal(modsim_kernel_create(NULL, &fx.k), 0);
}

/* A hook call goes through enter and exit, once each. */
static void test_modsim_strategy_hook_enter_exit(void **state)
{
	assert_int_equal(modsim_load(fx.k, "hook", 0, NULL, NULL), 0);
	assert_int_equal(count(C_ENTER), 0);
	assert_int_equal(modsim_hook_run(fx.k, NULL), 1);
	assert_int_equal(count(C_ENTER), 1);
	assert_int_equal(count(C_EXIT), 1);
	assert_int_equal(count(C_GET), 0);
	assert_int_equal(count(C_PUT), 0);
}

/* An open file holds a reference (get at open, put at close); each file
 * operation goes through enter and exit. */
static void test_modsim_strategy_chrdev_get_put(void **state)
{
	struct modsim_file *f = NULL;
	char buf[16];
	unsigned long enters;

	assert_int_equal(modsim_load(fx.k, "chardev", 0, NULL, NULL), 0);
	assert_int_equal(modsim_chrdev_open(fx.k, "chardev", &f), 0);
	assert_int_equal(count(C_GET), 1);
	assert_int_equal(count(C_PUT), 0);
	enters = count(C_ENTER);
	assert_true(modsim_chrdev_read(f, buf, sizeof(buf)) >= 0);
	assert_int_equal(count(C_ENTER), enters + 1);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(count(C_GET), 1);
	assert_int_equal(count(C_PUT), 1);
	assert_int_equal(count(C_ENTER), count(C_EXIT));
}

/* The module API maps onto get and put. */
static void test_modsim_strategy_module_api(void **state)
{
	struct modsim_mod *m = NULL;

	assert_int_equal(modsim_load(fx.k, "hello", 0, NULL, &m), 0);
	assert_true(try_module_get(m->desc));
	__module_get(m->desc);
	assert_int_equal(count(C_GET), 2);
	module_put(m->desc);
	module_put(m->desc);
	assert_int_equal(count(C_PUT), 2);
	/* No self_enter: self-counting calls succeed and count nothing. */
	assert_true(module_self_enter(m->desc));
	module_self_exit(m->desc);
	assert_int_equal(count(C_GET), 2);
	assert_int_equal(module_refcount(m->desc), -1);
	assert_string_equal(module_name(m->desc), "hello");
	assert_string_equal(module_name(NULL), "kernel");
	assert_true(try_module_get(NULL));
}

/* The built-in table. */
static void test_modsim_strategy_builtins(void **state)
{
	const struct modsim_strategy *const *all;
	const struct modsim_strategy *none, *try;
	size_t n;

	all = modsim_strategy_all(&n);
	assert_true(n >= 2);
	none = modsim_strategy_find("none");
	try = modsim_strategy_find("try");
	assert_non_null(none);
	assert_non_null(try);
	assert_ptr_equal(all[0], none);
	assert_null(modsim_strategy_find("counting"));
	for (size_t i = 0; i < n; i++) {
		assert_non_null(all[i]->enter);
		assert_non_null(all[i]->get);
		for (int h = 0; h < MODSIM_HZ__COUNT; h++)
			assert_non_null(all[i]->why[h]);
	}
	assert_int_equal(none->predict[MODSIM_HZ_A], MODSIM_UNSAFE);
	assert_int_equal(none->predict[MODSIM_HZ_B], MODSIM_UNSAFE);
	assert_int_equal(none->predict[MODSIM_HZ_S], MODSIM_SAFE);
	assert_int_equal(try->predict[MODSIM_HZ_A], MODSIM_SAFE);
	assert_int_equal(try->predict[MODSIM_HZ_B], MODSIM_SAFE);
	assert_int_equal(try->predict[MODSIM_HZ_L], MODSIM_SAFE);
	assert_string_equal(modsim_hazard_name(MODSIM_HZ_A), "A");
	assert_string_equal(modsim_hazard_name(MODSIM_HZ_S), "S");
}

/* Switching from the .so back to a built-in preset, and to the .so again. */
static void test_modsim_set_strategy_so_and_back(void **state)
{
	assert_int_equal(modsim_set_strategy(fx.k, "try"), 0);
	assert_string_equal(modsim_strategy_name(fx.k), "try");
	assert_null(fx.k->strat_handle);
	assert_int_equal(modsim_set_strategy(fx.k, COUNTING_SO), 0);
	assert_string_equal(modsim_strategy_name(fx.k), "counting");
	assert_int_equal(modsim_load(fx.k, "hello", 0, NULL, NULL), 0);
	assert_int_equal(count(C_LOAD), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_strategy_resolve_from_so, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_strategy_load_unload_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_strategy_hook_enter_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_strategy_chrdev_get_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_strategy_module_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_strategy_builtins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_set_strategy_so_and_back, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
