/* The caller-cost runner: a kernel per block with benchfn loaded, runs interleaved across the blocks. */
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

void bench_kernel_config(struct modsim_config *cfg, const struct bench_opts *o,
			 const char *preset)
{
	modsim_config_default(cfg);
	cfg->strategy = preset;
	cfg->init_timeout_ms = o->init_timeout_ms;
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

int bench_kernel_open(const struct bench_opts *o, const char *preset, struct modsim_kernel **kp,
		      struct modsim_mod **mp, const struct benchfn_ops **opsp)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;
	struct modsim_mod *m;
	int err;

	bench_kernel_config(&cfg, o, preset);
	err = modsim_kernel_create(&cfg, &k);
	if (err)
		return err;
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
 * struct block - one kernel and what one run measures on it: the bare call
 * first, then the block's variants, all interleaved in the same run
 * (bench_pool_measure).  @ns[i] and @ratio[i] are where variant i's runs
 * go (the ratio is to the bare call of the same run); @bare_ns takes the
 * bare call's own runs (the baselines' block), or is NULL.
 */
struct block {
	const char *preset;
	const char *label; /* for messages: the preset, or "baselines" */
	enum bench_variant v[BENCH_MAX_VARIANTS];
	size_t n;
	double *ns[BENCH_MAX_VARIANTS], *ratio[BENCH_MAX_VARIANTS];
	unsigned long *refused[BENCH_MAX_VARIANTS];
	double *overlap[BENCH_MAX_VARIANTS]; /* each series' per-run overlap */
	double *bare_ns;
	size_t first, nseries; /* its lines in r->series */
	bool failed;
};

static const enum bench_variant baseline_list[] = {
	BV_BARE,  BV_ATOMIC, BV_PERTHREAD, BV_URCU,  BV_RWLOCK,
	BV_DIRECT, BV_ONLINE, BV_CALL,    BV_TABLE, BV_RUNTIME,
};
#define NBASELINES (sizeof(baseline_list) / sizeof(baseline_list[0]))

/* One run of @b: open its kernel, measure, close.  0 or a negative errno. */
static int block_run(struct bench_pool *p, const struct bench_opts *o, struct block *b,
		     unsigned int run)
{
	unsigned long refused[BENCH_MAX_VARIANTS] = { 0 };
	double ns[BENCH_MAX_VARIANTS];
	const struct benchfn_ops *ops;
	struct modsim_kernel *k;
	struct modsim_mod *m;
	int err;

	err = bench_kernel_open(o, b->preset, &k, &m, &ops);
	if (err)
		return err;
	err = bench_pool_attach(p, k, m, ops);
	if (!err) {
		double ov = 1.0;

		bench_pool_measure(p, b->v, b->n, o->loops, ns, refused, &ov);
		bench_pool_detach(p);
		for (size_t i = 0; i < b->n; i++)
			if (b->overlap[i])
				b->overlap[i][run] = ov;
		if (b->bare_ns)
			b->bare_ns[run] = ns[0];
		for (size_t i = 1; i < b->n; i++) {
			b->ns[i][run] = ns[i];
			b->ratio[i][run] = ns[i] / ns[0];
			*b->refused[i] += refused[i];
		}
	}
	modsim_kernel_destroy(k);
	return err;
}

/* The lines of @t threads: the baselines, then each preset. */
static int add_series(const struct bench_opts *o, struct bench_results *r, unsigned int t)
{
	for (size_t i = 0; i < NBASELINES + o->npresets; i++) {
		struct bench_series *s = bench_series_add(r);

		if (!s)
			return modsim_err(-ENOMEM, "bench: out of memory");
		s->threads = t;
		s->nruns = o->runs;
		if (i < NBASELINES) {
			snprintf(s->name, sizeof(s->name), "%s", bench_variant_name(baseline_list[i]));
			s->baseline = true;
			s->v = baseline_list[i];
		} else {
			snprintf(s->name, sizeof(s->name), "%s", o->presets[i - NBASELINES]->name);
			s->v = BV_MODULE;
		}
	}
	return 0;
}

/* Forget the lines of the blocks that failed (r->series from @first on). */
static void drop_failed(struct bench_results *r, size_t first, struct block *b, size_t nb)
{
	size_t to = first;

	for (size_t j = 0; j < nb; j++)
		for (size_t i = 0; i < b[j].nseries; i++)
			if (!b[j].failed)
				r->series[to++] = r->series[b[j].first + i];
	r->nseries = to;
}

void bench_run_costs(struct bench_pool *p, const struct bench_opts *o, struct bench_results *r,
		     unsigned int *nfail)
{
	struct block blocks[1 + BENCH_MAX_PRESETS];
	unsigned int t = bench_pool_size(p);
	size_t first = r->nseries, nb = 1 + o->npresets;
	struct bench_series *base;
	int err;

	err = add_series(o, r, t);
	if (err) {
		r->nseries = first;
		bench_failed(nfail, "caller cost", "", t, err);
		return;
	}
	/* Pointers only now: r->series does not move while the blocks run. */
	base = &r->series[first];
	memset(blocks, 0, sizeof(blocks));
	blocks[0] = (struct block){ .preset = BENCH_BASELINE_PRESET, .label = "baselines",
				    .n = NBASELINES, .bare_ns = base[0].ns, .first = first,
				    .nseries = NBASELINES };
	for (size_t i = 0; i < NBASELINES; i++) {
		blocks[0].v[i] = baseline_list[i];
		blocks[0].ns[i] = base[i].ns;
		blocks[0].ratio[i] = base[i].ratio;
		blocks[0].refused[i] = &base[i].refused;
		blocks[0].overlap[i] = base[i].overlap;
	}
	for (size_t j = 0; j < o->npresets; j++) {
		struct bench_series *s = &base[NBASELINES + j];
		struct block *b = &blocks[1 + j];

		*b = (struct block){ .preset = o->presets[j]->name, .label = s->name, .n = 3,
				     .v = { BV_BARE, BV_MODULE, BV_BUILTIN },
				     .ns = { NULL, s->ns, s->bi_ns },
				     .ratio = { NULL, s->ratio, s->bi_ratio },
				     .refused = { NULL, &s->refused, &s->refused },
				     .overlap = { NULL, s->overlap, NULL },
				     .first = first + NBASELINES + j, .nseries = 1 };
	}

	/*
	 * Round after round, one run of every block, each round starting one
	 * block further on: a slow stretch of the machine spreads over the
	 * presets instead of landing on a few of them, and no block always
	 * follows the same one.
	 */
	for (unsigned int run = 0; run < o->runs; run++) {
		bench_progress(o, "caller cost, %u thread%s: run %u of %u", t, t == 1 ? "" : "s",
			       run + 1, o->runs);
		for (size_t i = 0; i < nb; i++) {
			struct block *b = &blocks[(i + run) % nb];

			if (b->failed)
				continue;
			err = block_run(p, o, b, run);
			if (err) {
				b->failed = true;
				bench_failed(nfail, b == blocks ? "baselines" : "preset",
					     b == blocks ? "" : b->label, t, err);
			}
		}
	}
	for (unsigned int i = 0; i < o->runs; i++)
		base[0].ratio[i] = 1.0;
	for (size_t j = 0; j < nb; j++)
		for (size_t i = 0; i < blocks[j].nseries && !blocks[j].failed; i++)
			bench_series_finish(&r->series[blocks[j].first + i]);
	drop_failed(r, first, blocks, nb);
}
