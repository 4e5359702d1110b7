/* --rss-cycles: resident memory against load/unload cycles of unload-race, under each safe preset. */
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <modsim/kernel.h>
#include <modsim/workers.h>

#include "bench.h"

/*
 * The unload-race scenario as modsim run has it (src/lab/scenario.c):
 * selfcount, hook and chardev loaded in that order and unloaded in the
 * reverse, while workers run hooks and chrdev sessions (3 hook calls to 1
 * session of 4 operations).  No amplification: the question is memory,
 * and delays only slow the cycles down.  The quarantine is modsim run's
 * (768 generations), so the figures are those of a long `modsim run`.
 */
#define RSS_QUARANTINE 768
#define RSS_WORKERS 2
#define RSS_SAMPLES 20
#define RSS_EARLY 10000ul /* the reference point: RSS after this many cycles */

static const char *const rss_modules[] = { "selfcount", "hook", "chardev" };
#define RSS_NMODS (sizeof(rss_modules) / sizeof(rss_modules[0]))

/* Resident set size in KiB, from /proc/self/statm; 0 if unknown. */
static unsigned long rss_kb(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return res * ((unsigned long)sysconf(_SC_PAGESIZE) / 1024);
}

/* Bytes malloc has handed out and not had back, in KiB: tells a leak (it
 * grows) from the allocator's own footprint (RSS grows, this does not). */
static unsigned long heap_kb(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (unsigned long)(mi.uordblks + mi.hblkhd) / 1024;
}

/* Unload @name, retrying while a worker holds it (EBUSY, EWOULDBLOCK, a
 * timed-out wait), as modsim run's loader does. */
static int rss_unload(struct modsim_kernel *k, const char *name)
{
	for (unsigned int tries = 0;; tries++) {
		int err = modsim_unload(k, name, 0);

		if (!err)
			return 0;
		if ((err != -EBUSY && err != -EWOULDBLOCK && err != -ETIMEDOUT) || tries > 100000)
			return err;
		sched_yield();
	}
}

static int rss_cycle(struct modsim_kernel *k)
{
	int err = 0;

	for (size_t i = 0; i < RSS_NMODS && !err; i++)
		err = modsim_load(k, rss_modules[i], 0, NULL, NULL);
	for (size_t i = RSS_NMODS; i-- > 0;) {
		int e = rss_unload(k, rss_modules[i]);

		if (e && e != -ENOENT && !err)
			err = e;
	}
	return err;
}

/* Safe under unload-race: the preset predicts A (the race) and L (the
 * held file) safe. */
static bool rss_safe(const struct modsim_strategy *s)
{
	return s->predict[MODSIM_HZ_A] == MODSIM_SAFE && s->predict[MODSIM_HZ_L] == MODSIM_SAFE;
}

static int rss_preset(const struct bench_opts *o, const struct modsim_strategy *s)
{
	unsigned long step = o->rss_cycles / RSS_SAMPLES ? o->rss_cycles / RSS_SAMPLES : 1;
	unsigned long early = 0, early_at = 0, last = 0, first = 0;
	struct modsim_kernel *k = NULL;
	struct modsim_config cfg;
	struct modsim_mix mix;
	uint64_t t0;
	int err;

	modsim_config_default(&cfg);
	cfg.strategy = s->name;
	cfg.max_cpus = RSS_WORKERS + 6;
	cfg.quarantine_max = RSS_QUARANTINE;
	cfg.init_timeout_ms = o->init_timeout_ms;
	err = modsim_kernel_create(&cfg, &k);
	if (err)
		return err;
	modsim_mix_default(&mix);
	mix.hook = 3;
	mix.chrdev = 1;
	mix.session_ops = 4;
	mix.notifier = 0;
	mix.symbol = 0;
	err = modsim_workers_start(k, RSS_WORKERS, &mix);
	if (err)
		goto destroy;

	first = rss_kb();
	printf("RSS preset %s cycles 0 rss_kb %lu heap_kb %lu\n", s->name, first, heap_kb());
	fflush(stdout);
	t0 = bench_now_ns();
	for (unsigned long c = 1; c <= o->rss_cycles; c++) {
		err = rss_cycle(k);
		if (err == -EPERM && c == 1) {
			printf("RSS preset %s skipped: it refuses to unload (%s)\n", s->name,
			       modsim_last_error());
			err = 0;
			goto stop;
		}
		if (err)
			break;
		if (c % step && c != RSS_EARLY && c != o->rss_cycles)
			continue;
		last = rss_kb();
		if (c == RSS_EARLY || (!early && c > RSS_EARLY)) {
			early = last;
			early_at = c;
		}
		printf("RSS preset %s cycles %lu rss_kb %lu heap_kb %lu elapsed_s %.1f\n", s->name, c,
		       last, heap_kb(), (double)(bench_now_ns() - t0) / 1e9);
		fflush(stdout);
	}
	if (!err) {
		/* Growth from the reference point (or from the start, for
		 * runs shorter than it), and per 10^4 cycles. */
		unsigned long ref = early ? early : first, ref_at = early ? early_at : 0;
		double span = (double)(o->rss_cycles - ref_at);

		printf("RSSGROWTH preset %s cycles %u ref_cycles %lu ref_kb %lu last_kb %lu growth_kb %ld per_10k_cycles_kb %.1f\n",
		       s->name, o->rss_cycles, ref_at, ref, last, (long)last - (long)ref,
		       span > 0 ? ((double)last - (double)ref) * 1e4 / span : 0.0);
	}
stop:
	modsim_workers_stop(k);
destroy:
	modsim_kernel_destroy(k);
	return err;
}

int bench_run_rss(const struct bench_opts *o)
{
	unsigned int nfail = 0;

	for (size_t i = 0; i < o->npresets; i++) {
		const struct modsim_strategy *s = o->presets[i];
		int err;

		if (!rss_safe(s)) {
			printf("RSS preset %s skipped: not predicted safe under unload-race (A, L)\n",
			       s->name);
			continue;
		}
		bench_progress(o, "rss over %u cycles: %s", o->rss_cycles, s->name);
		err = rss_preset(o, s);
		if (err)
			bench_failed(&nfail, "rss cycles", s->name, 0, err);
	}
	return nfail ? 1 : 0;
}
