/* request_firmware: workers serve requests; without one a request times out, saying why. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include <modsim/firmware.h>
#include <modsim/kernel.h>
#include <modsim/workers.h>

#include "kernel/units.h"

#define WAIT_MS 10000 /* failure bound of every wait; never orders threads */

static struct modsim_kernel *kernel_new(unsigned int unload_timeout_ms)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.timer_thread = false;
	cfg.unload_timeout_ms = unload_timeout_ms;
	assert_int_equal(modsim_kernel_create(&cfg, &k), 0);
	return k;
}

static int setup(void **state)
{
	*state = kernel_new(WAIT_MS);
	return 0;
}

/* A short request bound: the time-out is what is tested. */
static int setup_short(void **state)
{
	*state = kernel_new(100);
	return 0;
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

/* A thread that asks for firmware and keeps the answer and its message. */
struct requester {
	struct modsim_kernel *k;
	const char *name;
	pthread_t tid;
	int ret;
	char msg[256];
};

static void *requester_main(void *arg)
{
	struct requester *r = arg;

	r->ret = modsim_firmware_request(r->k, NULL, r->name);
	snprintf(r->msg, sizeof(r->msg), "%s", modsim_last_error());
	return NULL;
}

static void requester_start(struct requester *r, struct modsim_kernel *k, const char *name)
{
	r->k = k;
	r->name = name;
	r->ret = INT_MIN;
	assert_int_equal(pthread_create(&r->tid, NULL, requester_main, r), 0);
}

/* Wait (failure bound only) until @n requests are queued. */
static void wait_pending(struct modsim_kernel *k, unsigned int n)
{
	uint64_t deadline = modsim_now_ns() + (uint64_t)WAIT_MS * 1000000u;

	while (modsim_firmware_pending(k) != n) {
		if (modsim_now_ns() > deadline)
			fail_msg("%u firmware request(s) pending, expected %u",
				 modsim_firmware_pending(k), n);
		sched_yield();
	}
}

static void start_worker(struct modsim_kernel *k)
{
	struct modsim_mix mix;

	modsim_mix_default(&mix);
	assert_int_equal(modsim_workers_start(k, 1, &mix), 0);
}

/* A request waits while no worker runs; the first worker serves it. */
static void test_modsim_firmware_request_served_by_worker(void **state)
{
	struct modsim_kernel *k = *state;
	struct requester r;

	requester_start(&r, k, "a.fw");
	wait_pending(k, 1);
	assert_int_equal(modsim_firmware_served(k), 0);
	start_worker(k);
	assert_int_equal(pthread_join(r.tid, NULL), 0);
	assert_int_equal(r.ret, 0);
	assert_int_equal(modsim_firmware_served(k), 1);
	assert_int_equal(modsim_firmware_pending(k), 0);
}

/* Several requesters are served together. */
static void test_modsim_firmware_request_many(void **state)
{
	struct modsim_kernel *k = *state;
	struct requester r[3];

	for (int i = 0; i < 3; i++)
		requester_start(&r[i], k, "many.fw");
	wait_pending(k, 3);
	start_worker(k);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(r[i].tid, NULL), 0);
		assert_int_equal(r[i].ret, 0);
	}
	assert_int_equal(modsim_firmware_served(k), 3);
}

/* No worker: -ETIMEDOUT after the unload timeout, a message that says why, nothing left queued. */
static void test_modsim_firmware_request_no_worker_times_out(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_firmware_request(k, NULL, "lonely.fw"), -ETIMEDOUT);
	assert_error_has("request_firmware lonely.fw (kernel): no worker served it within 100 ms");
	assert_int_equal(modsim_firmware_pending(k), 0);
	assert_int_equal(modsim_firmware_served(k), 0);
	/* A worker started later finds nothing stale to serve. */
	start_worker(k);
	assert_int_equal(modsim_firmware_request(k, NULL, "late.fw"), 0);
	assert_int_equal(modsim_firmware_served(k), 1);
}

/* Bad names and owners are refused at once. */
static void test_modsim_firmware_request_bad_input(void **state)
{
	struct modsim_kernel *k = *state;
	char longname[300];

	assert_int_equal(modsim_firmware_request(k, NULL, NULL), -EINVAL);
	assert_error_has("no firmware named");
	assert_int_equal(modsim_firmware_request(k, NULL, ""), -EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(modsim_firmware_request(k, NULL, longname), -EINVAL);
	assert_error_has("name longer than");
	assert_int_equal(__request_firmware(NULL, "x.fw"), -EINVAL);
	assert_error_has("not a loaded module");
	assert_int_equal(modsim_firmware_pending(k), 0);
}

/* The module API: initsleep's init returns once a worker served its request. */
static void test_request_firmware_initsleep(void **state)
{
	struct modsim_kernel *k = *state;

	start_worker(k);
	assert_int_equal(modsim_load(k, "initsleep", 0, NULL, NULL), 0);
	assert_int_equal(modsim_firmware_served(k), 1);
	assert_int_equal(modsim_unload(k, "initsleep", 0), 0);
}

/* initsleep with no worker: its init gets -ETIMEDOUT, and so does the load. */
static void test_request_firmware_initsleep_no_worker(void **state)
{
	struct modsim_kernel *k = *state;

	assert_int_equal(modsim_load(k, "initsleep", 0, NULL, NULL), -ETIMEDOUT);
	assert_error_has("insmod initsleep: init failed: -ETIMEDOUT");
	assert_null(modsim_find(k, "initsleep"));
	assert_int_equal(modsim_firmware_pending(k), 0);
}

/* Destroying the kernel fails a waiting request (-ESHUTDOWN) and waits for it to leave. */
static void test_modsim_firmware_fini_fails_waiters(void **state)
{
	struct modsim_kernel *k = kernel_new(WAIT_MS);
	struct requester r;

	requester_start(&r, k, "orphan.fw");
	wait_pending(k, 1);
	modsim_kernel_destroy(k);
	assert_int_equal(pthread_join(r.tid, NULL), 0);
	assert_int_equal(r.ret, -ESHUTDOWN);
	if (!strstr(r.msg, "shut down"))
		fail_msg("message \"%s\" lacks \"shut down\"", r.msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_firmware_request_served_by_worker, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_firmware_request_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_firmware_request_no_worker_times_out,
						setup_short, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_firmware_request_bad_input, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_request_firmware_initsleep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_firmware_initsleep_no_worker,
						setup_short, teardown),
		cmocka_unit_test(test_modsim_firmware_fini_fails_waiters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
