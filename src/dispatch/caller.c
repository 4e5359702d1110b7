/* The caller kind of a preset: which inline enter and exit (caller.h) run it, or the table. */
#include "dispatch/dispatch.h"

/* Does @s run exactly @b's caller side (the same functions, not merely the same names)? */
static bool same_caller_side(const struct modsim_strategy *s, const struct modsim_strategy *b)
{
	return s->enter == b->enter && s->exit == b->exit && s->section_begin == b->section_begin &&
	       s->section_end == b->section_end;
}

enum modsim_caller modsim_caller_of(const struct modsim_strategy *s)
{
	const struct modsim_preset *const *all;
	size_t n;

	if (!s)
		return MODSIM_CALLER_TABLE;
	/* Each built-in preset names the inline code that does what its enter,
	 * exit and section operations do (struct modsim_preset's caller); a
	 * preset that runs none of theirs is called through its table. */
	all = modsim_preset_entries(&n);
	for (size_t i = 0; i < n; i++)
		if (same_caller_side(s, all[i]->ops))
			return all[i]->caller;
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
