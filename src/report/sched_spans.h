/* Private to the trace writers: module code, init, exit, unload and wait spans read off a trace. */
#ifndef MODSIM_SCHED_SPANS_H
#define MODSIM_SCHED_SPANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <modsim/lab/sched.h>

/* How deep spans nest on one thread (a call inside init inside an unload...). */
#define MODSIM_SCHED_SPANS_DEPTH 16

/** enum modsim_sched_span_kind - what a thread was doing for a while. */
enum modsim_sched_span_kind {
	MODSIM_SPAN_CALL,   /* in module code: call.after_enter to call.before_exit */
	MODSIM_SPAN_INIT,   /* load.after_map to load.after_init or load.init_failed */
	MODSIM_SPAN_EXIT,   /* unload.after_going to unload.after_exit */
	MODSIM_SPAN_UNLOAD, /* unload.begin to unload.after_free */
	MODSIM_SPAN_WAIT,   /* a wait, to the thread's next event */
};

/**
 * struct modsim_sched_span - one span of one thread, as the walk hands it out.
 * @kind:   enum modsim_sched_span_kind
 * @thread: the thread
 * @depth:  how many spans of the thread were open when it began (0: outermost)
 * @mod:    index into the report's module table, or -1
 * @begin:  the step it began at
 * @end:    the step it ended at (never before @begin)
 * @unclosed: its own closing event never came: it ended with its thread,
 *          with a span around it, or where the trace ends
 * @failed: an init that ended at load.init_failed
 * @what:   a wait's name (may be NULL), else NULL
 */
struct modsim_sched_span {
	enum modsim_sched_span_kind kind;
	unsigned int thread;
	unsigned int depth;
	int32_t mod;
	uint32_t begin, end;
	bool unclosed;
	bool failed;
	const char *what;
};

/** Called once per span, in the order the spans close. */
typedef void (*modsim_sched_span_fn)(const struct modsim_sched_span *s, void *arg);

/**
 * modsim_sched_spans_walk - hand every span of @r's events to @fn.
 *
 * A span closes at the event that ends it; a wait closes at the thread's
 * next event (a wait repeated under the same name with nothing between
 * stays one span).  Closing a span closes what is still open inside it, at
 * the same step; a thread's END closes all it has open; what is open when
 * the events run out closes at modsim_sched_spans_last_step().  Spans
 * closed so are marked @unclosed.  A span whose opening event came before
 * the trace began is not seen.  Events of a thread at or over
 * MODSIM_SCHED_MAX_THREADS are skipped.  Allocates nothing.
 */
void modsim_sched_spans_walk(const struct modsim_sched_report *r, modsim_sched_span_fn fn,
			     void *arg);

/**
 * modsim_sched_spans_last_step - where the trace ends: the end step (when
 * under control) or the last event's step, whichever is later.
 */
uint32_t modsim_sched_spans_last_step(const struct modsim_sched_report *r);

/**
 * modsim_sched_spans_nthreads - how many thread tracks to draw: the
 * report's threads and any thread an event names, at most
 * MODSIM_SCHED_MAX_THREADS.
 */
unsigned int modsim_sched_spans_nthreads(const struct modsim_sched_report *r);

/**
 * modsim_sched_spans_thread - thread @t's name, or "thread N" when it has none.
 * @buf: room for the name (the report's names may fill all 16 bytes, unterminated)
 */
const char *modsim_sched_spans_thread(const struct modsim_sched_report *r, unsigned int t,
				      char buf[24]);

/** modsim_sched_spans_mod - entry @mod of @r's module table, or NULL when out of range. */
const struct modsim_sched_mod *modsim_sched_spans_mod(const struct modsim_sched_report *r,
						     int32_t mod);

/**
 * modsim_sched_spans_mod_label - "hook gen 3" for module @mod, "module ?" when unknown.
 * The name is taken raw: the caller escapes it for its format.
 */
const char *modsim_sched_spans_mod_label(const struct modsim_sched_report *r, int32_t mod,
					 char *buf, size_t len);

/**
 * modsim_sched_spans_name - what to call span @s: "hook gen 3: hook call",
 * "init hook gen 3" (with " (failed)"), "exit hook gen 3", "unload hook gen 3",
 * "wait: unload wait".  Raw: the caller escapes it.
 */
const char *modsim_sched_spans_name(const struct modsim_sched_report *r,
				    const struct modsim_sched_span *s, char *buf, size_t len);

/**
 * modsim_sched_spans_point - the race point to name for event @i: its own,
 * else (a violation, a wait) the report's violation point when @i is the
 * ending violation's thread, else the last point its thread passed before
 * it.  -1 when there is none.
 */
int modsim_sched_spans_point(const struct modsim_sched_report *r, uint32_t i);

/**
 * modsim_sched_spans_utf8 - the length of the valid UTF-8 character at @s
 * (1 to 4 bytes, no more than @n), or 0 when the bytes there are not one.
 */
size_t modsim_sched_spans_utf8(const char *s, size_t n);

/**
 * modsim_sched_spans_finish - flush @f and check it for a write error.
 * @what: the writer, for the message ("trace json")
 * Return: 0, or -EIO with modsim_last_error() saying so.
 */
int modsim_sched_spans_finish(FILE *f, const char *what);

#endif /* MODSIM_SCHED_SPANS_H */
