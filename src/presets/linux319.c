/* Preset "linux319": 3.19's one atomic count with a base; unload takes the base, restores it if busy. */
#include <errno.h>

#include "presets/presets.h"
#include "presets/linux319.h"

/*
 * While the module is LIVE its count is MODULE_REF_BASE plus the references
 * held.  A get increments only a nonzero count, so once unload has taken
 * the base away from an idle module (count 0) no get can ever succeed, and
 * no stop of the world is needed to decide.  A busy module gets its base
 * back and unload says EWOULDBLOCK; it never waits.  Between the
 * subtraction and the restore the count is only the holders'.  If they all
 * drop their references inside that window the count reaches zero: a get
 * there fails, and so the restore must not happen either (3.19 restores
 * with atomic_add_unless(..., 0)), or the module would stay LIVE after
 * refusing a get for nothing.  Unload then goes on, as if it had found
 * the module idle.
 */
#define MODULE_REF_BASE 1L

/* struct l319_priv and the callers' side, inline: linux319.h. */
static inline struct l319_priv *l319(struct modsim_mod *m)
{
	return m->priv;
}

/* State check, then atomic_inc_not_zero. */
static bool l319_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_l319_enter(m, cpu);
}

/* Unload never waits on the count, so a put wakes nobody. */
static void l319_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_l319_exit(m, cpu);
}

static long l319_refcount(struct modsim_mod *m)
{
	return atomic_load_explicit(&l319(m)->refcnt, memory_order_relaxed) - MODULE_REF_BASE;
}

/* The base is there from the start, as module_unload_init() set it; gets wait for LIVE. */
static int l319_setup(struct modsim_mod *m)
{
	atomic_store(&l319(m)->refcnt, MODULE_REF_BASE);
	return 0;
}

/* atomic_add_unless(@v, @a, 0): add unless the count is zero.  True when added. */
static bool add_unless_zero(_Atomic long *v, long a)
{
	long c = atomic_load(v);

	while (c != 0)
		if (atomic_compare_exchange_weak(v, &c, c + a))
			return true;
	return false;
}

/*
 * do_init_module() of 3.19 on a failed init: GOING, synchronize_sched(),
 * module_put(), free_module().  Nothing waits for the count: a reference
 * taken while the module was COMING is left pointing at freed memory.
 * Must be called with k->load_mutex held.
 */
static int l319_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	if (!err || modsim_mod_state(m) == MODSIM_STATE_STUCK)
		return err;
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_wait_quiescence(m->k); /* synchronize_sched(); a time-out changes nothing */
	return err;
}

/* Must be called with k->load_mutex held. */
static int l319_unload(struct modsim_mod *m, unsigned int flags)
{
	struct l319_priv *p = l319(m);
	long held;
	int err;

	/* try_release_module_ref(): take the base away. */
	held = atomic_fetch_sub(&p->refcnt, MODULE_REF_BASE) - MODULE_REF_BASE;
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	if (held && add_unless_zero(&p->refcnt, MODULE_REF_BASE))
		return modsim_err(-EWOULDBLOCK, "rmmod %s: in use (count %ld); linux319 never waits",
				  m->name, held);
	/* Count 0 and no base: no get can succeed again. */
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_linux319 = {
	.name = "linux319",
	.post = "history",
	.caller = "state check (not GOING: COMING counts), then atomic increment unless the count is zero "
		  "(one shared atomic); only file operations and symbol_get",
	.unloader = "subtract the base; zero: GOING and exit; else restore it and EWOULDBLOCK (never waits); "
		    "a failed init: GOING, quiescence, free (no wait for the count)",
	.author = "an exit that unregisters every hook, notifier and timer (the unregister synchronises); "
		  "nothing else, but file operations may fail a call",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_SAFE,
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_SAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "a file operation holds a count; unload wins only when the count minus the base is zero, and then no get can succeed; "
				"a hook takes no count, but exit's unregister_hook synchronises with the callers in the chain",
		[MODSIM_HZ_B] = "module_is_live() is state != GOING: a file opened while init runs holds a count, "
				"and a failed init frees the module without waiting for it",
		[MODSIM_HZ_P] = "a hook takes no count, so the self-put is not the last one that matters: "
				"exit's unregister_hook waits for the caller still in the chain",
		[MODSIM_HZ_T] = "timer_list has no owner: nothing refuses a callback, and a timer exit forgot fires into freed code",
		[MODSIM_HZ_L] = "an open file holds a count: unload says EWOULDBLOCK until it is closed",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.sources = "try_module_get: module_is_live() && atomic_inc_not_zero(&module->refcnt); module_is_live() is "
		   "state != GOING, so gets succeed while COMING (kernel/module.c and include/linux/module.h, 3.19; "
		   "kernel/module/main.c, 6.1)\n"
		   "unload: try_release_module_ref() subtracts MODULE_REF_BASE, restores it with "
		   "atomic_add_unless(..., 0) when busy; try_stop_module() says -EWOULDBLOCK, never waits "
		   "(kernel/module.c, 3.19, \"module: Remove stop_machine from module unloading\")\n"
		   "failed init: GOING, synchronize_sched(), module_put(), free_module(), no wait for the count "
		   "(kernel/module.c do_init_module, 3.19; synchronize_rcu() in 6.1)\n"
		   "per-call owner reference: file operations (fops_get) and symbol_get only; nf_hook_ops carries no "
		   "per-call reference (net/netfilter/core.c, 3.19)\n"
		   "hooks and notifiers rely on exit to unregister, and the unregister synchronises: nf_unregister_hook() ends "
		   "in synchronize_net() (net/netfilter/core.c, 3.19); atomic_notifier_chain_unregister() in "
		   "synchronize_rcu() (kernel/notifier.c)\n"
		   "timers: struct timer_list has no owner; del_timer_sync() waits for a running callback (kernel/time/timer.c, 3.19)",
	.owner_ref = MODSIM_OWNER_REF_FOPS,
	.priv_size = sizeof(struct l319_priv),
	.enter = l319_get,
	.exit = l319_put,
	.get = l319_get,
	.put = l319_put,
	.refcount = l319_refcount,
	.mod_setup = l319_setup,
	.load = l319_load,
	.unload = l319_unload,
};

const struct modsim_preset modsim_preset_linux319_entry = {
	.ops = &modsim_preset_linux319,
	.caller = MODSIM_CALLER_BIASED,
	.axis = { "direct", "biased atomic", "refuse if busy" },
};
