/* Printable names of the public enums: race points, subsystems, violation kinds, module states, scheduling policies and ends. */
#include <errno.h>
#include <string.h>

#include "base/base.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const point_names[MODSIM_PT__COUNT] = {
	[MODSIM_PT_CALL_AFTER_LOOKUP] = "call.after_lookup",
	[MODSIM_PT_CALL_AFTER_ENTER] = "call.after_enter",
	[MODSIM_PT_CALL_BEFORE_EXIT] = "call.before_exit",
	[MODSIM_PT_TIMER_AFTER_PICK] = "timer.after_pick",
	[MODSIM_PT_LOAD_AFTER_MAP] = "load.after_map",
	[MODSIM_PT_LOAD_INIT_FAILED] = "load.init_failed",
	[MODSIM_PT_LOAD_AFTER_INIT] = "load.after_init",
	[MODSIM_PT_UNLOAD_BEGIN] = "unload.begin",
	[MODSIM_PT_UNLOAD_AFTER_CHECK] = "unload.after_check",
	[MODSIM_PT_UNLOAD_AFTER_GOING] = "unload.after_going",
	[MODSIM_PT_UNLOAD_WAIT] = "unload.wait",
	[MODSIM_PT_UNLOAD_AFTER_EXIT] = "unload.after_exit",
	[MODSIM_PT_UNLOAD_AFTER_FREE] = "unload.after_free",
	[MODSIM_PT_INIT_BETWEEN_REGS] = "init.between_regs",
	[MODSIM_PT_SELF_AFTER_PUT] = "self.after_put",
	[MODSIM_PT_QUIESCENT] = "quiescent",
};

MODSIM_API const char *modsim_point_name(enum modsim_point_id id)
{
	if ((int)id < 0 || id >= MODSIM_PT__COUNT)
		return "?";
	return point_names[id];
}

MODSIM_API int modsim_point_lookup(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int i = 0; i < MODSIM_PT__COUNT; i++)
		if (strcmp(point_names[i], name) == 0)
			return i;
	return -EINVAL;
}

static const char *const subsys_names[MODSIM_SS__COUNT] = {
	[MODSIM_SS_CHRDEV] = "chrdev",
	[MODSIM_SS_HOOK] = "hook",
	[MODSIM_SS_TIMER] = "timer",
	[MODSIM_SS_NOTIFIER] = "notifier",
	[MODSIM_SS_SYMBOL] = "symbol",
	[MODSIM_SS_LOADER] = "loader",
};

static const char *const vkind_names[MODSIM_V__COUNT] = {
	[MODSIM_V_FAULT] = "use-after-unload",
	[MODSIM_V_CALL_AFTER_EXIT] = "call-after-exit",
	[MODSIM_V_LEAK] = "leaked-registration",
	[MODSIM_V_DEADLOCK] = "deadlock",
	[MODSIM_V_MODULE_CRASH] = "module-crash",
};

MODSIM_API const char *modsim_subsys_name(enum modsim_subsys s)
{
	if ((int)s < 0 || s >= MODSIM_SS__COUNT)
		return "?";
	return subsys_names[s];
}

MODSIM_API bool modsim_vkind_is_race(enum modsim_vkind v)
{
	return v == MODSIM_V_FAULT || v == MODSIM_V_CALL_AFTER_EXIT || v == MODSIM_V_DEADLOCK;
}

MODSIM_API const char *modsim_vkind_name(enum modsim_vkind v)
{
	if ((int)v < 0 || v >= MODSIM_V__COUNT)
		return "?";
	return vkind_names[v];
}

MODSIM_API const char *modsim_state_name(enum modsim_state s)
{
	static const char *const names[] = {
		[MODSIM_STATE_UNFORMED] = "unformed", [MODSIM_STATE_COMING] = "coming",
		[MODSIM_STATE_LIVE] = "live",         [MODSIM_STATE_GOING] = "going",
		[MODSIM_STATE_GONE] = "gone",         [MODSIM_STATE_STUCK] = "stuck",
	};

	if ((unsigned int)s < sizeof(names) / sizeof(names[0]))
		return names[s];
	return "?";
}

static const char *const policy_names[] = {
	[MODSIM_SCHED_OFF] = "off",
	[MODSIM_SCHED_PCT] = "pct",
	[MODSIM_SCHED_RANDOM] = "random",
	[MODSIM_SCHED_REPLAY] = "replay",
};

static const char *const end_names[] = {
	[MODSIM_SEND_NONE] = "none",
	[MODSIM_SEND_VIOLATION] = "violation",
	[MODSIM_SEND_DEADLOCK] = "deadlock",
	[MODSIM_SEND_BUDGET] = "budget",
	[MODSIM_SEND_EXITED] = "exited",
	[MODSIM_SEND_LOST] = "lost",
};

MODSIM_API const char *modsim_sched_policy_name(enum modsim_sched_policy p)
{
	if ((unsigned int)p < ARRAY_LEN(policy_names))
		return policy_names[p];
	return "?";
}

MODSIM_API int modsim_sched_policy_lookup(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_LEN(policy_names); i++)
		if (!strcmp(name, policy_names[i]))
			return (int)i;
	return modsim_err(-EINVAL, "unknown scheduling policy \"%s\" (off, pct, random, replay)",
			  name ? name : "(null)");
}

MODSIM_API const char *modsim_sched_end_name(enum modsim_sched_end e)
{
	if ((unsigned int)e < ARRAY_LEN(end_names))
		return end_names[e];
	return "?";
}
