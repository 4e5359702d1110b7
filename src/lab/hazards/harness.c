/* The hazard harness: one forced interleaving per hazard on a fresh kernel, and its outcome. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/hazards/hazard_internal.h"

/* The first 1024 violations are kept by the kernel; a run makes a few. */
#define HZ_MAX_VIOLATIONS 1024

static const char *const hazard_modules[MODSIM_HZ__COUNT] = {
	[MODSIM_HZ_A] = "selfcount",
	[MODSIM_HZ_B] = "halfinit",
	[MODSIM_HZ_P] = "selfcount",
	[MODSIM_HZ_T] = "timer",
	[MODSIM_HZ_L] = "chardev",
	[MODSIM_HZ_S] = "initsleep",
};

static int (*const hazard_runs[MODSIM_HZ__COUNT])(struct hz_run *r) = {
	[MODSIM_HZ_A] = hz_run_a,
	[MODSIM_HZ_B] = hz_run_b,
	[MODSIM_HZ_P] = hz_run_p,
	[MODSIM_HZ_T] = hz_run_t,
	[MODSIM_HZ_L] = hz_run_l,
	[MODSIM_HZ_S] = hz_run_s,
};

MODSIM_API const char *modsim_hazard_module(enum modsim_hazard h)
{
	if ((unsigned int)h >= MODSIM_HZ__COUNT)
		return "?";
	return hazard_modules[h];
}

MODSIM_API int modsim_hazard_lookup(const char *name)
{
	if (!name || !name[0] || name[1])
		return -EINVAL;
	for (int h = 0; h < MODSIM_HZ__COUNT; h++)
		if (toupper((unsigned char)name[0]) == modsim_hazard_name((enum modsim_hazard)h)[0])
			return h;
	return -EINVAL;
}

/* The violations that show the hazard: a deadlock for S, else a stale call. */
static bool shows_hazard(enum modsim_vkind kind, enum modsim_hazard h)
{
	if (h == MODSIM_HZ_S)
		return kind == MODSIM_V_DEADLOCK;
	return kind == MODSIM_V_FAULT || kind == MODSIM_V_CALL_AFTER_EXIT;
}

MODSIM_API bool modsim_hazard_outcome_unsafe(const struct modsim_hazard_outcome *o,
					     enum modsim_hazard h)
{
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		if (o->violations[v] && shows_hazard((enum modsim_vkind)v, h))
			return true;
	return false;
}

static bool refused(int rc)
{
	return rc == -EBUSY || rc == -EPERM || rc == -EWOULDBLOCK;
}

MODSIM_API bool modsim_hazard_outcome_protected(const struct modsim_hazard_outcome *o,
						enum modsim_hazard h)
{
	if (h == MODSIM_HZ_S)
		return o->rc == 0;
	return refused(o->rc) || o->failed_gets || o->waited || o->held ||
	       (h == MODSIM_HZ_B && !o->found);
}

/* Append to @o's note, "; "-separated. */
static void note_add(struct modsim_hazard_outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note_add(struct modsim_hazard_outcome *o, const char *fmt, ...)
{
	size_t used = strlen(o->note);
	va_list ap;

	if (used && used + 2 < sizeof(o->note)) {
		strcpy(o->note + used, "; ");
		used += 2;
	}
	if (used + 1 >= sizeof(o->note))
		return;
	va_start(ap, fmt);
	vsnprintf(o->note + used, sizeof(o->note) - used, fmt, ap);
	va_end(ap);
}

static const char *rc_name(int rc)
{
	return rc ? modsim_errname(rc) : "0";
}

/* What the unloader (loader) returned, as the note says it. */
static void note_rc(struct hz_run *r)
{
	struct modsim_hazard_outcome *o = r->out;
	const char *what = (r->h == MODSIM_HZ_B || r->h == MODSIM_HZ_S) ? "insmod" : "rmmod";

	if (o->rc && r->rc_msg[0])
		note_add(o, "%s %s (%s)", what, rc_name(o->rc), r->rc_msg);
	else
		note_add(o, "%s %s", what, rc_name(o->rc));
}

/* One line: how it broke (the first violation that shows the hazard), or
 * how the preset protected. */
static void compose_note(struct hz_run *r, const struct modsim_violation *hit)
{
	struct modsim_hazard_outcome *o = r->out;

	o->note[0] = '\0';
	if (hit) {
		if (hit->kind == MODSIM_V_DEADLOCK)
			note_add(o, "%s: %s", modsim_vkind_name(hit->kind), hit->detail);
		else if (hit->point >= 0)
			note_add(o, "%s in %s gen %lu (%s op %s, last point %s)",
				 modsim_vkind_name(hit->kind), hit->module, hit->generation,
				 modsim_subsys_name(hit->subsys), hit->op,
				 modsim_point_name((enum modsim_point_id)hit->point));
		else
			note_add(o, "%s in %s gen %lu (%s op %s)", modsim_vkind_name(hit->kind),
				 hit->module, hit->generation, modsim_subsys_name(hit->subsys),
				 hit->op);
		for (int v = 0; v < MODSIM_V__COUNT; v++)
			if (v != (int)hit->kind && o->violations[v] &&
			    shows_hazard((enum modsim_vkind)v, r->h))
				note_add(o, "also %s x%lu", modsim_vkind_name((enum modsim_vkind)v),
					 o->violations[v]);
		note_rc(r);
		return;
	}
	if (refused(o->rc))
		note_add(o, "unload refused");
	if (o->failed_gets)
		note_add(o, "%lu get%s refused", o->failed_gets, o->failed_gets == 1 ? "" : "s");
	if (o->waited)
		note_add(o, "the unloader waited (unload.wait) while the caller went on");
	if (o->held)
		note_add(o, "a stopped world held the caller");
	if (r->h == MODSIM_HZ_B && !o->found)
		note_add(o, "nothing init registered was ever visible to the caller");
	if (r->h == MODSIM_HZ_S && o->rc == 0)
		note_add(o, "init's firmware request was served by the worker");
	if (!modsim_hazard_outcome_protected(o, r->h))
		note_add(o, "no violation, but no sign of protection either");
	note_rc(r);
}

/* How strongly a violation shows the hazard: a fault on freed memory over
 * a call after exit began; 0 for kinds that do not show it. */
static int strength(enum modsim_vkind kind, enum modsim_hazard h)
{
	if (!shows_hazard(kind, h))
		return 0;
	return kind == MODSIM_V_CALL_AFTER_EXIT ? 1 : 2;
}

/* Count the violations attributed to the hazard's module; the strongest
 * (first of its kind) that shows the hazard is copied to @hit.  Returns
 * whether there was one. */
static bool collect(struct hz_run *r, struct modsim_violation *hit)
{
	struct modsim_hazard_outcome *o = r->out;
	struct modsim_violation *v;
	struct modsim_stats st;
	int best = 0;
	size_t n;

	modsim_stats_get(r->k, &st);
	for (int s = 0; s < MODSIM_SS__COUNT; s++)
		o->failed_gets += st.failed_get[s];
	v = calloc(HZ_MAX_VIOLATIONS, sizeof(*v));
	if (!v)
		return false;
	n = modsim_violations(r->k, v, HZ_MAX_VIOLATIONS);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].module, r->module) || (unsigned int)v[i].kind >= MODSIM_V__COUNT)
			continue;
		o->violations[v[i].kind]++;
		if (strength(v[i].kind, r->h) > best) {
			*hit = v[i];
			best = strength(v[i].kind, r->h);
		}
	}
	free(v);
	return best > 0;
}

MODSIM_API int modsim_hazard_run(const char *strategy, enum modsim_hazard h,
				 struct modsim_hazard_outcome *out)
{
	struct hz_run r = { 0 };
	struct modsim_violation hit;
	struct modsim_config cfg;
	int err;

	memset(out, 0, sizeof(*out));
	out->hazard = h;
	snprintf(out->strategy, sizeof(out->strategy), "%s", strategy ? strategy : "");
	if ((unsigned int)h >= MODSIM_HZ__COUNT) {
		err = modsim_err(-EINVAL, "hazard %d: no such hazard", (int)h);
		snprintf(out->note, sizeof(out->note), "%s", modsim_last_error());
		return err;
	}
	snprintf(out->module, sizeof(out->module), "%s", hazard_modules[h]);
	r.h = h;
	r.module = hazard_modules[h];
	r.out = out;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.max_cpus = 8;
	cfg.init_timeout_ms = h == MODSIM_HZ_S ? 300 : 0;
	cfg.unload_timeout_ms = 2000;
	cfg.timer_thread = false;
	cfg.allow_force = false;
	r.log = fopen("/dev/null", "w"); /* violation reports: the outcome has them */
	cfg.log = r.log;
	err = modsim_kernel_create(&cfg, &r.k);
	if (err) {
		snprintf(out->note, sizeof(out->note), "%s", modsim_last_error());
		goto close_log;
	}

	err = hazard_runs[h](&r);
	if (err) {
		snprintf(out->note, sizeof(out->note), "could not force %s: %s",
			 modsim_hazard_name(h), r.trouble);
		modsim_kernel_destroy(r.k);
		modsim_err(err, "hazard %s under %s: %s", modsim_hazard_name(h), out->strategy,
			   r.trouble);
		goto close_log;
	}
	compose_note(&r, collect(&r, &hit) ? &hit : NULL);
	modsim_kernel_destroy(r.k);

close_log:
	if (r.log)
		fclose(r.log);
	return err;
}
