/* Preset "linux26": per-CPU counts summed with the world stopped; unload waits or EWOULDBLOCK. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <modsim/workers.h>

#include "preset_unit.h"
#include "presets/percpu.h"

extern const struct modsim_strategy modsim_preset_linux26;

static int setup(void **state)
{
	return pu_kernel(state, "linux26", false);
}

/* The per-CPU count of @m (struct l26_priv starts with it). */
static const struct pcpu_count *slots(struct modsim_mod *m)
{
	return m->priv;
}

static long slot_of(struct modsim_mod *m, unsigned int cpu)
{
	return atomic_load(&slots(m)->slot[cpu].v);
}

/* A thread that takes @n references (try_module_get) on its own CPU and keeps them. */
struct getter {
	struct modsim_kernel *k;
	struct modsim_mod *m;
	int n;
	pthread_t tid;
	unsigned int cpu_id;
	int got;
};

static void *getter_main(void *arg)
{
	struct getter *g = arg;

	g->cpu_id = modsim_cpu_id(modsim_cpu_self(g->k));
	for (int i = 0; i < g->n; i++)
		g->got += try_module_get(g->m->desc);
	modsim_cpu_release_self(g->k);
	return NULL;
}

static void get_on_thread(struct getter *g, struct modsim_kernel *k, struct modsim_mod *m, int n)
{
	g->k = k;
	g->m = m;
	g->n = n;
	g->got = 0;
	assert_int_equal(pthread_create(&g->tid, NULL, getter_main, g), 0);
	assert_int_equal(pthread_join(g->tid, NULL), 0);
	assert_int_equal(g->got, n);
}

/* A thread that opens a device (the file's get counts on its CPU) and hands the file over. */
struct opener {
	struct modsim_kernel *k;
	const char *name;
	struct modsim_file *f;
	int ret;
};

static void *opener_main(void *arg)
{
	struct opener *o = arg;

	o->ret = modsim_chrdev_open(o->k, o->name, &o->f);
	modsim_cpu_release_self(o->k);
	return NULL;
}

static struct modsim_file *open_on_thread(struct modsim_kernel *k, const char *name)
{
	struct opener o = { .k = k, .name = name };
	pthread_t tid;

	assert_int_equal(pthread_create(&tid, NULL, opener_main, &o), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(o.ret, 0);
	return o.f;
}

/* How many CPU slots are parked by a world stop. */
static unsigned int cpus_parked(struct modsim_kernel *k)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < k->ncpus; i++)
		n += atomic_load(&k->cpus[i].used) && atomic_load(&k->cpus[i].parked);
	return n;
}

static void test_linux26_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		/* B and T: docs/findings-history.md */
		MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_UNSAFE, MODSIM_SAFE, MODSIM_SAFE,
	};

	assert_int_equal(modsim_preset_linux26.owner_ref, MODSIM_OWNER_REF_FOPS);
	assert_non_null(modsim_preset_linux26.sources);
	pu_assert_described(&modsim_preset_linux26, "linux26", "history", row);
	assert_string_equal(modsim_strategy_name(*state), "linux26");
}

static void test_linux26_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/*
 * While init runs the module is COMING, and module_is_live() is state !=
 * GOING: a get succeeds (include/linux/module.h; "Currently we *do* allow
 * try_module_get() during init").  A hook call takes no reference at all
 * (owner-ref fops+symbol_get): the hook init registered runs.
 */
static void test_linux26_get_succeeds_while_coming(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	struct modsim_stats st;
	struct pu_thread u;
	struct modsim_mod *m;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "halfinit"), 0);
	pu_start(&u, k, PU_LOAD, "halfinit", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, PU_WAIT_MS), 0);
	m = modsim_find(k, "halfinit");
	assert_non_null(m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_COMING);
	assert_int_equal(k->strat->refcount(m), 0);
	assert_true(k->strat->get(m, cpu));
	assert_int_equal(k->strat->refcount(m), 1);
	k->strat->put(m, cpu);
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	assert_int_equal(k->strat->refcount(m), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1); /* hook a runs, no count taken */
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 0);

	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "halfinit", 0), 0);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * A reference taken on one CPU and dropped on another: each CPU writes
 * only its own slot (one goes negative), and only the sum is the count.
 */
static void test_linux26_slots_sum_across_threads(void **state)
{
	struct modsim_kernel *k = *state;
	unsigned int me = modsim_cpu_id(modsim_cpu_self(k));
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct getter g;

	get_on_thread(&g, k, m, 2);
	assert_true(g.cpu_id != me);
	assert_int_equal(slot_of(m, g.cpu_id), 2);
	assert_int_equal(slot_of(m, me), 0);

	module_put(m->desc);
	assert_int_equal(slot_of(m, g.cpu_id), 2);
	assert_int_equal(slot_of(m, me), -1);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 1);
	assert_int_equal(module_refcount(m->desc), 1);
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), -EWOULDBLOCK);
	pu_assert_error_has("rmmod hello: in use (count 1)");

	module_put(m->desc);
	assert_int_equal(slot_of(m, me), -2);
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 0);
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
}

/*
 * Unload stops the world to read the slots: trapped right after it set
 * GOING, the unloader holds the world stopped and the worker stands
 * parked at its quiescent point; the pause is recorded.
 */
static void test_linux26_unload_stops_the_world(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hook", NULL);
	unsigned long passes;
	struct modsim_stats st;
	struct modsim_mix mix;
	struct pu_thread u;

	modsim_mix_default(&mix);
	mix.hook = 1;
	mix.chrdev = mix.notifier = mix.symbol = 0;
	modsim_point_watch(k, MODSIM_PT_QUIESCENT);
	assert_int_equal(modsim_workers_start(k, 1, &mix), 0);
	/* The worker runs (it has a CPU and passes quiescent points). */
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_QUIESCENT, 2, PU_WAIT_MS), 0);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_GOING, "hook"), 0);
	pu_start(&u, k, PU_UNLOAD, "hook", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_GOING, PU_WAIT_MS), 0);
	assert_int_equal(atomic_load(&k->world_stop), 1);
	assert_int_equal(cpus_parked(k), 1);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GOING);
	passes = modsim_point_passes(k, MODSIM_PT_QUIESCENT);
	assert_int_equal(modsim_wait_quiescence(k), 0); /* parked counts as quiescent */
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_QUIESCENT), passes);

	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(atomic_load(&k->world_stop), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	/* It runs again. */
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_QUIESCENT, passes + 2, PU_WAIT_MS), 0);
	modsim_workers_stop(k);

	modsim_stats_get(k, &st);
	assert_int_equal(st.world_stop_ns.n, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(pu_violations(k), 0);
}

/* NOWAIT with a reference held: EWOULDBLOCK, LIVE again before the world restarts. */
static void test_linux26_nowait_busy(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_stats st;

	assert_true(try_module_get(m->desc));
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), -EWOULDBLOCK);
	pu_assert_error_has("rmmod hello: in use (count 1)");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_true(try_module_get(m->desc));
	assert_int_equal(pu_lsmod_refcount(k, "hello"), 2);
	module_put(m->desc);
	module_put(m->desc);
	assert_int_equal(modsim_unload(k, "hello", MODSIM_UNLOAD_NOWAIT), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_wouldblock, 1);
	assert_int_equal(st.unload_waited, 0);
	assert_int_equal(st.world_stop_ns.n, 2);
}

/*
 * A blocking unload with an open file: it stops the world, marks GOING,
 * finds the file's count, restarts the world and waits at UNLOAD_WAIT.
 * New opens are refused; calls on the open file run on the reference its
 * open took (Linux's fops_get: no per-call count); the close (on another
 * thread than the open) is the last put and lets it finish.
 */
static void test_linux26_unload_waits_for_holder(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	struct modsim_file *f = NULL, *f2 = NULL;
	struct modsim_stats st;
	struct pu_thread u;
	char buf[8];

	f = open_on_thread(k, "chardev");
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 1);

	/* First pass of UNLOAD_WAIT: before the world stop. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "chardev"), 0);
	pu_start(&u, k, PU_UNLOAD, "chardev", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(atomic_load(&k->world_stop), 0);

	/* GOING, with the world stopped. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_GOING, "chardev"), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_GOING, PU_WAIT_MS), 0);
	assert_int_equal(atomic_load(&k->world_stop), 1);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GOING);

	/* Second pass: waiting for the count, with the world running. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "chardev"), 0);
	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	assert_int_equal(atomic_load(&k->world_stop), 0);
	assert_true(modsim_chrdev_read(f, buf, sizeof(buf)) > 0);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f2), -ENODEV);
	assert_false(try_module_get(m->desc));
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 1);

	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	pu_wait_sleeping(m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GOING);
	assert_int_equal(atomic_load(&m->teardown), 0); /* exit has not run */

	/* The put comes from this thread's slot, the get went to the opener's. */
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_waited, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(st.failed_get[MODSIM_SS_CHRDEV], 1); /* the open */
	assert_int_equal(pu_violations(k), 0);
}

/* A holder that never lets go: ETIMEDOUT, and the module is LIVE again. */
static void test_linux26_timeout_reopens(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	struct modsim_stats st;

	k->cfg.unload_timeout_ms = 50;
	assert_true(try_module_get(m->desc));
	assert_int_equal(modsim_unload(k, "hello", 0), -ETIMEDOUT);
	pu_assert_error_has("rmmod hello: still in use after 50 ms (count 1)");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	module_put(m->desc);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_timeout, 1);
	assert_int_equal(st.unload_done, 1);
}

/*
 * Failed init: GOING, quiescence, free, and no wait for the count
 * (kernel/module.c: sys_init_module in 2.6, do_init_module in 3.19).  A
 * reference taken while COMING is left on freed memory.
 */
static void test_linux26_failed_init(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	char *params[] = { "fail_at=2" };
	struct pu_thread u;
	struct modsim_mod *m;

	/* Nobody got in: freed at once. */
	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	m = pu_newest(k);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_false(k->strat->get(m, cpu));

	/* A reference taken while COMING: freed all the same. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "halfinit"), 0);
	pu_start(&u, k, PU_LOAD, "halfinit", "fail_at=2", 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, PU_WAIT_MS), 0);
	m = modsim_find(k, "halfinit");
	assert_non_null(m);
	assert_true(k->strat->get(m, cpu));
	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), -ENODEV);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_int_equal(k->strat->refcount(m), 1); /* the count outlived the module */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_linux26_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux26_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux26_get_succeeds_while_coming, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux26_slots_sum_across_threads, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux26_unload_stops_the_world, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux26_nowait_busy, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux26_unload_waits_for_holder, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux26_timeout_reopens, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_linux26_failed_init, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
