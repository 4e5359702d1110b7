/* The dispatch layer: the one way into module code (the caller kinds in caller.h, the call bracket, the preset's get and put). */
#ifndef MODSIM_DISPATCH_H
#define MODSIM_DISPATCH_H

#include "presets/presets.h"

#include "dispatch/caller.h"

/*
 * Every subsystem call into module code is bracketed, lookup included:
 *	bool adhoc = modsim_cpu_call_begin(cpu);
 *	... look up, point, enter, guarded call, exit ...
 *	modsim_cpu_call_end(cpu, adhoc);
 *
 * Threads that stay online (workers, the timer thread) announce their own
 * quiescent states.  Any other thread (a test, the shell) is offline between
 * calls: the bracket brings it online (with a full fence, parking first if
 * the world is stopped) and back offline; for a thread already online it
 * costs one load.  The bracket also opens and closes the strategy's
 * read-side section when it has one (rcu).
 * Return of modsim_cpu_call_begin: whether modsim_cpu_call_end must go offline.
 */
static inline bool modsim_cpu_call_begin(struct modsim_cpu *cpu)
{
	bool adhoc = false;

	if (modsim_unlikely(!atomic_load_explicit(&cpu->online, memory_order_relaxed))) {
		modsim_cpu_online(cpu);
		adhoc = true;
	}
	modsim_section_begin(cpu);
	return adhoc;
}
static inline void modsim_cpu_call_end(struct modsim_cpu *cpu, bool adhoc)
{
	modsim_section_end(cpu);
	if (adhoc)
		modsim_cpu_offline(cpu);
}

/* modsim_enter() and modsim_exit() are in caller.h. */
static inline bool modsim_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return cpu->k->strat->get(m, cpu);
}
static inline void modsim_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	cpu->k->strat->put(m, cpu);
}

#endif /* MODSIM_DISPATCH_H */
