/* Shared by the self preset suites: hook callers with data, selfhold's counters, the P case. */
#ifndef MODSIM_TEST_SELF_UNIT_H
#define MODSIM_TEST_SELF_UNIT_H

/* Include after "preset_unit.h". */

#include <dlfcn.h>

/* selfhold_stat() selectors (tests/modules/selfhold.c). */
enum { SH_CALLS, SH_STOPS, SH_RESTARTS, SH_HELD, SH_REFUSED };

/* A caller thread: one run of the hook chain with @data ("hold", "drop" or NULL). */
struct su_caller {
	struct modsim_kernel *k;
	const char *data;
	pthread_t tid;
	int ret;
};

static inline void *su_caller_main(void *arg)
{
	struct su_caller *c = arg;

	c->ret = modsim_hook_run(c->k, (void *)c->data);
	modsim_cpu_release_self(c->k);
	return NULL;
}

static inline void su_caller_start(struct su_caller *c, struct modsim_kernel *k, const char *data)
{
	c->k = k;
	c->data = data;
	c->ret = INT_MIN;
	assert_int_equal(pthread_create(&c->tid, NULL, su_caller_main, c), 0);
}

static inline int su_caller_join(struct su_caller *c)
{
	assert_int_equal(pthread_join(c->tid, NULL), 0);
	return c->ret;
}

/*
 * One of selfhold's counters, read straight from the loaded module with
 * dlsym: a stopped module's exports are withdrawn (stop makes it
 * unfindable), but the test still wants to look inside it.
 */
static inline long su_stat(struct modsim_kernel *k, long which)
{
	struct modsim_mod *m = modsim_find(k, "selfhold");
	long (*stat)(long);

	assert_non_null(m);
	assert_non_null(m->handle);
	stat = (long (*)(long))dlsym(m->handle, "selfhold_stat");
	assert_non_null(stat);
	return stat(which);
}

/*
 * Hazard P, forced: a caller parked inside module code right after its
 * self-put (count 0); the unloader is let past UNLOAD_WAIT while the caller
 * is still parked.  A preset that waits for quiescence cannot reach GOING
 * until the caller has returned; then the unload completes, no violation.
 */
static inline void su_assert_waits_for_put_then_return(struct modsim_kernel *k)
{
	struct modsim_stats st;
	struct su_caller c;
	struct pu_thread u;
	struct modsim_mod *m = pu_load(k, "selfcount", NULL);

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_SELF_AFTER_PUT, "selfcount"), 0);
	su_caller_start(&c, k, NULL);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_SELF_AFTER_PUT, PU_WAIT_MS), 0);
	assert_int_equal(module_refcount(m->desc), 0); /* put done, still in module code */

	assert_int_equal(modsim_point_trap(k, MODSIM_PT_UNLOAD_WAIT, "selfcount"), 0);
	pu_start(&u, k, PU_UNLOAD, "selfcount", NULL, 0);
	assert_int_equal(modsim_point_wait_parked(k, MODSIM_PT_UNLOAD_WAIT, PU_WAIT_MS), 0);
	modsim_point_watch(k, MODSIM_PT_UNLOAD_AFTER_GOING);
	modsim_point_release(k, MODSIM_PT_UNLOAD_WAIT);

	/* Not an ordering: with the caller parked, GOING must not come at all. */
	assert_int_equal(modsim_point_wait_passed(k, MODSIM_PT_UNLOAD_AFTER_GOING, 1, 100),
			 -ETIMEDOUT);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_LIVE);

	modsim_point_release(k, MODSIM_PT_SELF_AFTER_PUT);
	assert_int_equal(su_caller_join(&c), 1);
	assert_int_equal(pu_join(&u), 0);
	assert_int_equal(modsim_mod_state(m), MODSIM_STATE_GONE);
	modsim_stats_get(k, &st);
	assert_int_equal(st.violations[MODSIM_V_FAULT], 0);
	assert_int_equal(st.violations[MODSIM_V_CALL_AFTER_EXIT], 0);
	assert_int_equal(st.faulted[MODSIM_SS_HOOK], 0);
	assert_int_equal(st.unload_done, 1);
	assert_int_equal(pu_violations(k), 0);
}

#endif /* MODSIM_TEST_SELF_UNIT_H */
