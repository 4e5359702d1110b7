/* Watchdog: run init/exit on a "modprobe" thread and give up on it after a timeout. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "detect/detect.h"

/*
 * The hand-over is made of futex words, not mutexes and condition
 * variables: with both threads on one CPU (see wd_follow) a post and its
 * answer cost half as much (a round trip 5.5 us against 10.4 us, measured
 * on the 2-CPU VM this was written on), and every load/unload cycle makes
 * two.
 */
static long futex(_Atomic unsigned int *word, int op, unsigned int val,
		  const struct timespec *abs_deadline)
{
	return syscall(SYS_futex, (unsigned int *)word, op, val, abs_deadline, NULL,
		       FUTEX_BITSET_MATCH_ANY);
}

/* Sleep while *@word is @val, until CLOCK_MONOTONIC @dl (NULL: no limit).
 * Return: 0 (woken, or the word moved), or -ETIMEDOUT. */
static int futex_wait(_Atomic unsigned int *word, unsigned int val, const struct timespec *dl)
{
	if (futex(word, FUTEX_WAIT_BITSET_PRIVATE, val, dl) == 0 || errno != ETIMEDOUT)
		return 0;
	return -ETIMEDOUT;
}

static void futex_wake(_Atomic unsigned int *word)
{
	futex(word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

enum wd_job_state {
	JOB_RUNNING,   /* posted, or being run */
	JOB_DONE,      /* ret and msg are written */
	JOB_ABANDONED, /* the caller gave up: the thread ends when fn returns */
};

/*
 * A job is shared by the caller and the modprobe thread, each holding one
 * reference; whoever drops the last frees it.  @state decides the race
 * between the end of the call and the caller's timeout: both move it from
 * JOB_RUNNING with a compare-and-swap, and the loser knows.  A thread that
 * was abandoned and finishes late touches only the job and its own
 * mailbox, which it then owns.
 */
struct wd_job {
	_Atomic int refs;
	_Atomic unsigned int state; /* enum wd_job_state; a futex word */
	int (*fn)(struct modsim_mod *m, void *arg); /* a call for a generation, */
	int (*fn0)(void *arg);                      /* or one before there is any */
	struct modsim_mod *m;
	void *arg;
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
	_Atomic(struct wd_job *) job; /* posted and not yet taken */
	_Atomic int stop;
	_Atomic unsigned int bell;    /* a futex word: rung after a post and at stop */
	int cpu;                      /* pinned to, or -1; the caller's side, under call_lock */
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
	if (atomic_fetch_sub_explicit(&job->refs, 1, memory_order_acq_rel) == 1)
		free(job);
}

static void wd_ring(struct wd_thread *t)
{
	atomic_fetch_add_explicit(&t->bell, 1, memory_order_release);
	futex_wake(&t->bell);
}

static void *modprobe_main(void *arg)
{
	struct wd_thread *t = arg;
	bool abandoned = false;

	wd_self = t;
	modsim_fault_thread_init();
	while (!abandoned) {
		unsigned int bell = atomic_load_explicit(&t->bell, memory_order_acquire);
		struct wd_job *job = atomic_exchange_explicit(&t->job, NULL, memory_order_acq_rel);
		unsigned int running = JOB_RUNNING;

		if (!job) {
			if (atomic_load_explicit(&t->stop, memory_order_acquire))
				break;
			futex_wait(&t->bell, bell, NULL); /* returns at once if it rang since */
			continue;
		}

		modsim_err(0, "%s", ""); /* messages are per thread: carry this job's back */
		job->ret = job->fn ? job->fn(job->m, job->arg) : job->fn0(job->arg);
		if (job->ret < 0)
			snprintf(job->msg, sizeof(job->msg), "%s", modsim_last_error());
		if (atomic_compare_exchange_strong_explicit(&job->state, &running, JOB_DONE,
							    memory_order_acq_rel,
							    memory_order_acquire))
			futex_wake(&job->state);
		else
			abandoned = true;
		job_put(job);
	}
	/* Live: the watchdog joins us and frees t.  Abandoned: nobody will. */
	if (abandoned)
		free(t);
	modsim_fault_thread_fini();
	return NULL;
}

/* Start a modprobe thread.  With call_lock held. */
static int wd_spawn(struct modsim_watchdog *wd, const char *name)
{
	struct wd_thread *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return modsim_err(-ENOMEM, "%s: no memory for a modprobe thread", name);
	t->cpu = -1;
	err = pthread_create(&t->tid, NULL, modprobe_main, t);
	if (err) {
		free(t);
		return modsim_err(-err, "%s: cannot start a modprobe thread: %s", name,
				  strerror(err));
	}
	wd->live = t;
	return 0;
}

/*
 * Keep the modprobe thread on the caller's CPU, as insmod runs init on its
 * own.  The caller only waits while the job runs, so nothing is lost, and
 * the hand-over stays on one CPU: no wake-up of an idle CPU, and no
 * TLB-shootdown interrupts to a second CPU at every mmap and munmap of the
 * load and unload.  That halved the cost of a load/unload cycle here
 * (modsim-bench --cycles).  Only an optimisation: when the CPU is unknown
 * or the affinity cannot be set, the thread runs wherever it may.
 */
static void wd_follow(struct wd_thread *t)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0 || cpu == t->cpu || cpu >= CPU_SETSIZE)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(t->tid, sizeof(set), &set) == 0)
		t->cpu = cpu;
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

/*
 * Post @job (its fn and arg set) to @k's modprobe thread and wait at most
 * @ms.  Return: the job's value, or -ETIMEDOUT when the thread was left
 * to its fate (*@timed_out_out says which).  Takes ownership of @job.
 */
static int wd_post(struct modsim_kernel *k, struct wd_job *job, const char *name, unsigned int ms,
		   bool *timed_out_out)
{
	struct modsim_watchdog *wd = k->wd;
	struct wd_thread *t;
	struct timespec dl;
	pthread_t tid;
	bool timed_out = false;
	int err = 0, ret;

	*timed_out_out = false;
	atomic_init(&job->refs, 2);
	atomic_init(&job->state, JOB_RUNNING);

	pthread_mutex_lock(&wd->call_lock);
	if (!wd->live)
		err = wd_spawn(wd, name);
	if (err) {
		pthread_mutex_unlock(&wd->call_lock);
		free(job);
		return err;
	}
	t = wd->live;
	wd_follow(t);
	atomic_store_explicit(&t->job, job, memory_order_release);
	wd_ring(t);

	tid = t->tid; /* t is the thread's own once it is abandoned */
	dl = wd_deadline_after(ms);
	while (atomic_load_explicit(&job->state, memory_order_acquire) == JOB_RUNNING) {
		unsigned int running = JOB_RUNNING;

		if (futex_wait(&job->state, JOB_RUNNING, &dl) != -ETIMEDOUT)
			continue;
		if (!atomic_compare_exchange_strong_explicit(&job->state, &running, JOB_ABANDONED,
							     memory_order_acq_rel,
							     memory_order_acquire))
			break; /* it finished just in time */
		/* Leave the thread to its fate; it frees its mailbox if it ever
		 * comes back, and later calls get a fresh thread. */
		pthread_detach(tid);
		wd->live = NULL;
		timed_out = true;
	}
	ret = timed_out ? -ETIMEDOUT : job->ret;
	if (!timed_out && ret < 0 && job->msg[0])
		modsim_err(ret, "%s", job->msg);
	pthread_mutex_unlock(&wd->call_lock);
	job_put(job);
	*timed_out_out = timed_out;
	return ret;
}

int modsim_watchdog_call(struct modsim_mod *m, const char *what,
			 int (*fn)(struct modsim_mod *m, void *arg), void *arg)
{
	struct modsim_kernel *k = m->k;
	unsigned int ms = k->cfg.init_timeout_ms;
	struct wd_job *job;
	bool timed_out;
	int ret;

	if (ms == 0 || !k->wd || wd_self)
		return fn(m, arg);

	job = calloc(1, sizeof(*job));
	if (!job)
		return modsim_err(-ENOMEM, "%s %s: no memory for the watchdog", what, m->name);
	job->fn = fn;
	job->m = m;
	job->arg = arg;
	ret = wd_post(k, job, m->name, ms, &timed_out);
	if (timed_out) {
		wd_report_stuck(m, what, ms);
		return modsim_err(-ETIMEDOUT, "%s %s: did not return within %u ms; the module is "
				  "stuck and stays mapped", what, m->name, ms);
	}
	return ret;
}

int modsim_watchdog_run(struct modsim_kernel *k, const char *what, const char *name,
			int (*fn)(void *arg), void *arg)
{
	unsigned int ms = k->cfg.init_timeout_ms;
	struct wd_job *job;
	bool timed_out;
	int ret;

	if (ms == 0 || !k->wd || wd_self)
		return fn(arg);
	job = calloc(1, sizeof(*job));
	if (!job)
		return modsim_err(-ENOMEM, "%s %s: no memory for the watchdog", what, name);
	job->fn0 = fn;
	job->arg = arg;
	ret = wd_post(k, job, name, ms, &timed_out);
	if (timed_out)
		return modsim_err(-ETIMEDOUT, "%s %s: did not return within %u ms", what, name, ms);
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
		atomic_store_explicit(&t->stop, 1, memory_order_release);
		wd_ring(t);
		pthread_join(t->tid, NULL);
		free(t);
	}
	pthread_mutex_destroy(&wd->call_lock);
	free(wd);
	k->wd = NULL;
}
