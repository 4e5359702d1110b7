/* Faults through the real kernel: stale calls after unload, crashes, reload, quarantine limit. */
/* LABELS: faults */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <modsim/kernel.h>
#include <modsim/point.h>
#include <modsim/stats.h>

#define TARGET_PATH MODSIM_BUILD_DIR "/tests/modules/fault_target.so"
#define WAIT_MS 10000 /* failure bound for every wait */

static FILE *devnull; /* violation reports: keep ctest output short */

static int make_kernel(void **state, unsigned int quarantine_max)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.strategy = "none"; /* callers pay nothing, unload frees at once: races show */
	cfg.quarantine_max = quarantine_max;
	cfg.init_timeout_ms = 0;
	cfg.timer_thread = false;
	cfg.log = devnull;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	*state = k;
	return 0;
}

static int setup(void **state)
{
	return make_kernel(state, 4);
}

static int setup_max1(void **state)
{
	return make_kernel(state, 1);
}

static int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

static struct modsim_stats stats(struct modsim_kernel *k)
{
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	return st;
}

/* Where the loaded fault_target has @sym now (no reference kept). */
static uintptr_t target_addr(const char *sym)
{
	void *h = dlopen(TARGET_PATH, RTLD_NOW | RTLD_NOLOAD);
	uintptr_t a;

	assert_non_null(h);
	a = (uintptr_t)dlsym(h, sym);
	dlclose(h);
	assert_int_not_equal(a, 0);
	return a;
}

/* What /proc/self/maps says about the page of @p: "r-xp", "---p", or "". */
static void perms_at(uintptr_t p, char out[8])
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	out[0] = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char pr[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && p >= lo && p < hi) {
			memcpy(out, pr, 8);
			break;
		}
	}
	fclose(f);
}

/* A caller thread: one modsim_symbol_call, then (unless @once) a second one. */
struct caller {
	struct modsim_kernel *k;
	const char *sym;
	bool once;
	int err, err2;
	long ret;
};

static void *caller_main(void *arg)
{
	struct caller *c = arg;
	long r2 = 0;

	c->err = modsim_symbol_call(c->k, c->sym, 1, &c->ret);
	if (!c->once)
		c->err2 = modsim_symbol_call(c->k, c->sym, 1, &r2);
	return NULL;
}

static void test_modsim_symbol_call_stale_after_unload_is_attributed(void **state)
{
	struct modsim_kernel *k = *state;
	struct caller c = { .k = k, .sym = "fault_target_call", .ret = -1 };
	struct modsim_modinfo info;
	struct modsim_violation v;
	struct modsim_stats st;
	uintptr_t fn;
	unsigned long gen;
	pthread_t t;
	char pr[8];

	assert_int_equal(modsim_load(k, "fault_target", 0, NULL, NULL), 0);
	assert_int_equal(modsim_lsmod(k, &info, 1), 1);
	gen = info.generation;
	fn = target_addr("fault_target_call");

	/* The caller found the symbol and is past entry; the module goes. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_ENTER, "fault_target"), 0);
	assert_int_equal(pthread_create(&t, NULL, caller_main, &c), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_ENTER, WAIT_MS), 0);
	assert_int_equal(modsim_unload(k, "fault_target", 0), 0);
	perms_at(fn, pr);
	assert_string_equal(pr, "---p"); /* quarantined, not unmapped */
	modsim_point_release(k, MODSIM_PT_CALL_AFTER_ENTER);
	assert_int_equal(pthread_join(t, NULL), 0);

	assert_int_equal(c.err, -EFAULT);
	assert_int_equal(c.ret, -1);
	assert_int_equal(c.err2, -ENOENT); /* the thread carried on; the symbol is gone */
	st = stats(k);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 1);
	assert_int_equal(st.violations[MODSIM_V_MODULE_CRASH], 0);
	assert_int_equal(st.faulted[MODSIM_SS_SYMBOL], 1);
	v = st.first[MODSIM_V_FAULT];
	assert_string_equal(v.module, "fault_target");
	assert_int_equal(v.generation, gen);
	assert_int_equal(v.subsys, MODSIM_SS_SYMBOL);
	assert_int_equal(v.addr, fn);
	assert_int_equal(v.signo, SIGSEGV);
}

static void test_modsim_load_after_quarantine_maps_elsewhere(void **state)
{
	struct modsim_kernel *k = *state;
	uintptr_t first, second;
	long r = 0;
	char pr[8];

	assert_int_equal(modsim_load(k, "fault_target", 0, NULL, NULL), 0);
	first = target_addr("fault_target_call");
	assert_int_equal(modsim_unload(k, "fault_target", 0), 0);

	assert_int_equal(modsim_load(k, "fault_target", 0, NULL, NULL), 0);
	second = target_addr("fault_target_call");
	assert_int_not_equal(second, first);
	assert_int_equal(modsim_symbol_call(k, "fault_target_call", 1, &r), 0);
	assert_int_equal(r, 8);
	perms_at(first, pr);
	assert_string_equal(pr, "---p"); /* the old generation is still reserved */
	assert_int_equal(stats(k).violations[MODSIM_V_FAULT], 0);
}

static void test_modsim_unload_releases_oldest_beyond_quarantine_max(void **state)
{
	struct modsim_kernel *k = *state; /* quarantine_max 1 */
	uintptr_t a[2];
	char pr[8];

	for (int i = 0; i < 2; i++) {
		assert_int_equal(modsim_load(k, "fault_target", 0, NULL, NULL), 0);
		a[i] = target_addr("fault_target_call");
		assert_int_equal(modsim_unload(k, "fault_target", 0), 0);
	}
	assert_int_not_equal(a[0], a[1]);
	perms_at(a[0], pr);
	assert_string_equal(pr, ""); /* released */
	perms_at(a[1], pr);
	assert_string_equal(pr, "---p"); /* kept */
}

static void test_modsim_symbol_call_live_crash_is_module_crash(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;
	long r = -1;

	assert_int_equal(modsim_load(k, "fault_target", 0, NULL, NULL), 0);
	assert_int_equal(modsim_symbol_call(k, "fault_target_crash", 1, &r), -EFAULT);
	assert_int_equal(r, -1);
	st = stats(k);
	assert_int_equal(st.violations[MODSIM_V_MODULE_CRASH], 1);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 0);
	assert_string_equal(st.first[MODSIM_V_MODULE_CRASH].module, "fault_target");
	assert_int_equal(st.first[MODSIM_V_MODULE_CRASH].addr, 0);
	/* Still loaded and usable. */
	assert_int_equal(modsim_symbol_call(k, "fault_target_call", 1, &r), 0);
	assert_int_equal(r, 8);
}

/* The unloader, parked after exit while a caller still runs module code. */
struct unloader {
	struct modsim_kernel *k;
	int err;
};

static void *unloader_main(void *arg)
{
	struct unloader *u = arg;

	u->err = modsim_unload(u->k, "fault_target", 0);
	return NULL;
}

static void test_modsim_symbol_call_after_exit_is_counted(void **state)
{
	struct modsim_kernel *k = *state;
	struct caller c = { .k = k, .sym = "fault_target_call", .once = true, .ret = -1 };
	struct unloader u = { .k = k };
	struct modsim_stats st;
	pthread_t tc, tu;

	assert_int_equal(modsim_load(k, "fault_target", 0, NULL, NULL), 0);
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_CALL_AFTER_ENTER, "fault_target"), 0);
	assert_int_equal(pthread_create(&tc, NULL, caller_main, &c), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_CALL_AFTER_ENTER, WAIT_MS), 0);

	/* Exit has run; the memory is still mapped. */
	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_AFTER_EXIT, "fault_target"), 0);
	assert_int_equal(pthread_create(&tu, NULL, unloader_main, &u), 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_AFTER_EXIT, WAIT_MS), 0);

	modsim_point_release(k, MODSIM_PT_CALL_AFTER_ENTER);
	assert_int_equal(pthread_join(tc, NULL), 0);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.ret, 8);
	modsim_point_release(k, MODSIM_PT_UNLOAD_AFTER_EXIT);
	assert_int_equal(pthread_join(tu, NULL), 0);
	assert_int_equal(u.err, 0);

	st = stats(k);
	assert_int_equal(st.violations[MODSIM_V_CALL_AFTER_EXIT], 1);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 0);
	assert_string_equal(st.first[MODSIM_V_CALL_AFTER_EXIT].module, "fault_target");
}

/* In a child: module code called with no guard crashes the process. */
static void test_fault_handler_aborts_on_unguarded_module_crash(void **state)
{
	struct modsim_kernel *k = *state;
	char out[4096];
	int p[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		long (*crash)(long);

		setrlimit(RLIMIT_CORE, &no_core);
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		if (modsim_load(k, "fault_target", 0, NULL, NULL)) /* arms the handler too */
			_exit(2);
		*(void **)&crash = (void *)target_addr("fault_target_crash");
		crash(0);
		_exit(0);
	}
	close(p[1]);
	while (n < sizeof(out) - 1 && (r = read(p[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	assert_non_null(strstr(out, "bug of modsim"));
	assert_non_null(strstr(out, "belongs to fault_target gen"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_modsim_symbol_call_stale_after_unload_is_attributed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_after_quarantine_maps_elsewhere,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_modsim_unload_releases_oldest_beyond_quarantine_max, setup_max1, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_symbol_call_live_crash_is_module_crash,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_symbol_call_after_exit_is_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fault_handler_aborts_on_unguarded_module_crash,
						setup, teardown),
	};

	int failed;

	devnull = fopen("/dev/null", "w");
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	fclose(devnull);
	return failed;
}
