/* Shared by the preset unit suites (test_preset_*.c): kernels, loader and caller threads, lookups. */
#ifndef MODSIM_TEST_PRESET_UNIT_H
#define MODSIM_TEST_PRESET_UNIT_H

/* Include after <cmocka.h>. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/point.h>
#include <modsim/stats.h>
#include <modsim/strategy.h>

#include "kernel/units.h"

/* Failure bound of every wait; never used to order threads. */
#define PU_WAIT_MS 10000

/* A kernel for @strategy: init inline, no timer thread. */
static inline int pu_kernel(void **state, const char *strategy, bool allow_force)
{
	struct modsim_config cfg;
	struct modsim_kernel *k = NULL;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.timer_thread = false;
	cfg.init_timeout_ms = 0;
	cfg.allow_force = allow_force;
	if (modsim_kernel_create(&cfg, &k))
		return -1;
	*state = k;
	return 0;
}

static inline int pu_teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

/* What a helper thread does. */
enum pu_job { PU_LOAD, PU_UNLOAD, PU_HOOK_RUN };

/*
 * struct pu_thread - one helper thread: a loader (insmod, rmmod) or a
 * caller (one run of the hook chain).  @ret is its result, read after join.
 */
struct pu_thread {
	struct modsim_kernel *k;
	enum pu_job job;
	const char *name;  /* module to load or unload */
	const char *param; /* one "name=value" for a load, or NULL */
	unsigned int flags; /* unload flags */
	pthread_t tid;
	int ret;
};

static inline void *pu_thread_main(void *arg)
{
	struct pu_thread *t = arg;
	char *params[] = { (char *)t->param };

	switch (t->job) {
	case PU_LOAD:
		t->ret = modsim_load(t->k, t->name, t->param ? 1 : 0, t->param ? params : NULL, NULL);
		break;
	case PU_UNLOAD:
		t->ret = modsim_unload(t->k, t->name, t->flags);
		break;
	case PU_HOOK_RUN:
		t->ret = modsim_hook_run(t->k, NULL);
		break;
	}
	modsim_cpu_release_self(t->k);
	return NULL;
}

static inline void pu_start(struct pu_thread *t, struct modsim_kernel *k, enum pu_job job,
			    const char *name, const char *param, unsigned int flags)
{
	t->k = k;
	t->job = job;
	t->name = name;
	t->param = param;
	t->flags = flags;
	t->ret = INT_MIN;
	assert_int_equal(pthread_create(&t->tid, NULL, pu_thread_main, t), 0);
}

static inline int pu_join(struct pu_thread *t)
{
	assert_int_equal(pthread_join(t->tid, NULL), 0);
	return t->ret;
}

/* Load @name (with at most one parameter); the record. */
static inline struct modsim_mod *pu_load(struct modsim_kernel *k, const char *name,
					 const char *param)
{
	char *params[] = { (char *)param };
	struct modsim_mod *m = NULL;

	assert_int_equal(modsim_load(k, name, param ? 1 : 0, param ? params : NULL, &m), 0);
	assert_non_null(m);
	return m;
}

/* The newest generation of the kernel, gone or not (a failed load's record). */
static inline struct modsim_mod *pu_newest(struct modsim_kernel *k)
{
	struct modsim_mod *m;

	pthread_mutex_lock(&k->list_lock);
	m = modsim_mod_newest(k);
	pthread_mutex_unlock(&k->list_lock);
	return m;
}

/* lsmod's "Used" column for @name: the refcount, or LONG_MIN when not listed. */
static inline long pu_lsmod_refcount(struct modsim_kernel *k, const char *name)
{
	struct modsim_modinfo info[16];
	int n = modsim_lsmod(k, info, 16);

	for (int i = 0; i < n; i++)
		if (!strcmp(info[i].name, name))
			return info[i].refcount;
	return LONG_MIN;
}

static inline void pu_assert_error_has(const char *needle)
{
	const char *msg = modsim_last_error();

	if (!strstr(msg, needle))
		fail_msg("last error \"%s\" lacks \"%s\"", msg, needle);
}

static inline unsigned long pu_violations(struct modsim_kernel *k)
{
	struct modsim_stats st;
	unsigned long n = 0;

	modsim_stats_get(k, &st);
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		n += st.violations[v];
	return n;
}

/*
 * Wait until the unloader sleeps in modsim_mod_wait() on @m (it set
 * m->waiting and found the condition false).  A failure bound only.
 */
static inline void pu_wait_sleeping(struct modsim_mod *m)
{
	uint64_t deadline = modsim_now_ns() + (uint64_t)PU_WAIT_MS * 1000000u;

	while (!modsim_mod_waiting(m)) {
		if (modsim_now_ns() > deadline)
			fail_msg("the unloader never waited on %s", m->name);
		sched_yield();
	}
}

/* The preset's description is complete, and its predictions are @row (A B P T L S). */
static inline void pu_assert_described(const struct modsim_strategy *s, const char *name,
				       const char *post, const enum modsim_verdict row[MODSIM_HZ__COUNT])
{
	assert_ptr_equal(modsim_strategy_find(name), s);
	assert_string_equal(s->name, name);
	assert_string_equal(s->post, post);
	assert_non_null(s->caller);
	assert_non_null(s->unloader);
	assert_non_null(s->author);
	assert_non_null(s->enter);
	assert_non_null(s->exit);
	assert_non_null(s->get);
	assert_non_null(s->put);
	assert_non_null(s->refcount);
	for (int h = 0; h < MODSIM_HZ__COUNT; h++) {
		assert_non_null(s->why[h]);
		assert_true(s->why[h][0] != '\0');
		assert_int_equal(s->predict[h], row[h]);
	}
}

/* Caller-side operations accept a NULL owner (built-in code): succeed, do nothing. */
static inline void pu_assert_null_owner(struct modsim_kernel *k)
{
	const struct modsim_strategy *s = k->strat;
	struct modsim_cpu *cpu = modsim_cpu_self(k);

	assert_non_null(cpu);
	assert_true(s->enter(NULL, cpu));
	s->exit(NULL, cpu);
	assert_true(s->get(NULL, cpu));
	s->put(NULL, cpu);
	if (s->self_enter) {
		assert_true(s->self_enter(NULL, cpu));
		s->self_exit(NULL, cpu);
	}
	assert_true(try_module_get(NULL));
	__module_get(NULL);
	module_put(NULL);
	assert_int_equal(module_refcount(NULL), -1);
	assert_true(module_self_enter(NULL));
	module_self_exit(NULL);
}

#endif /* MODSIM_TEST_PRESET_UNIT_H */
