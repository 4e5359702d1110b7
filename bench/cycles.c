/* Load/unload cycles under each preset, against a bare dlopen/dlclose loop of the same .so, interleaved. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/*
 * The cycles of a preset are cut into CYCLE_ROUNDS rounds; each round times
 * a block of bare dlopen/dlclose and then a block of insmod + rmmod, back
 * to back.  A preset's ratio is the median of its rounds' ratios: each
 * ratio compares two blocks a few milliseconds apart, so a neighbour that
 * slows the machine for a second moves both sides, not one.
 */
#define CYCLE_ROUNDS 10
#define BENCH_CYCLE_CPUS 16

/* dlopen + dlclose, as modsim_load maps a module (RTLD_NOW | RTLD_GLOBAL). */
static int bare_cycle(const char *path, char *msg, size_t len)
{
	void *h;

	dlerror();
	h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (!h) {
		const char *why = dlerror();

		snprintf(msg, len, "dlopen: %s", why ? why : "failed");
		return -ENOEXEC;
	}
	dlclose(h);
	return 0;
}

/* insmod + rmmod.  Return: 0 or the failure (its message in @c). */
static int modsim_cycle(struct modsim_kernel *k, const struct bench_opts *o, struct bench_cycle *c)
{
	int err = modsim_load(k, o->module, 0, NULL, NULL);

	if (!err)
		err = modsim_unload(k, BENCHFN_NAME, 0);
	if (err) {
		c->err = err;
		snprintf(c->msg, sizeof(c->msg), "%s", modsim_last_error());
	}
	return err;
}

/* Time @n bare cycles: microseconds per cycle, or -1 on failure. */
static double bare_block(const struct bench_opts *o, unsigned int n, struct bench_results *r)
{
	uint64_t t0 = bench_now_ns();

	for (unsigned int i = 0; i < n; i++)
		if (bare_cycle(o->module, r->dlopen_msg, sizeof(r->dlopen_msg)))
			return -1;
	r->dlopen_done += n;
	return (double)(bench_now_ns() - t0) / 1e3 / n;
}

/* Time @n modsim cycles: microseconds per cycle, or -1 when one failed. */
static double modsim_block(struct modsim_kernel *k, const struct bench_opts *o, unsigned int n,
			   struct bench_cycle *c)
{
	uint64_t t0 = bench_now_ns();

	for (unsigned int i = 0; i < n; i++) {
		if (modsim_cycle(k, o, c))
			return -1;
		c->done++;
	}
	return (double)(bench_now_ns() - t0) / 1e3 / n;
}

/* The rounds of one preset.  @bare_us collects its bare blocks too. */
static void rounds(struct modsim_kernel *k, const struct bench_opts *o, struct bench_cycle *c,
		   struct bench_results *r, double *bare_us, size_t *nbare)
{
	double mine[CYCLE_ROUNDS], theirs[CYCLE_ROUNDS], ratio[CYCLE_ROUNDS];
	size_t n = 0;

	if (bare_cycle(o->module, r->dlopen_msg, sizeof(r->dlopen_msg)) || /* warm both */
	    modsim_cycle(k, o, c))
		return;
	for (unsigned int i = 0; i < CYCLE_ROUNDS; i++) {
		/* Round i's share of the cycles: every one is run, none twice. */
		unsigned int per = (unsigned int)((unsigned long)o->cycles * (i + 1) / CYCLE_ROUNDS -
						  (unsigned long)o->cycles * i / CYCLE_ROUNDS);
		double b, m;

		if (per == 0)
			continue;
		b = bare_block(o, per, r);
		if (b <= 0)
			return;
		m = modsim_block(k, o, per, c);
		if (m <= 0)
			return;
		theirs[n] = bare_us[(*nbare)++] = b;
		mine[n] = m;
		ratio[n] = m / b;
		n++;
	}
	c->us = bench_median(mine, n);
	c->dlopen_us = bench_median(theirs, n);
	c->slower = bench_median(ratio, n);
	c->rounds = (unsigned int)n;
}

static int run_preset(const struct bench_opts *o, const struct modsim_strategy *s,
		      struct bench_results *r, double *bare_us, size_t *nbare)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;
	struct bench_cycle *c;
	int err;

	c = bench_cycle_add(r);
	if (!c)
		return modsim_err(-ENOMEM, "bench: out of memory");
	snprintf(c->name, sizeof(c->name), "%s", s->name);
	c->wanted = o->cycles;
	bench_kernel_config(&cfg, o, s->name);
	/*
	 * No callers here: size the kernel as `modsim run` sizes one for the
	 * race lab's trials (16 CPU slots), not for 64 bench threads.  The
	 * per-CPU presets allocate a slot per CPU at every load.
	 */
	cfg.max_cpus = BENCH_CYCLE_CPUS;
	err = modsim_kernel_create(&cfg, &k);
	if (err) {
		r->ncycles--;
		return err;
	}
	rounds(k, o, c, r, bare_us, nbare);
	/* A refused unload (nounload) leaves it loaded: force it out. */
	if (modsim_find(k, BENCHFN_NAME))
		modsim_unload(k, BENCHFN_NAME, MODSIM_UNLOAD_FORCE);
	modsim_kernel_destroy(k);
	return 0;
}

int bench_run_cycles(const struct bench_opts *o, struct bench_results *r)
{
	double *bare_us = calloc(o->npresets * CYCLE_ROUNDS + 1, sizeof(*bare_us));
	size_t nbare = 0;
	int err = 0;

	if (!bare_us)
		return modsim_err(-ENOMEM, "bench: out of memory");
	r->dlopen_done = 0;
	for (size_t i = 0; i < o->npresets && !err; i++)
		err = run_preset(o, o->presets[i], r, bare_us, &nbare);
	if (nbare)
		r->dlopen_per_s = 1e6 / bench_median(bare_us, nbare);
	free(bare_us);
	return err;
}
