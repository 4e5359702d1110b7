/* The determinism check: two step logs of one schedule, compared step by step. */
#include <stdio.h>

#include "kernel/units.h"

/* "{loader,worker1}": the threads of @mask by name. */
static void mask_names(const struct modsim_sched_report *r, uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;
	int w;

	w = snprintf(buf, len, "{");
	off = w > 0 ? (size_t)w : 0;
	for (unsigned int i = 0; i < MODSIM_SCHED_MAX_THREADS && off + 1 < len; i++) {
		if (!((mask >> i) & 1))
			continue;
		w = snprintf(buf + off, len - off, "%s%s", off > 1 ? "," : "",
			     i < r->nthreads ? r->thread_name[i] : "?");
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (off + 1 < len)
		snprintf(buf + off, len - off, "}");
}

static const char *tname(const struct modsim_sched_report *r, unsigned int id)
{
	return id < r->nthreads ? r->thread_name[id] : "?";
}

MODSIM_API bool modsim_sched_compare(const struct modsim_sched_report *a,
				     const struct modsim_sched_report *b, uint32_t *where,
				     char *msg, size_t len)
{
	uint32_t n = a->nlog < b->nlog ? a->nlog : b->nlog;
	char x[96], y[96];

	if (len)
		msg[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		const struct modsim_sched_step *p = &a->log[i], *q = &b->log[i];

		*where = i;
		if (p->current != q->current || p->point != q->point) {
			snprintf(msg, len, "step %u: %s yielded at %s the first time, %s at %s the second",
				 i, tname(a, p->current), modsim_sched_at_name(p->point),
				 tname(b, q->current), modsim_sched_at_name(q->point));
			return false;
		}
		if (p->runnable != q->runnable) {
			mask_names(a, p->runnable, x, sizeof(x));
			mask_names(b, q->runnable, y, sizeof(y));
			snprintf(msg, len, "step %u (%s at %s): runnable %s the first time, %s the second",
				 i, tname(a, p->current), modsim_sched_at_name(p->point), x, y);
			return false;
		}
		if (p->chosen != q->chosen) {
			snprintf(msg, len, "step %u (%s at %s): %s ran next the first time, %s the second",
				 i, tname(a, p->current), modsim_sched_at_name(p->point),
				 tname(a, p->chosen), tname(b, q->chosen));
			return false;
		}
	}
	*where = n;
	if (a->nlog != b->nlog) {
		snprintf(msg, len, "the first run took %u steps, the second %u", a->nlog, b->nlog);
		return false;
	}
	if (a->end != b->end) {
		snprintf(msg, len, "the first run ended on %s, the second on %s",
			 modsim_sched_end_name(a->end), modsim_sched_end_name(b->end));
		return false;
	}
	return true;
}
