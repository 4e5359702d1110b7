/* The caller kind of a preset: which inline enter and exit (caller.h) run it, or the table. */
#include "dispatch/dispatch.h"

/*
 * Each built-in preset and the inline code that does what its enter, exit
 * and section operations do.  The presets with a count take that code from
 * caller.h; those that do nothing on a short call are NOTHING.  A preset
 * missing here is called through its table.
 */
static const struct {
	const struct modsim_strategy *s;
	enum modsim_caller c;
} kinds[] = {
	{ &modsim_preset_none, MODSIM_CALLER_NOTHING },
	{ &modsim_preset_inc, MODSIM_CALLER_INC },
	{ &modsim_preset_try, MODSIM_CALLER_TRY },
	{ &modsim_preset_try_drain, MODSIM_CALLER_DRAIN },
	{ &modsim_preset_self, MODSIM_CALLER_NOTHING },
	{ &modsim_preset_self_restart, MODSIM_CALLER_NOTHING },
	{ &modsim_preset_self_noquiesce, MODSIM_CALLER_NOTHING },
	{ &modsim_preset_nounload, MODSIM_CALLER_NOTHING },
	{ &modsim_preset_twoinit, MODSIM_CALLER_NOTHING },
	{ &modsim_preset_stopworld, MODSIM_CALLER_NOTHING },
	{ &modsim_preset_linux26, MODSIM_CALLER_PERCPU },
	{ &modsim_preset_linux319, MODSIM_CALLER_BIASED },
	{ &modsim_preset_rcu, MODSIM_CALLER_RCU },
	{ &modsim_preset_percpu_ref, MODSIM_CALLER_PCPU_REF },
	{ &modsim_preset_rundown, MODSIM_CALLER_RUNDOWN },
	{ &modsim_preset_quiesce, MODSIM_CALLER_NOTHING },
};

/* Does @s run exactly @b's caller side (the same functions, not merely the same names)? */
static bool same_caller_side(const struct modsim_strategy *s, const struct modsim_strategy *b)
{
	return s->enter == b->enter && s->exit == b->exit && s->section_begin == b->section_begin &&
	       s->section_end == b->section_end;
}

enum modsim_caller modsim_caller_of(const struct modsim_strategy *s)
{
	if (!s)
		return MODSIM_CALLER_TABLE;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (same_caller_side(s, kinds[i].s))
			return kinds[i].c;
	return MODSIM_CALLER_TABLE;
}

const char *modsim_caller_name(enum modsim_caller c)
{
	static const char *const names[MODSIM_CALLER__COUNT] = {
		[MODSIM_CALLER_TABLE] = "table",
		[MODSIM_CALLER_NOTHING] = "nothing",
		[MODSIM_CALLER_INC] = "shared count",
		[MODSIM_CALLER_TRY] = "try count",
		[MODSIM_CALLER_DRAIN] = "try count, closed bit",
		[MODSIM_CALLER_PERCPU] = "per-CPU count",
		[MODSIM_CALLER_BIASED] = "biased atomic",
		[MODSIM_CALLER_RCU] = "read-side section",
		[MODSIM_CALLER_PCPU_REF] = "per-CPU count, atomic once killed",
		[MODSIM_CALLER_RUNDOWN] = "rundown",
	};

	if ((unsigned int)c < MODSIM_CALLER__COUNT)
		return names[c];
	return "?";
}
