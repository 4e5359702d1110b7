/* Race points (point.c): names, pass counts, traps, release-after, the amplifier. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/units.h"

#define WAIT_MS 5000 /* failure bound of every wait; never orders threads */

/* A real kernel, quiet: no timer thread. */
static struct modsim_kernel *kernel_new(void)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.max_cpus = 8;
	cfg.timer_thread = false;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	return k;
}

static void kernel_free(struct modsim_kernel *k)
{
	modsim_kernel_destroy(k);
}

static int setup(void **state)
{
	*state = kernel_new();
	return 0;
}

static int teardown(void **state)
{
	struct modsim_kernel *k = *state;

	modsim_cpu_release_self(k);
	kernel_free(k);
	return 0;
}

/* A thread that passes @id @times times for module @m, then says so. */
struct passer {
	struct modsim_kernel *k;
	enum modsim_point_id id;
	struct modsim_mod *m;
	int times;
	bool claim;  /* take a CPU slot first */
	pthread_t tid;
	_Atomic int done;
	_Atomic(struct modsim_cpu *) cpu;
};

static void *passer_main(void *arg)
{
	struct passer *p = arg;

	if (p->claim)
		atomic_store(&p->cpu, modsim_cpu_self(p->k));
	for (int i = 0; i < p->times; i++)
		modsim_point(p->k, p->id, p->m);
	atomic_store(&p->done, 1);
	if (p->claim)
		modsim_cpu_release_self(p->k);
	return NULL;
}

static void passer_start(struct passer *p, struct modsim_kernel *k, enum modsim_point_id id,
			 struct modsim_mod *m, int times)
{
	p->k = k;
	p->id = id;
	p->m = m;
	p->times = times;
	atomic_store(&p->done, 0);
	assert_int_equal(pthread_create(&p->tid, NULL, passer_main, p), 0);
}

/* Join @p; a passer held where it should not be fails the test, not hangs it. */
static void passer_join(struct passer *p)
{
	struct timespec until;
	int err;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	err = pthread_timedjoin_np(p->tid, NULL, &until);
	if (err == ETIMEDOUT) {
		modsim_point_release(p->k, p->id);
		assert_int_equal(pthread_join(p->tid, NULL), 0);
		fail_msg("a thread was still held at %s", modsim_point_name(p->id));
	}
	assert_int_equal(err, 0);
	assert_int_equal(atomic_load(&p->done), 1);
}

static struct modsim_mod *fake_mod(struct modsim_kernel *k, const char *name)
{
	struct modsim_mod *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->k = k;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->generation = 1;
	return m;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- names ---- */

static void test_modsim_point_name_roundtrip(void **state)
{
	(void)state;
	for (int i = 0; i < MODSIM_PT__COUNT; i++) {
		const char *name = modsim_point_name(i);

		assert_non_null(name);
		assert_int_equal(modsim_point_lookup(name), i);
	}
	assert_string_equal(modsim_point_name(MODSIM_PT_CALL_AFTER_LOOKUP), "call.after_lookup");
	assert_string_equal(modsim_point_name(MODSIM_PT_UNLOAD_AFTER_CHECK), "unload.after_check");
	assert_string_equal(modsim_point_name(MODSIM_PT_SELF_AFTER_PUT), "self.after_put");
	assert_string_equal(modsim_point_name(MODSIM_PT_QUIESCENT), "quiescent");
}

static void test_modsim_point_lookup_unknown(void **state)
{
	(void)state;
	assert_int_equal(modsim_point_lookup("call.nowhere"), -EINVAL);
	assert_int_equal(modsim_point_lookup(""), -EINVAL);
	assert_int_equal(modsim_point_lookup(NULL), -EINVAL);
	assert_string_equal(modsim_point_name(MODSIM_PT__COUNT), "?");
}

/* ---- counting ---- */

static void test_modsim_point_passes_only_while_armed(void **state)
{
	struct modsim_kernel *k = *state;

	modsim_point(k, MODSIM_PT_UNLOAD_BEGIN, NULL);
	assert_int_equal(atomic_load(&k->points_armed), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_BEGIN), 0);

	modsim_point_watch(k, MODSIM_PT_UNLOAD_BEGIN);
	modsim_point_watch(k, MODSIM_PT_UNLOAD_BEGIN);
	assert_int_equal(atomic_load(&k->points_armed), 1);
	modsim_point(k, MODSIM_PT_UNLOAD_BEGIN, NULL);
	modsim_point(k, MODSIM_PT_UNLOAD_BEGIN, NULL);
	modsim_point(k, MODSIM_PT_UNLOAD_WAIT, NULL);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_BEGIN), 2);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 1);
}

static void test_modsim_point_records_last_point(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *me = modsim_cpu_self(k);

	modsim_point_watch(k, MODSIM_PT_CALL_BEFORE_EXIT);
	modsim_point(k, MODSIM_PT_CALL_AFTER_ENTER, NULL);
	assert_int_equal(me->last_point, MODSIM_PT_CALL_AFTER_ENTER);
	modsim_point(k, MODSIM_PT_CALL_BEFORE_EXIT, NULL);
	assert_int_equal(me->last_point, MODSIM_PT_CALL_BEFORE_EXIT);
}

static void test_modsim_point_wait_passed(void **state)
{
	struct modsim_kernel *k = *state;
	struct passer p = { 0 };

	modsim_point_watch(k, MODSIM_PT_TIMER_AFTER_PICK);
	passer_start(&p, k, MODSIM_PT_TIMER_AFTER_PICK, NULL, 3);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_TIMER_AFTER_PICK, 3, WAIT_MS), 0);
	passer_join(&p);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_TIMER_AFTER_PICK), 3);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_TIMER_AFTER_PICK, 4, 50),
			 -ETIMEDOUT);
}

/* ---- traps ---- */

static void test_modsim_point_trap_parks_until_released(void **state)
{
	struct modsim_kernel *k = *state;
	struct passer p = { 0 };

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_CHECK, NULL), 0);
	assert_int_equal(atomic_load(&k->points_armed), 1);
	passer_start(&p, k, MODSIM_PT_UNLOAD_AFTER_CHECK, NULL, 1);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_CHECK, WAIT_MS), 0);
	assert_int_equal(atomic_load(&p.done), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_AFTER_CHECK), 1);

	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
	passer_join(&p);
	assert_int_equal(atomic_load(&k->points_armed), 0); /* disarmed */

	/* The next thread passes freely; a new trap can be set. */
	passer_start(&p, k, MODSIM_PT_UNLOAD_AFTER_CHECK, NULL, 1);
	passer_join(&p);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_CHECK, NULL), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_CHECK);
}

static void test_modsim_point_trap_parks_one_thread(void **state)
{
	struct modsim_kernel *k = *state;
	struct passer a = { 0 }, b = { 0 };

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_LOOKUP, NULL), 0);
	passer_start(&a, k, MODSIM_PT_CALL_AFTER_LOOKUP, NULL, 1);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_LOOKUP, WAIT_MS), 0);
	/* The trap is taken: a second thread goes through. */
	passer_start(&b, k, MODSIM_PT_CALL_AFTER_LOOKUP, NULL, 1);
	passer_join(&b);
	assert_int_equal(atomic_load(&a.done), 0);
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_LOOKUP);
	passer_join(&a);
}

static void test_modsim_point_trap_errors(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_BEGIN, NULL), 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_BEGIN, "x"), -EBUSY);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT__COUNT, NULL), -EINVAL);
	assert_int_equal(modsim_point_trap(k, (enum modsim_point_id)-1, NULL), -EINVAL);
	modsim_point_release(k, MODSIM_PT_UNLOAD_BEGIN);
	assert_int_equal(atomic_load(&k->points_armed), 0);
}

static void test_modsim_point_trap_module_filter(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *alpha = fake_mod(k, "alpha"), *beta = fake_mod(k, "beta");
	struct passer p = { 0 };

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "alpha"), 0);
	/* Another module, or built-in code, is not held. */
	passer_start(&p, k, MODSIM_PT_INIT_BETWEEN_REGS, beta, 1);
	passer_join(&p);
	passer_start(&p, k, MODSIM_PT_INIT_BETWEEN_REGS, NULL, 1);
	passer_join(&p);
	/* alpha is. */
	passer_start(&p, k, MODSIM_PT_INIT_BETWEEN_REGS, alpha, 1);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, WAIT_MS), 0);
	assert_int_equal(atomic_load(&p.done), 0);
	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	passer_join(&p);
	free(alpha);
	free(beta);
}

static void *module_point(void *arg)
{
	modsim_point_mod(arg, MODSIM_PT_SELF_AFTER_PUT);
	return NULL;
}

static void test_modsim_point_mod_uses_owner(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = fake_mod(k, "selfish");
	struct module desc = { .name = "selfish", .mod = m };
	pthread_t t;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_SELF_AFTER_PUT, "selfish"), 0);
	assert_int_equal(pthread_create(&t, NULL, module_point, &desc), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_SELF_AFTER_PUT, WAIT_MS), 0);
	modsim_point_release(k, MODSIM_PT_SELF_AFTER_PUT);
	assert_int_equal(pthread_join(t, NULL), 0);
	free(m);
}

static void test_modsim_point_release_before_arrival_disarms(void **state)
{
	struct modsim_kernel *k = *state;
	struct passer p = { 0 };

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_LOAD_AFTER_INIT, NULL), 0);
	modsim_point_release(k, MODSIM_PT_LOAD_AFTER_INIT);
	assert_int_equal(atomic_load(&k->points_armed), 0);
	passer_start(&p, k, MODSIM_PT_LOAD_AFTER_INIT, NULL, 1);
	passer_join(&p);
}

static void test_modsim_point_wait_parked_times_out(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_LOAD_AFTER_MAP, 50), -ETIMEDOUT);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_LOAD_AFTER_MAP, NULL), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_LOAD_AFTER_MAP, 50), -ETIMEDOUT);
	assert_non_null(strstr(modsim_last_error(), "load.after_map"));
	modsim_point_release(k, MODSIM_PT_LOAD_AFTER_MAP);
}

static void test_modsim_point_release_after_other_point(void **state)
{
	struct modsim_kernel *k = *state;
	struct passer held = { 0 }, other = { 0 };

	assert_int_equal(modsim_point_release_after(k, MODSIM_PT_UNLOAD_AFTER_GOING,
						    MODSIM_PT_CALL_BEFORE_EXIT), -EINVAL);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_GOING, NULL), 0);
	assert_int_equal(modsim_point_release_after(k, MODSIM_PT_UNLOAD_AFTER_GOING,
						    MODSIM_PT__COUNT), -EINVAL);
	passer_start(&held, k, MODSIM_PT_UNLOAD_AFTER_GOING, NULL, 1);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_GOING, WAIT_MS), 0);
	assert_int_equal(modsim_point_release_after(k, MODSIM_PT_UNLOAD_AFTER_GOING,
						    MODSIM_PT_CALL_BEFORE_EXIT), 0);

	/* Passing some other point does not release it. */
	passer_start(&other, k, MODSIM_PT_CALL_AFTER_ENTER, NULL, 1);
	passer_join(&other);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_GOING, WAIT_MS), 0);
	assert_int_equal(atomic_load(&held.done), 0);

	/* Passing the named one does. */
	passer_start(&other, k, MODSIM_PT_CALL_BEFORE_EXIT, NULL, 1);
	passer_join(&other);
	passer_join(&held);
	assert_int_equal(atomic_load(&k->points_armed), 0);
}

/* Kernel destruction lets a thread still parked at a trap go. */
static void test_modsim_points_fini_releases_parked(void **state)
{
	struct modsim_kernel *k = kernel_new();
	struct passer p = { 0 };

	(void)state;
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_EXIT, NULL), 0);
	passer_start(&p, k, MODSIM_PT_UNLOAD_AFTER_EXIT, NULL, 1);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_EXIT, WAIT_MS), 0);
	modsim_points_fini(k);
	assert_null(k->points);
	passer_join(&p);
	assert_int_equal(modsim_points_init(k), 0);
	kernel_free(k);
}

/* ---- the amplifier ---- */

static void test_modsim_point_amplify_arms_and_disarms(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_point_amplify(k, MODSIM_PT_CALL_AFTER_LOOKUP, 0.5,
					      MODSIM_DELAY_YIELD, 0), 0);
	assert_int_equal(atomic_load(&k->points_armed), 1);
	assert_int_equal(modsim_point_amplify(k, MODSIM_PT_CALL_AFTER_LOOKUP, 0.25,
					      MODSIM_DELAY_SPIN, 1), 0);
	assert_int_equal(atomic_load(&k->points_armed), 1); /* re-armed, counted once */
	modsim_point(k, MODSIM_PT_CALL_AFTER_LOOKUP, NULL);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_CALL_AFTER_LOOKUP), 1);
	assert_int_equal(modsim_point_amplify(k, MODSIM_PT_CALL_AFTER_LOOKUP, 0,
					      MODSIM_DELAY_YIELD, 0), 0);
	assert_int_equal(atomic_load(&k->points_armed), 0);

	assert_int_equal(modsim_point_amplify(k, -1, 1.0, MODSIM_DELAY_YIELD, 0), 0);
	assert_int_equal(atomic_load(&k->points_armed), MODSIM_PT__COUNT);
	assert_int_equal(modsim_point_amplify(k, -1, 0, MODSIM_DELAY_YIELD, 0), 0);
	assert_int_equal(atomic_load(&k->points_armed), 0);
}

static void test_modsim_point_amplify_rejects_bad_arguments(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_point_amplify(k, MODSIM_PT__COUNT, 0.5, MODSIM_DELAY_YIELD, 0),
			 -EINVAL);
	assert_int_equal(modsim_point_amplify(k, -2, 0.5, MODSIM_DELAY_YIELD, 0), -EINVAL);
	assert_int_equal(modsim_point_amplify(k, 0, 1.5, MODSIM_DELAY_YIELD, 0), -EINVAL);
	assert_int_equal(modsim_point_amplify(k, 0, -0.1, MODSIM_DELAY_YIELD, 0), -EINVAL);
	assert_int_equal(modsim_point_amplify(k, 0, 0.5, (enum modsim_delay)7, 0), -EINVAL);
	assert_int_equal(atomic_load(&k->points_armed), 0);
}

static void test_modsim_point_amplify_delays(void **state)
{
	struct modsim_kernel *k = *state;
	uint64_t t0;

	/* prob 1: every pass waits at least the length asked. */
	assert_int_equal(modsim_point_amplify(k, MODSIM_PT_UNLOAD_WAIT, 1.0, MODSIM_DELAY_SLEEP,
					      2000), 0);
	t0 = now_ns();
	modsim_point(k, MODSIM_PT_UNLOAD_WAIT, NULL);
	assert_true(now_ns() - t0 >= 2000000);

	assert_int_equal(modsim_point_amplify(k, MODSIM_PT_UNLOAD_WAIT, 1.0, MODSIM_DELAY_SPIN,
					      1000), 0);
	t0 = now_ns();
	modsim_point(k, MODSIM_PT_UNLOAD_WAIT, NULL);
	assert_true(now_ns() - t0 >= 1000000);
}

/* Decisions come from the thread's slot generator: one draw per pass. */
static void test_modsim_point_amplify_draws_from_cpu_rng(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *me = modsim_cpu_self(k);
	uint64_t before = me->rng;

	assert_int_equal(modsim_point_amplify(k, MODSIM_PT_CALL_AFTER_ENTER, 0.5,
					      MODSIM_DELAY_YIELD, 0), 0);
	modsim_point(k, MODSIM_PT_CALL_AFTER_ENTER, NULL);
	assert_true(me->rng != before);
	before = me->rng;
	modsim_point(k, MODSIM_PT_CALL_BEFORE_EXIT, NULL); /* not amplified: no draw */
	assert_true(me->rng == before);

	/* A thread without a slot still passes (its own generator). */
	struct passer p = { 0 };

	passer_start(&p, k, MODSIM_PT_CALL_AFTER_ENTER, NULL, 10);
	passer_join(&p);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_CALL_AFTER_ENTER), 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modsim_point_name_roundtrip),
		cmocka_unit_test(test_modsim_point_lookup_unknown),
		cmocka_unit_test_setup_teardown(test_modsim_point_passes_only_while_armed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_records_last_point, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_wait_passed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_trap_parks_until_released, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_trap_parks_one_thread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_trap_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_trap_module_filter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_mod_uses_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_release_before_arrival_disarms,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_wait_parked_times_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_release_after_other_point, setup,
						teardown),
		cmocka_unit_test(test_modsim_points_fini_releases_parked),
		cmocka_unit_test_setup_teardown(test_modsim_point_amplify_arms_and_disarms, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_amplify_rejects_bad_arguments,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_amplify_delays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_point_amplify_draws_from_cpu_rng, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
