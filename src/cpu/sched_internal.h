/* Private to the scheduler's units (sched.c, sched_policy.c): the scheduler object and its policies. */
#ifndef MODSIM_SCHED_INTERNAL_H
#define MODSIM_SCHED_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <modsim/lab/sched.h>

#include "cpu/cpu.h"

/*
 * struct sched_policy - the state of the policy that picks the next thread.
 * Touched only by the baton holder, under the scheduler's lock.
 */
struct sched_policy {
	enum modsim_sched_policy kind;
	unsigned int n;
	uint64_t rng;
	/* pct */
	int64_t prio[MODSIM_SCHED_MAX_THREADS];
	uint32_t *change;        /* d-1 change points (decision numbers), ascending */
	unsigned int *label;     /* the priority each one hands out (1 .. d-1) */
	int64_t lowest;          /* the lowest priority handed out so far */
	unsigned int last, run;  /* the thread picked last, and how many times in a row */
	unsigned int nchange, next_change;
	/* replay */
	const struct modsim_sched_choice *choices;
	uint32_t nchoices, idx;
	uint32_t divergences;
};

int modsim_sched_policy_init(struct sched_policy *p, const struct modsim_sched_config *cfg,
			     unsigned int n);
void modsim_sched_policy_fini(struct sched_policy *p);
/*
 * The thread to run at decision @decision, among @runnable (at least two
 * bits).  @cur yielded (it may not be runnable); @def is the default choice.
 */
unsigned int modsim_sched_policy_pick(struct sched_policy *p, uint64_t runnable, unsigned int cur,
				      uint32_t decision, unsigned int def);
uint32_t modsim_sched_policy_divergences(const struct sched_policy *p);

/*
 * struct sched_thread - one controlled thread.  @cond is signalled when the
 * baton comes to it or control ends.  Everything is under the scheduler's
 * lock but @s, @id and @name, which are set before the threads start.
 */
struct sched_thread {
	struct modsim_sched *s;
	unsigned int id;
	char name[16];
	bool loader;
	pthread_cond_t cond;
	bool live;                 /* arrived, not yet left */
	bool waiting;              /* its last step was a failed wait */
	bool idle;                 /* ... a wait for work, not for another thread */
	const void *chan;          /* ... woken only through this channel, or NULL */
	bool woken;                /* the channel was woken since that wait */
	unsigned long checked;     /* the progress count at that wait */
	int at;                    /* where it yielded last: a point or MODSIM_SCHED_AT_* */
	const char *what;          /* the wait's name */
	int last_point;            /* the last race point it passed */
	struct modsim_mod *last_mod; /* the module of that point */
};

/*
 * struct modsim_sched - one controlled trial's scheduler (k->sched).
 * @lock protects everything but @controlling, which threads read without it
 * to know whether to take the controlled path at all.
 */
struct modsim_sched {
	pthread_mutex_t lock;
	pthread_cond_t end_cond; /* control ended, or the threads started */
	struct modsim_sched_config cfg;
	struct modsim_kernel *k;
	struct sched_policy pol;

	struct sched_thread t[MODSIM_SCHED_MAX_THREADS];
	unsigned int n, arrived;
	int holder;                 /* the thread that may run, or -1 */
	bool started, ending, aborted, deadlock_reported;
	_Atomic int controlling;
	enum modsim_sched_end end_pending; /* end at the holder's next step */
	unsigned long progress;     /* steps that were not failed waits */

	struct modsim_sched_report rep;
	uint32_t events_cap, log_cap, choices_cap, mods_cap, mod_ptr_cap, mod_count_cap;
	/* A controlled thread inside a module hook (modsim_sched_module_call). */
	int in_hook;                 /* its id, or -1 */
	struct modsim_mod *hook_mod;
	const char *hook_what;
	int hung;                    /* the thread the trial ended on, hung in a hook, or -1 */
	struct modsim_mod **mod_ptr; /* rep.mods[i] is the record mod_ptr[i] */
	long *mod_count;             /* the last count traced per module */
};

/*
 * The record of a run (sched_record.c), all with s->lock held: an event of
 * thread @t for the trace (only when it is asked for), a step for the log
 * (likewise), a non-default choice for the schedule.
 */
void modsim_sched_event(struct modsim_sched *s, struct sched_thread *t, enum modsim_sched_ev kind,
			int point, struct modsim_mod *m, long count, const char *what);
void modsim_sched_log(struct modsim_sched *s, uint64_t runnable, unsigned int cur,
		      unsigned int chosen, int point);
void modsim_sched_keep_choice(struct modsim_sched *s, uint32_t decision, unsigned int thread);

#endif /* MODSIM_SCHED_INTERNAL_H */
