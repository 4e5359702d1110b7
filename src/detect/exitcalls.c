/* Calls into a module during its exit: the protocol working (exit waited for them) or call-after-exit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect/detect.h"

/*
 * DESIGN.md: "A call that enters a module after its exit returned, or
 * during exit by a path that exit does not wait for, is counted; a callback
 * that exit waits for (the del_timer_sync or unregister_* in a correct
 * exit) is the protocol working, not a violation."
 *
 * Which path exit waits for is only known once exit has run: a timer
 * callback may enter before exit reaches its del_timer_sync.  So a call
 * entering while exit runs is noted with the object it came through and a
 * sequence number, every synchronising wait exit makes is noted with its
 * object and a later sequence number, and when exit returns each call is
 * judged: covered when a wait on its object finished after it entered
 * (that wait found it running and waited, or found it already gone),
 * call-after-exit otherwise.
 *
 * One lock for every module of every kernel: only calls that race an exit
 * and exit's own synchronising waits come here.
 */
static pthread_mutex_t exit_lock = PTHREAD_MUTEX_INITIALIZER;

/* A call that entered during exit, or a wait exit made; on one list per module. */
struct exit_note {
	struct exit_note *next;
	struct modsim_mod *m;
	const void *obj;
	unsigned long seq;
	bool is_sync;
	struct modsim_violation v; /* the call's report, if it is judged a violation */
};

static struct exit_note *notes; /* under exit_lock */
static unsigned long note_seq;  /* under exit_lock */

/* The report of a call into @m after its exit began. */
static void exitcall_violation(struct modsim_violation *v, struct modsim_mod *m,
			       struct modsim_cpu *cpu, enum modsim_subsys ss, const char *op,
			       const char *when)
{
	modsim_violation_init(v, MODSIM_V_CALL_AFTER_EXIT, m, ss, op);
	v->point = cpu ? cpu->last_point : -1;
	snprintf(v->detail, sizeof(v->detail), "%s %s entered %s gen %lu %s",
		 modsim_subsys_name(ss), op ? op : "call", m->name, m->generation, when);
}

void modsim_exitcall_note(struct modsim_mod *m, struct modsim_cpu *cpu, enum modsim_subsys ss,
			  const char *op, const void *obj)
{
	struct modsim_violation v;
	struct exit_note *n;

	pthread_mutex_lock(&exit_lock);
	if (atomic_load(&m->exiting) && obj && (n = calloc(1, sizeof(*n)))) {
		n->m = m;
		n->obj = obj;
		n->seq = ++note_seq;
		exitcall_violation(&n->v, m, cpu, ss, op,
				   "during its exit, by a path exit did not wait for");
		n->next = notes;
		notes = n;
		pthread_mutex_unlock(&exit_lock);
		return;
	}
	pthread_mutex_unlock(&exit_lock);
	/* No object (a path no exit can wait for), exit over, or no memory to defer. */
	exitcall_violation(&v, m, cpu, ss, op,
			   atomic_load(&m->exiting) ? "during its exit, by a path exit cannot wait for"
						    : "after its exit began");
	modsim_stat_violation(m->k, &v);
}

void modsim_exit_synced(struct modsim_mod *m, const void *obj)
{
	struct exit_note *n;

	if (!m || !atomic_load(&m->exiting))
		return;
	n = calloc(1, sizeof(*n));
	pthread_mutex_lock(&exit_lock);
	if (n) {
		n->m = m;
		n->obj = obj;
		n->seq = ++note_seq;
		n->is_sync = true;
		n->next = notes;
		notes = n;
	}
	pthread_mutex_unlock(&exit_lock);
}

void modsim_exitcalls_begin(struct modsim_mod *m)
{
	atomic_store(&m->exiting, 1);
}

/* Did a wait on @call's object, noted on @mine, finish after @call entered? */
static bool exitcall_covered(const struct exit_note *call, const struct exit_note *mine)
{
	for (const struct exit_note *s = mine; s; s = s->next)
		if (s->is_sync && s->obj == call->obj && s->seq > call->seq)
			return true;
	return false;
}

void modsim_exitcalls_end(struct modsim_mod *m)
{
	struct exit_note *mine = NULL, **pp, *n;

	/* Take @m's notes off the list; from here on calls are reported at once. */
	pthread_mutex_lock(&exit_lock);
	atomic_store(&m->exiting, 0);
	for (pp = &notes; (n = *pp);) {
		if (n->m != m) {
			pp = &n->next;
			continue;
		}
		*pp = n->next;
		n->next = mine;
		mine = n;
	}
	pthread_mutex_unlock(&exit_lock);

	for (n = mine; n; n = n->next)
		if (!n->is_sync && !exitcall_covered(n, mine))
			modsim_stat_violation(m->k, &n->v);
	while ((n = mine)) {
		mine = n->next;
		free(n);
	}
}
