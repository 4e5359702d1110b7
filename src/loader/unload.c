/* rmmod: check who uses a module, let the preset run exit, release and sweep the generation. */
#include <errno.h>
#include <string.h>

#include "loader/loader.h"

#define ERRBUF 1024

/* A preset without an unload op: the status quo (exit at once). */
static int default_unload(struct modsim_mod *m, unsigned int flags)
{
	int err;

	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

/*
 * The core's own forced unload, whatever the preset: exit runs while
 * callers may be inside.  Unsafe by design, as delete_module(O_TRUNC) was.
 */
static int force_unload(struct modsim_mod *m)
{
	modsim_stat_loader(m->k, MODSIM_LS_UNLOAD_FORCED);
	return default_unload(m, MODSIM_UNLOAD_FORCE);
}

/* Count a refused or failed unload and make sure it has a message. */
static int unload_failed(struct modsim_mod *m, int err)
{
	struct modsim_kernel *k = m->k;

	if (modsim_mod_state(m) == MODSIM_STATE_STUCK) {
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_TIMEOUT);
		return modsim_err(-ETIMEDOUT, "rmmod %s: exit did not return within %u ms (watchdog); module is stuck",
				  m->name, k->cfg.init_timeout_ms);
	}
	switch (err) {
	case -EBUSY:
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_BUSY);
		break;
	case -EWOULDBLOCK:
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_WOULDBLOCK);
		break;
	case -EPERM:
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_EPERM);
		break;
	case -ETIMEDOUT:
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_TIMEOUT);
		if (!modsim_last_error()[0])
			modsim_err(err, "rmmod %s: users did not go away within %u ms", m->name,
				   k->cfg.unload_timeout_ms);
		break;
	}
	if (!modsim_last_error()[0])
		modsim_err(err, "rmmod %s: %s refused: %s (%s)", m->name, k->strat->name,
			   modsim_errname(err), strerror(-err));
	return err;
}

/* Must be called with k->load_mutex held. */
static int unload_locked(struct modsim_kernel *k, const char *name, unsigned int flags,
			 uint64_t t0)
{
	char users[256];
	struct modsim_mod *m;
	unsigned long calls;
	int err;

	m = modsim_find(k, name);
	if (!m)
		return modsim_err(-ENOENT, "rmmod %s: not loaded", name);
	switch (modsim_mod_state(m)) {
	case MODSIM_STATE_LIVE:
		break;
	case MODSIM_STATE_STUCK:
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_BUSY);
		return modsim_err(-EBUSY, "rmmod %s: is stuck (init or exit never returned)", name);
	default:
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_BUSY);
		return modsim_err(-EBUSY, "rmmod %s: is %s", name,
				  modsim_state_name(modsim_mod_state(m)));
	}
	if (!(flags & MODSIM_UNLOAD_FORCE) && modsim_deps_users(m, users, sizeof(users)) > 0) {
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_WOULDBLOCK);
		return modsim_err(-EWOULDBLOCK, "rmmod %s: used by %s", name, users);
	}
	calls = modsim_stat_calls(k);
	modsim_point_hit(k, MODSIM_PT_UNLOAD_BEGIN, m);

	if (flags & MODSIM_UNLOAD_FORCE) {
		if (!k->cfg.allow_force) {
			modsim_stat_loader(k, MODSIM_LS_UNLOAD_EPERM);
			return modsim_err(-EPERM, "rmmod %s: forced unload is not allowed (allow_force is off)",
					  name);
		}
		err = force_unload(m);
	} else {
		err = k->strat->unload ? k->strat->unload(m, flags) : default_unload(m, flags);
	}
	if (err) {
		/* Refused: the module stays, and the callers it kept safe are
		 * those since it went LIVE. */
		if (modsim_stat_calls(k) != m->calls_at_live)
			modsim_stat_loader(k, MODSIM_LS_UNLOAD_OVERLAP);
		return unload_failed(m, err);
	}

	modsim_point_hit(k, MODSIM_PT_UNLOAD_AFTER_EXIT, m);
	modsim_mod_release(m);
	modsim_point_hit(k, MODSIM_PT_UNLOAD_AFTER_FREE, m);
	if (modsim_stat_calls(k) != calls)
		modsim_stat_loader(k, MODSIM_LS_UNLOAD_OVERLAP);
	modsim_mod_sweep(m);
	modsim_stat_sample(k, MODSIM_SAMPLE_UNLOAD, modsim_now_ns() - t0);
	modsim_stat_loader(k, MODSIM_LS_UNLOAD_DONE);
	return 0;
}

MODSIM_API int modsim_unload(struct modsim_kernel *k, const char *name, unsigned int flags)
{
	uint64_t t0 = modsim_now_ns();
	char saved[ERRBUF];
	int err;

	if (!name || !*name)
		return modsim_err(-EINVAL, "rmmod: no module named");
	modsim_fault_init(); /* re-arm: see there */

	/* Keep the last failure's message if this unload succeeds. */
	snprintf(saved, sizeof(saved), "%s", modsim_last_error());
	modsim_err(0, "%s", "");

	pthread_mutex_lock(&k->load_mutex);
	modsim_stat_loader(k, MODSIM_LS_UNLOAD_ATTEMPTS);
	err = unload_locked(k, name, flags, t0);
	pthread_mutex_unlock(&k->load_mutex);

	if (!err)
		modsim_err(0, "%s", saved);
	return err;
}
