/* The subsystems' call path into module code (entry, guard, exit, counts); naming that code. */
#ifndef MODSIM_CALLPATH_H
#define MODSIM_CALLPATH_H

#include <errno.h>

#include "dispatch/dispatch.h"

/*
 * How a subsystem calls into module code (chrdev.c, hook.c, timer.c,
 * notifier.c):
 *
 *	adhoc = modsim_cpu_call_begin(cpu);      online before the lookup
 *	lock; copy out owner record + ops pointer; unlock;
 *	modsim_point_hit(k, MODSIM_PT_CALL_AFTER_LOOKUP, owner);
 *	MODSIM_CALL(err, cpu, owner, ss, "op", r = ops->fn(...));
 *	modsim_cpu_call_end(cpu, adhoc);
 *
 * The CPU goes online before the lookup so that a loader waiting for
 * quiescence (or stopping the world) cannot miss a caller that holds a
 * pointer it found.  The ops pointer is dereferenced only inside @stmt, so a
 * read of unloaded module memory faults under the guard and is attributed.
 */

/*
 * modsim_caller_kind_ss - the caller kind for one short call through
 * subsystem @ss: the preset's, or MODSIM_CALLER_NOTHING when the preset's
 * owner-ref axis is fops+symbol_get (Linux): there a short call takes no
 * reference of its own.  A file operation runs on the reference its open
 * took (fops_get), a call through symbol_get on the one symbol_get took,
 * and a hook, notifier block or timer on none: exit's unregister
 * synchronises with it instead (hook.c, notifier.c, del_timer_sync).
 */
static inline unsigned int modsim_caller_kind_ss(const struct modsim_cpu *cpu,
						 enum modsim_subsys ss)
{
	(void)ss;
	if (modsim_unlikely(cpu->k->noref_sync))
		return MODSIM_CALLER_NOTHING;
	return modsim_caller_kind(cpu);
}

/*
 * modsim_call_refused - count a get the strategy refused on @owner, and
 * whether the module was LIVE then (a spurious refusal) or COMING or GOING
 * (the protocol keeping callers out).
 */
static inline void modsim_call_refused(struct modsim_cpu *cpu, struct modsim_mod *owner,
				       enum modsim_subsys ss)
{
	modsim_cpu_inc(&cpu->failed_get[ss]);
	if (atomic_load_explicit(&owner->state, memory_order_relaxed) == MODSIM_STATE_LIVE)
		modsim_cpu_inc(&cpu->refused_live[ss]);
}

/* Count a call made into @owner, and whether the module was not LIVE then. */
static inline void modsim_call_made(struct modsim_cpu *cpu, struct modsim_mod *owner,
				    enum modsim_subsys ss)
{
	modsim_cpu_inc(&cpu->ops[ss]);
	if (atomic_load_explicit(&owner->state, memory_order_relaxed) != MODSIM_STATE_LIVE)
		modsim_cpu_inc(&cpu->ops_unlive[ss]);
}

/*
 * modsim_call_begin - the strategy's entry for a short call into @owner.
 * @kind: modsim_caller_kind(), read once for the call's entry and exit
 * Return: 0, or -ENODEV when the strategy refused (counted as a failed get).
 */
static inline int modsim_call_begin(struct modsim_cpu *cpu, unsigned int kind,
				    struct modsim_mod *owner, enum modsim_subsys ss)
{
	if (!modsim_caller_enter(kind, owner, cpu)) {
		modsim_call_refused(cpu, owner, ss);
		return -ENODEV;
	}
	modsim_point_hit(cpu->k, MODSIM_PT_CALL_AFTER_ENTER, owner);
	return 0;
}

/*
 * modsim_call_end - pop the guard, pass the strategy's exit, count the call.
 * Return: 0, or -EFAULT when the call faulted (counted as faulted).
 */
static inline int modsim_call_end(struct modsim_cpu *cpu, unsigned int kind,
				  struct modsim_mod *owner, enum modsim_subsys ss,
				  struct modsim_guard *g)
{
	int err = modsim_guard_pop(g);

	cpu->call_obj = NULL; /* a later guarded call without an object must not see this one's */
	modsim_point_hit(cpu->k, MODSIM_PT_CALL_BEFORE_EXIT, owner);
	modsim_caller_exit(kind, owner, cpu);
	modsim_call_made(cpu, owner, ss);
	if (modsim_unlikely(err))
		modsim_cpu_inc(&cpu->faulted[ss]);
	return err;
}

/*
 * MODSIM_CALL - one entry/exit-bracketed, guarded call into module code.
 * @err:   int lvalue: 0, -ENODEV (refused) or -EFAULT (faulted)
 * @stmt:  the call; it must read the module's ops structure itself, and a
 *         variable it assigns that is read afterwards must be volatile
 *
 * The caller kind is read once: the entry and the exit of one call run the
 * same preset's code, even if the preset were switched in between.
 *
 * A macro, not a function: sigsetjmp() must run in the frame that stays
 * live for the whole guarded call.  Give it a small noinline function of
 * its own whose locals are assigned once, so that nothing the caller keeps
 * in registers lives across sigsetjmp() (-Wclobbered at -O2).
 */
#define MODSIM_CALL(err, cpu, owner, ss, op, stmt) MODSIM_CALL_OBJ(err, cpu, owner, ss, op, NULL, stmt)

/*
 * MODSIM_CALL_OBJ - MODSIM_CALL through @obj: the timer, hook or notifier
 * block the call came through, which an exit can synchronise with
 * (modsim_exit_synced()).  A call entering during exit through an object
 * exit then waited for is the protocol working, not a call-after-exit.
 */
#define MODSIM_CALL_OBJ(err, cpu, owner, ss, op, obj, stmt)                     \
	do {                                                                    \
		const unsigned int __mc_kind = modsim_caller_kind_ss(cpu, ss);  \
		struct modsim_guard __mc_guard;                                 \
		if (modsim_call_begin((cpu), __mc_kind, (owner), (ss))) {       \
			(err) = -ENODEV;                                        \
			break;                                                  \
		}                                                               \
		(cpu)->call_obj = (obj);                                        \
		MODSIM_GUARDED(&__mc_guard, (owner), (ss), (op), stmt);         \
		(err) = modsim_call_end((cpu), __mc_kind, (owner), (ss),        \
					&__mc_guard);                           \
	} while (0)

/* Does generation @m's mapped code or data hold @addr?  Reads only the record. */
static inline bool modsim_mod_holds(const struct modsim_mod *m, const void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	for (unsigned int i = 0; i < m->nranges; i++)
		if (a >= m->ranges[i].lo && a < m->ranges[i].hi)
			return true;
	return false;
}

#endif /* MODSIM_CALLPATH_H */
