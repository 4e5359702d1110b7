/* The library's boundary: a host of the core API alone (libmodsim.so, or the core archive without the lab) loads hello.so and unloads it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/stats.h>

/*
 * Built with an include path that holds include/modsim/NAME.h and not
 * include/modsim/lab/ (tests/CMakeLists.txt copies them), twice:
 * boundary_core_shared links libmodsim.so and nothing of src/ (what a host
 * can do with the installed library's core API); boundary_core_static
 * (MODSIM_BOUNDARY_CORE_ARCHIVE) links the core archive whole, src/ without
 * lab/ and report/, so it links only while no core file calls up into the
 * lab.
 */

static int setup(void **state)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.strategy = "linux26";
	cfg.module_path = MODSIM_BUILD_DIR "/modules";
	if (modsim_kernel_create(&cfg, &k) != 0)
		fail_msg("modsim_kernel_create: %s", modsim_last_error());
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

#ifndef MODSIM_BOUNDARY_CORE_ARCHIVE
/* The library's code runs from libmodsim.so, not from a copy in this program. */
static void test_boundary_code_location(void **state)
{
	Dl_info info;

	(void)state;
	assert_int_not_equal(dladdr((void *)modsim_load, &info), 0);
	assert_non_null(info.dli_fname);
	if (!strstr(info.dli_fname, "libmodsim.so"))
		fail_msg("modsim_load is in %s, not libmodsim.so", info.dli_fname);
}
#else
/*
 * The core is in this program (exported from it: the modules bind the
 * module API here), no libmodsim.so is loaded, and the lab is absent: none
 * of its entry points can be found where modsim_load is.
 */
static void test_boundary_code_location(void **state)
{
	static const char *const lab[] = { "modsim_run", "modsim_matrix_run",
					   "modsim_hazard_run", "modsim_scenario_names",
					   "modsim_shrink" };

	(void)state;
	assert_non_null(dlsym(RTLD_DEFAULT, "modsim_load"));
	assert_non_null(dlsym(RTLD_DEFAULT, "register_hook"));
	assert_null(dlopen("libmodsim.so." MODSIM_SOVERSION, RTLD_LAZY | RTLD_NOLOAD));
	for (size_t i = 0; i < sizeof(lab) / sizeof(lab[0]); i++)
		if (dlsym(RTLD_DEFAULT, lab[i]))
			fail_msg("%s is linked into the core-only program", lab[i]);
}
#endif

static void test_boundary_load_and_unload_hello(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_modinfo info[4];
	struct modsim_stats st;
	struct modsim_mod *m = NULL;

	assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
	assert_non_null(m);
	assert_ptr_equal(modsim_find(k, "hello"), m);
	assert_int_equal(modsim_lsmod(k, info, 4), 1);
	assert_string_equal(info[0].name, "hello");
	assert_int_equal(info[0].state, MODSIM_STATE_LIVE);
	assert_string_equal(info[0].path, MODSIM_BUILD_DIR "/modules/hello.so");

	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_null(modsim_find(k, "hello"));
	assert_int_equal(modsim_lsmod(k, info, 4), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.loads, 1);
	assert_int_equal(st.unload_done, 1);
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		assert_int_equal(st.violations[v], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundary_code_location),
		cmocka_unit_test_setup_teardown(test_boundary_load_and_unload_hello, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
