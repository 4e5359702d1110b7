/* The per-preset runner: a kernel per preset with benchfn loaded, timed rounds of bare/module/built-in calls. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* Kernel reports (violations seen by the unload runs) go nowhere: the bench counts them. */
static FILE *bench_log(void)
{
	static FILE *devnull;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	return devnull ? devnull : stderr;
}

void bench_kernel_config(struct modsim_config *cfg, const char *preset)
{
	modsim_config_default(cfg);
	cfg->strategy = preset;
	cfg->max_cpus = BENCH_MAX_THREADS + 16; /* the bench threads, the loader, the modprobe thread */
	cfg->timer_thread = false;              /* nothing here arms timers; no thread to disturb */
	cfg->log = bench_log();
}

const struct benchfn_ops *bench_module_ops(struct modsim_mod *m)
{
	if (!m || !m->handle)
		return NULL;
	return dlsym(m->handle, BENCHFN_OPS_SYMBOL);
}

int bench_kernel_open(const struct bench_opts *o, const char *preset, bool percpu,
		      struct modsim_kernel **kp, struct modsim_mod **mp,
		      const struct benchfn_ops **opsp)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;
	struct modsim_mod *m;
	int err;

	bench_kernel_config(&cfg, preset);
	err = modsim_kernel_create(&cfg, &k);
	if (err)
		return err;
	if (percpu) {
		err = bench_install_percpu(k);
		if (err)
			goto destroy;
	}
	err = modsim_load(k, o->module, 0, NULL, &m);
	if (err)
		goto destroy;
	*opsp = bench_module_ops(m);
	if (!*opsp) {
		err = modsim_err(-ENOEXEC, "bench: %s has no symbol %s; not modsim-bench's module",
				 o->module, BENCHFN_OPS_SYMBOL);
		goto destroy;
	}
	*kp = k;
	*mp = m;
	return 0;

destroy:
	modsim_kernel_destroy(k);
	return err;
}

/*
 * struct block_item - one variant measured in every round of a block, and
 * where its runs go: ns per call, and the ratio to the bare call measured
 * first in the same round.
 */
struct block_item {
	enum bench_variant v;
	double *ns, *ratio;
	unsigned long *refused;
};

/*
 * Warm-up, then o->runs timed rounds; a round is the bare call, then every
 * item, each a timed run on all of the pool's threads at once.
 */
static void run_block(struct bench_pool *p, const struct bench_opts *o, struct block_item *it,
		      size_t n, double *bare_ns)
{
	unsigned long scratch = 0;

	for (unsigned int round = 0; round < BENCH_WARMUP + o->runs; round++) {
		bool timed = round >= BENCH_WARMUP;
		unsigned int run = round - BENCH_WARMUP;
		double bare = bench_pool_measure(p, BV_BARE, o->loops, &scratch);

		if (timed && bare_ns)
			bare_ns[run] = bare;
		for (size_t i = 0; i < n; i++) {
			unsigned long refused = 0;
			double ns = bench_pool_measure(p, it[i].v, o->loops, &refused);

			if (!timed)
				continue;
			it[i].ns[run] = ns;
			it[i].ratio[run] = ns / bare;
			*it[i].refused += refused;
		}
	}
}

static const enum bench_variant baseline_list[] = {
	BV_BARE, BV_ATOMIC, BV_PERTHREAD, BV_URCU, BV_RWLOCK, BV_DIRECT, BV_CALL, BV_TABLE,
};
#define NBASELINES (sizeof(baseline_list) / sizeof(baseline_list[0]))

int bench_run_baselines(struct bench_pool *p, const struct bench_opts *o, struct bench_results *r)
{
	struct block_item it[NBASELINES - 1];
	const struct benchfn_ops *ops;
	struct modsim_kernel *k;
	struct modsim_mod *m;
	size_t first = r->nseries;
	int err;

	for (size_t i = 0; i < NBASELINES; i++) {
		struct bench_series *s = bench_series_add(r);

		if (!s)
			return modsim_err(-ENOMEM, "bench: out of memory");
		snprintf(s->name, sizeof(s->name), "%s", bench_variant_name(baseline_list[i]));
		s->baseline = true;
		s->v = baseline_list[i];
		s->threads = bench_pool_size(p);
		s->nruns = o->runs;
	}
	err = bench_kernel_open(o, "none", true, &k, &m, &ops);
	if (err) {
		r->nseries = first;
		return err;
	}
	err = bench_pool_attach(p, k, m, ops);
	if (err)
		goto destroy;

	/* Pointers only now: r->series does not move while the block runs. */
	for (size_t i = 1; i < NBASELINES; i++) {
		struct bench_series *s = &r->series[first + i];

		it[i - 1] = (struct block_item){ s->v, s->ns, s->ratio, &s->refused };
	}
	run_block(p, o, it, NBASELINES - 1, r->series[first].ns);
	for (unsigned int i = 0; i < o->runs; i++)
		r->series[first].ratio[i] = 1.0;
	for (size_t i = 0; i < NBASELINES; i++)
		bench_series_finish(&r->series[first + i]);

	bench_pool_detach(p);
destroy:
	modsim_kernel_destroy(k);
	if (err)
		r->nseries = first;
	return err;
}

int bench_run_preset(struct bench_pool *p, const struct bench_opts *o,
		     const struct modsim_strategy *strat, struct bench_results *r)
{
	const struct benchfn_ops *ops;
	struct block_item it[2];
	struct modsim_kernel *k;
	struct bench_series *s;
	struct modsim_mod *m;
	int err;

	s = bench_series_add(r);
	if (!s)
		return modsim_err(-ENOMEM, "bench: out of memory");
	snprintf(s->name, sizeof(s->name), "%s", strat->name);
	s->v = BV_MODULE;
	s->threads = bench_pool_size(p);
	s->nruns = o->runs;

	err = bench_kernel_open(o, strat->name, false, &k, &m, &ops);
	if (err)
		goto forget;
	err = bench_pool_attach(p, k, m, ops);
	if (err)
		goto destroy;
	it[0] = (struct block_item){ BV_MODULE, s->ns, s->ratio, &s->refused };
	it[1] = (struct block_item){ BV_BUILTIN, s->bi_ns, s->bi_ratio, &s->refused };
	run_block(p, o, it, 2, NULL);
	bench_series_finish(s);
	bench_pool_detach(p);
destroy:
	modsim_kernel_destroy(k);
	if (!err)
		return 0;
forget:
	r->nseries--; /* no line for a preset that could not run */
	return err;
}
