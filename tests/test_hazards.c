/* The hazard proof: every preset × hazard cell forced by the harness and checked against the predictions. */
/* LABELS: faults */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <modsim/lab/hazard.h>
#include <modsim/kernel.h>
#include <modsim/strategy.h>

#define U MODSIM_UNSAFE
#define S MODSIM_SAFE

/*
 * The predictions, copied from BRIEF2 ("Predictions"); the presets' own
 * predict[] must say the same (test_modsim_strategy_predict_matches_proof),
 * so `modsim strategies` cannot drift from what this suite proves.
 *
 * Where each column comes from:
 *   A  the post's verdict on the unload race (DESIGN.md's preset table;
 *      the history presets are BRIEF2's extension of it)
 *   B  the post's verdict on half-init (DESIGN.md's preset table, likewise)
 *   P  derived: unsafe where nothing holds the module while code that
 *      dropped its own count returns (no subsystem count covers the call,
 *      no quiescence wait before exit)
 *   T  derived: unsafe wherever a timer callback's entry is not refused
 *      once unload began (nothing counts a timer)
 *   L  derived: safe wherever a long-held reference refuses or delays unload
 *   S  derived: unsafe only where init runs with the world stopped
 *
 *   id              name               A  B  P  T  L  S
 */
#define PRESETS(X)                                                  \
	X(none,           "none",           U, U, U, U, U, S)       \
	X(inc,            "inc",            U, U, S, U, S, S)       \
	X(try,            "try",            S, S, S, S, S, S)       \
	X(try_drain,      "try-drain",      S, S, S, S, S, S)       \
	X(self,           "self",           S, U, S, U, S, S)       \
	X(self_restart,   "self-restart",   S, U, S, U, S, S)       \
	X(self_noquiesce, "self-noquiesce", U, U, U, U, S, S)       \
	X(nounload,       "nounload",       S, U, S, S, S, S)       \
	X(twoinit,        "twoinit",        U, S, U, U, U, S)       \
	X(stopworld,      "stopworld",      S, S, S, U, S, U)       \
	X(linux26,        "linux26",        S, U, S, U, S, S)       \
	X(linux319,       "linux319",       S, U, S, U, S, S)       \
	X(rcu,            "rcu",            S, S, S, S, S, S)       \
	X(percpu_ref,     "percpu-ref",     S, S, S, S, S, S)       \
	X(rundown,        "rundown",        S, S, S, S, S, S)       \
	X(quiesce,        "quiesce",        U, U, U, U, S, S)

/*
 * linux26 and linux319 as their kernels were (docs/findings-history.md):
 *   B unsafe: try_module_get() succeeds while COMING, since module_is_live()
 *     is state != GOING (include/linux/module.h, 2.6.x and 3.19; "Currently
 *     we *do* allow try_module_get() during init", Rusty Russell, 2003), and
 *     a failed init goes GOING, synchronize_sched(), module_put(),
 *     free_module() without waiting for the count (kernel/module.c,
 *     sys_init_module in 2.6.x, do_init_module in 3.19): a device opened
 *     while init ran is read after the free.
 *   T unsafe: struct timer_list has no owner and __run_timers() takes no
 *     module reference (kernel/timer.c, 2.6.x): a timer exit forgot fires
 *     into freed code.
 *   A and P stay safe for another reason: hooks take no reference
 *     (nf_iterate(), net/netfilter/core.c, 2.6.x: "we don't need to hold
 *     module reference here"), but exit's unregister synchronises
 *     (nf_unregister_hook() ends in synchronize_net()).
 */

/*
 * Presets composed on the init axis (strategy_compose.c).  Derived from
 * their parts: B from the init axis (two-stage and stopped-world init are
 * both safe), S unsafe when init stops the world, every other column the
 * base preset's row above.
 */
#define COMPOSED(X)                                                       \
	X(try_twoinit,         "try+twoinit",         S, S, S, S, S, S)   \
	X(none_twoinit,        "none+twoinit",        U, S, U, U, U, S)   \
	X(none_stopworld_init, "none+stopworld-init", U, S, U, U, U, U)   \
	X(try_stopworld_init,  "try+stopworld-init",  S, S, S, S, S, U)

struct row {
	const char *name;
	enum modsim_verdict v[MODSIM_HZ__COUNT];
};

#define ROW(id, name, a, b, p, t, l, s) { name, { a, b, p, t, l, s } },
static const struct row preset_rows[] = { PRESETS(ROW) };
static const struct row composed_rows[] = { COMPOSED(ROW) };
#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* The base preset of @name ("try" of "try+twoinit"), if it is built. */
static bool base_present(const char *name, char *base, size_t len)
{
	snprintf(base, len, "%.*s", (int)strcspn(name, "+"), name);
	return modsim_strategy_find(base) != NULL;
}

static bool module_present(const char *module)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/modules/%s.so", MODSIM_BUILD_DIR, module);
	return access(path, R_OK) == 0;
}

static const char *verdict_name(enum modsim_verdict v)
{
	return v == MODSIM_UNSAFE ? "unsafe" : "safe";
}

/* What the brief accepts as the evidence of protection in a safe cell. */
static bool evidence(const struct modsim_hazard_outcome *o, enum modsim_hazard h)
{
	if (h == MODSIM_HZ_S)
		return o->rc == 0; /* init finished: its request was served */
	return o->rc == -EBUSY || o->rc == -EPERM || o->rc == -EWOULDBLOCK ||
	       o->failed_gets > 0 || o->waited || o->held || (h == MODSIM_HZ_B && !o->found);
}

static void check_cell(const char *name, enum modsim_hazard h, enum modsim_verdict expect)
{
	const char *hz = modsim_hazard_name(h), *module = modsim_hazard_module(h);
	struct modsim_hazard_outcome o;
	unsigned long stale, deadlock;
	char base[64];
	int rc;

	if (!base_present(name, base, sizeof(base)))
		fail_msg("%s %s: preset %s is not in the built-in table", name, hz, base);
	if (!module_present(module))
		fail_msg("%s %s: module %s was not built", name, hz, module);

	rc = modsim_hazard_run(name, h, &o);
	if (rc)
		fail_msg("%s %s: the interleaving could not be forced: %s", name, hz, o.note);
	print_message("%-20s %s %-6s: %s\n", name, hz, verdict_name(expect), o.note);
	assert_string_equal(o.module, module);
	assert_int_equal(o.hazard, h);
	assert_int_equal(o.violations[MODSIM_V_MODULE_CRASH], 0);

	stale = o.violations[MODSIM_V_FAULT] + o.violations[MODSIM_V_CALL_AFTER_EXIT];
	deadlock = o.violations[MODSIM_V_DEADLOCK];
	if (expect == MODSIM_UNSAFE) {
		if (h == MODSIM_HZ_S ? deadlock == 0 : stale == 0)
			fail_msg("%s %s: predicted unsafe, but no %s in %s: %s", name, hz,
				 h == MODSIM_HZ_S ? "deadlock" : "use-after-unload or call-after-exit",
				 module, o.note);
		assert_true(modsim_hazard_outcome_unsafe(&o, h));
		return;
	}
	if (stale || deadlock)
		fail_msg("%s %s: predicted safe, but %lu stale call(s) and %lu deadlock(s) in %s: %s",
			 name, hz, stale, deadlock, module, o.note);
	if (!evidence(&o, h))
		fail_msg("%s %s: no violation, but no evidence of protection either (rc %d): %s",
			 name, hz, o.rc, o.note);
	assert_false(modsim_hazard_outcome_unsafe(&o, h));
	assert_true(modsim_hazard_outcome_protected(&o, h));
}

/* One test per cell: test_modsim_hazard_run_<preset>_<hazard>. */
#define CELL(id, name, h, v)                                            \
	static void test_modsim_hazard_run_##id##_##h(void **state)     \
	{                                                               \
		check_cell(name, MODSIM_HZ_##h, v);                     \
	}
#define CELLS(id, name, a, b, p, t, l, s)                               \
	CELL(id, name, A, a) CELL(id, name, B, b) CELL(id, name, P, p)  \
	CELL(id, name, T, t) CELL(id, name, L, l) CELL(id, name, S, s)
PRESETS(CELLS)
COMPOSED(CELLS)

#define ENTRY(id, h) cmocka_unit_test(test_modsim_hazard_run_##id##_##h),
#define ENTRIES(id, name, a, b, p, t, l, s)                             \
	ENTRY(id, A) ENTRY(id, B) ENTRY(id, P) ENTRY(id, T) ENTRY(id, L) ENTRY(id, S)

/* Each preset's own predict[] is this suite's table, so the listing
 * (`modsim strategies`) says what the proof checks. */
static void check_rows(const struct row *rows, size_t n, bool composed)
{
	for (size_t i = 0; i < n; i++) {
		const struct modsim_strategy *s = NULL;

		if (composed)
			assert_int_equal(modsim_strategy_compose(rows[i].name, &s), 0);
		else
			s = modsim_strategy_find(rows[i].name);
		if (!s)
			fail_msg("preset %s is not in the built-in table", rows[i].name);
		assert_string_equal(s->name, rows[i].name);
		for (int h = 0; h < MODSIM_HZ__COUNT; h++) {
			if (s->predict[h] != rows[i].v[h])
				fail_msg("%s predicts %s %s; the proof's table says %s", rows[i].name,
					 modsim_hazard_name((enum modsim_hazard)h),
					 verdict_name(s->predict[h]), verdict_name(rows[i].v[h]));
			assert_non_null(s->why[h]);
		}
	}
}

static void test_modsim_strategy_predict_matches_proof(void **state)
{
	size_t n;

	/* The table lists every preset the library has, and no other. */
	modsim_strategy_all(&n);
	assert_true(n <= NROWS(preset_rows));
	for (size_t i = 0; i < n; i++) {
		const char *name = modsim_strategy_all(&n)[i]->name;
		size_t j;

		for (j = 0; j < NROWS(preset_rows); j++)
			if (!strcmp(preset_rows[j].name, name))
				break;
		if (j == NROWS(preset_rows))
			fail_msg("preset %s has no row in the proof's table", name);
	}
	check_rows(preset_rows, NROWS(preset_rows), false);
}

static void test_modsim_strategy_compose_predict_matches_proof(void **state)
{
	const struct modsim_strategy *s;

	check_rows(composed_rows, NROWS(composed_rows), true);
	assert_int_equal(modsim_strategy_compose("nosuch+twoinit", &s), -ENOENT);
	assert_int_equal(modsim_strategy_compose("try+sideways", &s), -ENOENT);
	assert_int_equal(modsim_strategy_compose("twoinit+twoinit", &s), -EINVAL);
}

/* Where the kernels of the composition tests report violations. */
static FILE *devnull;

static struct modsim_kernel *compose_kernel(const char *strategy)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.init_timeout_ms = 0; /* init (commit) inline on the loading thread */
	cfg.timer_thread = false;
	cfg.log = devnull;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	return k;
}

static void compose_kernel_free(struct modsim_kernel *k)
{
	modsim_kernel_destroy(k);
}

struct loader {
	struct modsim_kernel *k;
	const char *spec;
	int rc;
};

static void *loader_main(void *arg)
{
	struct loader *l = arg;

	l->rc = modsim_load(l->k, l->spec, 0, NULL, NULL);
	return NULL;
}

/*
 * BASE+twoinit runs the module's commit as the init of BASE's own load, so
 * BASE's protection covers it: under try, what commit published first is
 * refused to callers until the load is done.
 */
static void test_modsim_strategy_compose_twoinit_commits_inside_base_load(void **state)
{
	struct modsim_kernel *k = compose_kernel("try+twoinit");
	struct loader l = { .k = k, .spec = "halfinit" };
	struct modsim_stats st;
	pthread_t t;

	assert_string_equal(modsim_strategy_name(k), "try+twoinit");
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_INIT_BETWEEN_REGS, "halfinit"), 0);
	assert_int_equal(pthread_create(&t, NULL, loader_main, &l), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_INIT_BETWEEN_REGS, 5000), 0);
	/* commit registered a; try's count is still -1: the call is refused */
	assert_int_equal(modsim_hook_run(k, NULL), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 1);
	modsim_point_release(k, MODSIM_PT_INIT_BETWEEN_REGS);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(l.rc, 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1); /* LIVE: a is called */
	assert_int_equal(modsim_unload(k, "halfinit", 0), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 0);
	compose_kernel_free(k);
}

/* A module without reserve and commit under BASE+twoinit: a failed init is
 * never freed, and that is reported as a leak (as the twoinit preset does). */
static void test_modsim_strategy_compose_twoinit_one_stage_keeps(void **state)
{
	struct modsim_kernel *k = compose_kernel("none+twoinit");
	struct modsim_stats st;

	assert_int_equal(modsim_load(k, "initfail", 0, NULL, NULL), -ENODEV);
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 1);
	assert_string_equal(st.first[MODSIM_V_LEAK].module, "initfail");
	compose_kernel_free(k);
}

/* BASE+stopworld-init stops the world around the load, and only the load. */
static void test_modsim_strategy_compose_stopworld_init_stops_for_load(void **state)
{
	struct modsim_kernel *k = compose_kernel("try+stopworld-init");
	struct modsim_stats st;

	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.world_stop_ns.n, 1);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.world_stop_ns.n, 1); /* try's unload does not stop it */
	compose_kernel_free(k);
}

/* Every preset sits somewhere on every axis; compositions move init only. */
static void test_modsim_strategy_axis_every_preset(void **state)
{
	for (size_t i = 0; i < NROWS(preset_rows); i++)
		for (int a = 0; a < MODSIM_AXIS__COUNT; a++)
			if (!strcmp(modsim_strategy_axis(preset_rows[i].name, (enum modsim_axis)a), "?"))
				fail_msg("preset %s has no %s axis", preset_rows[i].name,
					 modsim_axis_name((enum modsim_axis)a));
	assert_string_equal(modsim_strategy_axis("try+twoinit", MODSIM_AXIS_INIT), "two-stage");
	assert_string_equal(modsim_strategy_axis("try+twoinit", MODSIM_AXIS_CALLER), "try count");
	assert_string_equal(modsim_strategy_axis("none+stopworld-init", MODSIM_AXIS_INIT),
			    "stop-the-world");
	assert_string_equal(modsim_strategy_axis("none+stopworld-init", MODSIM_AXIS_UNLOAD),
			    "free at once");
	assert_string_equal(modsim_strategy_axis("./mine.so", MODSIM_AXIS_INIT), "?");
}

/* The same cell gives the same outcome on every run: the interleaving is
 * forced, not raced. */
static void test_modsim_hazard_run_replays(void **state)
{
	static const struct {
		const char *strategy;
		enum modsim_hazard h;
	} cells[] = {
		{ "none", MODSIM_HZ_A },     { "try", MODSIM_HZ_A },
		{ "self", MODSIM_HZ_P },     { "self-noquiesce", MODSIM_HZ_P },
		{ "stopworld", MODSIM_HZ_B }, { "none", MODSIM_HZ_T },
		{ "try-drain", MODSIM_HZ_L },
	};
	unsigned int ran = 0;

	for (size_t c = 0; c < sizeof(cells) / sizeof(cells[0]); c++) {
		struct modsim_hazard_outcome first, o;
		char base[64];

		if (!base_present(cells[c].strategy, base, sizeof(base)))
			fail_msg("preset %s is not in the built-in table", base);
		assert_int_equal(modsim_hazard_run(cells[c].strategy, cells[c].h, &first), 0);
		for (int i = 1; i < 20; i++) {
			assert_int_equal(modsim_hazard_run(cells[c].strategy, cells[c].h, &o), 0);
			if (modsim_hazard_outcome_unsafe(&o, cells[c].h) !=
				    modsim_hazard_outcome_unsafe(&first, cells[c].h) ||
			    o.rc != first.rc || o.waited != first.waited || o.held != first.held ||
			    o.failed_gets != first.failed_gets ||
			    memcmp(o.violations, first.violations, sizeof(o.violations)))
				fail_msg("%s %s, run %d: \"%s\" differs from run 0: \"%s\"",
					 cells[c].strategy, modsim_hazard_name(cells[c].h), i, o.note,
					 first.note);
		}
		ran++;
	}
	assert_true(ran > 0);
}

/*
 * linux26 and linux319 as modelled (docs/findings-history.md), at the
 * forced interleavings: B breaks through the device opened while init ran
 * (the get succeeded while COMING, the failed init freed the module under
 * that count), T through the timer exit forgot (no owner, nothing refuses
 * the callback).  A hook stays safe: init's unregister waits for the
 * caller in the chain.
 */
static void test_modsim_hazard_run_history_b_t(void **state)
{
	static const char *const presets[] = { "linux26", "linux319" };

	(void)state;
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		struct modsim_hazard_outcome o;

		assert_int_equal(modsim_hazard_run(presets[i], MODSIM_HZ_B, &o), 0);
		assert_true(modsim_hazard_outcome_unsafe(&o, MODSIM_HZ_B));
		assert_true(o.violations[MODSIM_V_FAULT] > 0);
		assert_true(o.found);
		assert_non_null(strstr(o.note, "halfinit gen 2 (chrdev op"));
		assert_int_equal(o.rc, -ENODEV);
		assert_int_equal(modsim_strategy_find(presets[i])->owner_ref, MODSIM_OWNER_REF_FOPS);
		assert_string_equal(modsim_strategy_axis(presets[i], MODSIM_AXIS_OWNER_REF),
				    "fops+symbol_get");

		assert_int_equal(modsim_hazard_run(presets[i], MODSIM_HZ_T, &o), 0);
		assert_true(modsim_hazard_outcome_unsafe(&o, MODSIM_HZ_T));
		assert_true(o.violations[MODSIM_V_FAULT] > 0);
		assert_int_equal(o.failed_gets, 0);
		assert_non_null(strstr(o.note, "timer gen 1 (timer op timer"));
		assert_int_equal(o.rc, 0);
	}
	assert_string_equal(modsim_strategy_axis("try", MODSIM_AXIS_OWNER_REF), "every call");
}

/* A harness run that cannot happen says why, and says it is not an outcome. */
static void test_modsim_hazard_run_errors(void **state)
{
	struct modsim_hazard_outcome o;

	assert_int_equal(modsim_hazard_run("nosuchpreset", MODSIM_HZ_A, &o), -ENOENT);
	assert_non_null(strstr(o.note, "nosuchpreset"));
	assert_int_equal(modsim_hazard_run("none", MODSIM_HZ__COUNT, &o), -EINVAL);
	assert_int_equal(modsim_hazard_lookup("b"), MODSIM_HZ_B);
	assert_int_equal(modsim_hazard_lookup("S"), MODSIM_HZ_S);
	assert_int_equal(modsim_hazard_lookup("X"), -EINVAL);
	assert_int_equal(modsim_hazard_lookup("AB"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modsim_strategy_predict_matches_proof),
		cmocka_unit_test(test_modsim_strategy_compose_predict_matches_proof),
		cmocka_unit_test(test_modsim_strategy_compose_twoinit_commits_inside_base_load),
		cmocka_unit_test(test_modsim_strategy_compose_twoinit_one_stage_keeps),
		cmocka_unit_test(test_modsim_strategy_compose_stopworld_init_stops_for_load),
		cmocka_unit_test(test_modsim_strategy_axis_every_preset),
		cmocka_unit_test(test_modsim_hazard_run_errors),
		cmocka_unit_test(test_modsim_hazard_run_history_b_t),
		PRESETS(ENTRIES)
		COMPOSED(ENTRIES)
		cmocka_unit_test(test_modsim_hazard_run_replays),
	};
	int failed;

	devnull = fopen("/dev/null", "w");
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (devnull)
		fclose(devnull);
	return failed;
}
