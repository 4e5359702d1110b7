/* Statistics (stats.c) and the summary (report.c): violations, counters, samples. */
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

struct fixture {
	struct modsim_kernel *k;
	FILE *log; /* cfg.log: what the kernel reports */
};

/* A real kernel, quiet (no timer thread), reporting into a temporary file. */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct modsim_config cfg;

	assert_non_null(fx);
	fx->log = tmpfile();
	assert_non_null(fx->log);
	modsim_config_default(&cfg);
	cfg.max_cpus = 4;
	cfg.timer_thread = false;
	cfg.log = fx->log;
	assert_int_equal(modsim_kernel_create(&cfg, &fx->k), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	modsim_cpu_release_self(fx->k);
	modsim_kernel_destroy(fx->k);
	fclose(fx->log);
	free(fx);
	return 0;
}

/* Everything written to @f so far, NUL-terminated (caller frees). */
static char *slurp(FILE *f)
{
	long n;
	char *buf;

	fflush(f);
	n = ftell(f);
	assert_true(n >= 0);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	return buf;
}

static int count_lines(const char *s, const char *needle)
{
	int n = 0;

	for (const char *line = s; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);

		if (strstr(copy, needle))
			n++;
		free(copy);
		line = end ? end + 1 : NULL;
	}
	return n;
}

static struct modsim_mod *fake_mod(struct modsim_kernel *k, const char *name, unsigned long gen)
{
	struct modsim_mod *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->k = k;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->generation = gen;
	return m;
}

static void record(struct modsim_kernel *k, enum modsim_vkind kind, struct modsim_mod *m,
		   const char *detail)
{
	struct modsim_violation v;

	modsim_violation_init(&v, kind, m, MODSIM_SS_CHRDEV, "read");
	if (detail)
		snprintf(v.detail, sizeof(v.detail), "%s", detail);
	modsim_stat_violation(k, &v);
}

/* ---- names ---- */

static void test_modsim_subsys_name_all(void **state)
{
	(void)state;
	assert_string_equal(modsim_subsys_name(MODSIM_SS_CHRDEV), "chrdev");
	assert_string_equal(modsim_subsys_name(MODSIM_SS_HOOK), "hook");
	assert_string_equal(modsim_subsys_name(MODSIM_SS_TIMER), "timer");
	assert_string_equal(modsim_subsys_name(MODSIM_SS_NOTIFIER), "notifier");
	assert_string_equal(modsim_subsys_name(MODSIM_SS_SYMBOL), "symbol");
	assert_string_equal(modsim_subsys_name(MODSIM_SS_LOADER), "loader");
	assert_string_equal(modsim_subsys_name(MODSIM_SS__COUNT), "?");
}

static void test_modsim_vkind_name_all(void **state)
{
	(void)state;
	assert_string_equal(modsim_vkind_name(MODSIM_V_FAULT), "use-after-unload");
	assert_string_equal(modsim_vkind_name(MODSIM_V_CALL_AFTER_EXIT), "call-after-exit");
	assert_string_equal(modsim_vkind_name(MODSIM_V_LEAK), "leaked-registration");
	assert_string_equal(modsim_vkind_name(MODSIM_V_DEADLOCK), "deadlock");
	assert_string_equal(modsim_vkind_name(MODSIM_V_MODULE_CRASH), "module-crash");
	assert_string_equal(modsim_vkind_name(MODSIM_V__COUNT), "?");
}

/* ---- violations ---- */

static void test_modsim_violation_init_identity(void **state)
{
	struct fixture *fx = *state;
	struct modsim_mod *m = fake_mod(fx->k, "leaky", 7);
	struct modsim_violation v;

	memset(&v, 0x5a, sizeof(v));
	modsim_violation_init(&v, MODSIM_V_LEAK, m, MODSIM_SS_HOOK, "sweep");
	assert_int_equal(v.kind, MODSIM_V_LEAK);
	assert_string_equal(v.module, "leaky");
	assert_int_equal(v.generation, 7);
	assert_int_equal(v.subsys, MODSIM_SS_HOOK);
	assert_string_equal(v.op, "sweep");
	assert_int_equal(v.point, -1);
	assert_int_equal(v.addr, 0);
	assert_int_equal(v.signo, 0);
	assert_string_equal(v.detail, "");

	modsim_violation_init(&v, MODSIM_V_DEADLOCK, NULL, MODSIM_SS_LOADER, "init");
	assert_string_equal(v.module, "-");
	assert_int_equal(v.generation, 0);
	free(m);
}

static void test_modsim_stat_violation_counts_and_first(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_mod *a = fake_mod(k, "alpha", 2), *b = fake_mod(k, "beta", 3);
	struct modsim_violation log[8];
	struct modsim_stats st;

	record(k, MODSIM_V_FAULT, a, "first fault");
	record(k, MODSIM_V_LEAK, b, "chrdev \"beta0\"");
	record(k, MODSIM_V_FAULT, b, "second fault");

	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 2);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 1);
	assert_int_equal(st.violations[MODSIM_V_DEADLOCK], 0);
	assert_string_equal(st.first[MODSIM_V_FAULT].module, "alpha");
	assert_int_equal(st.first[MODSIM_V_FAULT].generation, 2);
	assert_string_equal(st.first[MODSIM_V_FAULT].detail, "first fault");
	assert_string_equal(st.first[MODSIM_V_LEAK].module, "beta");

	assert_int_equal(modsim_violations(k, log, 8), 3);
	assert_string_equal(log[0].detail, "first fault");
	assert_int_equal(log[1].kind, MODSIM_V_LEAK);
	assert_string_equal(log[2].detail, "second fault");
	assert_int_equal(modsim_violations(k, log, 2), 2);
	free(a);
	free(b);
}

static void test_modsim_stat_violation_log_keeps_first_1024(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_violation *log = calloc(2048, sizeof(*log));
	struct modsim_stats st;

	assert_non_null(log);
	for (int i = 0; i < 1100; i++) {
		char d[32];

		snprintf(d, sizeof(d), "#%d", i);
		record(k, MODSIM_V_CALL_AFTER_EXIT, NULL, d);
	}
	assert_int_equal(modsim_violations(k, log, 2048), 1024);
	assert_string_equal(log[0].detail, "#0");
	assert_string_equal(log[1023].detail, "#1023");
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_CALL_AFTER_EXIT], 1100);
	free(log);
}

static void test_modsim_stat_violation_prints(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_mod *m = fake_mod(k, "racy", 4);
	struct modsim_violation v;
	char *out;

	for (int i = 0; i < 8; i++)
		record(k, MODSIM_V_FAULT, m, NULL);
	for (int i = 0; i < 7; i++)
		record(k, MODSIM_V_CALL_AFTER_EXIT, m, NULL);
	for (int i = 0; i < 7; i++)
		record(k, MODSIM_V_LEAK, m, "timer");
	record(k, MODSIM_V_DEADLOCK, m, "init never returned");
	modsim_violation_init(&v, MODSIM_V_MODULE_CRASH, m, MODSIM_SS_HOOK, "fn");
	v.point = MODSIM_PT_CALL_AFTER_ENTER;
	v.signo = 11;
	v.addr = 0x1234;
	modsim_stat_violation(k, &v);

	out = slurp(fx->log);
	/* The first five of the frequent kinds, then one note each. */
	assert_int_equal(count_lines(out, "modsim: use-after-unload: module racy gen 4"), 5);
	assert_int_equal(count_lines(out, "further use-after-unload"), 1);
	assert_int_equal(count_lines(out, "modsim: call-after-exit: module racy gen 4"), 5);
	assert_int_equal(count_lines(out, "further call-after-exit"), 1);
	/* Every leak, deadlock and crash. */
	assert_int_equal(count_lines(out, "leaked-registration: module racy gen 4, chrdev read: timer"),
			 7);
	assert_int_equal(count_lines(out, "deadlock: module racy"), 1);
	assert_int_equal(count_lines(out, "module-crash: module racy gen 4, hook fn, after "
					  "call.after_enter, signal 11 at 0x1234"), 1);
	free(out);
	free(m);
}

/* ---- counters and samples ---- */

static void test_modsim_stat_loader_counters(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_stats st;

	for (int s = 0; s < MODSIM_LS__COUNT; s++)
		for (int i = 0; i <= s; i++)
			modsim_stat_loader(k, s);
	modsim_stats_get(k, &st);
	assert_int_equal(st.loads, 1);
	assert_int_equal(st.load_failures, 2);
	assert_int_equal(st.init_failures, 3);
	assert_int_equal(st.unload_attempts, 4);
	assert_int_equal(st.unload_done, 5);
	assert_int_equal(st.unload_busy, 6);
	assert_int_equal(st.unload_wouldblock, 7);
	assert_int_equal(st.unload_eperm, 8);
	assert_int_equal(st.unload_timeout, 9);
	assert_int_equal(st.unload_forced, 10);
	assert_int_equal(st.unload_waited, 11);
	assert_int_equal(st.leaked_generations, 12);
}

static void test_modsim_stat_sample_percentiles(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_stats st;

	/* 1..100 in a scrambled order. */
	for (uint64_t i = 0; i < 100; i++)
		modsim_stat_sample(k, MODSIM_SAMPLE_UNLOAD, (i * 37) % 100 + 1);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_ns.n, 100);
	assert_int_equal(st.unload_ns.p50, 50);
	assert_int_equal(st.unload_ns.p99, 99);
	assert_int_equal(st.unload_ns.max, 100);
	assert_int_equal(st.world_stop_ns.n, 0);
	assert_int_equal(st.world_stop_ns.max, 0);
}

static void test_modsim_stat_sample_reservoir(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_stats st;
	const uint64_t n = 200000;

	/* Values 0..n-1 in a scrambled order; more than the 65536 kept. */
	for (uint64_t i = 0; i < n; i++)
		modsim_stat_sample(k, MODSIM_SAMPLE_WORLD_STOP, (i * 7919) % n);
	modsim_stats_get(k, &st);
	assert_int_equal(st.world_stop_ns.n, n);
	assert_int_equal(st.world_stop_ns.max, n - 1);
	/* A uniform subset: the median is near the middle, p99 near the top. */
	assert_in_range(st.world_stop_ns.p50, n / 2 - n / 50, n / 2 + n / 50);
	assert_in_range(st.world_stop_ns.p99, n * 98 / 100, n - 1);
}

static void *bump_ops(void *arg)
{
	struct modsim_kernel *k = arg;
	struct modsim_cpu *cpu = modsim_cpu_self(k);

	for (int i = 0; i < 10; i++)
		modsim_cpu_inc(&cpu->ops[MODSIM_SS_HOOK]);
	modsim_cpu_inc(&cpu->failed_get[MODSIM_SS_HOOK]);
	modsim_cpu_inc(&cpu->faulted[MODSIM_SS_SYMBOL]);
	modsim_cpu_release_self(k);
	return NULL;
}

static void test_modsim_stats_get_sums_cpus(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_stats st;
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, bump_ops, k), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	modsim_stats_get(k, &st);
	assert_int_equal(st.ops[MODSIM_SS_HOOK], 30);
	assert_int_equal(st.failed_get[MODSIM_SS_HOOK], 3);
	assert_int_equal(st.faulted[MODSIM_SS_SYMBOL], 3);
	assert_int_equal(st.ops[MODSIM_SS_CHRDEV], 0);
}

static void test_modsim_stats_reset_zeroes(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_violation v;
	struct modsim_stats st, zero;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, bump_ops, k), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	record(k, MODSIM_V_LEAK, NULL, "x");
	modsim_stat_loader(k, MODSIM_LS_LOADS);
	modsim_stat_sample(k, MODSIM_SAMPLE_UNLOAD, 5);

	modsim_stats_reset(k);
	modsim_stats_get(k, &st);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&st, &zero, sizeof(st));
	assert_int_equal(modsim_violations(k, &v, 1), 0);

	/* Counting starts afresh. */
	record(k, MODSIM_V_LEAK, NULL, "y");
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_LEAK], 1);
	assert_string_equal(st.first[MODSIM_V_LEAK].detail, "y");
}

/* ---- the summary ---- */

static void test_modsim_stats_print_summary(void **state)
{
	struct fixture *fx = *state;
	struct modsim_kernel *k = fx->k;
	struct modsim_mod *m = fake_mod(k, "gone", 9);
	struct modsim_violation v;
	FILE *f = tmpfile();
	pthread_t t;
	char *out;

	assert_non_null(f);
	assert_int_equal(pthread_create(&t, NULL, bump_ops, k), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	modsim_violation_init(&v, MODSIM_V_FAULT, m, MODSIM_SS_CHRDEV, "read");
	v.point = MODSIM_PT_CALL_AFTER_ENTER;
	v.addr = 0xdead000;
	v.signo = 11;
	modsim_stat_violation(k, &v);
	modsim_stat_loader(k, MODSIM_LS_LOADS);
	modsim_stat_loader(k, MODSIM_LS_UNLOAD_ATTEMPTS);
	modsim_stat_loader(k, MODSIM_LS_UNLOAD_BUSY);
	modsim_stat_sample(k, MODSIM_SAMPLE_UNLOAD, 1500);
	modsim_stat_sample(k, MODSIM_SAMPLE_WORLD_STOP, 250000);

	modsim_stats_print(k, f);
	out = slurp(f);
	assert_int_equal(count_lines(out, "  hook                   10            1          0"), 1);
	assert_int_equal(count_lines(out, "  symbol                  0            0          1"), 1);
	assert_int_equal(count_lines(out, "chrdev "), 1); /* idle subsystems are left out */
	assert_int_equal(count_lines(out, "violations: 1"), 1);
	assert_int_equal(count_lines(out, "use-after-unload"), 1);
	assert_int_equal(count_lines(out, "first: module gone gen 9, chrdev read, after "
					  "call.after_enter, addr 0xdead000 (signal 11)"), 1);
	assert_int_equal(count_lines(out, "loads: 1 ok"), 1);
	assert_int_equal(count_lines(out, "unloads: 1 attempted: 0 done, 1 busy"), 1);
	assert_int_equal(count_lines(out, "unload           n=1  p50 1.5 us  p99 1.5 us  max 1.5 us"),
			 1);
	assert_int_equal(count_lines(out, "world stop       n=1  p50 250.0 us"), 1);
	free(out);
	fclose(f);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modsim_subsys_name_all),
		cmocka_unit_test(test_modsim_vkind_name_all),
		cmocka_unit_test_setup_teardown(test_modsim_violation_init_identity, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stat_violation_counts_and_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stat_violation_log_keeps_first_1024,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stat_violation_prints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stat_loader_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stat_sample_percentiles, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stat_sample_reservoir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stats_get_sums_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stats_reset_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_stats_print_summary, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
