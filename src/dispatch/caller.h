/* The callers' hot path: the built-in presets' enter and exit as inline code, picked by the kernel's caller kind. */
#ifndef MODSIM_CALLER_H
#define MODSIM_CALLER_H

#include "presets/inc.h"
#include "presets/try.h"
#include "presets/try_drain.h"
#include "presets/linux26.h"
#include "presets/linux319.h"
#include "presets/rcu.h"
#include "presets/percpu_ref.h"
#include "presets/rundown.h"

/*
 * Included by dispatch/dispatch.h, after the presets' headers: each built-in
 * preset's private record and callers' side is in presets/NAME.h.
 *
 * Every subsystem call into module code runs the preset's enter and exit,
 * and the preset is chosen at run time.  Through the table
 * (cpu->k->strat->enter) that is two out-of-line indirect calls per call,
 * which cost more than the per-CPU counts they run.  So each built-in
 * preset's caller side is written once, as inline code in its
 * presets/NAME.h, and the kernel keeps a small tag, k->caller, that says which of them its preset
 * uses.  modsim_caller_enter() and modsim_caller_exit() switch on it (a
 * call reads it once, modsim_caller_kind(); MODSIM_CALL does), and so does
 * the call bracket's section test (modsim_section_begin/end).  The preset's
 * table points at the same code (its NAME.c takes its enter and exit
 * from NAME.h), so both ways run the same instructions.  rcu's read-side
 * section stays two direct calls into strategy_rcu.c: inline here, it would
 * bring liburcu's headers (rcu_* macros, futex()) into every subsystem.
 * Anything the tag does not name (a strategy .so, a preset with a section
 * of its own, a kernel whose tag was never set) goes through the table as
 * before.
 *
 * modsim_caller_of() (caller.c) sets the tag when the preset is installed:
 * a preset gets a kind only when its enter, exit and section operations
 * are exactly those of a built-in preset with that kind, so compositions
 * (which copy their base's caller side) keep the fast path, and a table
 * with any other function does not get it.
 */

/* modsim_caller_of - the caller kind of preset @s (caller.c). */
enum modsim_caller modsim_caller_of(const struct modsim_strategy *s);
/* modsim_caller_name - "table", "nothing", "per-CPU count", ... */
const char *modsim_caller_name(enum modsim_caller c);

/* ---- the dispatch ---- */

/*
 * The order of the tests is the cost.  A preset whose callers do nothing
 * (none, the self presets, nounload, twoinit, stopworld, quiesce) falls
 * straight through: one compare, one branch not taken, the price the post
 * says such callers pay.  Every other kind jumps out of line once and back
 * once per call (a taken branch costs about a cycle in a loop this short),
 * then tests its kind: the per-CPU counts first, then rcu, then the shared
 * counts, whose locked instructions cost ten times more than any of this,
 * in one switch.  With the kind read once per call (modsim_caller_kind),
 * the compiler lays each kind's exit right after its call, untested.
 */
static inline bool modsim_enter_shared(unsigned int c, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	switch ((enum modsim_caller)c) {
	case MODSIM_CALLER_INC:
		return modsim_inc_enter(m, cpu);
	case MODSIM_CALLER_TRY:
		return modsim_try_enter(m, cpu);
	case MODSIM_CALLER_DRAIN:
		return modsim_drain_enter(m, cpu);
	case MODSIM_CALLER_BIASED:
		return modsim_l319_enter(m, cpu);
	case MODSIM_CALLER_RUNDOWN:
		return modsim_rd_enter(m, cpu);
	default:
		return cpu->k->strat->enter(m, cpu);
	}
}

static inline void modsim_exit_shared(unsigned int c, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	switch ((enum modsim_caller)c) {
	case MODSIM_CALLER_INC:
		modsim_inc_exit(m, cpu);
		return;
	case MODSIM_CALLER_TRY:
		modsim_try_exit(m, cpu);
		return;
	case MODSIM_CALLER_DRAIN:
		modsim_drain_exit(m, cpu);
		return;
	case MODSIM_CALLER_BIASED:
		modsim_l319_exit(m, cpu);
		return;
	case MODSIM_CALLER_RUNDOWN:
		modsim_rd_exit(m, cpu);
		return;
	default:
		cpu->k->strat->exit(m, cpu);
		return;
	}
}

/*
 * modsim_caller_kind - the kernel's caller kind, for one call.  Read it
 * once and give it to both modsim_caller_enter() and modsim_caller_exit():
 * the preset changes only while no module is loaded (modsim_set_strategy),
 * and with one value the compiler knows at the exit which way the entry
 * went, so that neither pays a test the other already made.
 */
static inline unsigned int modsim_caller_kind(const struct modsim_cpu *cpu)
{
	return cpu->k->caller;
}

/* The preset's entry for a short call into @m (NULL: built-in code); false refuses. */
static inline bool modsim_caller_enter(unsigned int c, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (modsim_likely(c == MODSIM_CALLER_NOTHING))
		return true;
	if (c == MODSIM_CALLER_PERCPU)
		return modsim_l26_enter(m, cpu);
	if (c == MODSIM_CALLER_PCPU_REF)
		return modsim_pref_enter(m, cpu);
	if (c == MODSIM_CALLER_RCU)
		return modsim_rcu_enter(m, cpu);
	return modsim_enter_shared(c, m, cpu);
}

/* The preset's exit after that call. */
static inline void modsim_caller_exit(unsigned int c, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (modsim_likely(c == MODSIM_CALLER_NOTHING))
		return;
	if (c == MODSIM_CALLER_PERCPU)
		modsim_l26_exit(m, cpu);
	else if (c == MODSIM_CALLER_PCPU_REF)
		modsim_pref_exit(m, cpu);
	else if (c != MODSIM_CALLER_RCU)
		modsim_exit_shared(c, m, cpu);
}

/* The same, reading the kind for each. */
static inline bool modsim_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_caller_enter(modsim_caller_kind(cpu), m, cpu);
}

static inline void modsim_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_caller_exit(modsim_caller_kind(cpu), m, cpu);
}

/* The preset's read-side section around a whole call, lookup included (rcu). */
static inline void modsim_section_begin(struct modsim_cpu *cpu)
{
	const struct modsim_kernel *k = cpu->k;

	if (modsim_likely(k->caller > MODSIM_CALLER_RCU))
		return;
	if (k->caller == MODSIM_CALLER_RCU)
		__modsim_rcu_section_begin(cpu);
	else if (k->strat->section_begin)
		k->strat->section_begin(cpu);
}

static inline void modsim_section_end(struct modsim_cpu *cpu)
{
	const struct modsim_kernel *k = cpu->k;

	if (modsim_likely(k->caller > MODSIM_CALLER_RCU))
		return;
	if (k->caller == MODSIM_CALLER_RCU)
		__modsim_rcu_section_end(cpu);
	else if (k->strat->section_end)
		k->strat->section_end(cpu);
}

#endif /* MODSIM_CALLER_H */
