/* Unload latency while callers run at full speed, and how long they stand still while the world is stopped. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

/* A refusing preset is retried (like a script re-running rmmod) this long per sample. */
#define UNLOAD_GIVE_UP_NS (250ull * 1000 * 1000)
/* Calls every caller makes into a fresh generation before it is unloaded. */
#define CALLS_BEFORE_UNLOAD 16
/* ... waited for at most this long (a preset may refuse every entry). */
#define CALLS_WAIT_NS (500ull * 1000 * 1000)

static void nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/* Wait until every caller has made CALLS_BEFORE_UNLOAD calls since @snap. */
static void wait_callers(struct bench_pool *p, const unsigned long *snap)
{
	uint64_t until = bench_now_ns() + CALLS_WAIT_NS;
	unsigned int n = bench_pool_size(p);

	for (;;) {
		unsigned int behind = 0;

		for (unsigned int i = 0; i < n; i++)
			if (bench_pool_calls_of(p, i) < snap[i] + CALLS_BEFORE_UNLOAD)
				behind++;
		if (!behind || bench_now_ns() >= until)
			return;
		nap_us(50);
	}
}

/*
 * rmmod, retried while the preset says "busy" (-EBUSY, -EWOULDBLOCK), as a
 * script would; at most UNLOAD_GIVE_UP_NS.  Return: 0 or the last error.
 */
static int unload_retrying(struct modsim_kernel *k, unsigned long *attempts)
{
	uint64_t until = bench_now_ns() + UNLOAD_GIVE_UP_NS;
	int err;

	for (;;) {
		(*attempts)++;
		err = modsim_unload(k, BENCHFN_NAME, 0);
		if (err != -EBUSY && err != -EWOULDBLOCK)
			return err;
		if (bench_now_ns() >= until)
			return err;
		sched_yield();
	}
}

/* Load, let the callers in, unload: one sample.  Return: 0 or the failure. */
static int one_sample(struct bench_pool *p, const struct bench_opts *o, struct modsim_kernel *k,
		      struct bench_unload *u, double *lat_us)
{
	unsigned long snap[BENCH_MAX_THREADS];
	uint64_t t0, t1;
	int err;

	for (unsigned int i = 0; i < bench_pool_size(p); i++)
		snap[i] = bench_pool_calls_of(p, i);
	err = modsim_load(k, o->module, 0, NULL, NULL);
	if (err)
		return err;
	wait_callers(p, snap);
	t0 = bench_now_ns();
	err = unload_retrying(k, &u->attempts);
	t1 = bench_now_ns();
	if (!err)
		lat_us[u->ok++] = (double)(t1 - t0) / 1000.0;
	return err;
}

static void finish(struct bench_unload *u, const double *lat_us, struct modsim_kernel *k)
{
	struct modsim_stats st;

	if (u->ok) {
		struct bench_stat s = bench_stat_of(lat_us, u->ok);

		u->p50_us = s.med;
		u->max_us = s.max;
	}
	modsim_stats_get(k, &st);
	for (int i = 0; i < MODSIM_SS__COUNT; i++)
		u->refused += st.failed_get[i];
	u->faults = st.violations[MODSIM_V_FAULT];
	u->after_exit = st.violations[MODSIM_V_CALL_AFTER_EXIT];
	u->world = st.world_stop_ns;
}

int bench_run_unload(struct bench_pool *p, const struct bench_opts *o,
		     const struct modsim_strategy *strat, struct bench_results *r)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;
	struct bench_unload *u;
	unsigned long calls0;
	double *lat_us;
	int err;

	u = bench_unload_add(r);
	lat_us = calloc(o->unloads ? o->unloads : 1, sizeof(*lat_us));
	if (!u || !lat_us) {
		free(lat_us);
		return modsim_err(-ENOMEM, "bench: out of memory");
	}
	snprintf(u->name, sizeof(u->name), "%s", strat->name);
	u->threads = bench_pool_size(p);

	bench_kernel_config(&cfg, o, strat->name);
	err = modsim_kernel_create(&cfg, &k);
	if (err)
		goto forget;
	err = bench_pool_attach(p, k, NULL, NULL);
	if (err)
		goto destroy;

	calls0 = bench_pool_calls(p);
	bench_pool_hammer_begin(p);
	for (u->samples = 0; u->samples < o->unloads;) {
		u->samples++;
		err = one_sample(p, o, k, u, lat_us);
		if (err) {
			/* Refused for good (or broken): later samples would say the same. */
			u->err = err;
			snprintf(u->msg, sizeof(u->msg), "%s", modsim_last_error());
			break;
		}
	}
	bench_pool_hammer_end(p);
	u->calls = bench_pool_calls(p) - calls0;
	/* A refused module goes now that nobody calls it. */
	if (modsim_find(k, BENCHFN_NAME))
		modsim_unload(k, BENCHFN_NAME, MODSIM_UNLOAD_FORCE);
	finish(u, lat_us, k);
	bench_pool_detach(p);
	free(lat_us);
	modsim_kernel_destroy(k);
	/*
	 * A preset predicted safe that let a caller into unloaded code has no
	 * latency worth printing: the run fails, loudly.  Under a preset
	 * predicted unsafe for the unload race the violations are its
	 * prediction, and the figures stand with them.
	 */
	u->unsafe_predicted = strat->predict[MODSIM_HZ_A] == MODSIM_UNSAFE;
	if ((u->faults || u->after_exit) && !u->unsafe_predicted) {
		u->violated = true;
		return modsim_err(-EPROTO, "%lu use-after-unload and %lu call-after-exit under %s, which is predicted safe for the unload race: the figures of this run are void",
				  u->faults, u->after_exit, strat->name);
	}
	return 0;

destroy:
	modsim_kernel_destroy(k);
forget:
	free(lat_us);
	r->nunloads--;
	return err;
}
