/* modsim run: one trial: a kernel under the preset, workers, the scenario's loader loop, the result. */
/* Past 600 lines: the trial's loader loop, controlled schedule and race all work on one private struct trial. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <modsim/lab/run.h>

#include "lab/scenario.h"

#include "kernel/units.h"

#define RUN_MAX_WORKERS 128
#define RUN_SPARE_CPUS 8   /* the loader, modprobe and timer threads, a stuck init's thread */
#define RUN_MIN_CPUS 16
/*
 * Unloaded generations kept reserved and inaccessible.  A trial unloads
 * thousands of generations a second, and a caller delayed in a race window
 * (amplified, or just descheduled) must still hit a reserved page, or its
 * fault cannot be attributed and the simulator aborts.  At 4 range slots a
 * generation this takes 3072 of the process's 4096 (quarantine.c).
 */
#define RUN_QUARANTINE 768
#define RUN_MAX_DURATION_MS (24u * 3600 * 1000)
/* With --cycles there is no deadline: a module refused this long is left for the next cycle. */
#define RUN_GIVE_UP_NS (5ULL * 1000000000ULL)

/*
 * struct trial - the state of one modsim_run().
 *
 * The loader thread owns @names, @loaded, @retired and @cycles while it runs;
 * the calling thread reads them after joining it.  @lock protects @done
 * (the loader finished on its own), signalled through @cond.
 */
struct trial {
	const struct modsim_run_config *cfg;
	struct modsim_scenario s;
	struct modsim_kernel *k;
	FILE *log;
	uint64_t t0;
	_Atomic uint64_t first_ns; /* when the kernel first reported a race violation */

	char names[SCN_MAX_MODULES][MODSIM_NAME_MAX];
	char *params[SCN_MAX_MODULES][SCN_MAX_PARAMS];
	bool loaded[SCN_MAX_MODULES], retired[SCN_MAX_MODULES];
	bool reached[SCN_MAX_MODULES]; /* loaded, or its init ran, at least once */
	unsigned int flags; /* modsim_unload() flags */
	/* A module the loader refused before its init ever ran: the trial
	 * cannot exercise anything; modsim_run() returns @load_err. */
	int load_err;
	char load_msg[512];

	pthread_t loader;
	_Atomic int stop;
	unsigned long cycles;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;

	/* Controlled scheduling: the scheduler, and the trial as it was when
	 * control ended (written by the thread that ended it, read after). */
	struct modsim_sched *sched;
	bool has_workers, has_loader;
	struct modsim_stats ctl_stats;
	unsigned long ctl_cycles;
	bool ctl_snapped;
	bool abandoned; /* the loader hung in module code: nothing is freed */
};

void (*modsim_run_observe)(struct modsim_kernel *k, void *arg);
void *modsim_run_observe_arg;

MODSIM_API void modsim_run_config_default(struct modsim_run_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->strategy, sizeof(cfg->strategy), "none");
	snprintf(cfg->scenario, sizeof(cfg->scenario), "unload-race");
	cfg->workers = 2;
	cfg->duration_ms = 2000;
	cfg->seed = 1;
}

MODSIM_API unsigned long modsim_run_violations(const struct modsim_run_result *res)
{
	unsigned long n = 0;

	for (int v = 0; v < MODSIM_V__COUNT; v++)
		if (modsim_vkind_is_race((enum modsim_vkind)v))
			n += res->stats.violations[v];
	return n;
}

MODSIM_API int modsim_run_first_kind(const struct modsim_run_result *res)
{
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		if (modsim_vkind_is_race((enum modsim_vkind)v) && res->stats.violations[v])
			return v;
	return -1;
}

/* ---- the kernel's log: kept off the terminal, watched for the first violation ---- */

/* Does @buf hold the report line of a violation that counts as the race? */
static bool log_is_race(const char *buf, size_t size)
{
	char pat[64];

	for (int v = 0; v < MODSIM_V__COUNT; v++) {
		if (!modsim_vkind_is_race((enum modsim_vkind)v))
			continue;
		snprintf(pat, sizeof(pat), "modsim: %s:", modsim_vkind_name(v));
		if (memmem(buf, size, pat, strlen(pat)))
			return true;
	}
	return false;
}

static ssize_t log_write(void *cookie, const char *buf, size_t size)
{
	struct trial *t = cookie;
	uint64_t none = 0;

	if (!atomic_load_explicit(&t->first_ns, memory_order_relaxed) && log_is_race(buf, size))
		atomic_compare_exchange_strong(&t->first_ns, &none, modsim_now_ns());
	return (ssize_t)size;
}

static FILE *log_open(struct trial *t)
{
	cookie_io_functions_t io = { .write = log_write };
	FILE *f = fopencookie(t, "w", io);

	/* Unbuffered: each report reaches log_write when it is printed. */
	if (f)
		setvbuf(f, NULL, _IONBF, 0);
	return f;
}

/* ---- the loader loop ---- */

static bool trial_stopping(struct trial *t)
{
	return atomic_load_explicit(&t->stop, memory_order_acquire);
}

static bool mod_stuck(struct trial *t, unsigned int i)
{
	struct modsim_mod *m;

	if (!t->names[i][0])
		return false;
	m = modsim_find(t->k, t->names[i]);
	return m && modsim_mod_state(m) == MODSIM_STATE_STUCK;
}

/*
 * insmod module @i.  A failure is counted by the kernel.  An init that ran
 * and failed, whatever its errno (-EEXIST and -EBUSY included: what
 * register_chrdev returns for a taken name), is retried like any other: it
 * is the half-init the lab races.  A load the loader refused before init
 * ran is the module's setup: the first time, before the module ever
 * loaded, it ends the trial (@t->load_err); later, a name clash or an
 * object glibc kept mapped retires the module, as does an init that hung.
 * Return: whether the load reached the module (loaded, or its init failed),
 * as opposed to finding it already there or retiring it.
 */
static bool trial_load(struct trial *t, unsigned int i)
{
	const struct scn_module *sm = &t->s.mods[i];
	unsigned long inits = modsim_stat_loader_get(t->k, MODSIM_LS_INIT_FAILURES);
	struct modsim_mod *m;
	int err;

	err = modsim_load(t->k, sm->spec, sm->nparams, t->params[i], &m);
	if (!err) {
		snprintf(t->names[i], sizeof(t->names[i]), "%s", m->name);
		t->loaded[i] = t->reached[i] = true;
		return true;
	}
	if (err == -ETIMEDOUT || mod_stuck(t, i)) {
		t->retired[i] = true; /* init hung: this kernel keeps it */
		return false;
	}
	if (modsim_stat_loader_get(t->k, MODSIM_LS_INIT_FAILURES) != inits) {
		t->reached[i] = true; /* init ran and failed: try again */
		return true;
	}
	if (!t->reached[i]) {
		if (!t->load_err) {
			t->load_err = err;
			snprintf(t->load_msg, sizeof(t->load_msg), "%s", modsim_last_error());
		}
		t->retired[i] = true;
		atomic_store_explicit(&t->stop, 1, memory_order_release);
		return false;
	}
	if (err == -EEXIST || err == -EBUSY) {
		t->retired[i] = true; /* a name clash, or glibc kept the object mapped */
		return false;
	}
	return true;
}

/*
 * rmmod every module of the cycle that is loaded, in the scenario's order,
 * passing over refused ones and coming back to them.  -EPERM (the preset
 * refuses unload) retires the module, loaded; once one is retired so, a
 * pass in which nothing could be unloaded ends the cycle, because what is
 * left may be used by it.
 * Return: how many modules were unloaded.
 */
static unsigned int trial_unload_cycled(struct trial *t)
{
	bool pending[SCN_MAX_MODULES] = { false };
	unsigned int n = t->s.nmods, npending = 0, done = 0, pass;
	bool refused_for_good = false;
	uint64_t since = modsim_now_ns();

	for (unsigned int i = 0; i < n; i++) {
		pending[i] = t->loaded[i] && t->s.mods[i].cycle && !t->retired[i];
		npending += pending[i];
		refused_for_good |= t->loaded[i] && t->retired[i];
	}
	while (npending) {
		pass = 0;
		for (unsigned int j = 0; j < n; j++) {
			unsigned int i = t->s.unload_order == SCN_FORWARD ? j : n - 1 - j;
			int err;

			if (!pending[i])
				continue;
			err = modsim_unload(t->k, t->names[i], t->flags);
			if (err && err != -ENOENT && err != -EPERM && !mod_stuck(t, i))
				continue; /* refused for now (-EBUSY, -EWOULDBLOCK, -ETIMEDOUT) */
			pending[i] = false;
			npending--;
			if (err == -EPERM || (err && err != -ENOENT)) {
				/* Refused for good, or stuck in exit: it stays. */
				t->retired[i] = true;
				refused_for_good = true;
				continue;
			}
			t->loaded[i] = false;
			pass++;
		}
		done += pass;
		if (!npending || trial_stopping(t) || (!pass && refused_for_good))
			break;
		if (modsim_sched_controlled(t->k)) {
			modsim_sched_yield(t->k); /* the step budget bounds the retries */
			continue;
		}
		if (!t->cfg->duration_ms && modsim_now_ns() - since > RUN_GIVE_UP_NS)
			break;
		sched_yield();
	}
	return done;
}

/*
 * One cycle.  Return: false when the loader can do nothing any more: no
 * load reached a module and nothing was unloaded (every module left is
 * retired, or refused because of one that is).
 */
static bool trial_cycle(struct trial *t)
{
	unsigned int acts = 0;

	for (unsigned int i = 0; i < t->s.nmods && !trial_stopping(t); i++)
		if (t->s.mods[i].cycle && !t->retired[i] && !t->loaded[i])
			acts += trial_load(t, i);
	acts += trial_unload_cycled(t);
	return acts > 0;
}

static void *trial_loader(void *arg)
{
	struct trial *t = arg;
	unsigned long want = t->cfg->duration_ms && !t->sched ? 0 : t->cfg->cycles;

	if (t->sched && !want)
		want = MODSIM_SCHED_DEFAULT_CYCLES;

	modsim_fault_thread_init();
	modsim_sched_thread_begin(t->k, modsim_sched_role(t->k, MODSIM_ROLE_LOADER, 0));
	while (!trial_stopping(t) && (!want || t->cycles < want)) {
		if (!trial_cycle(t))
			break;
		t->cycles++;
	}
	/* Controlled: the loader is done, so is the trial; the workers leave
	 * at their next step, in the schedule's order. */
	if (modsim_sched_controlled(t->k))
		modsim_workers_signal_stop(t->k);
	modsim_sched_thread_end(t->k);
	if (modsim_cpu_peek(t->k))
		modsim_cpu_release_self(t->k);
	modsim_fault_thread_fini();

	pthread_mutex_lock(&t->lock);
	t->done = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* ---- setting a trial up ---- */

static int trial_check_config(const struct modsim_run_config *cfg)
{
	if (!cfg->strategy[0])
		return modsim_err(-EINVAL, "run: no strategy given");
	if (!cfg->scenario[0])
		return modsim_err(-EINVAL, "run: no scenario given");
	if (cfg->workers > RUN_MAX_WORKERS)
		return modsim_err(-EINVAL, "run: %u workers; at most %d", cfg->workers,
				  RUN_MAX_WORKERS);
	if (cfg->sched != MODSIM_SCHED_OFF && cfg->sched != MODSIM_SCHED_PCT &&
	    cfg->sched != MODSIM_SCHED_RANDOM && cfg->sched != MODSIM_SCHED_REPLAY)
		return modsim_err(-EINVAL, "run: no scheduling policy %d", (int)cfg->sched);
	if (cfg->sched == MODSIM_SCHED_OFF && !cfg->duration_ms && !cfg->cycles)
		return modsim_err(-EINVAL, "run: neither a duration nor a number of cycles");
	if (cfg->sched != MODSIM_SCHED_OFF && cfg->workers + 2 > MODSIM_SCHED_MAX_THREADS)
		return modsim_err(-EINVAL, "run: %u workers; a controlled trial has at most %d",
				  cfg->workers, MODSIM_SCHED_MAX_THREADS - 2);
	if (cfg->nchoices && !cfg->choices)
		return modsim_err(-EINVAL, "run: %u choices to replay, but no list", cfg->nchoices);
	if (cfg->duration_ms > RUN_MAX_DURATION_MS)
		return modsim_err(-EINVAL, "run: a duration of %u ms is more than a day",
				  cfg->duration_ms);
	if (cfg->namplify > MODSIM_RUN_MAX_AMPLIFY)
		return modsim_err(-EINVAL, "run: %u amplifier settings; at most %d", cfg->namplify,
				  MODSIM_RUN_MAX_AMPLIFY);
	for (unsigned int i = 0; i < cfg->namplify; i++) {
		const struct modsim_amplify *a = &cfg->amplify[i];

		if (a->point < -1 || a->point >= MODSIM_PT__COUNT || !(a->prob >= 0.0 && a->prob <= 1.0) ||
		    (unsigned int)a->how > MODSIM_DELAY_SLEEP)
			return modsim_err(-EINVAL, "run: amplifier setting %u is out of range", i + 1);
	}
	return 0;
}

static bool mix_empty(const struct modsim_mix *mix);

/*
 * Modules the preset refused to unload for good (-EPERM) that callers used
 * while they stayed: the refusal is the protection, and these calls are
 * what it protected (the matrix's evidence; see unload_overlapped).
 */
static unsigned long trial_refused_used(struct trial *t)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < t->s.nmods; i++) {
		struct modsim_mod *m;

		if (!t->loaded[i] || !t->retired[i] || !t->s.mods[i].cycle || !t->names[i][0])
			continue;
		m = modsim_find(t->k, t->names[i]);
		if (m && modsim_mod_state(m) == MODSIM_STATE_LIVE &&
		    modsim_stat_calls(t->k) != m->calls_at_live)
			n++;
	}
	return n;
}

/*
 * Control ended: called by the thread that ended it while every other
 * controlled thread is parked.  Keep the trial as the schedule left it,
 * and ask everyone to stop.
 */
static void trial_ctl_end(void *arg, enum modsim_sched_end why)
{
	struct trial *t = arg;

	modsim_stats_get(t->k, &t->ctl_stats);
	t->ctl_stats.unload_overlapped += trial_refused_used(t);
	t->ctl_cycles = t->cycles;
	t->ctl_snapped = true;
	atomic_store_explicit(&t->stop, 1, memory_order_release);
	if (t->has_workers)
		modsim_workers_signal_stop(t->k);
}

/*
 * The controlled trial's threads and their ids: the loader is 0, the
 * workers follow, the timer thread is last.
 */
static int trial_sched(struct trial *t)
{
	const struct modsim_run_config *cfg = t->cfg;
	struct modsim_sched_config sc = {
		.policy = cfg->sched,
		.seed = cfg->seed,
		.depth = cfg->depth ? cfg->depth : MODSIM_SCHED_DEFAULT_DEPTH,
		.budget = cfg->steps ? cfg->steps : MODSIM_SCHED_DEFAULT_STEPS,
		.pct_k = cfg->pct_k ? cfg->pct_k : MODSIM_SCHED_DEFAULT_PCT_K,
		.choices = cfg->choices,
		.nchoices = cfg->nchoices,
		.log = cfg->sched_log,
		.trace = cfg->sched_trace,
		.on_end = trial_ctl_end,
		.arg = t,
		.loader_id = -1,
		.timer_id = -1,
		.worker0_id = -1,
		/* A hook that hangs is found by the scenario's watchdog time,
		 * as in a free-running trial. */
		.module_hang_ms = t->s.init_timeout_ms,
	};
	unsigned int n = 0;
	char name[16];
	int err;

	if (t->has_loader)
		sc.loader_id = (int)n++;
	if (t->has_workers) {
		sc.worker0_id = (int)n;
		n += cfg->workers;
	}
	if (t->s.timer_thread)
		sc.timer_id = (int)n++;
	sc.nthreads = n;
	if (!n)
		return modsim_err(-EINVAL, "run: scenario %s has no thread to schedule", t->s.name);
	err = modsim_sched_create(&sc, &t->sched);
	if (err)
		return err;
	if (sc.loader_id >= 0)
		modsim_sched_name_thread(t->sched, (unsigned int)sc.loader_id, "loader", true);
	for (unsigned int i = 0; sc.worker0_id >= 0 && i < cfg->workers; i++) {
		snprintf(name, sizeof(name), "worker%u", i % 100u);
		modsim_sched_name_thread(t->sched, (unsigned int)sc.worker0_id + i, name, false);
	}
	if (sc.timer_id >= 0)
		modsim_sched_name_thread(t->sched, (unsigned int)sc.timer_id, "timer", false);
	return 0;
}

static int trial_kernel(struct trial *t)
{
	const struct modsim_run_config *cfg = t->cfg;
	struct modsim_config kc;
	char spec[SCN_AMPLIFY_MAX * 2];
	char path[PATH_MAX];
	int err;

	t->has_workers = cfg->workers && !mix_empty(&t->s.mix);
	t->has_loader = t->s.action != SCN_HOLD;
	if (cfg->sched != MODSIM_SCHED_OFF) {
		err = trial_sched(t);
		if (err)
			return err;
	}
	modsim_config_default(&kc);
	kc.strategy = cfg->strategy;
	kc.seed = (unsigned long)cfg->seed;
	kc.max_cpus = cfg->workers + RUN_SPARE_CPUS;
	if (kc.max_cpus < RUN_MIN_CPUS)
		kc.max_cpus = RUN_MIN_CPUS;
	kc.quarantine_max = RUN_QUARANTINE;
	kc.init_timeout_ms = t->s.init_timeout_ms;
	kc.unload_timeout_ms = t->s.unload_timeout_ms;
	kc.timer_thread = t->s.timer_thread;
	kc.allow_force = t->s.force;
	kc.log = t->log;
	if (t->sched) {
		/* Init and exit run on the loader, where the scheduler sees
		 * them; a deadlock is found by the scheduler, not a clock. */
		kc.init_timeout_ms = 0;
		kc.sched = t->sched;
	}
	err = modsim_kernel_create(&kc, &t->k);
	if (err)
		return err;

	/* Controlled, the scheduler chooses the interleaving: no delays. */
	if (!t->sched) {
		modsim_run_amplify_spec(cfg, &t->s, spec, sizeof(spec));
		err = modsim_amplify_apply(t->k, spec);
		if (err)
			return err;
	}
	/* A module that is not there is a setup error, not a finding. */
	for (unsigned int i = 0; i < t->s.nmods; i++) {
		err = modsim_modpath_resolve(t->k, t->s.mods[i].spec, path, sizeof(path));
		if (err)
			return err;
		for (int p = 0; p < t->s.mods[i].nparams; p++)
			t->params[i][p] = t->s.mods[i].params[p];
	}
	return 0;
}

/* The trial's module could not load at all: an error naming it and the loader's reason. */
static int trial_load_error(struct trial *t)
{
	return modsim_err(t->load_err, "scenario %s: a module cannot load, so the trial exercises nothing: %s",
			  t->s.name, t->load_msg);
}

/* Modules that stay for the whole trial: loaded before the workers start. */
static int trial_load_static(struct trial *t)
{
	for (unsigned int i = 0; i < t->s.nmods; i++) {
		if (t->s.mods[i].cycle && t->s.action != SCN_HOLD)
			continue;
		trial_load(t, i);
		if (t->load_err)
			return trial_load_error(t);
		if (!t->loaded[i])
			return modsim_err(-EINVAL, "scenario %s: a module that stays must load: %s",
					  t->s.name, modsim_last_error());
	}
	return 0;
}

static bool mix_empty(const struct modsim_mix *mix)
{
	return !mix->hook && !mix->chrdev && !mix->notifier && !mix->symbol;
}

/*
 * Wait until the duration is over, or with cycles, until the loader is
 * done.  A loader that gave up early (the preset refused unload for good)
 * does not end a timed trial: the callers go on using what stayed, which is
 * what the refusal protects.
 */
static void trial_wait(struct trial *t)
{
	struct timespec until;
	uint64_t end = t->t0 + (uint64_t)t->cfg->duration_ms * 1000000ULL;

	until.tv_sec = (time_t)(end / 1000000000ULL);
	until.tv_nsec = (long)(end % 1000000000ULL);
	pthread_mutex_lock(&t->lock);
	while (!t->done || t->cfg->duration_ms) {
		if (!t->cfg->duration_ms)
			pthread_cond_wait(&t->cond, &t->lock);
		else if (pthread_cond_clockwait(&t->cond, &t->lock, CLOCK_MONOTONIC, &until) ==
			 ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&t->lock);
}

/* A controlled trial's schedule went where no scheduler may lose it: a bug of modsim. */
static void trial_lost(struct trial *t)
{
	struct modsim_sched_report r;

	modsim_sched_report_take(t->sched, &r);
	fprintf(stderr, "modsim: the controlled schedule lost its baton at step %u: %s\n", r.steps,
		r.lost);
	fprintf(stderr, "modsim: this is a bug of modsim (a wait the scheduler does not know) or of a strategy .so; aborting\n");
	abort();
}

/* Start the workers and the loader, wait, stop them: the trial proper. */
static int trial_race(struct trial *t, struct modsim_run_result *res)
{
	bool workers = t->has_workers;
	bool loader = t->has_loader;
	uint64_t t1;
	int err;

	t->t0 = modsim_now_ns();
	if (workers) {
		err = modsim_workers_start(t->k, t->cfg->workers, &t->s.mix);
		if (err) {
			if (t->sched)
				modsim_sched_abort(t->sched);
			return err;
		}
	}
	if (loader && pthread_create(&t->loader, NULL, trial_loader, t)) {
		if (t->sched)
			modsim_sched_abort(t->sched);
		if (workers)
			modsim_workers_stop(t->k);
		return modsim_err(-EAGAIN, "run: cannot create the loader thread");
	}
	if (t->sched) {
		if (modsim_sched_wait_end(t->sched))
			trial_lost(t);
	} else {
		if (!loader)
			t->done = !t->cfg->duration_ms;
		trial_wait(t);
	}
	atomic_store_explicit(&t->stop, 1, memory_order_release);
	/* The loader hung in a module's init or exit (controlled: the
	 * scheduler ended the trial on it).  It never comes back: leave it,
	 * with everything it may touch (modsim_run does not free them). */
	if (loader && t->sched &&
	    modsim_sched_hung_thread(t->sched) == modsim_sched_role(t->k, MODSIM_ROLE_LOADER, 0)) {
		pthread_detach(t->loader);
		t->abandoned = true;
		loader = false;
	}
	if (loader)
		pthread_join(t->loader, NULL);
	t1 = modsim_now_ns();
	if (workers)
		modsim_workers_stop(t->k);

	if (t->ctl_snapped) {
		res->stats = t->ctl_stats;
		res->cycles = t->ctl_cycles;
	} else {
		modsim_stats_get(t->k, &res->stats);
		res->stats.unload_overlapped += trial_refused_used(t);
		res->cycles = t->cycles;
	}
	if (t->sched)
		modsim_sched_report_take(t->sched, &res->sched);
	if (t->load_err) {
		res->unloadable = true;
		return trial_load_error(t);
	}
	if (modsim_run_observe)
		modsim_run_observe(t->k, modsim_run_observe_arg);
	res->elapsed_ns = t1 - t->t0;
	if (modsim_run_violations(res)) {
		uint64_t first = atomic_load(&t->first_ns);

		res->first_violation_ns = first > t->t0 ? first - t->t0 : 1;
		if (!first)
			res->first_violation_ns = res->elapsed_ns;
	}
	return 0;
}

MODSIM_API int modsim_run(const struct modsim_run_config *cfg, struct modsim_run_result *res)
{
	char msg[1024];
	struct trial *t;
	int err;

	memset(res, 0, sizeof(*res));
	err = trial_check_config(cfg);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return modsim_err(-ENOMEM, "run: out of memory");
	t->cfg = cfg;
	pthread_mutex_init(&t->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&t->cond, &ca);
		pthread_condattr_destroy(&ca);
	}

	err = modsim_scenario_resolve(cfg->scenario, &t->s);
	if (err)
		goto free_trial;
	if (cfg->scenario_hash) {
		uint64_t h = 0;

		err = modsim_scenario_hash(cfg->scenario, &h);
		if (!err && h != cfg->scenario_hash)
			err = modsim_err(-ESTALE, "run: scenario file %s is not the one the schedule was made with (its bytes changed): the token cannot replay it",
					 cfg->scenario);
		if (err)
			goto free_trial;
	}
	if (t->s.action == SCN_HOLD && !cfg->duration_ms) {
		err = modsim_err(-EINVAL, "run: scenario %s holds its modules (action=hold); give a duration, not cycles",
				 t->s.name);
		goto free_trial;
	}
	t->flags = (t->s.nowait ? MODSIM_UNLOAD_NOWAIT : 0) | (t->s.force ? MODSIM_UNLOAD_FORCE : 0);
	t->log = log_open(t);
	if (!t->log) {
		err = modsim_err(-ENOMEM, "run: cannot open the kernel's log");
		goto free_trial;
	}
	err = trial_kernel(t);
	if (err)
		goto destroy_kernel;
	err = trial_load_static(t);
	res->unloadable = t->load_err != 0;
	if (err)
		goto destroy_kernel;
	err = trial_race(t, res);

destroy_kernel:
	/* Forces out whatever is still loaded; its reports are not the trial's. */
	if (err)
		snprintf(msg, sizeof(msg), "%s", modsim_last_error());
	if (t->sched && err)
		modsim_sched_abort(t->sched);
	if (t->abandoned) {
		/* A thread is inside the module for good, holding the kernel's
		 * load_mutex: the kernel, the scheduler, the log and the trial
		 * stay allocated for it (one thread's worth, per such trial). */
		return 0;
	}
	modsim_kernel_destroy(t->k);
	modsim_sched_destroy(t->sched);
	fclose(t->log);
	if (err)
		modsim_err(err, "%s", msg);
free_trial:
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
	return err;
}

MODSIM_API void modsim_run_result_free(struct modsim_run_result *res)
{
	modsim_sched_report_free(&res->sched);
	free(res->hunt.token);
	res->hunt.token = NULL;
}

MODSIM_API void modsim_run_schedule(const struct modsim_run_config *cfg,
				    const struct modsim_run_result *res,
				    struct modsim_schedule *out)
{
	*out = res->sched.schedule;
	snprintf(out->strategy, sizeof(out->strategy), "%s", cfg->strategy);
	snprintf(out->scenario, sizeof(out->scenario), "%s", cfg->scenario);
	out->workers = cfg->workers;
	out->seed = cfg->seed;
	out->policy = res->sched.policy;
	out->depth = res->sched.depth;
	out->steps = res->sched.budget;
	/* What the loader ran: a controlled trial takes cycles, not a duration. */
	out->cycles = cfg->cycles;
	out->scenario_hash = cfg->scenario_hash;
	if (!out->scenario_hash && modsim_scenario_hash(cfg->scenario, &out->scenario_hash))
		out->scenario_hash = 0; /* ran, so it was readable; gone since: no check */
}

MODSIM_API void modsim_run_config_replay(struct modsim_run_config *cfg,
					 const struct modsim_schedule *s)
{
	snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", s->strategy);
	snprintf(cfg->scenario, sizeof(cfg->scenario), "%s", s->scenario);
	cfg->workers = s->workers;
	cfg->seed = s->seed;
	cfg->sched = MODSIM_SCHED_REPLAY;
	cfg->depth = s->depth;
	cfg->steps = s->steps;
	cfg->cycles = s->cycles;
	cfg->scenario_hash = s->scenario_hash;
	cfg->choices = s->choices;
	cfg->nchoices = s->nchoices;
}
