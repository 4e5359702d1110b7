/* insmod: the load lifecycle of real example modules, duplicates, parameters, publication. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <modsim/kernel.h>

#include "kernel/units.h"

#define HELLO_SO MODSIM_BUILD_DIR "/modules/hello.so"
#define HELLO2_SO MODSIM_BUILD_DIR "/tests/modules/hello2.so"

static int setup(void **state)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

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

static void assert_error_has(const char *needle)
{
	const char *msg = modsim_last_error();

	if (!strstr(msg, needle))
		fail_msg("last error \"%s\" lacks \"%s\"", msg, needle);
}

static void test_modsim_load_hello_lifecycle(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = NULL, *again = NULL;

	assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
	assert_non_null(m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_ptr_equal(modsim_find(k, "hello"), m);
	assert_string_equal(m->name, "hello");
	assert_int_equal(m->generation, 1);
	assert_ptr_equal(m->desc->mod, m);
	assert_ptr_equal(modsim_mod_kernel(m), k);
	assert_true(m->size > 0);
	assert_non_null(strstr(m->path, "hello.so"));

	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_null(modsim_find(k, "hello"));
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_null(m->handle);

	/* A new generation, with a new record; the old one stays readable. */
	assert_int_equal(modsim_load(k, "hello", 0, NULL, &again), 0);
	assert_ptr_not_equal(again, m);
	assert_int_equal(again->generation, 2);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_ptr_equal(modsim_find(k, "hello"), again);
}

static void test_modsim_load_by_path(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = NULL;

	assert_int_equal(modsim_load(k, HELLO_SO, 0, NULL, &m), 0);
	assert_string_equal(m->name, "hello");
	assert_string_equal(m->path, HELLO_SO);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
}

static void test_modsim_load_out_optional(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
	assert_non_null(modsim_find(k, "hello"));
}

static void test_modsim_load_same_file_twice(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = NULL, *dup = (struct modsim_mod *)1;
	struct modsim_modinfo info[4];

	assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
	assert_int_equal(modsim_load(k, "hello", 0, NULL, &dup), -EEXIST);
	assert_null(dup);
	assert_error_has("hello");
	assert_error_has("already loaded");
	/* The first generation is untouched. */
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_non_null(m->handle);
	assert_int_equal(modsim_lsmod(k, info, 4), 1);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
}

static void test_modsim_load_same_name_other_file(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = NULL;

	assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
	assert_int_equal(modsim_load(k, HELLO2_SO, 0, NULL, NULL), -EEXIST);
	assert_error_has("a module named hello is already loaded");
	assert_ptr_equal(modsim_find(k, "hello"), m);

	/* Once hello is gone, the other file may take the name. */
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(modsim_load(k, HELLO2_SO, 0, NULL, &m), 0);
	assert_string_equal(m->path, HELLO2_SO);
	assert_int_equal(m->generation, 2);
}

static void test_modsim_load_params(void **state)
{
	struct modsim_kernel *k = *state;
	char *good[] = { "greeting=hi" };
	char *bad[] = { "nosuchparam=1" };

	assert_int_equal(modsim_load(k, "hello", 1, bad, NULL), -EINVAL);
	assert_error_has("nosuchparam");
	assert_null(modsim_find(k, "hello"));
	assert_int_equal(modsim_load(k, "hello", 1, good, NULL), 0);
	assert_int_equal(modsim_load(k, "hello", -1, NULL, NULL), -EINVAL);
}

static void test_modsim_load_keeps_last_failure(void **state)
{
	struct modsim_kernel *k = *state;
	char msg[512];

	assert_int_equal(modsim_load(k, "/nonexistent/dir/nothing.so", 0, NULL, NULL), -ENOENT);
	snprintf(msg, sizeof(msg), "%s", modsim_last_error());
	assert_true(msg[0] != '\0');
	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
	assert_string_equal(modsim_last_error(), msg);
}

static void test_modsim_load_points_and_stats(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;

	modsim_point_watch(k, MODSIM_PT_LOAD_AFTER_MAP);
	modsim_point_watch(k, MODSIM_PT_LOAD_AFTER_INIT);
	modsim_point_watch(k, MODSIM_PT_LOAD_INIT_FAILED);
	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_LOAD_AFTER_MAP), 1);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_LOAD_AFTER_INIT), 1);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_LOAD_INIT_FAILED), 0);
	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), -EEXIST);

	modsim_stats_get(k, &st);
	assert_int_equal(st.loads, 1);
	assert_int_equal(st.load_failures, 1);
	assert_int_equal(st.init_failures, 0);
}

struct loader_arg {
	struct modsim_kernel *k;
	const char *spec;
	struct modsim_mod *m;
	int err;
};

static void *loader_main(void *p)
{
	struct loader_arg *a = p;

	a->err = modsim_load(a->k, a->spec, 0, NULL, &a->m);
	return NULL;
}

/* Parked after the map, before init: the generation is published as COMING. */
static void test_modsim_load_published_coming(void **state)
{
	struct modsim_kernel *k = *state;
	struct loader_arg a = { .k = k, .spec = "hello", .err = 1 };
	struct modsim_modinfo info[2];
	struct modsim_mod *m;
	pthread_t t;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_LOAD_AFTER_MAP, "hello"), 0);
	assert_int_equal(pthread_create(&t, NULL, loader_main, &a), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_LOAD_AFTER_MAP, 10000), 0);

	m = modsim_find(k, "hello");
	assert_non_null(m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_COMING);
	assert_int_equal(modsim_lsmod(k, info, 2), 1);
	assert_int_equal(info[0].state, MODSIM_STATE_COMING);

	modsim_point_release(k, MODSIM_PT_LOAD_AFTER_MAP);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(a.err, 0);
	assert_ptr_equal(a.m, m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
}

/*
 * A generation that glibc keeps mapped after dlclose (here made NODELETE)
 * is quarantined in place; dlopen would hand the same mapping back, so a
 * reload is refused instead of reviving it.  Last in the suite: the object
 * stays for the whole process.
 */
static void test_modsim_load_pinned_generation_refused(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = NULL;
	void *pin;

	assert_int_equal(modsim_load(k, "fault_pinned", 0, NULL, &m), 0);
	pin = dlopen(m->path, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
	assert_non_null(pin);
	dlclose(pin);
	assert_int_equal(modsim_unload(k, "fault_pinned", 0), 0);
	assert_true(m->pinned);

	assert_int_equal(modsim_load(k, "fault_pinned", 0, NULL, NULL), -EBUSY);
	assert_error_has("generation 1 of fault_pinned is still mapped");
	assert_null(modsim_find(k, "fault_pinned"));
	/* Other modules still load. */
	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
}

static unsigned int list_len(const struct modsim_mod *m, enum modsim_state only)
{
	unsigned int n = 0;

	for (; m; m = m->next) {
		assert_int_equal(modsim_mod_state((struct modsim_mod *)m), only);
		n++;
	}
	return n;
}

/*
 * Gone generations leave the kernel's list, so a load or a lookup costs the
 * same after many cycles as after one; their records stay (stale callers
 * may hold them), on the gone lists, newest first.
 */
static void test_modsim_load_gone_generations_leave_the_list(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *first = NULL, *m = NULL;
	void *pin;

	for (int i = 0; i < 50; i++) {
		assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
		if (!first)
			first = m;
		assert_int_equal(modsim_unload(k, "hello", 0), 0);
	}
	assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
	assert_int_equal(m->generation, 51);

	pthread_mutex_lock(&k->list_lock);
	assert_ptr_equal(k->mods, m);
	assert_ptr_equal(k->mods_tail, m);
	assert_int_equal(list_len(k->mods, MODSIM_STATE_LIVE), 1);
	assert_int_equal(list_len(k->gone, MODSIM_STATE_GONE), 50);
	assert_null(k->gone_mapped);
	assert_int_equal(k->gone->generation, 50);
	assert_ptr_equal(modsim_mod_newest(k), m);
	pthread_mutex_unlock(&k->list_lock);
	assert_int_equal(modsim_mod_state(first), MODSIM_STATE_GONE);
	assert_int_equal(first->generation, 1);

	/* A pinned generation goes to gone_mapped, where the next load of its
	 * file still finds it. */
	assert_int_equal(modsim_load(k, "fault_pinned", 0, NULL, &m), 0);
	pin = dlopen(m->path, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
	assert_non_null(pin);
	dlclose(pin);
	assert_int_equal(modsim_unload(k, "fault_pinned", 0), 0);
	pthread_mutex_lock(&k->list_lock);
	assert_ptr_equal(k->gone_mapped, m);
	assert_int_equal(list_len(k->gone_mapped, MODSIM_STATE_GONE), 1);
	assert_ptr_equal(modsim_mod_newest(k), m);
	pthread_mutex_unlock(&k->list_lock);
	assert_int_equal(modsim_load(k, "fault_pinned", 0, NULL, NULL), -EBUSY);
}

static int setup_quarantine2(void **state)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.timer_thread = false;
	cfg.quarantine_max = 2;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	*state = k;
	return 0;
}

static bool on_list(const struct modsim_mod *l, const struct modsim_mod *m)
{
	for (; l; l = l->next)
		if (l == m)
			return true;
	return false;
}

static bool gen_on_list(const struct modsim_mod *l, unsigned long gen)
{
	for (; l; l = l->next)
		if (l->generation == gen)
			return true;
	return false;
}

/* Gone records the kernel still keeps, on any list. */
static unsigned int kept(struct modsim_kernel *k)
{
	unsigned int n;

	pthread_mutex_lock(&k->list_lock);
	n = list_len(k->gone, MODSIM_STATE_GONE) + list_len(k->reclaim_wait, MODSIM_STATE_GONE) +
	    list_len(k->reclaim_next, MODSIM_STATE_GONE);
	pthread_mutex_unlock(&k->list_lock);
	return n;
}

/*
 * A gone generation's record is freed once its quarantine ended and a
 * grace period passed, so a long run keeps a bounded number of them (it
 * kept all of them); one a file holds stays, valid, until the file lets
 * go.  (ASan checks that nothing touches a freed record.)
 */
static void test_modsim_unload_reclaims_gone_records(void **state)
{
	struct modsim_kernel *k = *state; /* quarantine_max 2 */
	struct modsim_mod *held = NULL, *m;

	for (int i = 0; i < 100; i++) {
		assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
		if (i == 10) {
			held = m;
			/* What an open file does (chrdev.c). */
			atomic_fetch_add(&held->holds, 1);
		}
		assert_int_equal(modsim_unload(k, "hello", 0), 0);
	}
	/* quarantine_max, one batch waiting, one collecting, and the held one. */
	assert_in_range(kept(k), 1, 2 + 2 + 2 + 1);
	assert_int_equal(modsim_mod_state(held), MODSIM_STATE_GONE);
	assert_string_equal(held->name, "hello");
	assert_int_equal(held->generation, 11);
	pthread_mutex_lock(&k->list_lock);
	assert_true(on_list(k->gone, held));
	pthread_mutex_unlock(&k->list_lock);

	atomic_fetch_sub(&held->holds, 1);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
		assert_int_equal(modsim_unload(k, "hello", 0), 0);
	}
	pthread_mutex_lock(&k->list_lock);
	/* Freed (its address may already serve a newer record): gone from every list. */
	assert_false(gen_on_list(k->gone, 11) || gen_on_list(k->reclaim_wait, 11) ||
		     gen_on_list(k->reclaim_next, 11));
	/* Still newest first, and the newest is the last loaded. */
	assert_int_equal(k->gone->generation, 105);
	for (m = k->gone; m && m->next; m = m->next)
		assert_true(m->generation > m->next->generation);
	pthread_mutex_unlock(&k->list_lock);
}

/* The default config and the preset names. */
static void test_modsim_config_default_values(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	assert_int_equal(cfg.max_cpus, 64);
	assert_string_equal(cfg.strategy, "none");
	assert_null(cfg.module_path);
	assert_int_equal(cfg.init_timeout_ms, 2000);
	assert_int_equal(cfg.unload_timeout_ms, 5000);
	assert_int_equal(cfg.quarantine_max, 64);
	assert_true(cfg.timer_thread);
	assert_true(cfg.allow_force);
	assert_null(cfg.log);
	assert_string_equal(modsim_strategy_name(k), "none");
	assert_string_equal(modsim_state_name(MODSIM_STATE_LIVE), "live");
	assert_string_equal(modsim_state_name(MODSIM_STATE_STUCK), "stuck");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_load_hello_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_by_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_out_optional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_same_file_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_same_name_other_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_keeps_last_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_points_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_published_coming, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_config_default_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_gone_generations_leave_the_list,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_reclaims_gone_records,
						setup_quarantine2, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_pinned_generation_refused, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
