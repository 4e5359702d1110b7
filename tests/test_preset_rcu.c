/* Preset "rcu": callers in a read-side section, unload waits a grace period; files refuse it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include "preset_unit.h"

extern const struct modsim_strategy modsim_preset_rcu;

static int setup(void **state)
{
	return pu_kernel(state, "rcu", false);
}

/*
 * liburcu's grace-period counter.  synchronize_rcu() flips its phase once
 * the readers that began before it are sorted out, then waits for those
 * still inside their sections: a flip while a reader is parked in one
 * means the unloader is in the grace period, waiting for that reader.
 */
static unsigned long gp_ctr(void)
{
	return __atomic_load_n(&urcu_memb_gp.ctr, __ATOMIC_ACQUIRE);
}

static void wait_gp_flip(unsigned long from)
{
	uint64_t deadline = modsim_now_ns() + (uint64_t)PU_WAIT_MS * 1000000u;

	while (gp_ctr() == from) {
		if (modsim_now_ns() > deadline)
			fail_msg("no grace period began within %u ms", PU_WAIT_MS);
		sched_yield();
	}
}

static void test_rcu_described(void **state)
{
	static const enum modsim_verdict row[MODSIM_HZ__COUNT] = {
		MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE, MODSIM_SAFE,
	};

	pu_assert_described(&modsim_preset_rcu, "rcu", "history", row);
	assert_non_null(modsim_preset_rcu.section_begin);
	assert_non_null(modsim_preset_rcu.section_end);
	assert_string_equal(modsim_strategy_name(*state), "rcu");
}

static void test_rcu_null_owner(void **state)
{
	pu_assert_null_owner(*state);
}

/* What a fresh thread saw of its own liburcu registration. */
struct reg_probe {
	struct modsim_kernel *k;
	int before, in_section, after, ret;
};

static void *reg_probe_main(void *arg)
{
	struct reg_probe *p = arg;
	struct modsim_cpu *cpu = modsim_cpu_self(p->k);
	bool adhoc;

	p->before = URCU_TLS(urcu_memb_reader).registered;
	adhoc = modsim_cpu_call_begin(cpu);
	p->in_section = urcu_memb_read_ongoing() != 0;
	modsim_cpu_call_end(cpu, adhoc);
	p->after = URCU_TLS(urcu_memb_reader).registered;
	p->ret = modsim_hook_run(p->k, NULL);
	modsim_cpu_release_self(p->k);
	return NULL; /* the key's destructor unregisters it */
}

/* A thread registers with liburcu on its first call, not before. */
static void test_rcu_registers_lazily(void **state)
{
	struct reg_probe p = { .k = *state };
	pthread_t tid;

	pu_load(p.k, "hook", NULL);
	assert_int_equal(pthread_create(&tid, NULL, reg_probe_main, &p), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(p.before, 0);
	assert_int_equal(p.in_section, 1);
	assert_int_equal(p.after, 1);
	assert_int_equal(p.ret, 1);
}

/* While init runs the module is COMING: entries and long-held gets fail. */
static void test_rcu_get_fails_while_coming(void **state)
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
	assert_false(k->strat->enter(m, cpu));
	assert_false(k->strat->get(m, cpu));
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 1);

	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_true(try_module_get(m->desc));
	module_put(m->desc);
	assert_int_equal(pu_violations(k), 0);
}

/*
 * A caller parked after its lookup, inside its read-side section.  The
 * unloader marks GOING and enters the grace period, which cannot end
 * while the caller is inside: exit has not run when the caller is let go.
 * Released, the caller's entry is refused (GOING), its section ends, and
 * only then does the unloader run exit.  No violation.
 */
static void test_rcu_unload_waits_for_reader(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hook", NULL);
	struct modsim_stats st;
	struct pu_thread c, u;
	unsigned long gp;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_LOOKUP, "hook"), 0);
	pu_start(&c, k, PU_HOOK_RUN, NULL, NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_LOOKUP, PU_WAIT_MS), 0);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "hook"), 0);
	pu_start(&u, k, PU_UNLOAD, "hook", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GOING);

	gp = gp_ctr();
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);
	wait_gp_flip(gp);
	/* In the grace period, held there by the parked reader. */
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GOING);
	assert_int_equal(atomic_load(&m->teardown), 0);

	modsim_point_release(k, MODSIM_PT_CALL_AFTER_LOOKUP);
	assert_int_equal(pu_join(&c), 0); /* entry refused: nothing called */
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 1);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 0);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(pu_violations(k), 0);
}

/* A caller that got in before GOING is inside its section: exit waits for it to return. */
static void test_rcu_unload_waits_for_call_in_flight(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "hook", NULL);
	struct modsim_stats st;
	struct pu_thread c, u;
	unsigned long gp;

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_BEFORE_EXIT, "hook"), 0);
	pu_start(&c, k, PU_HOOK_RUN, NULL, NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_BEFORE_EXIT, PU_WAIT_MS), 0);

	gp = gp_ctr();
	pu_start(&u, k, PU_UNLOAD, "hook", NULL, 0);
	wait_gp_flip(gp);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GOING);
	assert_int_equal(atomic_load(&m->teardown), 0);
	modsim_point_release(k, MODSIM_PT_CALL_BEFORE_EXIT);
	assert_int_equal(pu_join(&c), 1);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 1);
	assert_int_equal(pu_violations(k), 0);
}

/* A long-held reference (an open file) refuses unload: EBUSY, still LIVE. */
static void test_rcu_long_held_refuses(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_mod *m = pu_load(k, "chardev", NULL);
	struct modsim_file *f = NULL;
	struct modsim_stats st;
	char buf[8];

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_chrdev_open(k, "chardev", &f), 0);
	assert_int_equal(pu_lsmod_refcount(k, "chardev"), 1);
	assert_int_equal(modsim_unload(k, "chardev", 0), -EBUSY);
	pu_assert_error_has("rmmod chardev: in use (count 1)");
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(modsim_chrdev_read(f, buf, sizeof(buf)), 8);
	assert_int_equal(modsim_chrdev_close(f), 0);
	assert_int_equal(modsim_unload(k, "chardev", 0), 0);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 1);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);

	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_busy, 1);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(pu_violations(k), 0);
}

/* Inside a read-side section a grace period would wait for itself: load and unload refuse. */
static void test_rcu_refuses_inside_section(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	struct modsim_mod *m = pu_load(k, "hello", NULL);
	bool adhoc;

	adhoc = modsim_cpu_call_begin(cpu);
	assert_int_equal(modsim_unload(k, "hello", 0), -EDEADLK);
	pu_assert_error_has("rmmod hello: called inside an RCU read-side section");
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);
	assert_int_equal(modsim_load(k, "hook", 0, NULL, NULL), -EDEADLK);
	pu_assert_error_has("insmod hook: called inside an RCU read-side section");
	assert_null(modsim_find(k, "hook"));
	modsim_cpu_call_end(cpu, adhoc);

	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	pu_load(k, "hook", NULL);
}

/* Failed init: the state was never LIVE; a grace period passes before the free. */
static void test_rcu_failed_init(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	char *params[] = { "fail_at=2" };
	struct modsim_mod *m;

	modsim_point_watch(k, MODSIM_PT_UNLOAD_WAIT);
	assert_int_equal(modsim_load(k, "halfinit", 1, params, NULL), -ENODEV);
	assert_int_equal(modsim_point_passes(k, MODSIM_PT_UNLOAD_WAIT), 1);
	m = pu_newest(k);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	assert_false(k->strat->get(m, cpu));
	assert_false(k->strat->enter(m, cpu));
	assert_int_equal(pu_violations(k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rcu_described, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rcu_null_owner, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rcu_registers_lazily, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rcu_get_fails_while_coming, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rcu_unload_waits_for_reader, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rcu_unload_waits_for_call_in_flight, setup,
						pu_teardown),
		cmocka_unit_test_setup_teardown(test_rcu_long_held_refuses, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rcu_refuses_inside_section, setup, pu_teardown),
		cmocka_unit_test_setup_teardown(test_rcu_failed_init, setup, pu_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
