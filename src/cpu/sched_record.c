/* The record of a controlled trial: its events, its step log, its choices, and the report made of them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/sched_internal.h"

/* The most events and logged steps (or choices) a report keeps. */
#define SCHED_MAX_EVENTS (1u << 22)
#define SCHED_MAX_LOG (1u << 24)

/* ---- growing arrays ---- */

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t size, uint32_t max)
{
	uint32_t n = *cap ? *cap : 256;
	void *q;

	if (need <= *cap)
		return true;
	if (need > max)
		return false;
	while (n < need)
		n = n > max / 2 ? max : n * 2;
	q = realloc(*p, (size_t)n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

/* ---- the record of a run (with s->lock held) ---- */

static int32_t sched_mod_index(struct modsim_sched *s, struct modsim_mod *m)
{
	struct modsim_sched_report *r = &s->rep;

	if (!m)
		return -1;
	for (uint32_t i = r->nmods; i-- > 0;)
		if (s->mod_ptr[i] == m && r->mods[i].generation == m->generation)
			return (int32_t)i;
	if (!grow((void **)&r->mods, &s->mods_cap, r->nmods + 1, sizeof(*r->mods), 1u << 20) ||
	    !grow((void **)&s->mod_ptr, &s->mod_ptr_cap, r->nmods + 1, sizeof(*s->mod_ptr),
		  1u << 20) ||
	    !grow((void **)&s->mod_count, &s->mod_count_cap, r->nmods + 1, sizeof(*s->mod_count),
		  1u << 20))
		return -1;
	snprintf(r->mods[r->nmods].name, sizeof(r->mods[r->nmods].name), "%s", m->name);
	r->mods[r->nmods].generation = m->generation;
	s->mod_ptr[r->nmods] = m;
	s->mod_count[r->nmods] = LONG_MIN;
	return (int32_t)r->nmods++;
}

void modsim_sched_event(struct modsim_sched *s, struct sched_thread *t, enum modsim_sched_ev kind,
			int point, struct modsim_mod *m, long count, const char *what)
{
	struct modsim_sched_report *r = &s->rep;
	struct modsim_sched_event *e;
	int32_t mi;

	if (!s->cfg.trace)
		return;
	mi = sched_mod_index(s, m);
	if (!grow((void **)&r->events, &s->events_cap, r->nevents + 2, sizeof(*r->events),
		  SCHED_MAX_EVENTS)) {
		s->rep.unkept_events++;
		return;
	}
	e = &r->events[r->nevents++];
	*e = (struct modsim_sched_event){ .step = r->steps, .thread = (uint8_t)t->id,
					  .kind = (uint8_t)kind, .point = (int16_t)point,
					  .mod = mi, .count = -1, .what = what };
	if (mi >= 0 && count >= 0 && s->mod_count[mi] != count) {
		s->mod_count[mi] = count;
		e = &r->events[r->nevents++];
		*e = (struct modsim_sched_event){ .step = r->steps, .thread = (uint8_t)t->id,
						  .kind = MODSIM_SEV_COUNT, .point = -1,
						  .mod = mi, .count = count };
	}
}

void modsim_sched_log(struct modsim_sched *s, uint64_t runnable, unsigned int cur,
		      unsigned int chosen, int point)
{
	struct modsim_sched_report *r = &s->rep;

	if (!s->cfg.log)
		return;
	if (!grow((void **)&r->log, &s->log_cap, r->nlog + 1, sizeof(*r->log), SCHED_MAX_LOG)) {
		s->rep.unkept_steps++;
		return;
	}
	r->log[r->nlog++] = (struct modsim_sched_step){ .runnable = runnable,
							.current = (uint8_t)cur,
							.chosen = (uint8_t)chosen,
							.point = (int16_t)point };
}

/* Keep a non-default choice in the schedule the run will report. */
void modsim_sched_keep_choice(struct modsim_sched *s, uint32_t decision, unsigned int thread)
{
	struct modsim_schedule *sc = &s->rep.schedule;

	if (!grow((void **)&sc->choices, &s->choices_cap, sc->nchoices + 1, sizeof(*sc->choices),
		  SCHED_MAX_LOG)) {
		s->rep.unkept_choices++;
		return;
	}
	sc->choices[sc->nchoices++] = (struct modsim_sched_choice){ .decision = decision,
								    .thread = (uint8_t)thread };
}

void modsim_sched_report_take(struct modsim_sched *s, struct modsim_sched_report *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->rep;
	for (unsigned int i = 0; i < s->n; i++)
		snprintf(out->thread_name[i], sizeof(out->thread_name[i]), "%s", s->t[i].name);
	out->divergences = modsim_sched_policy_divergences(&s->pol);
	memset(&s->rep, 0, sizeof(s->rep));
	pthread_mutex_unlock(&s->lock);
}

MODSIM_API void modsim_schedule_free(struct modsim_schedule *s)
{
	if (!s)
		return;
	free(s->choices);
	s->choices = NULL;
	s->nchoices = 0;
}

MODSIM_API void modsim_sched_report_free(struct modsim_sched_report *r)
{
	modsim_schedule_free(&r->schedule);
	free(r->log);
	free(r->events);
	free(r->mods);
	r->log = NULL;
	r->events = NULL;
	r->mods = NULL;
	r->nlog = r->nevents = r->nmods = 0;
}

const char *modsim_sched_at_name(int at)
{
	switch (at) {
	case MODSIM_SCHED_AT_START:
		return "start";
	case MODSIM_SCHED_AT_END:
		return "end";
	case MODSIM_SCHED_AT_WAIT:
		return "wait";
	case MODSIM_SCHED_AT_YIELD:
		return "yield";
	default:
		return modsim_point_name(at);
	}
}
