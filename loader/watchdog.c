/* Watchdog: run init/exit on a "modprobe" thread and give up on it after a timeout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/*
 * A job is shared by the caller and the modprobe thread, each holding one
 * reference; whoever drops the last frees it.  It carries its own lock and
 * condition variable, so a thread that was abandoned and finishes late
 * touches only the job (and its own mailbox, which it then owns).
 */
struct wd_job {
	_Atomic int refs;
	int (*fn)(struct modsim_mod *m, void *arg);
	struct modsim_mod *m;
	void *arg;
	/* lock protects done, ret and abandoned. */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC; signalled when done */
	bool done;
	bool abandoned;
	int ret;
	char msg[256]; /* the thread's modsim_last_error() when ret < 0 */
};

/*
 * struct wd_thread - one modprobe thread and its mailbox.  Owned by the
 * watchdog while the thread is the live one; by the thread itself once it
 * is abandoned (it frees it on its way out).
 */
struct wd_thread {
	pthread_t tid;
	/* lock protects job and stop. */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled when a job is posted or stop is set */
	struct wd_job *job;
	bool stop;
};

/*
 * struct modsim_watchdog - a kernel's watchdog.  call_lock serialises
 * calls (one job at a time) and protects live; it is held while the caller
 * waits for the job.  Loader calls come with load_mutex held, so call_lock
 * is taken after it.
 */
struct modsim_watchdog {
	pthread_mutex_t call_lock;
	struct wd_thread *live; /* the current modprobe thread, or NULL */
};

/* The mailbox this thread serves, if it is a modprobe thread: a job that
 * asks for the watchdog again runs inline instead of waiting on itself. */
static __thread struct wd_thread *wd_self;

static void job_put(struct wd_job *job)
{
	if (atomic_fetch_sub_explicit(&job->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_cond_destroy(&job->cond);
	pthread_mutex_destroy(&job->lock);
	free(job);
}

static void wd_thread_free(struct wd_thread *t)
{
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int err;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	err = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return err;
}

static void *modprobe_main(void *arg)
{
	struct wd_thread *t = arg;
	bool abandoned = false;

	wd_self = t;
	modsim_fault_thread_init();
	while (!abandoned) {
		struct wd_job *job;

		pthread_mutex_lock(&t->lock);
		while (!t->job && !t->stop)
			pthread_cond_wait(&t->cond, &t->lock);
		job = t->job;
		t->job = NULL;
		pthread_mutex_unlock(&t->lock);
		if (!job)
			break; /* stop */

		modsim_err(0, "%s", ""); /* messages are per thread: carry this job's back */
		int ret = job->fn(job->m, job->arg);

		pthread_mutex_lock(&job->lock);
		job->ret = ret;
		if (ret < 0)
			snprintf(job->msg, sizeof(job->msg), "%s", modsim_last_error());
		job->done = true;
		abandoned = job->abandoned;
		pthread_cond_signal(&job->cond);
		pthread_mutex_unlock(&job->lock);
		job_put(job);
	}
	/* Live: the watchdog joins us and frees t.  Abandoned: nobody will. */
	if (abandoned)
		wd_thread_free(t);
	modsim_fault_thread_fini();
	return NULL;
}

/* Start a modprobe thread.  With call_lock held. */
static int wd_spawn(struct modsim_watchdog *wd, struct modsim_mod *m)
{
	struct wd_thread *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return modsim_err(-ENOMEM, "%s: no memory for a modprobe thread", m->name);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	err = pthread_create(&t->tid, NULL, modprobe_main, t);
	if (err) {
		wd_thread_free(t);
		return modsim_err(-err, "%s: cannot start a modprobe thread: %s", m->name,
				  strerror(err));
	}
	wd->live = t;
	return 0;
}

static struct timespec wd_deadline_after(unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void wd_report_stuck(struct modsim_mod *m, const char *what, unsigned int ms)
{
	struct modsim_violation v;
	struct modsim_cpu *cpu = modsim_cpu_peek(m->k);

	modsim_violation_init(&v, MODSIM_V_DEADLOCK, m, MODSIM_SS_LOADER, what);
	v.point = cpu ? cpu->last_point : -1;
	snprintf(v.detail, sizeof(v.detail), "%s of %s gen %lu did not return within %u ms", what,
		 m->name, m->generation, ms);
	modsim_stat_violation(m->k, &v);
	atomic_store_explicit(&m->state, MODSIM_STATE_STUCK, memory_order_release);
}

int modsim_watchdog_call(struct modsim_mod *m, const char *what,
			 int (*fn)(struct modsim_mod *m, void *arg), void *arg)
{
	struct modsim_kernel *k = m->k;
	struct modsim_watchdog *wd = k->wd;
	unsigned int ms = k->cfg.init_timeout_ms;
	struct wd_thread *t;
	struct wd_job *job;
	struct timespec dl;
	bool timed_out = false;
	int err = 0, ret;

	if (ms == 0 || !wd || wd_self)
		return fn(m, arg);

	job = calloc(1, sizeof(*job));
	if (!job)
		return modsim_err(-ENOMEM, "%s %s: no memory for the watchdog", what, m->name);
	atomic_init(&job->refs, 2);
	job->fn = fn;
	job->m = m;
	job->arg = arg;
	pthread_mutex_init(&job->lock, NULL);
	if (cond_init_monotonic(&job->cond)) {
		pthread_mutex_destroy(&job->lock);
		free(job);
		return modsim_err(-ENOMEM, "%s %s: cannot make a condition variable", what, m->name);
	}

	pthread_mutex_lock(&wd->call_lock);
	if (!wd->live)
		err = wd_spawn(wd, m);
	if (err) {
		pthread_mutex_unlock(&wd->call_lock);
		job->refs = 1;
		job_put(job);
		return err;
	}
	t = wd->live;
	pthread_mutex_lock(&t->lock);
	t->job = job;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);

	dl = wd_deadline_after(ms);
	pthread_mutex_lock(&job->lock);
	while (!job->done && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&job->cond, &job->lock, &dl);
	if (job->done) {
		ret = job->ret;
		if (ret < 0 && job->msg[0])
			modsim_err(ret, "%s", job->msg);
	} else {
		/* Leave the thread to its fate; it frees its mailbox if it ever
		 * comes back, and later calls get a fresh thread. */
		job->abandoned = true;
		pthread_detach(t->tid);
		wd->live = NULL;
		timed_out = true;
		ret = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&job->lock);
	pthread_mutex_unlock(&wd->call_lock);
	job_put(job);

	if (timed_out) {
		wd_report_stuck(m, what, ms);
		return modsim_err(-ETIMEDOUT, "%s %s: did not return within %u ms; the module is "
				  "stuck and stays mapped", what, m->name, ms);
	}
	return ret;
}

int modsim_watchdog_init(struct modsim_kernel *k)
{
	struct modsim_watchdog *wd = calloc(1, sizeof(*wd));

	if (!wd)
		return modsim_err(-ENOMEM, "kernel: no memory for the watchdog");
	pthread_mutex_init(&wd->call_lock, NULL);
	k->wd = wd;
	return 0;
}

void modsim_watchdog_fini(struct modsim_kernel *k)
{
	struct modsim_watchdog *wd = k->wd;
	struct wd_thread *t;

	if (!wd)
		return;
	pthread_mutex_lock(&wd->call_lock);
	t = wd->live;
	wd->live = NULL;
	pthread_mutex_unlock(&wd->call_lock);
	if (t) {
		pthread_mutex_lock(&t->lock);
		t->stop = true;
		pthread_cond_signal(&t->cond);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->tid, NULL);
		wd_thread_free(t);
	}
	pthread_mutex_destroy(&wd->call_lock);
	free(wd);
	k->wd = NULL;
}
