/* Preset "linux26": 2.6's per-CPU module counts, summed with the world stopped; unload waits. */
#include <errno.h>
#include <stdio.h>

#include "presets/linux26.h"

/*
 * Callers check the state and bump their own CPU's slot: one acquire load,
 * one relaxed store, no locked instruction, no shared line written.  The
 * price is on the unloader's side: the slots can only be summed while no
 * CPU is between its check and its increment, so unload stops the world
 * (2.6 used stop_machine), marks the module GOING and sums.  After that no
 * get succeeds, the slots only go down, and a blocking unload waits for
 * the sum to reach zero.
 */
/* struct l26_priv and the callers' side, inline: linux26.h. */

static inline struct l26_priv *l26(struct modsim_mod *m)
{
	return m->priv;
}

static bool l26_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_l26_enter(m, cpu);
}

/*
 * Slow path of a put during unload.  The fence pairs with modsim_mod_wait():
 * either the waiter's sum sees this put's store, or this thread sees it
 * waiting and wakes it.
 */
__attribute__((noinline)) void __modsim_l26_wake(struct modsim_mod *m)
{
	atomic_thread_fence(memory_order_seq_cst);
	modsim_mod_wake(m);
}

static void l26_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_l26_exit(m, cpu);
}

static long l26_refcount(struct modsim_mod *m)
{
	return pcpu_sum(&l26(m)->pc);
}

static int l26_setup(struct modsim_mod *m)
{
	return pcpu_alloc(&l26(m)->pc, m);
}

static void l26_teardown(struct modsim_mod *m)
{
	pcpu_free(&l26(m)->pc);
}

/*
 * Once GOING is set (with the world stopped) no get succeeds and every
 * slot only goes down, so a sum read here never undercounts: zero means
 * every reference was dropped.  Called with k->wait_lock held: it must
 * not block (a putter takes wait_lock to wake us while still online).
 */
static bool l26_idle(struct modsim_mod *m)
{
	return pcpu_sum(&l26(m)->pc) == 0;
}

/* Prefix the message a helper left (stop world, quiescence) with what failed. */
static int l26_fail(struct modsim_mod *m, int err, const char *what)
{
	char why[256];

	snprintf(why, sizeof(why), "%s", modsim_last_error());
	return modsim_err(err, "rmmod %s: %s: %s", m->name, what, why);
}

/*
 * sys_init_module() of 2.6 on a failed init: "Init routine failed: abort.
 * Try to protect us from buggy refcounters": GOING, synchronize_sched(),
 * module_put(), free_module().  Nothing waits for the count: a reference
 * taken while the module was COMING is left pointing at freed memory.
 * Must be called with k->load_mutex held.
 */
static int l26_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	if (!err || modsim_mod_state(m) == MODSIM_STATE_STUCK)
		return err;
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_wait_quiescence(m->k); /* synchronize_sched(); a time-out changes nothing */
	return err;
}

/* Must be called with k->load_mutex held. */
static int l26_unload(struct modsim_mod *m, unsigned int flags)
{
	struct modsim_kernel *k = m->k;
	long sum;
	int err;

	modsim_point_hit(k, MODSIM_PT_UNLOAD_WAIT, m);
	err = modsim_stop_world(k);
	if (err)
		return l26_fail(m, err, "cannot read the per-CPU counts");
	/* Nobody stands between a check and an increment: the sum is exact. */
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	sum = pcpu_sum(&l26(m)->pc);
	modsim_point_hit(k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	if (sum && (flags & MODSIM_UNLOAD_NOWAIT)) {
		/* LIVE again before the world runs: no call saw GOING, no get failed. */
		modsim_mod_set_state(m, MODSIM_STATE_LIVE);
		modsim_start_world(k);
		return modsim_err(-EWOULDBLOCK, "rmmod %s: in use (count %ld)", m->name, sum);
	}
	modsim_start_world(k);

	if (sum) {
		err = modsim_mod_wait(m, l26_idle);
		if (err) {
			modsim_mod_set_state(m, MODSIM_STATE_LIVE);
			return modsim_err(-ETIMEDOUT, "rmmod %s: still in use after %u ms (count %ld)",
					  m->name, k->cfg.unload_timeout_ms, pcpu_sum(&l26(m)->pc));
		}
		/*
		 * The last put was seen; wait until its CPU has left the call
		 * too (the put is the last thing a caller does in it).  Not in
		 * l26_idle: a putter still online may be blocked on wait_lock,
		 * waking us.
		 */
		err = modsim_wait_quiescence(k);
		if (err) {
			modsim_mod_set_state(m, MODSIM_STATE_LIVE);
			return l26_fail(m, err, "the last user did not leave");
		}
	}
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_linux26 = {
	.name = "linux26",
	.post = "history",
	.caller = "state check (not GOING: COMING counts), then increment this CPU's own count (no locked instruction); "
		  "only file operations and symbol_get",
	.unloader = "stop the world, mark GOING, sum the per-CPU counts; wait for zero (NOWAIT: EWOULDBLOCK); "
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
		[MODSIM_HZ_A] = "a file operation counts itself before GOING is set with the world stopped, and is waited for; "
				"a hook takes no count, but exit's unregister_hook synchronises with the callers in the chain",
		[MODSIM_HZ_B] = "module_is_live() is state != GOING: a file opened while init runs holds a count, "
				"and a failed init frees the module without waiting for it",
		[MODSIM_HZ_P] = "a hook takes no count, so the self-put is not the last one that matters: "
				"exit's unregister_hook waits for the caller still in the chain",
		[MODSIM_HZ_T] = "timer_list has no owner: nothing refuses a callback, and a timer exit forgot fires into freed code",
		[MODSIM_HZ_L] = "an open file holds a per-CPU count; unload waits for it (or says EWOULDBLOCK)",
		[MODSIM_HZ_S] = "init runs with the world running; only unload stops it, and briefly",
	},
	.sources = "try_module_get: state check, then local_inc of this CPU's count; module_is_live() is state != GOING, "
		   "so gets succeed while COMING (include/linux/module.h, 2.6.x; kernel/module/main.c, 6.1)\n"
		   "the FIXME beside module_is_live(): \"too much code (IDE & SCSI) require entry into the module during init\" "
		   "(include/linux/module.h, 2.6.x to 6.1)\n"
		   "failed init: GOING, synchronize_sched(), module_put(), free_module(), no wait for the count "
		   "(kernel/module.c sys_init_module, 2.6.x; do_init_module, 3.x; synchronize_rcu() in 6.1)\n"
		   "unload: stop_machine() to read the per-CPU counts, GOING, wait_for_zero_refcount() "
		   "(kernel/module.c sys_delete_module and try_stop_module, 2.6.x)\n"
		   "per-call owner reference: file operations (fops_get) and symbol_get only; nf_iterate(): \"we don't need "
		   "to hold module reference here, since function can't sleep. --RR\" (net/netfilter/core.c, 2.6.x)\n"
		   "hooks and notifiers rely on exit to unregister, and the unregister synchronises: nf_unregister_hook() ends "
		   "in synchronize_net() (net/netfilter/core.c, 2.6.x); atomic_notifier_chain_unregister() in "
		   "synchronize_rcu() (kernel/notifier.c)\n"
		   "timers: struct timer_list has no owner; __run_timers() calls the function with no module reference; "
		   "del_timer_sync() waits for a running callback (kernel/timer.c, 2.6.x)",
	.owner_ref = MODSIM_OWNER_REF_FOPS,
	.priv_size = sizeof(struct l26_priv),
	.enter = l26_get,
	.exit = l26_put,
	.get = l26_get,
	.put = l26_put,
	.refcount = l26_refcount,
	.mod_setup = l26_setup,
	.mod_teardown = l26_teardown,
	.load = l26_load,
	.unload = l26_unload,
};

const struct modsim_preset modsim_preset_linux26_entry = {
	.ops = &modsim_preset_linux26,
	.caller = MODSIM_CALLER_PERCPU,
	.axis = { "direct", "per-CPU count", "stop-the-world" },
};
