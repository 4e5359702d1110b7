/* CPU slots, quiescent states and world stops (cpu.c), forced through race points. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/units.h"

#define WAIT_MS 10000 /* failure bound of every wait; never orders threads */

static _Atomic uint64_t test_uid = 1ULL << 40; /* for kernels remade in place */

/*
 * A real kernel, quiet: no timer thread, so the only threads with CPU slots
 * are the ones a test starts.
 */
static struct modsim_kernel *kernel_new(unsigned int max_cpus)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.max_cpus = max_cpus;
	cfg.unload_timeout_ms = WAIT_MS;
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
	*state = kernel_new(8);
	return 0;
}

static int teardown(void **state)
{
	struct modsim_kernel *k = *state;

	modsim_cpu_release_self(k);
	kernel_free(k);
	return 0;
}

/* Wait for a condition another thread makes true (bounded; not a sleep). */
static bool wait_for(_Atomic int *flag, int value)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(flag) != value) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > WAIT_MS)
			return false;
		sched_yield();
	}
	return true;
}

/*
 * A worker-like thread: online, looping "call into module code"
 * (CALL_AFTER_ENTER) then a quiescent state (QUIESCENT point, then
 * modsim_cpu_quiescent).  A trap at CALL_AFTER_ENTER holds it online and
 * not quiescent.
 */
struct worker {
	struct modsim_kernel *k;
	pthread_t tid;
	_Atomic(struct modsim_cpu *) cpu;
	_Atomic int stop;
	_Atomic unsigned long loops;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct modsim_cpu *cpu = modsim_cpu_self(w->k);

	atomic_store(&w->cpu, cpu);
	modsim_cpu_online(cpu);
	while (!atomic_load(&w->stop)) {
		modsim_point_hit(w->k, MODSIM_PT_CALL_AFTER_ENTER, NULL);
		modsim_point_hit(w->k, MODSIM_PT_QUIESCENT, NULL);
		modsim_cpu_quiescent(cpu);
		atomic_fetch_add(&w->loops, 1);
	}
	modsim_cpu_offline(cpu);
	modsim_cpu_release_self(w->k);
	return NULL;
}

/* Start a worker and hold it at CALL_AFTER_ENTER: online, in "module code". */
static void worker_start_held(struct worker *w, struct modsim_kernel *k)
{
	memset(w, 0, sizeof(*w));
	w->k = k;
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_ENTER, NULL), 0);
	assert_int_equal(pthread_create(&w->tid, NULL, worker_main, w), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_ENTER, WAIT_MS), 0);
	assert_non_null(atomic_load(&w->cpu));
	assert_int_equal(atomic_load(&atomic_load(&w->cpu)->online), 1);
}

static void worker_join(struct worker *w)
{
	atomic_store(&w->stop, 1);
	assert_int_equal(pthread_join(w->tid, NULL), 0);
}

/* A thread that holds a slot but stays offline, held at LOAD_AFTER_MAP. */
struct idler {
	struct modsim_kernel *k;
	pthread_t tid;
	_Atomic(struct modsim_cpu *) cpu;
};

static void *idler_main(void *arg)
{
	struct idler *d = arg;

	atomic_store(&d->cpu, modsim_cpu_self(d->k));
	modsim_point_hit(d->k, MODSIM_PT_LOAD_AFTER_MAP, NULL);
	modsim_cpu_release_self(d->k);
	return NULL;
}

static void idler_start(struct idler *d, struct modsim_kernel *k)
{
	memset(d, 0, sizeof(*d));
	d->k = k;
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_LOAD_AFTER_MAP, NULL), 0);
	assert_int_equal(pthread_create(&d->tid, NULL, idler_main, d), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_LOAD_AFTER_MAP, WAIT_MS), 0);
	assert_non_null(atomic_load(&d->cpu));
}

static void idler_join(struct idler *d)
{
	modsim_point_release(d->k, MODSIM_PT_LOAD_AFTER_MAP);
	assert_int_equal(pthread_join(d->tid, NULL), 0);
}

/* ---- slots ---- */

static void test_modsim_cpu_init_slots(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(k->ncpus, 8);
	assert_int_equal((uintptr_t)k->cpus % MODSIM_CACHELINE, 0);
	for (unsigned int i = 0; i < k->ncpus; i++) {
		assert_int_equal(k->cpus[i].id, i);
		assert_ptr_equal(k->cpus[i].k, k);
		assert_int_equal(atomic_load(&k->cpus[i].used), 0);
	}
}

static void test_modsim_cpu_self_claims_offline_slot(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu;

	assert_null(modsim_cpu_peek(k));
	cpu = modsim_cpu_self(k);
	assert_non_null(cpu);
	assert_ptr_equal(cpu->k, k);
	assert_int_equal(atomic_load(&cpu->used), 1);
	assert_int_equal(atomic_load(&cpu->online), 0);
	assert_int_equal(atomic_load(&cpu->parked), 0);
	assert_int_equal(cpu->last_point, -1);
	assert_ptr_equal(modsim_cpu_self(k), cpu);
	assert_ptr_equal(modsim_cpu_peek(k), cpu);

	modsim_cpu_release_self(k);
	assert_int_equal(atomic_load(&cpu->used), 0);
	assert_null(modsim_cpu_peek(k));
}

static void *claim_and_keep(void *arg)
{
	return modsim_cpu_self(arg);
}

static void test_modsim_cpu_self_distinct_per_thread(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *mine = modsim_cpu_self(k), *other;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, claim_and_keep, k), 0);
	assert_int_equal(pthread_join(t, (void **)&other), 0);
	assert_non_null(other);
	assert_ptr_not_equal(other, mine);
	assert_int_equal(atomic_load(&other->used), 1); /* never released */
}

static void test_modsim_cpu_self_none_left(void **state)
{
	struct modsim_kernel *k = kernel_new(2);
	struct modsim_cpu *got;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, claim_and_keep, k), 0);
	assert_int_equal(pthread_join(t, (void **)&got), 0);
	assert_non_null(got);
	assert_non_null(modsim_cpu_self(k));
	assert_int_equal(pthread_create(&t, NULL, claim_and_keep, k), 0);
	assert_int_equal(pthread_join(t, (void **)&got), 0);
	assert_null(got);
	modsim_cpu_release_self(k);
	kernel_free(k);
}

/* A new kernel in the same memory is a different kernel: the TLS cache
 * must not hand out the old kernel's slot. */
static void test_modsim_cpu_self_cache_keyed_by_uid(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *old = modsim_cpu_self(k);

	assert_non_null(old);
	modsim_points_fini(k);
	modsim_cpu_fini(k);
	k->uid = atomic_fetch_add(&test_uid, 1);
	assert_int_equal(modsim_cpu_init(k), 0);
	assert_int_equal(modsim_points_init(k), 0);

	assert_null(modsim_cpu_peek(k));
	struct modsim_cpu *now = modsim_cpu_self(k);

	assert_non_null(now);
	assert_ptr_equal(now->k, k);
	assert_ptr_equal(now, &k->cpus[now->id]);
}

static void test_modsim_cpu_self_rng_seeded(void **state)
{
	struct modsim_kernel *a = *state, *b = kernel_new(8);
	struct modsim_cpu *ca = modsim_cpu_self(a), *cb = modsim_cpu_self(b);
	uint64_t first;

	assert_int_equal(ca->id, cb->id);
	assert_true(ca->rng != 0);
	assert_true(ca->rng == cb->rng); /* same seed, same slot */
	first = ca->rng;
	modsim_cpu_release_self(b);
	kernel_free(b);

	b = kernel_new(8);
	b->cfg.seed = a->cfg.seed + 1;
	cb = modsim_cpu_self(b);
	assert_true(cb->rng != first); /* another seed */
	modsim_cpu_release_self(b);
	kernel_free(b);

	/* Another slot of the same kernel draws differently. */
	struct modsim_cpu *other;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, claim_and_keep, a), 0);
	assert_int_equal(pthread_join(t, (void **)&other), 0);
	assert_true(other->rng != first);
}

static void test_modsim_cpu_offline_bumps_qs(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	unsigned long qs = atomic_load(&cpu->qs);

	modsim_cpu_online(cpu);
	assert_int_equal(atomic_load(&cpu->online), 1);
	modsim_cpu_quiescent(cpu);
	assert_int_equal(atomic_load(&cpu->qs), qs + 1);
	modsim_cpu_offline(cpu);
	assert_int_equal(atomic_load(&cpu->online), 0);
	assert_int_equal(atomic_load(&cpu->qs), qs + 2);

	assert_true(modsim_cpu_call_begin(cpu));
	assert_int_equal(atomic_load(&cpu->online), 1);
	assert_false(modsim_cpu_call_begin(cpu)); /* already online: nothing to undo */
	modsim_cpu_call_end(cpu, true);
	assert_int_equal(atomic_load(&cpu->online), 0);
}

/* ---- quiescence ---- */

static void test_modsim_wait_quiescence_blocks_on_online_thread(void **state)
{
	struct modsim_kernel *k = *state;
	struct worker w;
	struct modsim_cpu *cpu;
	unsigned long held_qs;

	worker_start_held(&w, k);
	cpu = atomic_load(&w.cpu);
	held_qs = atomic_load(&cpu->qs);

	/* Held online inside "module code": the wait cannot finish. */
	k->cfg.unload_timeout_ms = 100;
	assert_int_equal(modsim_wait_quiescence(k), -ETIMEDOUT);
	assert_int_equal(atomic_load(&cpu->qs), held_qs);

	/* Released the moment the loader announces its wait; it then passes a
	 * quiescent point, and the wait returns. */
	k->cfg.unload_timeout_ms = WAIT_MS;
	assert_int_equal(modsim_point_release_after(k, MODSIM_PT_CALL_AFTER_ENTER,
						    MODSIM_PT_UNLOAD_WAIT), 0);
	modsim_point(k, MODSIM_PT_UNLOAD_WAIT, NULL);
	assert_int_equal(modsim_wait_quiescence(k), 0);
	assert_true(atomic_load(&cpu->qs) != held_qs);
	assert_int_equal(atomic_load(&cpu->online), 1);
	worker_join(&w);
}

static void test_modsim_wait_quiescence_ignores_offline(void **state)
{
	struct modsim_kernel *k = *state;
	struct idler d;

	idler_start(&d, k);
	/* An offline thread never passes a quiescent point, and need not. */
	assert_int_equal(modsim_wait_quiescence(k), 0);
	assert_int_equal(atomic_load(&atomic_load(&d.cpu)->online), 0);

	/* The caller's own slot does not count either, online or not. */
	struct modsim_cpu *me = modsim_cpu_self(k);

	modsim_cpu_online(me);
	assert_int_equal(modsim_wait_quiescence(k), 0);
	modsim_cpu_offline(me);
	idler_join(&d);
}

/* ---- world stop ---- */

static void test_modsim_stop_world_parks_online_ignores_offline(void **state)
{
	struct modsim_kernel *k = *state;
	struct worker w;
	struct idler d;
	struct modsim_cpu *wc;
	unsigned long loops, passes;

	idler_start(&d, k);
	worker_start_held(&w, k);
	wc = atomic_load(&w.cpu);
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_ENTER);

	assert_int_equal(modsim_stop_world(k), 0);
	/* The worker stands at a quiescent point; the offline idler was not waited for. */
	assert_int_equal(atomic_load(&wc->parked), 1);
	assert_int_equal(wc->last_point, MODSIM_PT_QUIESCENT);
	assert_int_equal(atomic_load(&atomic_load(&d.cpu)->parked), 0);
	assert_int_equal(atomic_load(&atomic_load(&d.cpu)->online), 0);
	loops = atomic_load(&w.loops);
	passes = modsim_point_passes(k, MODSIM_PT_QUIESCENT);
	assert_int_equal(modsim_wait_quiescence(k), 0); /* parked counts as quiescent */
	assert_int_equal(atomic_load(&w.loops), loops);
	assert_int_equal(atomic_load(&wc->parked), 1);

	modsim_start_world(k);
	/* It runs again. */
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_QUIESCENT, passes + 2, WAIT_MS), 0);
	assert_true(atomic_load(&w.loops) > loops);
	worker_join(&w);
	idler_join(&d);
}

static void test_modsim_stop_world_times_out_on_held_thread(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;
	struct worker w;
	unsigned long passes;

	worker_start_held(&w, k);
	k->cfg.unload_timeout_ms = 100;
	assert_int_equal(modsim_stop_world(k), -ETIMEDOUT);
	assert_int_equal(atomic_load(&k->world_stop), 0); /* started again */
	assert_int_equal(atomic_load(&atomic_load(&w.cpu)->parked), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.world_stop_ns.n, 1);

	/* Released, it goes on without parking. */
	passes = modsim_point_passes(k, MODSIM_PT_QUIESCENT);
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_ENTER);
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_QUIESCENT, passes + 2, WAIT_MS), 0);
	worker_join(&w);
}

struct comer {
	struct modsim_kernel *k;
	pthread_t tid;
	_Atomic(struct modsim_cpu *) cpu;
	_Atomic int came_online;
};

static void *comer_main(void *arg)
{
	struct comer *c = arg;
	struct modsim_cpu *cpu = modsim_cpu_self(c->k);

	atomic_store(&c->cpu, cpu);
	modsim_cpu_online(cpu);
	atomic_store(&c->came_online, 1);
	modsim_cpu_offline(cpu);
	modsim_cpu_release_self(c->k);
	return NULL;
}

static void test_modsim_cpu_online_parks_in_stopped_world(void **state)
{
	struct modsim_kernel *k = *state;
	struct comer c = { .k = k };
	struct modsim_cpu *cpu;

	assert_int_equal(modsim_stop_world(k), 0);
	assert_int_equal(pthread_create(&c.tid, NULL, comer_main, &c), 0);

	/* It claims a slot, comes online, and parks there. */
	while (!(cpu = atomic_load(&c.cpu)))
		sched_yield();
	assert_true(wait_for(&cpu->parked, 1));
	assert_int_equal(atomic_load(&c.came_online), 0);
	assert_int_equal(modsim_wait_quiescence(k), 0);

	modsim_start_world(k);
	assert_int_equal(pthread_join(c.tid, NULL), 0);
	assert_int_equal(atomic_load(&c.came_online), 1);
	assert_int_equal(atomic_load(&cpu->parked), 0);
}

static void test_modsim_stop_world_stopper_does_not_park(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *me = modsim_cpu_self(k);

	modsim_cpu_online(me);
	assert_int_equal(modsim_stop_world(k), 0); /* its own online slot is not waited for */
	modsim_cpu_quiescent(me);
	modsim_cpu_offline(me);
	modsim_cpu_online(me);
	assert_int_equal(atomic_load(&me->parked), 0);
	modsim_start_world(k);
	modsim_cpu_offline(me);
}

/* A worker that stopped the world once (someone else started it again). */
static void *former_stopper_main(void *arg)
{
	struct worker *w = arg;
	struct modsim_cpu *cpu = modsim_cpu_self(w->k);

	atomic_store(&w->cpu, cpu);
	modsim_cpu_online(cpu);
	if (modsim_stop_world(w->k) != 0)
		return NULL;
	modsim_point_hit(w->k, MODSIM_PT_UNLOAD_BEGIN, NULL);
	while (!atomic_load(&w->stop)) {
		modsim_cpu_quiescent(cpu);
		atomic_fetch_add(&w->loops, 1);
	}
	modsim_cpu_offline(cpu);
	modsim_cpu_release_self(w->k);
	return NULL;
}

static void test_modsim_stop_world_former_stopper_parks(void **state)
{
	struct modsim_kernel *k = *state;
	struct worker w = { .k = k };
	struct modsim_cpu *cpu;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_BEGIN, NULL), 0);
	assert_int_equal(pthread_create(&w.tid, NULL, former_stopper_main, &w), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_BEGIN, WAIT_MS), 0);
	cpu = atomic_load(&w.cpu);
	assert_int_equal(atomic_load(&k->world_stop), 1); /* its stop */
	modsim_start_world(k);                            /* started by this thread */

	/* A stop by this thread parks it like any other online thread. */
	modsim_point_release(k, MODSIM_PT_UNLOAD_BEGIN);
	assert_int_equal(modsim_stop_world(k), 0);
	assert_int_equal(atomic_load(&cpu->parked), 1);
	modsim_start_world(k);
	worker_join(&w);
}

static void test_modsim_start_world_records_sample(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	assert_int_equal(st.world_stop_ns.n, 0);
	assert_int_equal(modsim_stop_world(k), 0);
	assert_int_equal(atomic_load(&k->world_stop), 1);
	assert_true(k->world_stop_began_ns != 0);
	modsim_start_world(k);
	assert_int_equal(atomic_load(&k->world_stop), 0);
	assert_int_equal(modsim_stop_world(k), 0);
	modsim_start_world(k);
	modsim_stats_get(k, &st);
	assert_int_equal(st.world_stop_ns.n, 2);
	assert_true(st.world_stop_ns.max >= st.world_stop_ns.p50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_cpu_init_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cpu_self_claims_offline_slot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cpu_self_distinct_per_thread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cpu_self_none_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cpu_self_cache_keyed_by_uid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cpu_self_rng_seeded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cpu_offline_bumps_qs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_wait_quiescence_blocks_on_online_thread,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_wait_quiescence_ignores_offline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stop_world_parks_online_ignores_offline,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stop_world_times_out_on_held_thread,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_cpu_online_parks_in_stopped_world,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stop_world_stopper_does_not_park, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stop_world_former_stopper_parks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_start_world_records_sample, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
