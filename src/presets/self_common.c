/* What the self presets share: the module's own count, stop and restart hooks, quiescence. */
#include <errno.h>

#include "presets/selfcount.h"

static inline struct modsim_self_priv *self_priv(struct modsim_mod *m)
{
	return m->priv;
}

bool modsim_self_nop_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return true;
}

void modsim_self_nop_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
}

bool modsim_self_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct modsim_self_priv *p;

	if (!m)
		return true;
	p = self_priv(m);
	if (atomic_load(&p->stopped))
		return false;
	/* The window: stopped may be set now; only quiescence covers it. */
	atomic_fetch_add(&p->count, 1);
	return true;
}

void modsim_self_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	/* seq_cst: pairs with modsim_mod_wait() setting m->waiting. */
	if (atomic_fetch_sub(&self_priv(m)->count, 1) == 1)
		modsim_mod_wake(m);
}

long modsim_self_refcount(struct modsim_mod *m)
{
	return atomic_load_explicit(&self_priv(m)->count, memory_order_relaxed);
}

long modsim_self_count(struct modsim_mod *m)
{
	return atomic_load(&self_priv(m)->count);
}

/*
 * Stop makes the module unfindable before the quiescence wait: the module's
 * stop hook withdraws what it registered, and the kernel withdraws what only
 * it can, the module's exported symbols.  A caller that found the module
 * before is then covered by the wait; none can find it after.
 */
int modsim_self_stop(struct modsim_mod *m)
{
	struct modsim_self_priv *p = self_priv(m);
	int err = 0;

	atomic_store(&p->stopped, 1);
	if (modsim_mod_has(m, "stop"))
		err = modsim_mod_run_hook(m, "stop");
	if (err == -ETIMEDOUT)
		return err; /* stuck: it stays stopped; the watchdog said why */
	if (err) {
		atomic_store(&p->stopped, 0);
		if (err == -EBUSY)
			return modsim_err(-EBUSY, "rmmod %s: the module's stop hook refused (busy)",
					  m->name);
		return modsim_err(err, "rmmod %s: the module's stop hook failed: %s", m->name,
				  modsim_errname(err));
	}
	modsim_symtab_remove(m);
	return 0;
}

void modsim_self_restart(struct modsim_mod *m)
{
	/* Under load_mutex nobody else can have taken the names meanwhile. */
	modsim_symtab_add(m);
	atomic_store(&self_priv(m)->stopped, 0);
	if (modsim_mod_has(m, "restart"))
		modsim_mod_run_hook(m, "restart");
}

int modsim_self_quiesce(struct modsim_mod *m)
{
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_WAIT, m);
	return modsim_wait_quiescence(m->k);
}

int modsim_self_busy(struct modsim_mod *m, long count)
{
	modsim_self_restart(m);
	return modsim_err(-EBUSY, "rmmod %s: in use (count %ld); restarted", m->name, count);
}

int modsim_self_finish(struct modsim_mod *m)
{
	int err;

	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}
