/* Quarantine: segment ranges, reserved pages, reload elsewhere, FIFO limit, pinned, leaked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fault_fixture.h"

struct fixture {
	struct modsim_kernel *k;
	struct modsim_mod *m[4];
};

static int setup_q(void **state, unsigned int qmax)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->k = fx_kernel(qmax, 0);
	assert_non_null(f->k);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_q(state, 8);
}

static int setup_max2(void **state)
{
	return setup_q(state, 2);
}

static int setup_max0(void **state)
{
	return setup_q(state, 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fx_kernel_free(f->k);
	for (int i = 0; i < 4; i++)
		fx_gen_free(f->m[i]);
	free(f);
	return 0;
}

static void *sym(struct modsim_mod *m, const char *name)
{
	void *p = dlsym(m->handle, name);

	assert_non_null(p);
	return p;
}

static void test_modsim_segments_record_finds_text_and_data(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	uintptr_t fn, data;
	size_t total = 0;
	bool text_x = false, data_w = false;

	assert_non_null(m);
	fn = (uintptr_t)sym(m, "fault_target_value");
	data = (uintptr_t)sym(m, "fault_target_data");
	assert_true(m->nranges >= 2);
	for (unsigned int i = 0; i < m->nranges; i++) {
		const struct modsim_range *r = &m->ranges[i];

		assert_true(r->lo < r->hi);
		assert_int_equal(r->lo % sysconf(_SC_PAGESIZE), 0);
		total += r->hi - r->lo;
		if (fn >= r->lo && fn < r->hi)
			text_x = r->prot & PROT_EXEC;
		if (data >= r->lo && data < r->hi)
			data_w = r->prot & PROT_WRITE;
	}
	assert_true(text_x);
	assert_true(data_w);
	assert_int_equal(m->size, total);
	assert_ptr_equal(modsim_range_lookup(fn), m);
	assert_ptr_equal(modsim_range_lookup(data), m);
	assert_null(modsim_range_lookup((uintptr_t)&total));
	assert_null(modsim_range_lookup((uintptr_t)fx_kernel));
}

static void test_modsim_quarantine_close_reserves_inaccessible_pages(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	uintptr_t fn, data;

	assert_non_null(m);
	fn = (uintptr_t)sym(m, "fault_target_value");
	data = (uintptr_t)sym(m, "fault_target_data");
	assert_int_equal(fx_gen_close(m), 0);

	assert_null(m->handle);
	assert_false(m->pinned);
	/* Still attributed to the generation, still occupied, but no access. */
	assert_ptr_equal(modsim_range_lookup(fn), m);
	assert_ptr_equal(modsim_range_lookup(data), m);
	assert_true(fx_mapped(fn));
	assert_string_equal(fx_perms(fn), "---p");
	assert_string_equal(fx_perms(data), "---p");
}

static void test_modsim_quarantine_close_reload_maps_elsewhere(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m1 = f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	struct modsim_mod *m2;
	int (*value)(int);
	uintptr_t old_fn;

	assert_non_null(m1);
	old_fn = (uintptr_t)sym(m1, "fault_target_value");
	assert_int_equal(fx_gen_close(m1), 0);

	m2 = f->m[1] = fx_gen_open(f->k, "fault_target", 2);
	assert_non_null(m2);
	*(void **)&value = sym(m2, "fault_target_value");
	assert_int_not_equal((uintptr_t)value, old_fn);
	for (unsigned int i = 0; i < m2->nranges; i++) {
		assert_false(fx_in_ranges(m1, m2->ranges[i].lo));
		assert_false(fx_in_ranges(m1, m2->ranges[i].hi - 1));
	}
	assert_int_equal(value(1), 8);
	assert_ptr_equal(modsim_range_lookup((uintptr_t)value), m2);
	assert_ptr_equal(modsim_range_lookup(old_fn), m1);
}

static void test_modsim_quarantine_close_releases_oldest_beyond_max(void **state)
{
	struct fixture *f = *state; /* quarantine_max 2 */
	uintptr_t lo[3];

	for (int i = 0; i < 3; i++) {
		f->m[i] = fx_gen_open(f->k, "fault_target", (unsigned long)i + 1);
		assert_non_null(f->m[i]);
		lo[i] = f->m[i]->ranges[0].lo;
		assert_int_equal(fx_gen_close(f->m[i]), 0);
	}
	/* Generation 1 was released: forgotten and unmapped. */
	assert_null(modsim_range_lookup(lo[0]));
	assert_false(fx_mapped(lo[0]));
	/* The two newest are still reserved. */
	for (int i = 1; i < 3; i++) {
		assert_ptr_equal(modsim_range_lookup(lo[i]), f->m[i]);
		assert_true(fx_mapped(lo[i]));
		assert_string_equal(fx_perms(lo[i]), "---p");
	}
}

static void test_modsim_quarantine_fini_releases_everything(void **state)
{
	struct fixture *f = *state;
	uintptr_t lo;

	f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	assert_non_null(f->m[0]);
	lo = f->m[0]->ranges[0].lo;
	assert_int_equal(fx_gen_close(f->m[0]), 0);
	assert_true(fx_mapped(lo));

	modsim_quarantine_fini(f->k);
	assert_null(f->k->q);
	assert_null(modsim_range_lookup(lo));
	assert_false(fx_mapped(lo));
	assert_int_equal(modsim_quarantine_init(f->k), 0); /* for teardown */
}

static void test_modsim_ranges_forget_unpublishes_live_and_reserved(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *live = f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	struct modsim_mod *gone;
	uintptr_t live_lo, gone_lo;

	assert_non_null(live);
	live_lo = live->ranges[0].lo;
	modsim_ranges_forget(live);
	assert_null(modsim_range_lookup(live_lo));
	assert_true(fx_mapped(live_lo)); /* still loaded: forgetting does not unmap */

	gone = f->m[1] = fx_gen_open(f->k, "fault_hang", 1);
	assert_non_null(gone);
	gone_lo = gone->ranges[0].lo;
	assert_int_equal(fx_gen_close(gone), 0);
	modsim_ranges_forget(gone);
	assert_null(modsim_range_lookup(gone_lo));
	assert_false(fx_mapped(gone_lo)); /* the reservation went with it */
}

static void test_modsim_quarantine_close_counts_leak_when_range_taken(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	struct modsim_stats st;
	uintptr_t lo;
	size_t len;
	void *squatter;

	assert_non_null(m);
	lo = m->ranges[0].lo;
	len = m->ranges[0].hi - lo;
	/* The object goes away behind the quarantine's back, and something
	 * else is mapped where its first segment was. */
	assert_int_equal(dlclose(m->handle), 0);
	m->handle = NULL;
	squatter = mmap((void *)lo, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			-1, 0);
	assert_ptr_equal(squatter, (void *)lo);

	assert_int_equal(fx_gen_close(m), 0);
	modsim_stats_get(f->k, &st);
	assert_int_equal(st.leaked_generations, 1);
	assert_null(modsim_range_lookup(lo)); /* not attributed to the old generation */
	assert_string_equal(fx_perms(lo), "r--p");
	/* Its other segments are still reserved. */
	assert_ptr_equal(modsim_range_lookup(m->ranges[1].lo), m);
	munmap(squatter, len);
}

/* Keep to the end of the suite: a NODELETE object stays for the process. */
static void test_modsim_quarantine_close_pins_nodelete_object(void **state)
{
	struct fixture *f = *state; /* quarantine_max 0: releases at once what it can */
	struct modsim_mod *m = f->m[0] = fx_gen_open(f->k, "fault_pinned", 1);
	uintptr_t fn, data;
	void *again;

	assert_non_null(m);
	fn = (uintptr_t)sym(m, "fault_pinned_value");
	data = (uintptr_t)sym(m, "fault_pinned_data");
	again = dlopen(m->path, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
	assert_non_null(again);
	dlclose(again);

	assert_int_equal(fx_gen_close(m), 0);
	assert_true(m->pinned);
	/* Kept despite quarantine_max 0: a pinned generation cannot be given
	 * back.  Its code is sealed; its data stays readable, because the
	 * dynamic linker still reads its tables and will run its destructors. */
	assert_ptr_equal(modsim_range_lookup(fn), m);
	assert_string_equal(fx_perms(fn), "---p");
	assert_int_equal(fx_perms(data)[0], 'r');

	/* A later dlclose elsewhere unseals and reseals it around the call. */
	f->m[1] = fx_gen_open(f->k, "fault_target", 1);
	assert_non_null(f->m[1]);
	assert_int_equal(fx_gen_close(f->m[1]), 0);
	assert_string_equal(fx_perms(fn), "---p");

	/* Released at kernel destruction: unsealed so that exit can finalise it. */
	modsim_quarantine_fini(f->k);
	assert_null(modsim_range_lookup(fn));
	assert_string_equal(fx_perms(fn), "r-xp");
	assert_int_equal(modsim_quarantine_init(f->k), 0);
}

/*
 * Lock-free lookups against a writer that reuses one slot for two
 * generations in turn: a lookup answers the generation that owns the
 * address, or nothing, never the other one.
 */
struct churn {
	struct modsim_mod a, b;
	struct modsim_range ra, rb;
	_Atomic int stop;
	_Atomic unsigned long wrong, seen_a, seen_b;
};

static void *churn_reader(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop)) {
		struct modsim_mod *x = modsim_range_lookup(c->ra.lo + 8);
		struct modsim_mod *y = modsim_range_lookup(c->rb.hi - 8);

		if ((x && x != &c->a) || (y && y != &c->b))
			atomic_fetch_add(&c->wrong, 1);
		if (x)
			atomic_fetch_add(&c->seen_a, 1);
		if (y)
			atomic_fetch_add(&c->seen_b, 1);
	}
	return NULL;
}

static void churn_once(struct modsim_mod *m, const struct modsim_range *r)
{
	int i;

	pthread_mutex_lock(&range_lock);
	i = slot_publish(m, r);
	pthread_mutex_unlock(&range_lock);
	assert_true(i >= 0);
	sched_yield();
	pthread_mutex_lock(&range_lock);
	slot_unpublish(&range_table[i]);
	pthread_mutex_unlock(&range_lock);
}

static void test_modsim_range_lookup_never_misattributes_reused_slot(void **state)
{
	struct churn *c = calloc(1, sizeof(*c));
	pthread_t t;

	(void)state;
	assert_non_null(c);
	/* Two disjoint fake ranges in address space nobody uses for code. */
	c->ra = (struct modsim_range){ .lo = 0x100000000000UL, .hi = 0x100000010000UL };
	c->rb = (struct modsim_range){ .lo = 0x100000020000UL, .hi = 0x100000030000UL };
	assert_int_equal(pthread_create(&t, NULL, churn_reader, c), 0);
	for (int i = 0; i < 20000; i++) {
		churn_once(&c->a, &c->ra);
		churn_once(&c->b, &c->rb);
	}
	atomic_store(&c->stop, 1);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&c->wrong), 0);
	assert_null(modsim_range_lookup(c->ra.lo + 8));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_segments_record_finds_text_and_data,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_modsim_quarantine_close_reserves_inaccessible_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_quarantine_close_reload_maps_elsewhere,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_modsim_quarantine_close_releases_oldest_beyond_max, setup_max2, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_quarantine_fini_releases_everything,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_modsim_ranges_forget_unpublishes_live_and_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_modsim_quarantine_close_counts_leak_when_range_taken, setup, teardown),
		cmocka_unit_test(test_modsim_range_lookup_never_misattributes_reused_slot),
		cmocka_unit_test_setup_teardown(test_modsim_quarantine_close_pins_nodelete_object,
						setup_max0, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
