/* Presets composed on the init axis: "BASE+twoinit" and "BASE+stopworld-init" replace how BASE runs init. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "presets/presets.h"

/* The init axis choices a composition can put under a base preset. */
enum compose_init { COMPOSE_TWOINIT, COMPOSE_STOPWORLD };

static const struct {
	const char *name;  /* canonical suffix */
	const char *alias; /* also accepted */
	enum compose_init init;
} compose_inits[] = {
	{ "twoinit", "two-stage", COMPOSE_TWOINIT },
	{ "stopworld-init", "stopworld", COMPOSE_STOPWORLD },
};

/*
 * struct composed - a base preset whose load runs init another way.  The
 * caller side, unload and per-module state are the base's, copied; only
 * @s.load and the description differ.  Made once per name and never
 * freed: kernels keep pointers to it.
 */
struct composed {
	struct modsim_strategy s;
	const struct modsim_strategy *base;
	enum compose_init init;
	struct composed *next;
	char name[128];
	char post[64];
	char unloader[384];
	char author[384];
};

/* Every composition made so far; under compose_lock. */
static pthread_mutex_t compose_lock = PTHREAD_MUTEX_INITIALIZER;
static struct composed *composed_list;

/*
 * Two-stage init under a base's load: the base's load runs as it would,
 * but the "init" it runs is the module's commit (reserve already
 * succeeded).  The base calls init through m->desc, so for the length of
 * its load m->desc is a kernel-side copy of the descriptor whose init is
 * commit_trampoline; commit_lock keeps commit_target for that long (loads
 * of different kernels may run at once).
 */
static pthread_mutex_t commit_lock = PTHREAD_MUTEX_INITIALIZER;
static struct module *_Atomic commit_target;

static int commit_trampoline(void)
{
	struct module *desc = atomic_load(&commit_target);

	desc->commit();
	return 0;
}

static const struct composed *composed_of(const struct modsim_mod *m)
{
	return (const struct composed *)((const char *)m->strat - offsetof(struct composed, s));
}

static int base_load(const struct composed *c, struct modsim_mod *m)
{
	return c->base->load ? c->base->load(m) : modsim_default_load(m);
}

/* Run the base's load with init replaced by the module's commit. */
static int base_load_committing(const struct composed *c, struct modsim_mod *m)
{
	struct module *real = m->desc, *shadow;
	int err;

	shadow = malloc(sizeof(*shadow));
	if (!shadow)
		return modsim_err(-ENOMEM, "insmod %s: no memory for two-stage init", m->name);
	memcpy(shadow, real, sizeof(*shadow));
	shadow->init = commit_trampoline;

	pthread_mutex_lock(&commit_lock);
	atomic_store(&commit_target, real);
	m->desc = shadow;
	err = base_load(c, m);
	m->desc = real;
	pthread_mutex_unlock(&commit_lock);
	/* A hung commit still runs on the watchdog's old thread, which read
	 * the shadow: keep it then. */
	if (modsim_mod_state(m) != MODSIM_STATE_STUCK)
		free(shadow);
	return err;
}

/* A module without reserve and commit under two-stage init: as the
 * twoinit preset does, a failed init is never freed, and that is reported. */
static int twoinit_one_stage(const struct composed *c, struct modsim_mod *m)
{
	struct modsim_violation v;
	int err = base_load(c, m);

	if (!err || modsim_mod_state(m) == MODSIM_STATE_STUCK)
		return err;
	m->keep = true;
	modsim_violation_init(&v, MODSIM_V_LEAK, m, MODSIM_SS_LOADER, "init");
	snprintf(v.detail, sizeof(v.detail), "init failed; never freed (no two-stage init)");
	modsim_stat_violation(m->k, &v);
	return err;
}

static int compose_twoinit_load(struct modsim_mod *m)
{
	const struct composed *c = composed_of(m);
	int err;

	if (!modsim_mod_has(m, "reserve") || !modsim_mod_has(m, "commit"))
		return twoinit_one_stage(c, m);
	err = modsim_mod_run_hook(m, "reserve");
	if (err) {
		/* Nothing is visible yet: freeing is safe. */
		modsim_point_hit(m->k, MODSIM_PT_LOAD_INIT_FAILED, m);
		return err;
	}
	err = base_load_committing(c, m);
	if (err == -EFAULT && modsim_mod_has(m, "unreserve"))
		modsim_mod_run_hook(m, "unreserve");
	return err;
}

/* Init with the world stopped: no caller runs while init does; an init
 * that waits for another thread never returns (the watchdog fires). */
static int compose_stopworld_load(struct modsim_mod *m)
{
	const struct composed *c = composed_of(m);
	int err;

	err = modsim_stop_world(m->k);
	if (err)
		return err;
	err = base_load(c, m);
	modsim_start_world(m->k); /* also after a failed or hung init */
	return err;
}

/* Fill @c from its base: copy everything, then say what changed. */
static void compose_describe(struct composed *c)
{
	const struct modsim_strategy *b = c->base;
	bool two = c->init == COMPOSE_TWOINIT;

	c->s = *b;
	c->s.name = c->name;
	snprintf(c->post, sizeof(c->post), "%s + %s", b->post ? b->post : "?", two ? "4" : "5");
	c->s.post = c->post;
	snprintf(c->unloader, sizeof(c->unloader), "load: %s; unload: %s",
		 two ? "reserve (may fail, nothing visible), then the base's load with commit as init"
		     : "the base's load with the world stopped",
		 b->unloader ? b->unloader : "?");
	c->s.unloader = c->unloader;
	snprintf(c->author, sizeof(c->author), "%s%s", b->author ? b->author : "?",
		 two ? "; plus reserve, unreserve and commit hooks" : "");
	c->s.author = c->author;
	c->s.load = two ? compose_twoinit_load : compose_stopworld_load;

	/* B comes from the init axis; S too where init stops the world. */
	c->s.predict[MODSIM_HZ_B] = MODSIM_SAFE;
	c->s.why[MODSIM_HZ_B] = two ? "reserve fails before anything is visible; commit cannot fail"
				    : "init runs with the world stopped: no caller finds what it registered before it is undone";
	if (!two) {
		c->s.predict[MODSIM_HZ_S] = MODSIM_UNSAFE;
		c->s.why[MODSIM_HZ_S] = "init runs with the world stopped: an init that waits for a worker never returns";
	}
}

MODSIM_API int modsim_strategy_compose(const char *name, const struct modsim_strategy **out)
{
	const struct modsim_strategy *base;
	const char *plus = name ? strchr(name, '+') : NULL;
	char canon[128], bname[64];
	struct composed *c;
	size_t blen, i;

	if (!plus)
		return modsim_err(-EINVAL, "strategy %s: not a composition (BASE+twoinit or BASE+stopworld-init)",
				  name ? name : "(null)");
	blen = (size_t)(plus - name);
	if (blen == 0 || blen >= sizeof(bname))
		return modsim_err(-ENOENT, "strategy %s: no base preset before '+'", name);
	memcpy(bname, name, blen);
	bname[blen] = '\0';
	base = modsim_strategy_find(bname);
	if (!base)
		return modsim_err(-ENOENT, "strategy %s: unknown base preset %s", name, bname);
	for (i = 0; i < sizeof(compose_inits) / sizeof(compose_inits[0]); i++)
		if (!strcmp(plus + 1, compose_inits[i].name) || !strcmp(plus + 1, compose_inits[i].alias))
			break;
	if (i == sizeof(compose_inits) / sizeof(compose_inits[0]))
		return modsim_err(-ENOENT, "strategy %s: unknown init choice '%s' (twoinit or stopworld-init)",
				  name, plus + 1);
	if ((compose_inits[i].init == COMPOSE_TWOINIT && !strcmp(bname, "twoinit")) ||
	    (compose_inits[i].init == COMPOSE_STOPWORLD && !strcmp(bname, "stopworld")))
		return modsim_err(-EINVAL, "strategy %s: %s already inits that way", name, bname);
	snprintf(canon, sizeof(canon), "%s+%s", bname, compose_inits[i].name);

	pthread_mutex_lock(&compose_lock);
	for (c = composed_list; c; c = c->next)
		if (!strcmp(c->name, canon))
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (c) {
			c->base = base;
			c->init = compose_inits[i].init;
			snprintf(c->name, sizeof(c->name), "%s", canon);
			compose_describe(c);
			c->next = composed_list;
			composed_list = c;
		}
	}
	pthread_mutex_unlock(&compose_lock);
	if (!c)
		return modsim_err(-ENOMEM, "strategy %s: out of memory", name);
	*out = &c->s;
	return 0;
}
