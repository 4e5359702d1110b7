/* The spans a controlled trial's events describe, and the small lookups both trace writers share. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <modsim/point.h>

#include "report/sched_spans.h"
#include "kernel/units.h"

/* A span that has begun and not yet ended. */
struct open_span {
	enum modsim_sched_span_kind kind;
	int32_t mod;
	uint32_t begin;
};

/* What one thread has open: nested spans, and a wait beside them. */
struct thread_spans {
	struct open_span stack[MODSIM_SCHED_SPANS_DEPTH];
	unsigned int n;
	bool waiting;
	uint32_t wait_begin;
	unsigned int wait_depth;
	const char *wait_what;
};

struct walk {
	modsim_sched_span_fn fn;
	void *arg;
	struct thread_spans t[MODSIM_SCHED_MAX_THREADS];
};

static void emit(struct walk *w, enum modsim_sched_span_kind kind, unsigned int thread,
		 unsigned int depth, int32_t mod, uint32_t begin, uint32_t end, bool unclosed,
		 bool failed, const char *what)
{
	struct modsim_sched_span s = {
		.kind = kind,
		.thread = thread,
		.depth = depth,
		.mod = mod,
		.begin = begin,
		.end = end < begin ? begin : end,
		.unclosed = unclosed,
		.failed = failed,
		.what = what,
	};

	w->fn(&s, w->arg);
}

static void close_wait(struct walk *w, unsigned int t, uint32_t step, bool unclosed)
{
	struct thread_spans *ts = &w->t[t];

	if (!ts->waiting)
		return;
	ts->waiting = false;
	emit(w, MODSIM_SPAN_WAIT, t, ts->wait_depth, -1, ts->wait_begin, step, unclosed, false,
	     ts->wait_what);
}

static void push(struct walk *w, unsigned int t, enum modsim_sched_span_kind kind,
		 const struct modsim_sched_event *e)
{
	struct thread_spans *ts = &w->t[t];

	if (ts->n == MODSIM_SCHED_SPANS_DEPTH)
		return; /* deeper than any real trace nests: dropped */
	ts->stack[ts->n++] = (struct open_span){ .kind = kind, .mod = e->mod, .begin = e->step };
}

/* Close the topmost open span of @kind, and what is open inside it. */
static void pop(struct walk *w, unsigned int t, enum modsim_sched_span_kind kind, uint32_t step,
		bool failed)
{
	struct thread_spans *ts = &w->t[t];
	unsigned int i = ts->n;

	while (i > 0 && ts->stack[i - 1].kind != kind)
		i--;
	if (i == 0)
		return; /* it began before the trace did */
	while (ts->n >= i) {
		const struct open_span *o = &ts->stack[--ts->n];
		bool own = ts->n == i - 1;

		emit(w, o->kind, t, ts->n, o->mod, o->begin, step, !own, own && failed, NULL);
	}
}

static bool same_wait(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static void walk_point(struct walk *w, unsigned int t, const struct modsim_sched_event *e)
{
	switch (e->point) {
	case MODSIM_PT_CALL_AFTER_ENTER:
		push(w, t, MODSIM_SPAN_CALL, e);
		break;
	case MODSIM_PT_CALL_BEFORE_EXIT:
		pop(w, t, MODSIM_SPAN_CALL, e->step, false);
		break;
	case MODSIM_PT_LOAD_AFTER_MAP:
		push(w, t, MODSIM_SPAN_INIT, e);
		break;
	case MODSIM_PT_LOAD_AFTER_INIT:
		pop(w, t, MODSIM_SPAN_INIT, e->step, false);
		break;
	case MODSIM_PT_LOAD_INIT_FAILED:
		pop(w, t, MODSIM_SPAN_INIT, e->step, true);
		break;
	case MODSIM_PT_UNLOAD_BEGIN:
		push(w, t, MODSIM_SPAN_UNLOAD, e);
		break;
	case MODSIM_PT_UNLOAD_AFTER_GOING:
		push(w, t, MODSIM_SPAN_EXIT, e);
		break;
	case MODSIM_PT_UNLOAD_AFTER_EXIT:
		pop(w, t, MODSIM_SPAN_EXIT, e->step, false);
		break;
	case MODSIM_PT_UNLOAD_AFTER_FREE:
		pop(w, t, MODSIM_SPAN_UNLOAD, e->step, false);
		break;
	default:
		break;
	}
}

/* Close everything @t has open at @step: its wait first, then its spans from the inside out. */
static void close_all(struct walk *w, unsigned int t, uint32_t step)
{
	struct thread_spans *ts = &w->t[t];

	close_wait(w, t, step, true);
	while (ts->n > 0) {
		const struct open_span *o = &ts->stack[--ts->n];

		emit(w, o->kind, t, ts->n, o->mod, o->begin, step, true, false, NULL);
	}
}

void modsim_sched_spans_walk(const struct modsim_sched_report *r, modsim_sched_span_fn fn,
			     void *arg)
{
	struct walk w = { .fn = fn, .arg = arg };
	uint32_t last = modsim_sched_spans_last_step(r);

	for (uint32_t i = 0; i < r->nevents; i++) {
		const struct modsim_sched_event *e = &r->events[i];
		unsigned int t = e->thread;
		struct thread_spans *ts;

		if (t >= MODSIM_SCHED_MAX_THREADS)
			continue;
		ts = &w.t[t];
		if (ts->waiting && !(e->kind == MODSIM_SEV_WAIT && same_wait(ts->wait_what, e->what)))
			close_wait(&w, t, e->step, false);
		switch (e->kind) {
		case MODSIM_SEV_POINT:
			walk_point(&w, t, e);
			break;
		case MODSIM_SEV_WAIT:
			if (!ts->waiting) {
				ts->waiting = true;
				ts->wait_begin = e->step;
				ts->wait_depth = ts->n;
				ts->wait_what = e->what;
			}
			break;
		case MODSIM_SEV_END:
			close_all(&w, t, e->step);
			break;
		default:
			break;
		}
	}
	for (unsigned int t = 0; t < MODSIM_SCHED_MAX_THREADS; t++)
		close_all(&w, t, last);
}

uint32_t modsim_sched_spans_last_step(const struct modsim_sched_report *r)
{
	uint32_t last = r->end != MODSIM_SEND_NONE ? r->end_step : 0;

	for (uint32_t i = 0; i < r->nevents; i++)
		if (r->events[i].step > last)
			last = r->events[i].step;
	return last;
}

unsigned int modsim_sched_spans_nthreads(const struct modsim_sched_report *r)
{
	unsigned int n = r->nthreads;

	for (uint32_t i = 0; i < r->nevents; i++)
		if (r->events[i].thread >= n)
			n = r->events[i].thread + 1u;
	return n > MODSIM_SCHED_MAX_THREADS ? MODSIM_SCHED_MAX_THREADS : n;
}

const char *modsim_sched_spans_thread(const struct modsim_sched_report *r, unsigned int t,
				      char buf[24])
{
	size_t len;

	if (t < r->nthreads && t < MODSIM_SCHED_MAX_THREADS && r->thread_name[t][0]) {
		len = strnlen(r->thread_name[t], sizeof(r->thread_name[t]));
		memcpy(buf, r->thread_name[t], len);
		buf[len] = '\0';
	} else {
		snprintf(buf, 24, "thread %u", t);
	}
	return buf;
}

const struct modsim_sched_mod *modsim_sched_spans_mod(const struct modsim_sched_report *r,
						     int32_t mod)
{
	if (mod < 0 || !r->mods || (uint32_t)mod >= r->nmods)
		return NULL;
	return &r->mods[mod];
}

const char *modsim_sched_spans_mod_label(const struct modsim_sched_report *r, int32_t mod,
					 char *buf, size_t len)
{
	const struct modsim_sched_mod *m = modsim_sched_spans_mod(r, mod);

	if (!m)
		snprintf(buf, len, "module ?");
	else
		snprintf(buf, len, "%.*s gen %lu", (int)strnlen(m->name, sizeof(m->name)), m->name,
			 m->generation);
	return buf;
}

const char *modsim_sched_spans_name(const struct modsim_sched_report *r,
				    const struct modsim_sched_span *s, char *buf, size_t len)
{
	const struct modsim_sched_mod *m = modsim_sched_spans_mod(r, s->mod);
	char mod[96];

	modsim_sched_spans_mod_label(r, s->mod, mod, sizeof(mod));
	switch (s->kind) {
	case MODSIM_SPAN_CALL:
		if (m)
			snprintf(buf, len, "%s: %.*s call", mod,
				 (int)strnlen(m->name, sizeof(m->name)), m->name);
		else
			snprintf(buf, len, "module code");
		break;
	case MODSIM_SPAN_INIT:
		snprintf(buf, len, "init %s%s", mod, s->failed ? " (failed)" : "");
		break;
	case MODSIM_SPAN_EXIT:
		snprintf(buf, len, "exit %s", mod);
		break;
	case MODSIM_SPAN_UNLOAD:
		snprintf(buf, len, "unload %s", mod);
		break;
	case MODSIM_SPAN_WAIT:
	default:
		snprintf(buf, len, "wait: %s", s->what ? s->what : "?");
		break;
	}
	return buf;
}

int modsim_sched_spans_point(const struct modsim_sched_report *r, uint32_t i)
{
	const struct modsim_sched_event *e = &r->events[i];

	if (e->kind == MODSIM_SEV_POINT && e->point >= 0)
		return e->point;
	for (uint32_t j = i; j-- > 0;) {
		const struct modsim_sched_event *p = &r->events[j];

		if (p->thread == e->thread && p->kind == MODSIM_SEV_POINT && p->point >= 0)
			return p->point;
	}
	if (e->kind == MODSIM_SEV_VIOLATION && r->end == MODSIM_SEND_VIOLATION &&
	    r->violation_thread == e->thread)
		return r->violation_point;
	return -1;
}

static bool cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t modsim_sched_spans_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		return n >= 2 && cont(u[1]) ? 2 : 0;
	if (u[0] >= 0xe0 && u[0] <= 0xef) {
		if (n < 3 || !cont(u[1]) || !cont(u[2]))
			return 0;
		if ((u[0] == 0xe0 && u[1] < 0xa0) || (u[0] == 0xed && u[1] > 0x9f))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		if (n < 4 || !cont(u[1]) || !cont(u[2]) || !cont(u[3]))
			return 0;
		if ((u[0] == 0xf0 && u[1] < 0x90) || (u[0] == 0xf4 && u[1] > 0x8f))
			return 0; /* overlong, or past U+10FFFF */
		return 4;
	}
	return 0;
}

int modsim_sched_spans_finish(FILE *f, const char *what)
{
	if (fflush(f) != 0)
		return modsim_err(-EIO, "%s: write failed: %s", what, strerror(errno));
	if (ferror(f))
		return modsim_err(-EIO, "%s: write failed", what);
	return 0;
}
