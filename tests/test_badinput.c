/* Bad inputs to insmod, rmmod and the preset switch: each fails with its errno and says what and why. */
/* LABELS: faults */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <modsim/kernel.h>

#include "kernel/units.h"

#define TMOD(name) MODSIM_BUILD_DIR "/tests/modules/" name ".so"
#define HELLO_SO MODSIM_BUILD_DIR "/modules/hello.so"

/* Short enough for a test, long enough for a loaded machine to run init. */
#define HANG_TIMEOUT_MS 500

static int make_kernel(void **state, unsigned int init_timeout_ms)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.timer_thread = false;
	cfg.init_timeout_ms = init_timeout_ms;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	*state = k;
	return 0;
}

static int setup(void **state)
{
	return make_kernel(state, 2000);
}

static int setup_short_watchdog(void **state)
{
	return make_kernel(state, HANG_TIMEOUT_MS);
}

static int setup_inline(void **state)
{
	return make_kernel(state, 0);
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

/* After a failed load: nothing of it is listed, and the kernel still loads. */
static void assert_kernel_usable(struct modsim_kernel *k, const char *failed)
{
	assert_null(modsim_find(k, failed));
	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
	assert_int_equal(modsim_unload(k, "hello", 0), 0);
}

static void test_modsim_load_missing_name(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "nosuchmodule", 0, NULL, NULL), -ENOENT);
	assert_error_has("nosuchmodule");
}

static void test_modsim_load_missing_path(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "/nonexistent/dir/gone.so", 0, NULL, NULL), -ENOENT);
	assert_error_has("/nonexistent/dir/gone.so");
	assert_error_has("no such file");
}

static void test_modsim_load_not_elf(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, TMOD("notelf"), 0, NULL, NULL), -ENOEXEC);
	assert_error_has("notelf.so");
	assert_error_has("not a shared object");
	assert_kernel_usable(k, "notelf");
}

static void test_modsim_load_directory(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, MODSIM_BUILD_DIR "/modules/", 0, NULL, NULL), -ENOEXEC);
	assert_error_has("not a regular file");
}

static void test_modsim_load_no_descriptor(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, TMOD("nodesc"), 0, NULL, NULL), -ENOEXEC);
	assert_error_has("no module descriptor (__this_module)");
	assert_error_has("MODSIM_MODULE()");
	assert_kernel_usable(k, "nodesc");
}

static void test_modsim_load_wrong_abi(void **state)
{
	struct modsim_kernel *k = *state;
	char want[64];

	assert_int_equal(modsim_load(k, TMOD("badabi"), 0, NULL, NULL), -ENOEXEC);
	snprintf(want, sizeof(want), "built for ABI 99, modsim speaks %u", MODSIM_ABI_VERSION);
	assert_error_has(want);
	assert_kernel_usable(k, "badabi");
}

/* A wild name pointer is a broken descriptor, said so, not a crash of the loader. */
static void test_modsim_load_name_unmapped(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, TMOD("badname"), 0, NULL, NULL), -ENOEXEC);
	assert_error_has("the descriptor's name points at unmapped or unreadable memory (0x10)");
	assert_kernel_usable(k, "badname");
}

static void test_modsim_load_unresolved_symbol(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "unresolved", 0, NULL, NULL), -ENOENT);
	assert_error_has("unresolved symbol modsim_no_such_function");
	assert_kernel_usable(k, "unresolved");
}

static void test_modsim_load_init_fails(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;

	for (int i = 0; i < 2; i++) {
		assert_int_equal(modsim_load(k, "initfail", 0, NULL, NULL), -ENODEV);
		assert_string_equal(modsim_last_error(),
				    "insmod initfail: init failed: -ENODEV (No such device)");
		assert_null(modsim_find(k, "initfail"));
	}
	modsim_stats_get(k, &st);
	assert_int_equal(st.init_failures, 2);
	assert_int_equal(st.load_failures, 2);
	assert_int_equal(st.loads, 0);
	assert_kernel_usable(k, "initfail");
}

static void test_modsim_load_init_crashes(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_stats st;

	assert_int_equal(modsim_load(k, "initcrash", 0, NULL, NULL), -EFAULT);
	assert_error_has("insmod initcrash: init crashed");
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_MODULE_CRASH], 1);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 0);
	assert_int_equal(st.init_failures, 1);
	assert_kernel_usable(k, "initcrash");
}

/* Inline init (no watchdog) crashing is caught the same way. */
static void test_modsim_load_init_crashes_inline(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "initcrash", 0, NULL, NULL), -EFAULT);
	assert_error_has("init crashed");
	assert_kernel_usable(k, "initcrash");
}

static void test_modsim_load_init_hangs(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_modinfo info[4];
	struct modsim_stats st;
	struct modsim_mod *m;
	char want[64];

	assert_int_equal(modsim_load(k, "inithang", 0, NULL, NULL), -ETIMEDOUT);
	snprintf(want, sizeof(want), "init did not return within %d ms", HANG_TIMEOUT_MS);
	assert_error_has(want);
	assert_error_has("inithang");

	m = modsim_find(k, "inithang");
	assert_non_null(m);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_STUCK);
	assert_int_equal(modsim_lsmod(k, info, 4), 1);
	assert_int_equal(info[0].state, MODSIM_STATE_STUCK);
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_DEADLOCK], 1);

	/* The kernel goes on: another module loads, runs, unloads. */
	assert_int_equal(modsim_load(k, "hook", 0, NULL, NULL), 0);
	assert_int_equal(modsim_hook_run(k, NULL), 1);
	assert_int_equal(modsim_unload(k, "hook", 0), 0);

	/* A stuck module can be neither unloaded nor loaded again. */
	assert_int_equal(modsim_unload(k, "inithang", 0), -EBUSY);
	assert_error_has("rmmod inithang: is stuck");
	assert_int_equal(modsim_load(k, "inithang", 0, NULL, NULL), -EEXIST);
	/* Nor may the preset change under it. */
	assert_int_equal(modsim_set_strategy(k, "try"), -EBUSY);
}

static void test_modsim_unload_exit_hangs(void **state)
{
	struct modsim_kernel *k = *state;
	struct modsim_modinfo info[4];
	struct modsim_stats st;
	char want[64];

	assert_int_equal(modsim_load(k, "exithang", 0, NULL, NULL), 0);
	assert_int_equal(modsim_unload(k, "exithang", 0), -ETIMEDOUT);
	snprintf(want, sizeof(want), "exit did not return within %d ms", HANG_TIMEOUT_MS);
	assert_error_has(want);
	assert_error_has("exithang");

	assert_int_equal(modsim_lsmod(k, info, 4), 1);
	assert_string_equal(info[0].name, "exithang");
	assert_int_equal(info[0].state, MODSIM_STATE_STUCK);
	modsim_stats_get(k, &st);
	assert_int_equal(st.unload_timeout, 1);
	assert_int_equal(st.unload_done, 0);

	assert_int_equal(modsim_unload(k, "exithang", 0), -EBUSY);
	assert_error_has("is stuck");
	assert_kernel_usable(k, "nothing");
}

static void test_modsim_load_bad_params(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "greeting" };

	assert_int_equal(modsim_load(k, "hello", 1, params, NULL), -EINVAL);
	assert_error_has("greeting");
	assert_kernel_usable(k, "hello");
	assert_int_equal(modsim_load(k, "", 0, NULL, NULL), -EINVAL);
	assert_int_equal(modsim_load(k, NULL, 0, NULL, NULL), -EINVAL);
	assert_int_equal(modsim_unload(k, "", 0), -EINVAL);
}

static void test_modsim_kernel_create_bad_strategy(void **state)
{
	struct modsim_kernel *k = (struct modsim_kernel *)1;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.strategy = "nosuchpreset";
	assert_int_equal(modsim_kernel_create(&cfg, &k), -ENOENT);
	assert_null(k);
	assert_error_has("nosuchpreset");
	assert_error_has("unknown");

	cfg.strategy = MODSIM_BUILD_DIR "/tests/strategies/nosuch.so";
	assert_int_equal(modsim_kernel_create(&cfg, &k), -ENOENT);
	assert_error_has("nosuch.so");
}

static void test_modsim_set_strategy_refused_while_loaded(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "hello", 0, NULL, NULL), 0);
	assert_int_equal(modsim_set_strategy(k, "try"), -EBUSY);
	assert_error_has("hello");
	assert_string_equal(modsim_strategy_name(k), "none");

	assert_int_equal(modsim_unload(k, "hello", 0), 0);
	assert_int_equal(modsim_set_strategy(k, "try"), 0);
	assert_string_equal(modsim_strategy_name(k), "try");
	assert_int_equal(modsim_set_strategy(k, "nosuchpreset"), -ENOENT);
	assert_error_has("nosuchpreset");
	assert_string_equal(modsim_strategy_name(k), "try");
}

static void test_modsim_set_strategy_bad_so(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_set_strategy(k, TMOD("notelf")), -ENOEXEC);
	assert_error_has("notelf.so");
	assert_int_equal(modsim_set_strategy(k, HELLO_SO), -ENOEXEC);
	assert_error_has("no modsim_strategy symbol");
	assert_string_equal(modsim_strategy_name(k), "none");
}

/* A file in a fresh temporary directory; the caller removes both. */
static void tmp_path(char *dir, size_t dlen, char *path, size_t plen, const char *name)
{
	snprintf(dir, dlen, "%s/modsim-badinput.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, plen, "%s/%s", dir, name);
}

/* A copy of hello.so cut after @keep bytes: the program headers are whole,
 * the segments they map are not (dlopen would raise SIGBUS inside). */
static void test_modsim_load_truncated_elf(void **state)
{
	struct modsim_kernel *k = *state;
	char dir[256], path[300], buf[4096];
	size_t keep = 6000, n, done = 0;
	FILE *in, *out;

	tmp_path(dir, sizeof(dir), path, sizeof(path), "trunc.so");
	in = fopen(HELLO_SO, "rb");
	out = fopen(path, "wb");
	assert_non_null(in);
	assert_non_null(out);
	while (done < keep && (n = fread(buf, 1, keep - done < sizeof(buf) ? keep - done : sizeof(buf), in)) > 0) {
		assert_int_equal(fwrite(buf, 1, n, out), n);
		done += n;
	}
	fclose(in);
	fclose(out);

	assert_int_equal(modsim_load(k, path, 0, NULL, NULL), -ENOEXEC);
	assert_error_has(path);
	assert_error_has("is truncated");
	unlink(path);
	rmdir(dir);
	assert_kernel_usable(k, "hello");
}

/* A FIFO named *.so: refused at once, not waited on for a writer. */
static void test_modsim_load_fifo(void **state)
{
	struct modsim_kernel *k = *state;
	char dir[256], path[300];

	tmp_path(dir, sizeof(dir), path, sizeof(path), "fifo.so");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(modsim_load(k, path, 0, NULL, NULL), -ENOEXEC);
	assert_error_has(path);
	assert_error_has("not a regular file");
	unlink(path);
	rmdir(dir);
	assert_kernel_usable(k, "fifo");
}

static void test_modsim_load_name_runs_unmapped(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "namerun", 0, NULL, NULL), -ENOEXEC);
	assert_error_has("insmod namerun: the descriptor's name");
	assert_error_has("runs without a NUL into unreadable memory");
	assert_kernel_usable(k, "namerun");
}

static void test_modsim_load_name_prot_none(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "nameprot", 0, NULL, NULL), -ENOEXEC);
	assert_error_has("insmod nameprot: the descriptor's name points at unmapped or unreadable memory");
	assert_kernel_usable(k, "nameprot");
}

static void test_modsim_load_wild_param_table(void **state)
{
	struct modsim_kernel *k = *state;
	char *params[] = { "x=1" };

	assert_int_equal(modsim_load(k, "wildparams", 1, params, NULL), -ENOEXEC);
	assert_error_has("insmod wildparams: its parameter table (0x1000..0x1080) is not readable");
	assert_kernel_usable(k, "wildparams");
	/* Without parameters nothing reads the table. */
	assert_int_equal(modsim_load(k, "wildparams", 0, NULL, NULL), 0);
	assert_int_equal(modsim_unload(k, "wildparams", 0), 0);
}

static void test_modsim_load_wild_param_address(void **state)
{
	struct modsim_kernel *k = *state;
	char *wild[] = { "x=1" }, *rodata[] = { "y=1" };

	assert_int_equal(modsim_load(k, "wildparamaddr", 1, wild, NULL), -ENOEXEC);
	assert_error_has("parameter 'x' points at 0x40, not at writable memory of the module");
	assert_int_equal(modsim_load(k, "wildparamaddr", 1, rodata, NULL), -ENOEXEC);
	assert_error_has("parameter 'y' points at");
	assert_kernel_usable(k, "wildparamaddr");
}

/*
 * Run @fn in a child process with its stderr in @err; the child ends with
 * exit(@fn's value), through libc's exit.  Return: the wait status.
 */
static int in_child(int (*fn)(void), char *err, size_t len)
{
	int fds[2], status = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		exit(fn());
	}
	close(fds[1]);
	while (got + 1 < len && (n = read(fds[0], err + got, len - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static struct modsim_kernel *child_kernel(unsigned int init_timeout_ms)
{
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;

	modsim_config_default(&cfg);
	cfg.timer_thread = false;
	cfg.init_timeout_ms = init_timeout_ms;
	if (modsim_kernel_create(&cfg, &k))
		_exit(90);
	return k;
}

static int child_ctorhang(void)
{
	struct modsim_kernel *k = child_kernel(HANG_TIMEOUT_MS);
	struct modsim_stats st;

	if (modsim_load(k, "hello", 0, NULL, NULL) || modsim_unload(k, "hello", 0))
		return 91;
	if (modsim_load(k, "ctorhang", 0, NULL, NULL) != -ETIMEDOUT)
		return 92;
	fprintf(stderr, "%s\n", modsim_last_error());
	modsim_stats_get(k, &st);
	if (st.violations[MODSIM_V_DEADLOCK] != 1)
		return 94;
	if (modsim_load(k, "hello", 0, NULL, NULL) != -EDEADLK)
		return 93;
	fprintf(stderr, "%s\n", modsim_last_error());
	modsim_kernel_destroy(k);
	return 7; /* and the process must still end, with this status */
}

/* A constructor that never returns: the watchdog gives up on dlopen, the
 * load is refused, later loads are refused (the dynamic linker's lock is
 * gone for good), and the process still ends with its own status. */
static void test_modsim_load_constructor_hangs(void **state)
{
	char err[2048];
	int st;

	(void)state;
	st = in_child(child_ctorhang, err, sizeof(err));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
		fail_msg("child status %#x, want exit 7; stderr: %s", st, err);
	if (!strstr(err, "insmod ctorhang: a constructor of") || !strstr(err, "ctorhang.so did not return within"))
		fail_msg("stderr lacks the time-out: %s", err);
	if (!strstr(err, "insmod hello: refused: a constructor of"))
		fail_msg("stderr lacks the refusal: %s", err);
}

static int child_load(const char *name)
{
	struct modsim_kernel *k = child_kernel(2000);

	modsim_load(k, name, 0, NULL, NULL);
	return 0; /* not reached when the module ends the process */
}

static int child_initexit(void)
{
	return child_load("initexit");
}

static int child_ctorexit(void)
{
	return child_load("ctorexit");
}

static int child_ctorcrash(void)
{
	return child_load("ctorcrash");
}

/* exit(0) from init or from a constructor: reported, status 1. */
static void test_modsim_load_module_calls_exit(void **state)
{
	char err[2048];
	int st;

	(void)state;
	st = in_child(child_initexit, err, sizeof(err));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
		fail_msg("initexit: child status %#x, want exit 1; stderr: %s", st, err);
	if (!strstr(err, "modsim: module initexit called exit(0) in init"))
		fail_msg("initexit: stderr: %s", err);

	st = in_child(child_ctorexit, err, sizeof(err));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
		fail_msg("ctorexit: child status %#x, want exit 1; stderr: %s", st, err);
	if (!strstr(err, "ctorexit.so: a constructor of the module called exit(0)"))
		fail_msg("ctorexit: stderr: %s", err);
}

/* A constructor that crashes cannot be recovered from (dlopen holds its
 * lock), but the report names the file being loaded. */
static void test_modsim_load_constructor_crashes(void **state)
{
	char err[2048];
	int st;

	(void)state;
	st = in_child(child_ctorcrash, err, sizeof(err));
	if (!WIFSIGNALED(st))
		fail_msg("ctorcrash: child status %#x, want a signal; stderr: %s", st, err);
	if (!strstr(err, "ctorcrash.so: crashed while dlopen loaded it"))
		fail_msg("ctorcrash: stderr: %s", err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_load_missing_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_missing_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_not_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_no_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_wrong_abi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_name_unmapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_unresolved_symbol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_truncated_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_name_runs_unmapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_name_prot_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_wild_param_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_wild_param_address, setup, teardown),
		cmocka_unit_test(test_modsim_load_constructor_hangs),
		cmocka_unit_test(test_modsim_load_module_calls_exit),
		cmocka_unit_test(test_modsim_load_constructor_crashes),
		cmocka_unit_test_setup_teardown(test_modsim_load_init_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_init_crashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_init_crashes_inline,
						setup_inline, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_init_hangs, setup_short_watchdog,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_unload_exit_hangs, setup_short_watchdog,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_load_bad_params, setup, teardown),
		cmocka_unit_test(test_modsim_kernel_create_bad_strategy),
		cmocka_unit_test_setup_teardown(test_modsim_set_strategy_refused_while_loaded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_set_strategy_bad_so, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
