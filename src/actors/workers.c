/* Worker threads that play CPUs: each loops over seeded choices of calls into module code. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/actors.h"

/* How many of its first choices a worker keeps for modsim_workers_choices(). */
#define WORKER_TRACE 64
/* More workers than this is a typo, whatever the kernel's CPUs. */
#define WORKERS_MAX 1024
/* The device opened when the mix names none (chrdev.c has no "first device"). */
#define WORKER_DEFAULT_DEVICE "chardev"

/*
 * struct modsim_worker - one worker thread.  @file and @session belong to
 * the thread; @trace[] is written by the thread and published by @ntrace.
 */
struct modsim_worker {
	struct modsim_workers *ws;
	unsigned int index;
	pthread_t thread;
	bool created;
	struct modsim_file *file;
	unsigned int session;
	unsigned char trace[WORKER_TRACE];
	_Atomic unsigned int ntrace;
};

/*
 * struct modsim_workers - the kernel's workers (k->workers).
 */
struct modsim_workers {
	struct modsim_kernel *k;

	/*
	 * lock serialises start and stop, and protects @w, @n and @mix.
	 * Workers never take it; they read @mix, which does not change
	 * while they run.
	 */
	pthread_mutex_t lock;
	struct modsim_worker *w;
	unsigned int n;
	struct modsim_mix mix;

	_Atomic unsigned int running; /* @n, readable without the lock */
	_Atomic int stop;             /* workers leave their loop when set */

	/*
	 * ready_lock protects @ready and @failed: the start handshake, in
	 * which each new thread says whether it got a CPU slot.
	 */
	pthread_mutex_t ready_lock;
	pthread_cond_t ready_cond;
	unsigned int ready, failed;

};

void modsim_mix_default(struct modsim_mix *mix)
{
	memset(mix, 0, sizeof(*mix));
	mix->hook = 1;
	mix->chrdev = 1;
	mix->notifier = 1;
	mix->symbol = 1;
	mix->session_ops = 16;
	snprintf(mix->device, sizeof(mix->device), "%s", WORKER_DEFAULT_DEVICE);
	snprintf(mix->chain, sizeof(mix->chain), "%s", "netdev");
	snprintf(mix->symbol_name, sizeof(mix->symbol_name), "%s", "exporter_add");
}

/* splitmix64: spreads a seed and a worker index into a generator state. */
static uint64_t worker_seed(unsigned long seed, unsigned int index)
{
	uint64_t z = (uint64_t)seed + 0x9e3779b97f4a7c15ULL * (index + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 0x2545f4914f6cdd1dULL;
}

/* xorshift64*: the worker's draw from its own generator. */
static uint64_t worker_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned long mix_total(const struct modsim_mix *mix)
{
	return (unsigned long)mix->hook + mix->chrdev + mix->notifier + mix->symbol;
}

/* Pick a subsystem by the mix weights. */
static enum modsim_subsys mix_choose(const struct modsim_mix *mix, uint64_t *rng)
{
	unsigned long r = worker_rand(rng) % mix_total(mix);

	if (r < mix->hook)
		return MODSIM_SS_HOOK;
	r -= mix->hook;
	if (r < mix->chrdev)
		return MODSIM_SS_CHRDEV;
	r -= mix->chrdev;
	if (r < mix->notifier)
		return MODSIM_SS_NOTIFIER;
	return MODSIM_SS_SYMBOL;
}

static void worker_close(struct modsim_worker *w)
{
	if (w->file) {
		modsim_chrdev_close(w->file);
		w->file = NULL;
	}
	w->session = 0;
}

/* One step on a device: open one if none is held, else read or write. */
static int worker_chrdev(struct modsim_worker *w, const struct modsim_mix *mix, uint64_t *rng)
{
	const char *dev = mix->device[0] ? mix->device : WORKER_DEFAULT_DEVICE;
	char buf[64];
	ssize_t r;

	if (!w->file) {
		w->session = 0;
		return modsim_chrdev_open(w->ws->k, dev, &w->file);
	}
	if (worker_rand(rng) & 1)
		r = modsim_chrdev_read(w->file, buf, sizeof(buf));
	else
		r = modsim_chrdev_write(w->file, "modsim\n", 7);
	if (++w->session >= mix->session_ops)
		worker_close(w);
	return r < 0 ? (int)r : 0;
}

/* One operation; its outcome is already counted by the subsystem. */
static int worker_step(struct modsim_worker *w, const struct modsim_mix *mix,
		       struct modsim_cpu *cpu)
{
	struct modsim_kernel *k = w->ws->k;
	enum modsim_subsys ss = mix_choose(mix, &cpu->rng);
	unsigned int nt = atomic_load_explicit(&w->ntrace, memory_order_relaxed);
	long ret;

	if (nt < WORKER_TRACE) {
		w->trace[nt] = (unsigned char)ss;
		atomic_store_explicit(&w->ntrace, nt + 1, memory_order_release);
	}
	switch (ss) {
	case MODSIM_SS_HOOK:
		return modsim_hook_run(k, NULL);
	case MODSIM_SS_CHRDEV:
		return worker_chrdev(w, mix, &cpu->rng);
	case MODSIM_SS_NOTIFIER:
		return modsim_notifier_call(k, mix->chain, worker_rand(&cpu->rng) & 7, NULL);
	default:
		return modsim_symbol_call(k, mix->symbol_name, (long)(worker_rand(&cpu->rng) & 0xff),
					  &ret);
	}
}

/* Calls into module code made or refused by this CPU so far. */
static unsigned long worker_events(struct modsim_cpu *cpu)
{
	unsigned long n = 0;

	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		n += atomic_load_explicit(&cpu->ops[s], memory_order_relaxed) +
		     atomic_load_explicit(&cpu->failed_get[s], memory_order_relaxed);
	return n;
}

/*
 * Controlled, a step that reached no module code at all (an empty hook
 * chain too).  A worker with a file open has work to come and lets another
 * run; one with none waits, offline, for the loader to change something:
 * only the loader registers and unregisters.
 */
static void worker_nothing_done(struct modsim_worker *w, struct modsim_cpu *cpu)
{
	struct modsim_kernel *k = w->ws->k;
	struct modsim_sched_waiter idle = { .what = "nothing to call",
					    .chan = &modsim_sched_loader_chan, .idle = true };

	if (w->file) {
		modsim_sched_yield(k);
		return;
	}
	modsim_cpu_offline(cpu);
	modsim_sched_wait(k, &idle);
	modsim_cpu_online(cpu);
}

static void worker_ready(struct modsim_workers *ws, bool ok)
{
	pthread_mutex_lock(&ws->ready_lock);
	if (ok)
		ws->ready++;
	else
		ws->failed++;
	pthread_cond_broadcast(&ws->ready_cond);
	pthread_mutex_unlock(&ws->ready_lock);
}

static void *worker_main(void *arg)
{
	struct modsim_worker *w = arg;
	struct modsim_workers *ws = w->ws;
	struct modsim_kernel *k = ws->k;
	const struct modsim_mix *mix = &ws->mix;
	struct modsim_cpu *cpu;
	int err;

	modsim_fault_thread_init();
	cpu = modsim_cpu_self(k);
	if (!cpu) {
		worker_ready(ws, false);
		modsim_fault_thread_fini();
		return NULL;
	}
	/* Seeded by worker index, not slot: slots are claimed in any order. */
	cpu->rng = worker_seed(k->cfg.seed, w->index);
	modsim_cpu_online(cpu);
	worker_ready(ws, true);
	modsim_sched_thread_begin(k, modsim_sched_role(k, MODSIM_ROLE_WORKER, w->index));

	while (!atomic_load_explicit(&ws->stop, memory_order_acquire)) {
		bool ctl = modsim_sched_controlled(k);
		unsigned long before = ctl ? worker_events(cpu) : 0;

		modsim_cpu_quiescent(cpu);
		modsim_point_hit(k, MODSIM_PT_QUIESCENT, NULL);
		modsim_firmware_serve(k);
		err = worker_step(w, mix, cpu);
		/* Nothing registered: let the loader and the other CPUs run. */
		if (ctl && modsim_sched_controlled(k)) {
			if (worker_events(cpu) == before)
				worker_nothing_done(w, cpu);
		} else if (err == -ENOENT) {
			sched_yield();
		}
	}

	modsim_sched_thread_end(k);
	worker_close(w);
	modsim_cpu_offline(cpu);
	modsim_cpu_release_self(k);
	modsim_fault_thread_fini();
	return NULL;
}

void modsim_workers_signal_stop(struct modsim_kernel *k)
{
	atomic_store_explicit(&k->workers->stop, 1, memory_order_release);
}

/* Stop and join every worker.  Must be called with ws->lock held. */
static void workers_stop_locked(struct modsim_workers *ws)
{
	unsigned int i;

	if (!ws->w)
		return;
	atomic_store_explicit(&ws->stop, 1, memory_order_release);
	for (i = 0; i < ws->n; i++) {
		if (ws->w[i].created)
			pthread_join(ws->w[i].thread, NULL);
		ws->w[i].created = false;
	}
	/* The traces stay readable until the next start. */
	atomic_store_explicit(&ws->running, 0, memory_order_release);
}

int modsim_workers_start(struct modsim_kernel *k, unsigned int n, const struct modsim_mix *mix)
{
	struct modsim_workers *ws = k->workers;
	struct modsim_worker *w;
	unsigned int i, made = 0;
	int err;

	if (!mix)
		return modsim_err(-EINVAL, "workers: no mix given");
	if (n == 0 || n > WORKERS_MAX || n > k->ncpus)
		return modsim_err(-EINVAL, "workers: %u is not between 1 and the %u CPUs", n,
				  k->ncpus);
	if (mix_total(mix) == 0)
		return modsim_err(-EINVAL, "workers: every weight of the mix is 0");

	pthread_mutex_lock(&ws->lock);
	if (atomic_load_explicit(&ws->running, memory_order_relaxed)) {
		err = modsim_err(-EBUSY, "workers: %u already run; stop them first", ws->n);
		goto unlock;
	}
	w = calloc(n, sizeof(*w));
	if (!w) {
		err = modsim_err(-ENOMEM, "workers: out of memory");
		goto unlock;
	}
	free(ws->w);
	ws->w = w;
	ws->n = n;
	ws->mix = *mix;
	if (ws->mix.session_ops == 0)
		ws->mix.session_ops = 1;
	ws->ready = ws->failed = 0;
	atomic_store_explicit(&ws->stop, 0, memory_order_relaxed);

	for (i = 0; i < n; i++) {
		w[i].ws = ws;
		w[i].index = i;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]))
			break;
		w[i].created = true;
		made++;
	}
	pthread_mutex_lock(&ws->ready_lock);
	while (ws->ready + ws->failed < made)
		pthread_cond_wait(&ws->ready_cond, &ws->ready_lock);
	pthread_mutex_unlock(&ws->ready_lock);
	atomic_store_explicit(&ws->running, made, memory_order_release);

	if (made < n || ws->failed) {
		workers_stop_locked(ws);
		err = modsim_err(-EAGAIN, "workers: started %u of %u (%s)", made - ws->failed, n,
				 made < n ? "thread creation failed" : "no CPU slot left");
		goto unlock;
	}
	err = 0;
unlock:
	pthread_mutex_unlock(&ws->lock);
	return err;
}

void modsim_workers_stop(struct modsim_kernel *k)
{
	struct modsim_workers *ws = k->workers;

	pthread_mutex_lock(&ws->lock);
	workers_stop_locked(ws);
	pthread_mutex_unlock(&ws->lock);
}

unsigned int modsim_workers_running(struct modsim_kernel *k)
{
	return atomic_load_explicit(&k->workers->running, memory_order_acquire);
}

int modsim_workers_choices(struct modsim_kernel *k, unsigned int i, int *out, size_t max)
{
	struct modsim_workers *ws = k->workers;
	unsigned int nt, j;
	int err;

	pthread_mutex_lock(&ws->lock);
	if (!ws->w || i >= ws->n) {
		err = modsim_err(-EINVAL, "workers: no worker %u", i);
		goto unlock;
	}
	nt = atomic_load_explicit(&ws->w[i].ntrace, memory_order_acquire);
	for (j = 0; j < nt && j < max; j++)
		out[j] = ws->w[i].trace[j];
	err = (int)j;
unlock:
	pthread_mutex_unlock(&ws->lock);
	return err;
}

int modsim_workers_init(struct modsim_kernel *k)
{
	struct modsim_workers *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return modsim_err(-ENOMEM, "kernel: out of memory for workers");
	ws->k = k;
	pthread_mutex_init(&ws->lock, NULL);
	pthread_mutex_init(&ws->ready_lock, NULL);
	pthread_cond_init(&ws->ready_cond, NULL);
	k->workers = ws;
	return 0;
}

void modsim_workers_fini(struct modsim_kernel *k)
{
	struct modsim_workers *ws = k->workers;

	if (!ws)
		return;
	modsim_cycler_stop(k);
	modsim_workers_stop(k);
	pthread_cond_destroy(&ws->ready_cond);
	pthread_mutex_destroy(&ws->ready_lock);
	pthread_mutex_destroy(&ws->lock);
	free(ws->w);
	free(ws);
	k->workers = NULL;
}
