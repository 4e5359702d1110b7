/* The kernel symbol table: exports, symbol_get/put, modsim_symbol_call, and module dependencies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/module.h>
#include <modsim/point.h>
#include <modsim/stats.h>

#include "kernel/units.h"

#define TEST_MODDIR MODSIM_BUILD_DIR "/tests/modules"
#define WAIT_MS 10000 /* failure bound only */

static int setup(void **state)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.strategy = "try";
	cfg.init_timeout_ms = 0;
	cfg.module_path = TEST_MODDIR;
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

/* Load test module @name, which must succeed. */
static struct modsim_mod *load_ok(struct modsim_kernel *k, const char *name)
{
	struct modsim_mod *m = NULL;
	int err = modsim_load(k, name, 0, NULL, &m);

	if (err)
		fail_msg("loading %s: %d: %s", name, err, modsim_last_error());
	assert_non_null(m);
	return m;
}

/* @name's lsmod line; fails the test when it is not listed. */
static struct modsim_modinfo lsmod_of(struct modsim_kernel *k, const char *name)
{
	struct modsim_modinfo info[16];
	int n = modsim_lsmod(k, info, 16);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++)
		if (!strcmp(info[i].name, name))
			return info[i];
	fail_msg("%s is not in lsmod", name);
	return info[0];
}

static struct modsim_stats stats_of(struct modsim_kernel *k)
{
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	return st;
}

/* ---- exports ---- */

static void test_symtab_add_exports_callable(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *a = load_ok(k, "exp_a"), *user = load_ok(k, "params");
	long r = 0;

	assert_int_equal(modsim_symbol_call(k, "exp_a_add", 41, &r), 0);
	assert_int_equal(r, 42);
	assert_int_equal(stats_of(k).ops[MODSIM_SS_SYMBOL], 1);
	/* Variables are exported too, at their address in the module. */
	assert_ptr_equal(__symbol_get(user->desc, "exp_a_calls"), dlsym(a->handle, "exp_a_calls"));
	__symbol_put(user->desc, "exp_a_calls");
}

static void test_symtab_add_duplicate_refused(void **state)
{
	struct modsim_kernel *k = *state;
	long r = 0;

	load_ok(k, "exp_a");
	assert_int_equal(modsim_load(k, "symbols_dup", 0, NULL, NULL), -EEXIST);
	assert_error_has("insmod symbols_dup: symbol exp_a_add already exported by exp_a");
	assert_null(modsim_find(k, "symbols_dup"));
	/* The first exporter keeps the name. */
	assert_int_equal(modsim_symbol_call(k, "exp_a_add", 41, &r), 0);
	assert_int_equal(r, 42);
}

static void test_symtab_remove_at_unload(void **state)
{
	struct modsim_kernel *k = *state;
	long r = 0;

	load_ok(k, "exp_a");
	assert_int_equal(modsim_unload(k, "exp_a", 0), 0);
	assert_int_equal(modsim_symbol_call(k, "exp_a_add", 1, &r), -ENOENT);
	assert_error_has("exp_a_add");
	/* The name is free again: another module may export it. */
	load_ok(k, "symbols_dup");
	assert_int_equal(modsim_symbol_call(k, "exp_a_add", 41, &r), 0);
	assert_int_equal(r, 40);
	assert_int_equal(modsim_unload(k, "symbols_dup", 0), 0);
	/* And the first exporter can come back. */
	load_ok(k, "exp_a");
	assert_int_equal(modsim_symbol_call(k, "exp_a_add", 41, &r), 0);
	assert_int_equal(r, 42);
}

/* ---- symbol_get / symbol_put ---- */

static void test_symbol_get_counts_references(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *a = load_ok(k, "exp_a"), *user = load_ok(k, "params");
	void *want = dlsym(a->handle, "exp_a_add");

	assert_non_null(want);
	assert_int_equal(module_refcount(a->desc), 0);
	assert_ptr_equal(__symbol_get(user->desc, "exp_a_add"), want);
	assert_int_equal(module_refcount(a->desc), 1);
	assert_int_equal(lsmod_of(k, "exp_a").refcount, 1);
	assert_ptr_equal(__symbol_get(user->desc, "exp_a_add"), want);
	assert_int_equal(module_refcount(a->desc), 2);
	__symbol_put(user->desc, "exp_a_add");
	assert_int_equal(lsmod_of(k, "exp_a").refcount, 1);
	__symbol_put(user->desc, "exp_a_add");
	assert_int_equal(module_refcount(a->desc), 0);
	assert_int_equal(lsmod_of(k, "exp_a").refcount, 0);
	/* No reference held: it unloads. */
	assert_int_equal(modsim_unload(k, "exp_a", 0), 0);
}

static void test_symbol_get_refused(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *a = load_ok(k, "exp_a"), *user = load_ok(k, "params");

	/* Without a module asking there is no kernel to look in. */
	assert_null(__symbol_get(NULL, "exp_a_add"));
	assert_null(__symbol_get(user->desc, "nobody_exports_this"));
	assert_null(__symbol_get(user->desc, "params_gett"));
	assert_int_equal(module_refcount(a->desc), 0);
	/* A put of nothing is harmless. */
	__symbol_put(NULL, "exp_a_add");
	__symbol_put(user->desc, "nobody_exports_this");
	assert_int_equal(module_refcount(a->desc), 0);
}

/* symbol_get() in init, symbol_put() in exit: a reference, not a dependency. */
static void test_symbol_get_from_module_code(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *a = load_ok(k, "exp_a");
	long r = 0;

	load_ok(k, "symbols_getter");
	assert_int_equal(module_refcount(a->desc), 1);
	assert_string_equal(lsmod_of(k, "exp_a").used_by, "");
	assert_int_equal(modsim_symbol_call(k, "symbols_getter_call", 5, &r), 0);
	assert_int_equal(r, 6);
	/* The held reference keeps the exporter in. */
	assert_true(modsim_unload(k, "exp_a", MODSIM_UNLOAD_NOWAIT) < 0);
	assert_ptr_equal(modsim_find(k, "exp_a"), a);
	assert_int_equal(modsim_unload(k, "symbols_getter", 0), 0);
	assert_int_equal(module_refcount(a->desc), 0);
	assert_int_equal(modsim_unload(k, "exp_a", 0), 0);
}

static void test_symbol_get_from_module_without_exporter(void **state)
{
	struct modsim_kernel *k = *state;

	/* symbols_getter's init fails with -ENOENT when symbol_get() finds nothing. */
	assert_int_equal(modsim_load(k, "symbols_getter", 0, NULL, NULL), -ENOENT);
	assert_null(modsim_find(k, "symbols_getter"));
}

struct unload_job {
	struct modsim_kernel *k;
	const char *name;
	int ret;
};

static void *unload_thread(void *arg)
{
	struct unload_job *j = arg;

	j->ret = modsim_unload(j->k, j->name, 0);
	return NULL;
}

/* Under "try" an exporter that is going away gives no references. */
static void test_symbol_get_going_exporter(void **state)
{
	struct modsim_kernel *k = *state;
	struct unload_job job = { .k = k, .name = "exp_a", .ret = 1 };
	struct modsim_mod *user;
	pthread_t t;
	long r = 0;

	load_ok(k, "exp_a");
	user = load_ok(k, "params");
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_GOING, "exp_a"), 0);
	assert_int_equal(pthread_create(&t, NULL, unload_thread, &job), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_GOING, WAIT_MS), 0);

	assert_null(__symbol_get(user->desc, "exp_a_add"));
	assert_int_equal(modsim_symbol_call(k, "exp_a_add", 1, &r), -ENODEV);
	assert_int_equal(stats_of(k).failed_get[MODSIM_SS_SYMBOL], 1);
	assert_int_equal(stats_of(k).ops[MODSIM_SS_SYMBOL], 0);

	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(job.ret, 0);
}

/* ---- modsim_symbol_call ---- */

static void test_symbol_call_not_exported(void **state)
{
	struct modsim_kernel *k = *state;
	long r = 7;

	assert_int_equal(modsim_symbol_call(k, "nobody_exports_this", 1, &r), -ENOENT);
	assert_error_has("nobody_exports_this");
	assert_int_equal(r, 7);
	assert_int_equal(stats_of(k).ops[MODSIM_SS_SYMBOL], 0);
}

struct call_job {
	struct modsim_kernel *k;
	int ret;
	long r;
};

static void *call_thread(void *arg)
{
	struct call_job *j = arg;

	j->ret = modsim_symbol_call(j->k, "exp_a_add", 1, &j->r);
	return NULL;
}

/*
 * The caller found the symbol; the exporter is unloaded before it takes its
 * reference.  Under "try" the get fails: no call, a counted failed get.
 */
static void test_symbol_call_failed_get_after_lookup(void **state)
{
	struct modsim_kernel *k = *state;
	struct call_job job = { .k = k, .ret = 1 };
	struct modsim_stats st;
	pthread_t t;

	load_ok(k, "exp_a");
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_LOOKUP, "exp_a"), 0);
	assert_int_equal(pthread_create(&t, NULL, call_thread, &job), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_LOOKUP, WAIT_MS), 0);
	assert_int_equal(modsim_unload(k, "exp_a", 0), 0);
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_LOOKUP);
	assert_int_equal(pthread_join(t, NULL), 0);

	assert_int_equal(job.ret, -ENODEV);
	st = stats_of(k);
	assert_int_equal(st.failed_get[MODSIM_SS_SYMBOL], 1);
	assert_int_equal(st.ops[MODSIM_SS_SYMBOL], 0);
	assert_int_equal(st.faulted[MODSIM_SS_SYMBOL], 0);
}

/* The three caller-side points are passed in order on a successful call. */
static void test_symbol_call_passes_points(void **state)
{
	struct modsim_kernel *k = *state;
	long r = 0;

	load_ok(k, "exp_a");
	modsim_point_watch(k, MODSIM_PT_CALL_AFTER_LOOKUP);
	modsim_point_watch(k, MODSIM_PT_CALL_AFTER_ENTER);
	modsim_point_watch(k, MODSIM_PT_CALL_BEFORE_EXIT);
	assert_int_equal(modsim_symbol_call(k, "exp_a_add", 1, &r), 0);
	assert_int_equal(r, 2);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_CALL_AFTER_LOOKUP), 1);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_CALL_AFTER_ENTER), 1);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_CALL_BEFORE_EXIT), 1);
}

struct spin_job {
	struct modsim_kernel *k;
	atomic_int stop;
	unsigned long calls, ok, other;
};

/* Calls exp_a_add until told to stop; any answer but 0/-ENOENT/-ENODEV is "other". */
static void *spin_call_thread(void *arg)
{
	struct spin_job *j = arg;
	long r;
	int err;

	while (!atomic_load(&j->stop)) {
		err = modsim_symbol_call(j->k, "exp_a_add", 1, &r);
		j->calls++;
		if (err == 0 && r == 2)
			j->ok++;
		else if (err != -ENOENT && err != -ENODEV)
			j->other++;
	}
	return NULL;
}

/* Under "try", calls racing with load and unload never reach a dead module. */
static void test_symbol_call_races_unload(void **state)
{
	struct modsim_kernel *k = *state;
	struct spin_job job = { .k = k };
	struct modsim_stats st;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, spin_call_thread, &job), 0);
	for (int i = 0; i < 30; i++) {
		long tries = 0;
		int err;

		load_ok(k, "exp_a");
		/* "try" refuses (-EBUSY) while a call holds its reference: retry. */
		while ((err = modsim_unload(k, "exp_a", 0)) == -EBUSY && tries++ < 1000000)
			sched_yield();
		assert_int_equal(err, 0);
	}
	atomic_store(&job.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(job.other, 0);
	st = stats_of(k);
	assert_int_equal(st.faulted[MODSIM_SS_SYMBOL], 0);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 0);
	assert_int_equal(st.violations[MODSIM_V_CALL_AFTER_EXIT], 0);
	assert_int_equal(st.ops[MODSIM_SS_SYMBOL], job.ok);
}

struct lsmod_job {
	struct modsim_kernel *k;
	atomic_int stop;
	unsigned long seen_user;
};

static void *spin_lsmod_thread(void *arg)
{
	struct lsmod_job *j = arg;
	struct modsim_modinfo info[8];
	int n;

	while (!atomic_load(&j->stop)) {
		n = modsim_lsmod(j->k, info, 8);
		for (int i = 0; i < n; i++)
			if (!strcmp(info[i].name, "exp_a") && !strcmp(info[i].used_by, "imp_b"))
				j->seen_user++;
	}
	return NULL;
}

/* lsmod reads the uses while importers come and go. */
static void test_deps_users_concurrent_lsmod(void **state)
{
	struct modsim_kernel *k = *state;
	struct lsmod_job job = { .k = k };
	pthread_t t;

	load_ok(k, "exp_a");
	assert_int_equal(pthread_create(&t, NULL, spin_lsmod_thread, &job), 0);
	for (int i = 0; i < 30; i++) {
		load_ok(k, "imp_b");
		assert_int_equal(modsim_unload(k, "imp_b", 0), 0);
	}
	atomic_store(&job.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_string_equal(lsmod_of(k, "exp_a").used_by, "");
}

/* ---- dependencies ---- */

static void test_deps_record_names_importers(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *a = load_ok(k, "exp_a"), *b = load_ok(k, "imp_b");
	long r = 0;

	load_ok(k, "symbols_imp2");
	assert_string_equal(lsmod_of(k, "exp_a").used_by, "imp_b,symbols_imp2");
	assert_string_equal(lsmod_of(k, "imp_b").used_by, "");
	assert_int_equal(b->nuses, 1);
	assert_ptr_equal(b->uses[0], a);
	assert_int_equal(a->nuses, 0);
	/* The importer's own calls go straight to the exporter. */
	assert_int_equal(modsim_symbol_call(k, "imp_b_add2", 1, &r), 0);
	assert_int_equal(r, 3);
}

/* The count is every user; the list holds the names that fit whole. */
static void test_deps_users_short_buffer(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *a = load_ok(k, "exp_a");
	char buf[64];
	int n;

	load_ok(k, "imp_b");
	load_ok(k, "symbols_imp2");
	pthread_mutex_lock(&k->list_lock);
	n = modsim_deps_users(a, buf, sizeof(buf));
	pthread_mutex_unlock(&k->list_lock);
	assert_int_equal(n, 2);
	assert_string_equal(buf, "imp_b,symbols_imp2");

	pthread_mutex_lock(&k->list_lock);
	n = modsim_deps_users(a, buf, 8);
	pthread_mutex_unlock(&k->list_lock);
	assert_int_equal(n, 2);
	assert_string_equal(buf, "imp_b");

	pthread_mutex_lock(&k->list_lock);
	n = modsim_deps_users(a, NULL, 0);
	pthread_mutex_unlock(&k->list_lock);
	assert_int_equal(n, 2);
}

static void test_deps_record_blocks_unload(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *a = load_ok(k, "exp_a"), *b = load_ok(k, "imp_b");
	long r = 0;

	assert_int_equal(modsim_unload(k, "exp_a", 0), -EWOULDBLOCK);
	assert_ptr_equal(modsim_find(k, "exp_a"), a);
	assert_int_equal(modsim_symbol_call(k, "imp_b_add2", 1, &r), 0);
	assert_int_equal(r, 3);

	assert_int_equal(modsim_unload(k, "imp_b", 0), 0);
	assert_int_equal(b->nuses, 0); /* forgotten with the generation */
	assert_string_equal(lsmod_of(k, "exp_a").used_by, "");
	assert_int_equal(modsim_unload(k, "exp_a", 0), 0);
}

/* A use is recorded per generation: a reloaded importer binds again. */
static void test_deps_record_reload(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *a = load_ok(k, "exp_a"), *b;

	load_ok(k, "imp_b");
	assert_int_equal(modsim_unload(k, "imp_b", 0), 0);
	b = load_ok(k, "imp_b");
	assert_int_equal(b->nuses, 1);
	assert_ptr_equal(b->uses[0], a);
	assert_string_equal(lsmod_of(k, "exp_a").used_by, "imp_b");
}

static void test_deps_record_unresolved_import(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "imp_missing", 0, NULL, NULL), -ENOENT);
	assert_error_has("nobody_exports_this");
	assert_null(modsim_find(k, "imp_missing"));
}

static void test_deps_record_importer_needs_exporter(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "imp_b", 0, NULL, NULL), -ENOENT);
	assert_error_has("exp_a_add");
	assert_null(modsim_find(k, "imp_b"));
	/* In the right order it loads. */
	load_ok(k, "exp_a");
	load_ok(k, "imp_b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_symtab_add_exports_callable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symtab_add_duplicate_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symtab_remove_at_unload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_get_counts_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_get_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_get_from_module_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_get_from_module_without_exporter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symbol_get_going_exporter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_call_not_exported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_call_failed_get_after_lookup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symbol_call_passes_points, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_call_races_unload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deps_record_names_importers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deps_users_short_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deps_record_blocks_unload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deps_record_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deps_users_concurrent_lsmod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deps_record_unresolved_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deps_record_importer_needs_exporter, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
