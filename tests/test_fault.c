/* Fault detection: stale calls attributed, module crashes, calls after exit, bugs abort. */
/* LABELS: faults */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/wait.h>

#include "fault_fixture.h"

struct fixture {
	struct modsim_kernel *k;
	struct modsim_mod *m[3];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->k = fx_kernel(4, 0);
	assert_non_null(f->k);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fx_kernel_free(f->k);
	for (int i = 0; i < 3; i++)
		fx_gen_free(f->m[i]);
	free(f);
	return 0;
}

/* The one violation of @kind recorded in @k (there must be exactly one). */
static struct modsim_violation only_violation(struct modsim_kernel *k, enum modsim_vkind kind)
{
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[kind], 1);
	return st.first[kind];
}

static unsigned long violations(struct modsim_kernel *k, enum modsim_vkind kind)
{
	struct modsim_stats st;

	modsim_stats_get(k, &st);
	return st.violations[kind];
}

/*
 * Guarded calls live in small helpers, as in the subsystems: a test body
 * with sigsetjmp in it would need every local volatile (-Wclobbered).
 */

/* One guarded call of @fn(@x) for @owner, as a subsystem makes it. */
static int guarded_value_ss(struct modsim_mod *owner, enum modsim_subsys ss, const char *op,
			    int (*fn)(int), int x, volatile int *out)
{
	struct modsim_guard g;

	MODSIM_GUARDED(&g, owner, ss, op, *out = fn(x));
	return modsim_guard_pop(&g);
}

static int guarded_value(struct modsim_mod *owner, int (*fn)(int), int x, volatile int *out)
{
	return guarded_value_ss(owner, MODSIM_SS_SYMBOL, "call", fn, x, out);
}

/* Host code reading module memory inside a guard (ops->fn, say); may be
 * handed NULL on purpose (UBSan would stop the read before it faults). */
__attribute__((no_sanitize("null"))) static int
guarded_read(struct modsim_mod *owner, enum modsim_subsys ss, const char *op, const int *p,
	     volatile int *out)
{
	struct modsim_guard g;

	MODSIM_GUARDED(&g, owner, ss, op, *out = *(const volatile int *)p);
	return modsim_guard_pop(&g);
}

/* A guarded call of @fn(); *@after is set if it returned. */
static int guarded_void(struct modsim_mod *owner, enum modsim_subsys ss, const char *op,
			void (*fn)(void), volatile int *after)
{
	struct modsim_guard g;

	MODSIM_GUARDED(&g, owner, ss, op, (fn(), *after = 1));
	return modsim_guard_pop(&g);
}

static void test_modsim_guard_pop_attributes_stale_call(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = f->m[0] = fx_gen_open(f->k, "fault_target", 3);
	struct modsim_violation v;
	volatile int r = -1;
	int (*fn)(int);

	assert_non_null(m);
	*(void **)&fn = dlsym(m->handle, "fault_target_value");
	assert_non_null(fn);
	fx_arm();
	assert_int_equal(guarded_value(m, fn, 1, &r), 0);
	assert_int_equal(r, 8);

	assert_int_equal(fx_gen_close(m), 0);
	r = -1;
	assert_int_equal(guarded_value(m, fn, 1, &r), -EFAULT);
	assert_int_equal(r, -1);

	v = only_violation(f->k, MODSIM_V_FAULT);
	assert_string_equal(v.module, "fault_target");
	assert_int_equal(v.generation, 3);
	assert_int_equal(v.subsys, MODSIM_SS_SYMBOL);
	assert_string_equal(v.op, "call");
	assert_int_equal(v.signo, SIGSEGV);
	assert_true(fx_in_ranges(m, v.addr));
	assert_int_equal(v.addr, (uintptr_t)fn); /* the instruction fetch itself */
	assert_non_null(strstr(v.detail, "unloaded fault_target gen 3"));
	assert_int_equal(violations(f->k, MODSIM_V_MODULE_CRASH), 0);

	/* The thread carries on: the guard chain is empty, and the next
	 * guarded call, faulting or not, works too. */
	assert_null(tls_guard);
	assert_int_equal(guarded_value(m, fn, 2, &r), -EFAULT);
	assert_int_equal(violations(f->k, MODSIM_V_FAULT), 2);
}

static void test_modsim_guard_pop_attributes_stale_data_read(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	const int *data;
	struct modsim_violation v;
	volatile int r = -1;

	assert_non_null(m);
	data = dlsym(m->handle, "fault_target_data");
	assert_non_null(data);
	assert_int_equal(fx_gen_close(m), 0);
	fx_arm();

	assert_int_equal(guarded_read(m, MODSIM_SS_HOOK, "read", data, &r), -EFAULT);
	assert_int_equal(r, -1);
	v = only_violation(f->k, MODSIM_V_FAULT);
	assert_int_equal(v.addr, (uintptr_t)data);
	assert_false(fx_in_ranges(m, v.pc)); /* the PC was ours; the address was its */
}

static void test_modsim_guard_pop_classifies_live_crash(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = f->m[0] = fx_gen_open(f->k, "fault_target", 2);
	void (*crash)(void);
	struct modsim_violation v;
	volatile int after = 0;

	assert_non_null(m);
	*(void **)&crash = dlsym(m->handle, "fault_target_null_write");
	assert_non_null(crash);
	fx_arm();

	assert_int_equal(guarded_void(m, MODSIM_SS_CHRDEV, "write", crash, &after), -EFAULT);
	assert_int_equal(after, 0);

	v = only_violation(f->k, MODSIM_V_MODULE_CRASH);
	assert_int_equal(violations(f->k, MODSIM_V_FAULT), 0);
	assert_string_equal(v.module, "fault_target");
	assert_int_equal(v.generation, 2);
	assert_int_equal(v.addr, 0);
	assert_true(fx_in_ranges(m, v.pc));
	assert_non_null(strstr(v.detail, "crashed"));

	/* The same crash in init (a loader call) is a crash too, even with
	 * teardown set, as it is while exit runs. */
	atomic_store(&m->teardown, 1);
	assert_int_equal(guarded_void(m, MODSIM_SS_LOADER, "exit", crash, &after), -EFAULT);
	assert_int_equal(violations(f->k, MODSIM_V_MODULE_CRASH), 2);
	assert_int_equal(violations(f->k, MODSIM_V_FAULT), 0);
}

static void test_modsim_guard_push_counts_call_after_exit(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *m = f->m[0] = fx_gen_open(f->k, "fault_target", 4);
	struct modsim_violation v;
	volatile int r = -1;
	int (*fn)(int);

	assert_non_null(m);
	*(void **)&fn = dlsym(m->handle, "fault_target_value");
	assert_int_equal(guarded_value(m, fn, 1, &r), 0);
	assert_int_equal(violations(f->k, MODSIM_V_CALL_AFTER_EXIT), 0);

	atomic_store(&m->teardown, 1); /* exit began; code still mapped */
	assert_int_equal(guarded_value(m, fn, 1, &r), 0);
	assert_int_equal(r, 8);
	v = only_violation(f->k, MODSIM_V_CALL_AFTER_EXIT);
	assert_string_equal(v.module, "fault_target");
	assert_int_equal(v.generation, 4);
	assert_int_equal(v.subsys, MODSIM_SS_SYMBOL);

	/* The loader's own calls (exit itself) are not counted. */
	assert_int_equal(guarded_value_ss(m, MODSIM_SS_LOADER, "exit", fn, 2, &r), 0);
	assert_int_equal(violations(f->k, MODSIM_V_CALL_AFTER_EXIT), 1);
}

/* A guarded call for @live that makes a guarded read of @gone's @data. */
struct nested {
	struct modsim_mod *live, *gone;
	const int *data;
	volatile int inner_err, reached, value;
};

static void nested_inner(struct nested *n)
{
	n->inner_err = guarded_read(n->gone, MODSIM_SS_SYMBOL, "inner", n->data, &n->value);
	n->reached = 1;
}

static int nested_outer(struct nested *n)
{
	struct modsim_guard outer;

	MODSIM_GUARDED(&outer, n->live, MODSIM_SS_HOOK, "outer", nested_inner(n));
	return modsim_guard_pop(&outer);
}

static void test_modsim_guard_pop_nested_guards_unwind_to_inner(void **state)
{
	struct fixture *f = *state;
	struct modsim_mod *live = f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	struct modsim_mod *gone = f->m[1] = fx_gen_open(f->k, "fault_hang", 1);
	struct nested n = { .live = live, .gone = gone };
	const int *data;

	assert_non_null(live);
	assert_non_null(gone);
	data = dlsym(gone->handle, "__this_module");
	assert_non_null(data);
	assert_int_equal(fx_gen_close(gone), 0);
	fx_arm();

	n.data = data;
	assert_int_equal(nested_outer(&n), 0);
	assert_int_equal(n.inner_err, -EFAULT);
	assert_int_equal(n.reached, 1);
	assert_null(tls_guard);
	assert_int_equal(violations(f->k, MODSIM_V_FAULT), 1);
}

/* Another thread, on its own alternate stack, is attributed as well. */
struct thread_call {
	struct modsim_mod *m;
	int (*fn)(int);
	int err;
	bool had_altstack;
};

static void *thread_call_main(void *arg)
{
	struct thread_call *c = arg;
	volatile int r = 0;

	modsim_fault_thread_init();
	c->had_altstack = tls_altstack != NULL;
	c->err = guarded_value(c->m, c->fn, 1, &r);
	modsim_fault_thread_fini();
	return NULL;
}

static void test_modsim_guard_pop_works_on_other_threads(void **state)
{
	struct fixture *f = *state;
	struct thread_call c = { 0 };
	pthread_t t;

	c.m = f->m[0] = fx_gen_open(f->k, "fault_target", 1);
	assert_non_null(c.m);
	*(void **)&c.fn = dlsym(c.m->handle, "fault_target_value");
	assert_int_equal(fx_gen_close(c.m), 0);
	fx_arm();
	assert_int_equal(pthread_create(&t, NULL, thread_call_main, &c), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(c.had_altstack);
	assert_int_equal(c.err, -EFAULT);
	assert_int_equal(violations(f->k, MODSIM_V_FAULT), 1);
}

static void test_modsim_fault_thread_init_is_idempotent(void **state)
{
	stack_t ss;
	void *first;

	(void)state;
	assert_int_equal(modsim_fault_thread_init(), 0);
	first = tls_altstack;
	assert_int_equal(modsim_fault_thread_init(), 0);
	assert_ptr_equal(tls_altstack, first);
	assert_int_equal(sigaltstack(NULL, &ss), 0);
	assert_int_equal(ss.ss_flags & SS_DISABLE, 0);
	assert_true(ss.ss_size >= 64 * 1024);

	modsim_fault_thread_fini();
	assert_null(tls_altstack);
	assert_int_equal(sigaltstack(NULL, &ss), 0);
	assert_int_not_equal(ss.ss_flags & SS_DISABLE, 0);
	assert_int_equal(modsim_fault_thread_init(), 0); /* for the other tests */
}

/*
 * Unattributable faults: run in a child (it must die), with its stderr
 * going into a pipe the parent reads.  No core files.
 */
enum child_fault { CHILD_UNGUARDED, CHILD_GUARDED_HOST_NULL, CHILD_SENT };

/* UBSan would stop the NULL stores before they fault: not here. */
__attribute__((no_sanitize("null"))) static void child_main(struct modsim_kernel *k,
							      enum child_fault how)
{
	struct rlimit no_core = { 0, 0 };
	static int *volatile nowhere;
	volatile int r;

	setrlimit(RLIMIT_CORE, &no_core);
	modsim_fault_init(); /* cmocka's handler is in place: see fx_arm */
	switch (how) {
	case CHILD_UNGUARDED:
		*nowhere = 1;
		break;
	case CHILD_GUARDED_HOST_NULL:
		guarded_read(fx_gen_open(k, "fault_target", 9), MODSIM_SS_HOOK, "run", nowhere, &r);
		break;
	case CHILD_SENT:
		kill(getpid(), SIGSEGV);
		break;
	}
	_exit(0); /* not reached when the handler does its job */
}

static void run_child(struct modsim_kernel *k, enum child_fault how, int *sig, char *out,
		      size_t len)
{
	int p[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		child_main(k, how);
	}
	close(p[1]);
	while (n < len - 1 && (r = read(p[0], out + n, len - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*sig = WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status);
}

static void test_fault_handler_aborts_outside_guard(void **state)
{
	struct fixture *f = *state;
	char out[4096];
	int sig;

	run_child(f->k, CHILD_UNGUARDED, &sig, out, sizeof(out));
	assert_int_equal(sig, SIGSEGV);
	assert_non_null(strstr(out, "bug of modsim"));
	assert_non_null(strstr(out, "not inside any guarded call"));
	assert_non_null(strstr(out, "address 0x0 belongs to no module generation"));
}

static void test_fault_handler_aborts_on_host_fault_inside_guard(void **state)
{
	struct fixture *f = *state;
	char out[4096];
	int sig;

	run_child(f->k, CHILD_GUARDED_HOST_NULL, &sig, out, sizeof(out));
	assert_int_equal(sig, SIGSEGV);
	assert_non_null(strstr(out, "bug of modsim"));
	assert_non_null(strstr(out, "inside a guarded hook run into fault_target gen 9"));
}

static void test_fault_handler_aborts_on_sent_signal(void **state)
{
	struct fixture *f = *state;
	char out[4096];
	int sig;

	run_child(f->k, CHILD_SENT, &sig, out, sizeof(out));
	assert_int_equal(sig, SIGSEGV);
	assert_non_null(strstr(out, "sent by a process"));
	assert_non_null(strstr(out, "bug of modsim"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_guard_pop_attributes_stale_call, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_guard_pop_attributes_stale_data_read,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_guard_pop_classifies_live_crash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_guard_push_counts_call_after_exit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_guard_pop_nested_guards_unwind_to_inner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_guard_pop_works_on_other_threads, setup,
						teardown),
		cmocka_unit_test(test_modsim_fault_thread_init_is_idempotent),
		cmocka_unit_test_setup_teardown(test_fault_handler_aborts_outside_guard, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fault_handler_aborts_on_host_fault_inside_guard,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_handler_aborts_on_sent_signal, setup,
						teardown),
	};

	/* The main thread faults on purpose too: give it its alternate stack. */
	modsim_fault_init();
	modsim_fault_thread_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
