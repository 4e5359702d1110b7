/* The controlled scheduler: one trial thread runs at a time; the baton passes at race points and waits. */
/* Past 600 lines: the baton, every wait and wake, and the end of control, all under the one s->lock (policies and the record are apart). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/sched_internal.h"

/*
 * How it works.
 *
 * Every controlled thread has a slot (struct sched_thread) with its own
 * condition variable.  @holder names the one thread allowed to run.  A
 * thread that reaches a scheduling point calls sched_step(): it records
 * where it is, lets the policy choose among the threads that can run,
 * hands the baton over and sleeps until it gets it back.  Nothing else in
 * the trial changes state while the holder decides, so a step's outcome
 * depends on the schedule alone.
 *
 * Who can run.  A thread that yields at a race point can always run.  A
 * thread that yields from a wait (its condition was false) cannot, until
 * another thread has made progress (taken a step that was not a failed
 * wait): before that its condition cannot have changed.  When no thread
 * can run, every live thread waits for another: a deadlock (hazard S).
 *
 * @lock protects everything in struct modsim_sched but the fields marked
 * atomic.  It is a leaf lock: nothing else is taken while it is held, and
 * module code never runs under it.
 */

/* A thread that waits this long for the baton while no step is taken means
 * the holder blocked outside the scheduler's sight. */
#define SCHED_LOST_MS 20000

static __thread struct sched_thread *tls_thread;

const char modsim_sched_loader_chan;

/* ---- who runs ---- */

static uint64_t sched_runnable(struct modsim_sched *s)
{
	uint64_t mask = 0;

	for (unsigned int i = 0; i < s->n; i++) {
		struct sched_thread *t = &s->t[i];

		if (!t->live)
			continue;
		if (!t->waiting || (t->chan ? t->woken : t->checked != s->progress))
			mask |= 1ULL << i;
	}
	return mask;
}

/* The default choice: @cur when it can run, else the next runnable id after it. */
static unsigned int sched_default(uint64_t runnable, unsigned int cur, unsigned int n)
{
	if (cur < n && (runnable >> cur) & 1)
		return cur;
	for (unsigned int i = 1; i <= n; i++) {
		unsigned int j = (cur + i) % n;

		if ((runnable >> j) & 1)
			return j;
	}
	return 0;
}

/* Describe every live thread and where it is, for a deadlock or a lost baton. */
static void sched_describe(struct modsim_sched *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < s->n && off + 1 < len; i++) {
		struct sched_thread *t = &s->t[i];
		int w;

		if (!t->live)
			continue;
		if (t->waiting)
			w = snprintf(buf + off, len - off, "%s%s waits (%s) after %s", off ? "; " : "",
				     t->name, t->what ? t->what : "?",
				     t->last_point >= 0 ? modsim_point_name(t->last_point)
							: "its start");
		else
			w = snprintf(buf + off, len - off, "%s%s at %s", off ? "; " : "", t->name,
				     modsim_sched_at_name(t->at));
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/*
 * End control: the ending thread keeps the baton while on_end runs (it
 * snapshots the trial, which nothing may change meanwhile), then every
 * thread runs free.  With s->lock held; drops it around on_end.
 */
static void sched_end_locked(struct modsim_sched *s, enum modsim_sched_end why)
{
	if (s->ending || !atomic_load(&s->controlling))
		return;
	s->ending = true;
	s->rep.end = why;
	s->rep.end_step = s->rep.steps;
	pthread_mutex_unlock(&s->lock);
	if (s->cfg.on_end)
		s->cfg.on_end(s->cfg.arg, why);
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->controlling, 0);
	for (unsigned int i = 0; i < s->n; i++)
		pthread_cond_broadcast(&s->t[i].cond);
	pthread_cond_broadcast(&s->end_cond);
}

/*
 * Record the deadlock as the violation it is (outside the lock: stats call
 * back into the scheduler), then end control.  With s->lock held.
 */
static void sched_deadlock_locked(struct modsim_sched *s, struct sched_thread *self)
{
	struct modsim_violation v;
	struct sched_thread *culprit = self;

	sched_describe(s, s->rep.lost, sizeof(s->rep.lost));
	/* Name the loader's module when the loader is among the waiters. */
	for (unsigned int i = 0; i < s->n; i++)
		if (s->t[i].live && s->t[i].loader)
			culprit = &s->t[i];
	modsim_violation_init(&v, MODSIM_V_DEADLOCK, culprit->last_mod, MODSIM_SS_LOADER,
			      "schedule");
	v.point = culprit->last_point;
	snprintf(v.detail, sizeof(v.detail), "no thread can run at step %u: %.120s",
		 s->rep.steps, s->rep.lost);
	s->deadlock_reported = true;
	s->rep.schedule.expect = MODSIM_V_DEADLOCK;
	s->rep.schedule.expect_step = s->rep.steps;
	s->rep.violation_thread = (int)culprit->id;
	s->rep.violation_point = culprit->last_point;
	modsim_sched_event(s, culprit, MODSIM_SEV_VIOLATION, -1, culprit->last_mod, -1,
		    modsim_vkind_name(MODSIM_V_DEADLOCK));
	pthread_mutex_unlock(&s->lock);
	modsim_stat_violation(s->k, &v);
	pthread_mutex_lock(&s->lock);
	sched_end_locked(s, MODSIM_SEND_DEADLOCK);
}

/* Pass the baton from @self to @next; unless @self is leaving, sleep until
 * it comes back or control ends. */
static void sched_handoff_locked(struct modsim_sched *s, struct sched_thread *self,
				 unsigned int next)
{
	s->holder = (int)next;
	if (next != self->id)
		pthread_cond_signal(&s->t[next].cond);
	while (self->live && s->holder != (int)self->id && atomic_load(&s->controlling))
		pthread_cond_wait(&self->cond, &s->lock);
}

/*
 * Choose who runs after @self yielded at @at and hand the baton over.
 * With s->lock held, @self the holder.
 */
static void sched_decide_locked(struct modsim_sched *s, struct sched_thread *self, int at)
{
	struct modsim_sched_report *r = &s->rep;
	uint64_t runnable;
	unsigned int next, def;

	r->steps++;
	if (s->end_pending != MODSIM_SEND_NONE) {
		sched_end_locked(s, s->end_pending);
		return;
	}
	if (s->cfg.budget && r->steps >= s->cfg.budget) {
		sched_end_locked(s, MODSIM_SEND_BUDGET);
		return;
	}
	runnable = sched_runnable(s);
	if (!runnable) {
		bool blocked = false;

		/* Threads idle for lack of work are no deadlock; one that
		 * waits for another thread, with nobody left to run, is. */
		for (unsigned int i = 0; i < s->n; i++)
			blocked |= s->t[i].live && !s->t[i].idle;
		if (blocked)
			sched_deadlock_locked(s, self);
		else
			sched_end_locked(s, MODSIM_SEND_EXITED);
		return;
	}
	/* A thread with nothing to do lets another run, when one can. */
	if (at == MODSIM_SCHED_AT_YIELD && (runnable & ~(1ULL << self->id)))
		runnable &= ~(1ULL << self->id);
	def = sched_default(runnable, self->id, s->n);
	if (runnable & (runnable - 1)) {
		uint32_t d = r->decisions++;

		next = modsim_sched_policy_pick(&s->pol, runnable, self->id, d, def);
		if (next >= s->n || !((runnable >> next) & 1))
			next = def;
		if (next != def)
			modsim_sched_keep_choice(s, d, next);
		if (next != self->id && ((runnable >> self->id) & 1))
			r->preemptions++;
	} else {
		next = def;
	}
	modsim_sched_log(s, runnable, self->id, next, at);
	sched_handoff_locked(s, self, next);
}

/* ---- thread side ---- */

static struct sched_thread *sched_self(struct modsim_kernel *k)
{
	struct sched_thread *t = tls_thread;

	if (!t || !k->sched || t->s != k->sched)
		return NULL;
	return t;
}

bool modsim_sched_controlled(struct modsim_kernel *k)
{
	struct sched_thread *t = sched_self(k);

	return t && atomic_load(&t->s->controlling);
}

int modsim_sched_role(struct modsim_kernel *k, enum modsim_sched_role role, unsigned int index)
{
	struct modsim_sched *s = k->sched;
	int id;

	if (!s)
		return -1;
	switch (role) {
	case MODSIM_ROLE_LOADER:
		id = s->cfg.loader_id;
		break;
	case MODSIM_ROLE_TIMER:
		id = s->cfg.timer_id;
		break;
	default:
		id = s->cfg.worker0_id < 0 ? -1 : s->cfg.worker0_id + (int)index;
		break;
	}
	return id >= 0 && (unsigned int)id < s->n ? id : -1;
}

void modsim_sched_thread_begin(struct modsim_kernel *k, int id)
{
	struct modsim_sched *s = k->sched;
	struct sched_thread *t;

	if (!s || id < 0 || (unsigned int)id >= s->n)
		return;
	t = &s->t[id];
	pthread_mutex_lock(&s->lock);
	if (t->live || s->started || s->ending) {
		/* Control is over (or never began): run free. */
		pthread_mutex_unlock(&s->lock);
		return;
	}
	tls_thread = t;
	t->live = true;
	t->at = MODSIM_SCHED_AT_START;
	modsim_sched_event(s, t, MODSIM_SEV_START, -1, NULL, -1, NULL);
	if (++s->arrived == s->n) {
		uint64_t all = (s->n == 64) ? ~0ULL : (1ULL << s->n) - 1;
		unsigned int first = 0;

		s->started = true;
		atomic_store(&s->controlling, 1);
		if (s->n > 1) {
			uint32_t d = s->rep.decisions++;

			first = modsim_sched_policy_pick(&s->pol, all, 0, d, 0);
			if (first >= s->n)
				first = 0;
			if (first != 0)
				modsim_sched_keep_choice(s, d, first);
		}
		modsim_sched_log(s, all, 0, first, MODSIM_SCHED_AT_START);
		s->holder = (int)first;
		for (unsigned int i = 0; i < s->n; i++)
			pthread_cond_signal(&s->t[i].cond);
		pthread_cond_broadcast(&s->end_cond);
	}
	while ((!s->started || s->holder != id) && !s->ending && !s->aborted)
		pthread_cond_wait(&t->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void modsim_sched_thread_end(struct modsim_kernel *k)
{
	struct sched_thread *t = sched_self(k);
	struct modsim_sched *s;

	if (!t)
		return;
	s = t->s;
	tls_thread = NULL;
	pthread_mutex_lock(&s->lock);
	t->live = false;
	if (atomic_load(&s->controlling) && s->holder == (int)t->id && !s->ending) {
		modsim_sched_event(s, t, MODSIM_SEV_END, -1, NULL, -1, NULL);
		s->progress++;
		t->at = MODSIM_SCHED_AT_END;
		sched_decide_locked(s, t, MODSIM_SCHED_AT_END);
	}
	pthread_mutex_unlock(&s->lock);
}

/* A step of the holder @t.  @w: a failed wait.  Return: 0, or -ECANCELED. */
static int sched_step(struct sched_thread *t, int at, struct modsim_mod *m,
		      struct modsim_sched_waiter *w)
{
	struct modsim_sched *s = t->s;
	long count = -1;
	int err;

	if (s->cfg.trace && m && s->k->strat->refcount && at >= 0)
		count = s->k->strat->refcount(m);
	pthread_mutex_lock(&s->lock);
	if (!atomic_load(&s->controlling) || s->ending || s->holder != (int)t->id) {
		pthread_mutex_unlock(&s->lock);
		return -ECANCELED;
	}
	if (t->loader && (!w || w->rounds == 0))
		for (unsigned int i = 0; i < s->n; i++)
			if (s->t[i].waiting && s->t[i].chan == &modsim_sched_loader_chan)
				s->t[i].woken = true;
	t->at = at;
	t->what = w ? w->what : NULL;
	if (at >= 0) {
		t->last_point = at;
		t->last_mod = m;
	}
	t->idle = w && w->idle;
	t->chan = w ? w->chan : NULL;
	t->woken = false;
	if (w) {
		/* The first round follows code the thread ran: progress.
		 * Later rounds only looked at the condition again. */
		if (w->rounds++ == 0) {
			s->progress++;
			modsim_sched_event(s, t, MODSIM_SEV_WAIT, -1, t->last_mod, -1, w->what);
		}
		t->waiting = true;
		t->checked = s->progress;
	} else {
		t->waiting = false;
		s->progress++;
		modsim_sched_event(s, t, MODSIM_SEV_POINT, at, m, count, NULL);
	}
	sched_decide_locked(s, t, at);
	err = atomic_load(&s->controlling) ? 0 : -ECANCELED;
	pthread_mutex_unlock(&s->lock);
	return err;
}

void __modsim_sched_point(struct modsim_kernel *k, enum modsim_point_id id, struct modsim_mod *m)
{
	struct sched_thread *t = sched_self(k);

	if (t)
		sched_step(t, (int)id, m, NULL);
}

int modsim_sched_wait(struct modsim_kernel *k, struct modsim_sched_waiter *w)
{
	struct sched_thread *t = sched_self(k);

	if (!t)
		return -ECANCELED;
	return sched_step(t, MODSIM_SCHED_AT_WAIT, NULL, w);
}

void modsim_sched_wake(struct modsim_kernel *k, const void *chan)
{
	struct modsim_sched *s = k->sched;

	if (!s || !atomic_load(&s->controlling))
		return;
	pthread_mutex_lock(&s->lock);
	for (unsigned int i = 0; i < s->n; i++)
		if (s->t[i].live && s->t[i].waiting && s->t[i].chan == chan)
			s->t[i].woken = true;
	pthread_mutex_unlock(&s->lock);
}

void modsim_sched_yield(struct modsim_kernel *k)
{
	struct sched_thread *t = sched_self(k);

	if (t)
		sched_step(t, MODSIM_SCHED_AT_YIELD, NULL, NULL);
}

/* Race points a thread passes inside a call bracket (an RCU reader section, when there is one). */
static bool point_in_call(int at)
{
	switch (at) {
	case MODSIM_PT_CALL_AFTER_LOOKUP:
	case MODSIM_PT_CALL_AFTER_ENTER:
	case MODSIM_PT_CALL_BEFORE_EXIT:
	case MODSIM_PT_TIMER_AFTER_PICK:
	case MODSIM_PT_SELF_AFTER_PUT:
		return true;
	default:
		return false;
	}
}

bool modsim_sched_others_outside_calls(struct modsim_kernel *k)
{
	struct sched_thread *self = sched_self(k);
	struct modsim_sched *s = k->sched;
	bool quiet = true;

	if (!self)
		return true;
	pthread_mutex_lock(&s->lock);
	for (unsigned int i = 0; i < s->n && quiet; i++) {
		struct sched_thread *t = &s->t[i];

		if (t != self && t->live && !t->waiting && point_in_call(t->at))
			quiet = false;
	}
	pthread_mutex_unlock(&s->lock);
	return quiet;
}

void modsim_sched_violation(struct modsim_kernel *k, const struct modsim_violation *v)
{
	struct sched_thread *t = sched_self(k);
	struct modsim_sched *s = k->sched;

	if (!t || !modsim_vkind_is_race(v->kind))
		return; /* a leak or a live module's own crash ends no schedule */
	pthread_mutex_lock(&s->lock);
	if (atomic_load(&s->controlling) && !s->ending && s->end_pending == MODSIM_SEND_NONE &&
	    !s->deadlock_reported) {
		s->end_pending = MODSIM_SEND_VIOLATION;
		s->rep.violation_thread = (int)t->id;
		s->rep.violation_point = v->point >= 0 ? v->point : t->last_point;
		modsim_sched_event(s, t, MODSIM_SEV_VIOLATION, s->rep.violation_point, t->last_mod, -1,
			    modsim_vkind_name(v->kind));
		s->rep.schedule.expect = (int)v->kind;
		s->rep.schedule.expect_step = s->rep.steps;
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- the owner's side ---- */

int modsim_sched_create(const struct modsim_sched_config *cfg, struct modsim_sched **out)
{
	struct modsim_sched *s;
	int err;

	*out = NULL;
	if (cfg->nthreads == 0 || cfg->nthreads > MODSIM_SCHED_MAX_THREADS)
		return modsim_err(-EINVAL, "sched: %u threads; a controlled trial has 1 to %d",
				  cfg->nthreads, MODSIM_SCHED_MAX_THREADS);
	s = calloc(1, sizeof(*s));
	if (!s)
		return modsim_err(-ENOMEM, "sched: out of memory");
	s->cfg = *cfg;
	s->n = cfg->nthreads;
	s->holder = -1;
	s->in_hook = -1;
	s->hung = -1;
	pthread_mutex_init(&s->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->end_cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	for (unsigned int i = 0; i < s->n; i++) {
		s->t[i].s = s;
		s->t[i].id = i;
		s->t[i].last_point = -1;
		snprintf(s->t[i].name, sizeof(s->t[i].name), "thread%u", i % 100u);
		pthread_cond_init(&s->t[i].cond, NULL);
	}
	s->rep.policy = cfg->policy;
	s->rep.depth = cfg->depth;
	s->rep.seed = cfg->seed;
	s->rep.budget = cfg->budget;
	s->rep.nthreads = s->n;
	s->rep.violation_thread = -1;
	s->rep.violation_point = -1;
	s->rep.schedule.expect = -1;
	s->rep.verified = -1;
	s->rep.reproduced = -1;
	err = modsim_sched_policy_init(&s->pol, cfg, s->n);
	if (err) {
		modsim_sched_destroy(s);
		return err;
	}
	*out = s;
	return 0;
}

void modsim_sched_name_thread(struct modsim_sched *s, unsigned int id, const char *name,
			      bool loader)
{
	if (id >= s->n)
		return;
	snprintf(s->t[id].name, sizeof(s->t[id].name), "%s", name);
	s->t[id].loader = loader;
}

void modsim_sched_bind(struct modsim_sched *s, struct modsim_kernel *k)
{
	s->k = k;
	k->on_violation = modsim_sched_violation;
}

void modsim_sched_abort(struct modsim_sched *s)
{
	pthread_mutex_lock(&s->lock);
	s->aborted = true;
	if (!s->started) {
		s->ending = true;
		s->rep.end = MODSIM_SEND_LOST;
		snprintf(s->rep.lost, sizeof(s->rep.lost), "the trial's threads did not all start");
	}
	atomic_store(&s->controlling, 0);
	for (unsigned int i = 0; i < s->n; i++)
		pthread_cond_broadcast(&s->t[i].cond);
	pthread_cond_broadcast(&s->end_cond);
	pthread_mutex_unlock(&s->lock);
}

void modsim_sched_module_call(struct modsim_kernel *k, struct modsim_mod *m, const char *what)
{
	struct sched_thread *t = sched_self(k);
	struct modsim_sched *s = k->sched;

	if (!t)
		return;
	pthread_mutex_lock(&s->lock);
	s->in_hook = m ? (int)t->id : -1;
	s->hook_mod = m;
	s->hook_what = what;
	pthread_mutex_unlock(&s->lock);
}

int modsim_sched_hung_thread(struct modsim_sched *s)
{
	int id;

	pthread_mutex_lock(&s->lock);
	id = s->hung;
	pthread_mutex_unlock(&s->lock);
	return id;
}

/*
 * The holder has been inside a module hook for module_hang_ms without
 * reaching a point: module code blocked where no scheduler can see (it
 * never returns, or waits on something of its own).  That is the module's
 * deadlock, as the watchdog reports it in a free-running trial: record it,
 * mark the generation STUCK, and end control.  The thread stays where it
 * is; the trial's owner must not wait for it (modsim_sched_hung_thread).
 * With s->lock held.
 */
static void sched_hook_hung_locked(struct modsim_sched *s, uint64_t held_ns)
{
	struct sched_thread *t = &s->t[s->in_hook];
	struct modsim_mod *m = s->hook_mod;
	struct modsim_violation v;

	sched_describe(s, s->rep.lost, sizeof(s->rep.lost));
	modsim_violation_init(&v, MODSIM_V_DEADLOCK, m, MODSIM_SS_LOADER,
			      s->hook_what ? s->hook_what : "hook");
	v.point = t->last_point;
	snprintf(v.detail, sizeof(v.detail), "%s of %s gen %lu did not return within %llu ms (controlled, step %u)",
		 s->hook_what ? s->hook_what : "hook", m->name, m->generation,
		 (unsigned long long)(held_ns / 1000000u), s->rep.steps);
	s->deadlock_reported = true;
	s->hung = (int)t->id;
	s->rep.schedule.expect = MODSIM_V_DEADLOCK;
	s->rep.schedule.expect_step = s->rep.steps;
	s->rep.violation_thread = (int)t->id;
	s->rep.violation_point = t->last_point;
	modsim_sched_event(s, t, MODSIM_SEV_VIOLATION, -1, m, -1,
			   modsim_vkind_name(MODSIM_V_DEADLOCK));
	atomic_store_explicit(&m->state, MODSIM_STATE_STUCK, memory_order_release);
	pthread_mutex_unlock(&s->lock);
	modsim_stat_violation(s->k, &v);
	pthread_mutex_lock(&s->lock);
	sched_end_locked(s, MODSIM_SEND_DEADLOCK);
}

int modsim_sched_wait_end(struct modsim_sched *s)
{
	uint32_t seen = 0;
	uint64_t since = modsim_now_ns();
	int err = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->aborted && (!s->started || atomic_load(&s->controlling))) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->end_cond, &s->lock, &ts);
		if (s->rep.steps != seen || !s->started || s->ending) {
			seen = s->rep.steps;
			since = modsim_now_ns();
			continue;
		}
		if (s->cfg.module_hang_ms && s->in_hook >= 0 && s->in_hook == s->holder &&
		    modsim_now_ns() - since >= (uint64_t)s->cfg.module_hang_ms * 1000000ULL) {
			sched_hook_hung_locked(s, modsim_now_ns() - since);
			continue;
		}
		if (modsim_now_ns() - since < (uint64_t)SCHED_LOST_MS * 1000000ULL)
			continue;
		/* The holder has not yielded for SCHED_LOST_MS: it blocked where
		 * the scheduler cannot see (a wait nobody taught it). */
		{
			char where[200];

			sched_describe(s, where, sizeof(where));
			snprintf(s->rep.lost, sizeof(s->rep.lost),
				 "%s held the baton for %d s from step %u without yielding; %.150s",
				 s->holder >= 0 ? s->t[s->holder].name : "no thread",
				 SCHED_LOST_MS / 1000, s->rep.steps, where);
		}
		sched_end_locked(s, MODSIM_SEND_LOST);
		err = -EDEADLK;
	}
	if (s->rep.end == MODSIM_SEND_LOST)
		err = -EDEADLK;
	pthread_mutex_unlock(&s->lock);
	return err;
}

void modsim_sched_destroy(struct modsim_sched *s)
{
	if (!s)
		return;
	modsim_sched_policy_fini(&s->pol);
	modsim_sched_report_free(&s->rep);
	free(s->mod_ptr);
	free(s->mod_count);
	for (unsigned int i = 0; i < s->n; i++)
		pthread_cond_destroy(&s->t[i].cond);
	pthread_cond_destroy(&s->end_cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
