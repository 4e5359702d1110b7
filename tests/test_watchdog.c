/* Watchdog: init on a modprobe thread; a hung one times out and a fresh thread takes over. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>

#include "fault_fixture.h"

struct fixture {
	struct modsim_kernel *k;
	struct modsim_mod *m;
};

static int setup_timeout(void **state, unsigned int ms)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->k = fx_kernel(4, ms);
	assert_non_null(f->k);
	f->m = fx_gen_open(f->k, "fault_hang", 1);
	assert_non_null(f->m);
	*state = f;
	return 0;
}

static int setup_inline(void **state)
{
	return setup_timeout(state, 0);
}

static int setup_watched(void **state)
{
	return setup_timeout(state, 5000); /* a failure bound, never reached */
}

static int setup_short(void **state)
{
	return setup_timeout(state, 100);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fx_kernel_free(f->k);
	fx_gen_free(f->m);
	free(f);
	return 0;
}

/* What a job saw. */
struct probe {
	pthread_t tid;
	bool altstack;
	int ret;            /* what the job returns */
	int nested;         /* call the watchdog again from inside, and record its result */
	int nested_ret;
	pthread_t nested_tid;
};

static int probe_fn(struct modsim_mod *m, void *arg)
{
	struct probe *p = arg;

	p->tid = pthread_self();
	p->altstack = tls_altstack != NULL;
	if (p->ret < 0)
		return modsim_err(p->ret, "init of %s: says no", m->name);
	if (p->nested) {
		struct probe inner = { .ret = 17 };

		p->nested_ret = modsim_watchdog_call(m, "init", probe_fn, &inner);
		p->nested_tid = inner.tid;
	}
	return p->ret;
}

static void test_modsim_watchdog_call_inline_without_timeout(void **state)
{
	struct fixture *f = *state;
	struct probe p = { .ret = 5 };

	assert_int_equal(modsim_watchdog_call(f->m, "init", probe_fn, &p), 5);
	assert_true(pthread_equal(p.tid, pthread_self()));
	assert_null(f->k->wd->live); /* no thread was started */
}

static void test_modsim_watchdog_call_runs_on_modprobe_thread(void **state)
{
	struct fixture *f = *state;
	struct probe a = { .ret = 0 }, b = { .ret = -ENODEV };
	struct modsim_stats st;

	assert_int_equal(modsim_watchdog_call(f->m, "init", probe_fn, &a), 0);
	assert_false(pthread_equal(a.tid, pthread_self()));
	assert_true(a.altstack);
	/* The same thread serves the next call, and the job's error comes back. */
	assert_int_equal(modsim_watchdog_call(f->m, "exit", probe_fn, &b), -ENODEV);
	assert_true(pthread_equal(a.tid, b.tid));
	/* Its message too, though it was set on the other thread. */
	assert_string_equal(modsim_last_error(), "init of fault_hang: says no");
	modsim_stats_get(f->k, &st);
	assert_int_equal(st.violations[MODSIM_V_DEADLOCK], 0);
	assert_int_equal(atomic_load(&f->m->state), MODSIM_STATE_LIVE);
}

static void test_modsim_watchdog_call_nested_runs_inline(void **state)
{
	struct fixture *f = *state;
	struct probe p = { .ret = 3, .nested = 1 };

	assert_int_equal(modsim_watchdog_call(f->m, "init", probe_fn, &p), 3);
	assert_int_equal(p.nested_ret, 17);
	assert_true(pthread_equal(p.nested_tid, p.tid));
}

/* A hung init: blocks in module code until the test writes to the pipe. */
struct hang {
	int (*block)(int fd);
	int fd[2];   /* the module blocks reading fd[0] */
	int done[2]; /* hang_fn writes done[1] once the module returned */
	_Atomic unsigned long tid; /* pthread_t; the test reads it unsynchronised */
	_Atomic int returned;
	int got;
};

static int hang_fn(struct modsim_mod *m, void *arg)
{
	struct hang *h = arg;

	atomic_store(&h->tid, (unsigned long)pthread_self());
	h->got = h->block(h->fd[0]);
	atomic_store(&h->returned, 1);
	if (write(h->done[1], "r", 1) != 1)
		return -EIO;
	return 0;
}

static void test_modsim_watchdog_call_times_out_on_hung_init(void **state)
{
	struct fixture *f = *state; /* init_timeout_ms 100 */
	static struct hang *h; /* outlives the test: the late thread may still use it */
	struct pollfd pfd;
	char c;
	struct probe next = { .ret = 0 };
	struct modsim_stats st;
	struct modsim_violation v;

	h = calloc(1, sizeof(*h));
	assert_non_null(h);
	*(void **)&h->block = dlsym(f->m->handle, "fault_hang_block");
	assert_non_null(h->block);
	assert_int_equal(pipe(h->fd), 0);
	assert_int_equal(pipe(h->done), 0);

	assert_int_equal(modsim_watchdog_call(f->m, "init", hang_fn, h), -ETIMEDOUT);
	assert_non_null(strstr(modsim_last_error(), "did not return within 100 ms"));
	assert_int_equal(atomic_load(&f->m->state), MODSIM_STATE_STUCK);
	assert_int_equal(atomic_load(&h->returned), 0);
	modsim_stats_get(f->k, &st);
	assert_int_equal(st.violations[MODSIM_V_DEADLOCK], 1);
	v = st.first[MODSIM_V_DEADLOCK];
	assert_string_equal(v.module, "fault_hang");
	assert_int_equal(v.generation, 1);
	assert_int_equal(v.subsys, MODSIM_SS_LOADER);
	assert_string_equal(v.op, "init");
	assert_string_equal(v.detail, "init of fault_hang gen 1 did not return within 100 ms");

	/* The next call works, on a fresh thread. */
	assert_int_equal(modsim_watchdog_call(f->m, "exit", probe_fn, &next), 0);
	assert_false(pthread_equal(next.tid, (pthread_t)atomic_load(&h->tid)));
	assert_false(pthread_equal(next.tid, pthread_self()));

	/* Stopping the watchdog joins the live thread, not the hung one. */
	modsim_watchdog_fini(f->k);
	assert_null(f->k->wd);
	assert_int_equal(atomic_load(&h->returned), 0);

	/* The hung init finally returns: it touches only its job, and exits. */
	assert_int_equal(write(h->fd[1], "x", 1), 1);
	pfd = (struct pollfd){ .fd = h->done[0], .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1); /* the timeout is a failure bound */
	assert_int_equal(read(h->done[0], &c, 1), 1);
	assert_int_equal(atomic_load(&h->returned), 1);
	assert_int_equal(h->got, 'x');
	assert_int_equal(modsim_watchdog_init(f->k), 0); /* for teardown */
	/* h is left to the late thread, which may still be on its way out. */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_watchdog_call_inline_without_timeout,
						setup_inline, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_watchdog_call_runs_on_modprobe_thread,
						setup_watched, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_watchdog_call_nested_runs_inline,
						setup_watched, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_watchdog_call_times_out_on_hung_init,
						setup_short, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
