/* Shared by the self presets (post option 2): the module's own count, stop, quiescence, restart. */
#ifndef MODSIM_SELFCOUNT_H
#define MODSIM_SELFCOUNT_H

#include "presets/presets.h"

/*
 * struct modsim_self_priv - a self-counting module's state (m->priv).
 * @count:   entries inside the module (module_self_enter .. module_self_exit),
 *           long-held ones included (an open file counts from open to release)
 * @stopped: unload began: module_self_enter() refuses
 *
 * module_self_enter() checks @stopped and then increments @count.  Between
 * the two a caller can be past the check with the count not yet raised:
 * the post's window, which only a quiescence wait after the stop closes
 * (the caller is online inside module code until it returns).  The presets
 * that skip that wait show it.
 */
struct modsim_self_priv {
	_Atomic long count;
	_Atomic int stopped;
} __attribute__((aligned(MODSIM_CACHELINE)));

/* Caller side: subsystems count nothing; the module counts itself. */
bool modsim_self_nop_enter(struct modsim_mod *m, struct modsim_cpu *cpu);
void modsim_self_nop_exit(struct modsim_mod *m, struct modsim_cpu *cpu);
bool modsim_self_enter(struct modsim_mod *m, struct modsim_cpu *cpu);
void modsim_self_exit(struct modsim_mod *m, struct modsim_cpu *cpu);
long modsim_self_refcount(struct modsim_mod *m);

/* Loader side; all with k->load_mutex held. */

/* The self count now (seq_cst). */
long modsim_self_count(struct modsim_mod *m);
/* Set stopped and run the module's stop hook if it has one.  Return: 0;
 * -EBUSY (or the hook's other error) with the module un-stopped; -ETIMEDOUT
 * when the hook hung (the module is stuck). */
int modsim_self_stop(struct modsim_mod *m);
/* Clear stopped and run the module's restart hook if it has one. */
void modsim_self_restart(struct modsim_mod *m);
/* Pass MODSIM_PT_UNLOAD_WAIT and wait until every CPU passed a point
 * outside module code.  Return: 0 or -ETIMEDOUT (the caller restarts). */
int modsim_self_quiesce(struct modsim_mod *m);
/* Restart and refuse: -EBUSY, "rmmod NAME: in use (count N)". */
int modsim_self_busy(struct modsim_mod *m, long count);
/* GOING, MODSIM_PT_UNLOAD_AFTER_GOING, exit.  Return: 0, or -ETIMEDOUT when
 * exit hung (a crashed exit still ends the module). */
int modsim_self_finish(struct modsim_mod *m);

/* The caller-side half of a self preset's table. */
#define MODSIM_SELF_CALLER_OPS                              \
	.priv_size = sizeof(struct modsim_self_priv),       \
	.enter = modsim_self_nop_enter,                     \
	.exit = modsim_self_nop_exit,                       \
	.get = modsim_self_nop_enter,                       \
	.put = modsim_self_nop_exit,                        \
	.self_enter = modsim_self_enter,                    \
	.self_exit = modsim_self_exit,                      \
	.refcount = modsim_self_refcount

#endif /* MODSIM_SELFCOUNT_H */
