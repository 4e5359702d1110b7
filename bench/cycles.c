/* Load/unload cycles per second under each preset, against a bare dlopen/dlclose loop of the same .so. */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "bench.h"

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

static void run_bare(const struct bench_opts *o, struct bench_results *r)
{
	uint64_t t0, t1;

	if (bare_cycle(o->module, r->dlopen_msg, sizeof(r->dlopen_msg))) /* warm: the file is read */
		return;
	t0 = bench_now_ns();
	for (r->dlopen_done = 0; r->dlopen_done < o->cycles; r->dlopen_done++)
		if (bare_cycle(o->module, r->dlopen_msg, sizeof(r->dlopen_msg)))
			return;
	t1 = bench_now_ns();
	r->dlopen_per_s = t1 > t0 ? (double)r->dlopen_done * 1e9 / (double)(t1 - t0) : 0;
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

static int run_preset(const struct bench_opts *o, const struct modsim_strategy *s,
		      struct bench_results *r)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;
	struct bench_cycle *c;
	uint64_t t0, t1;
	int err;

	c = bench_cycle_add(r);
	if (!c)
		return modsim_err(-ENOMEM, "bench: out of memory");
	snprintf(c->name, sizeof(c->name), "%s", s->name);
	c->wanted = o->cycles;
	bench_kernel_config(&cfg, s->name);
	err = modsim_kernel_create(&cfg, &k);
	if (err) {
		r->ncycles--;
		return err;
	}
	if (modsim_cycle(k, o, c) == 0) { /* warm */
		t0 = bench_now_ns();
		for (c->done = 0; c->done < o->cycles; c->done++)
			if (modsim_cycle(k, o, c))
				break;
		t1 = bench_now_ns();
		if (c->done && t1 > t0)
			c->per_s = (double)c->done * 1e9 / (double)(t1 - t0);
		if (c->per_s > 0 && r->dlopen_per_s > 0)
			c->slower = r->dlopen_per_s / c->per_s;
	}
	/* A refused unload (nounload) leaves it loaded: force it out. */
	if (modsim_find(k, BENCHFN_NAME))
		modsim_unload(k, BENCHFN_NAME, MODSIM_UNLOAD_FORCE);
	modsim_kernel_destroy(k);
	return 0;
}

int bench_run_cycles(const struct bench_opts *o, struct bench_results *r)
{
	run_bare(o, r);
	for (size_t i = 0; i < o->npresets; i++) {
		int err = run_preset(o, o->presets[i], r);

		if (err)
			return err;
	}
	return 0;
}
