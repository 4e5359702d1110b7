/* The callers' inline fast path (caller.h): each preset's kind, and the same answers as its table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <modsim/kernel.h>
#include <modsim/strategy.h>

#include "kernel/units.h"

#define COUNTING_SO MODSIM_BUILD_DIR "/tests/strategies/counting.so"

static const struct {
	const char *preset;
	enum modsim_caller kind;
} expected[] = {
	{ "none", MODSIM_CALLER_NOTHING },
	{ "inc", MODSIM_CALLER_INC },
	{ "try", MODSIM_CALLER_TRY },
	{ "try-drain", MODSIM_CALLER_DRAIN },
	{ "self", MODSIM_CALLER_NOTHING },
	{ "self-restart", MODSIM_CALLER_NOTHING },
	{ "self-noquiesce", MODSIM_CALLER_NOTHING },
	{ "nounload", MODSIM_CALLER_NOTHING },
	{ "twoinit", MODSIM_CALLER_NOTHING },
	{ "stopworld", MODSIM_CALLER_NOTHING },
	{ "linux26", MODSIM_CALLER_PERCPU },
	{ "linux319", MODSIM_CALLER_BIASED },
	{ "rcu", MODSIM_CALLER_RCU },
	{ "percpu-ref", MODSIM_CALLER_PCPU_REF },
	{ "rundown", MODSIM_CALLER_RUNDOWN },
	{ "quiesce", MODSIM_CALLER_NOTHING },
	/* Compositions copy their base's caller side, and keep its kind. */
	{ "try+twoinit", MODSIM_CALLER_TRY },
	{ "linux26+stopworld-init", MODSIM_CALLER_PERCPU },
	{ "self+twoinit", MODSIM_CALLER_NOTHING },
};

#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static struct modsim_kernel *kernel(const char *preset)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.strategy = preset;
	cfg.timer_thread = false;
	cfg.init_timeout_ms = 0;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	return k;
}

/* Every built-in preset has an inline kind; the table stays for nobody of them. */
static void test_modsim_caller_of_every_preset(void **state)
{
	size_t n;
	const struct modsim_strategy *const *all = modsim_strategy_all(&n);

	assert_int_equal(n, 16);
	for (size_t i = 0; i < n; i++) {
		enum modsim_caller c = modsim_caller_of(all[i]);
		bool listed = false;

		for (size_t j = 0; j < NEXPECTED; j++)
			if (!strcmp(expected[j].preset, all[i]->name)) {
				assert_int_equal(c, expected[j].kind);
				listed = true;
			}
		assert_true(listed);
		assert_int_not_equal(c, MODSIM_CALLER_TABLE);
		assert_string_not_equal(modsim_caller_name(c), "?");
	}
	assert_int_equal(modsim_caller_of(NULL), MODSIM_CALLER_TABLE);
}

/* The kernel sets its tag with its preset: at creation and on a switch. */
static void test_modsim_caller_set_with_strategy(void **state)
{
	for (size_t j = 0; j < NEXPECTED; j++) {
		struct modsim_kernel *k = kernel(expected[j].preset);

		assert_int_equal(k->caller, expected[j].kind);
		assert_int_equal(modsim_set_strategy(k, "linux26"), 0);
		assert_int_equal(k->caller, MODSIM_CALLER_PERCPU);
		assert_int_equal(modsim_set_strategy(k, expected[j].preset), 0);
		assert_int_equal(k->caller, expected[j].kind);
		modsim_kernel_destroy(k);
	}
}

/* A table with functions of its own (a strategy .so) is called through the table. */
static void test_modsim_caller_table_for_so(void **state)
{
	struct modsim_kernel *k = kernel(COUNTING_SO);
	struct modsim_strategy copy;

	assert_int_equal(k->caller, MODSIM_CALLER_TABLE);
	modsim_kernel_destroy(k);

	/* One function of its own is enough to leave the fast path. */
	copy = *modsim_strategy_find("linux26");
	copy.exit = modsim_strategy_find("percpu-ref")->exit;
	assert_int_equal(modsim_caller_of(&copy), MODSIM_CALLER_TABLE);
	copy = *modsim_strategy_find("none");
	copy.section_begin = modsim_strategy_find("rcu")->section_begin;
	assert_int_equal(modsim_caller_of(&copy), MODSIM_CALLER_TABLE);
}

/*
 * Through the tag and through the table, enter answers the same and leaves
 * the same count, in every state a caller can meet, and for built-in code.
 */
static void check_same(struct modsim_kernel *k, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	const struct modsim_strategy *s = k->strat;
	long before = s->refcount ? s->refcount(m) : -1;
	bool t, f;

	t = s->enter(m, cpu);
	if (t)
		s->exit(m, cpu);
	assert_int_equal(s->refcount ? s->refcount(m) : -1, before);

	f = modsim_enter(m, cpu);
	assert_int_equal(f, t);
	if (f) {
		/* Inside: both ways counted the same reference (or none). */
		long inside = s->refcount ? s->refcount(m) : -1;

		modsim_exit(m, cpu);
		t = s->enter(m, cpu);
		assert_true(t);
		assert_int_equal(s->refcount ? s->refcount(m) : -1, inside);
		s->exit(m, cpu);
	}
	assert_int_equal(s->refcount ? s->refcount(m) : -1, before);
	assert_true(modsim_enter(NULL, cpu));
	modsim_exit(NULL, cpu);
}

static void test_modsim_enter_same_as_table(void **state)
{
	static const enum modsim_state states[] = {
		MODSIM_STATE_LIVE, MODSIM_STATE_GOING, MODSIM_STATE_COMING, MODSIM_STATE_LIVE,
	};

	for (size_t j = 0; j < NEXPECTED; j++) {
		struct modsim_kernel *k = kernel(expected[j].preset);
		struct modsim_mod *m = NULL;
		struct modsim_cpu *cpu;

		assert_int_equal(modsim_load(k, "hello", 0, NULL, &m), 0);
		cpu = modsim_cpu_self(k);
		assert_non_null(cpu);
		modsim_cpu_online(cpu);
		for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
			modsim_mod_set_state(m, states[i]);
			check_same(k, m, cpu);
		}
		modsim_cpu_offline(cpu);
		modsim_cpu_release_self(k);
		modsim_kernel_destroy(k); /* unloads hello (nounload: forced) */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modsim_caller_of_every_preset),
		cmocka_unit_test(test_modsim_caller_set_with_strategy),
		cmocka_unit_test(test_modsim_caller_table_for_so),
		cmocka_unit_test(test_modsim_enter_same_as_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
