/* The presets as independent choices: init, caller and unload axes, composed names included. */
#include <string.h>

#include "presets/presets.h"

/*
 * Each built-in preset on the three axes.  A preset that is not here (a
 * strategy .so) shows "?".  Keep in step with the presets' descriptions.
 */
static const struct {
	const char *name;
	const char *axis[MODSIM_AXIS__COUNT];
} preset_axes[] = {
	{ "none", { "direct", "nothing", "free at once" } },
	{ "inc", { "direct", "shared count", "refuse if busy" } },
	{ "try", { "direct", "try count", "refuse if busy" } },
	{ "try-drain", { "direct", "try count", "drain" } },
	{ "self", { "direct", "self count", "quiesce+wait" } },
	{ "self-restart", { "direct", "self count", "quiesce+restart" } },
	{ "self-noquiesce", { "direct", "self count", "refuse if busy" } },
	{ "nounload", { "direct", "nothing", "refuse always" } },
	{ "twoinit", { "two-stage", "nothing", "free at once" } },
	{ "stopworld", { "stop-the-world", "nothing", "stop-the-world" } },
	{ "linux26", { "direct", "per-CPU count", "stop-the-world" } },
	{ "linux319", { "direct", "biased atomic", "refuse if busy" } },
	{ "rcu", { "direct", "read-side section", "grace period" } },
	{ "percpu-ref", { "direct", "per-CPU count", "kill+switch" } },
	{ "rundown", { "direct", "rundown", "drain" } },
	{ "quiesce", { "direct", "nothing", "veto" } },
};

/* The init axis of a composition's suffix (strategy_compose.c's names). */
static const struct {
	const char *suffix;
	const char *init;
} compose_axes[] = {
	{ "twoinit", "two-stage" },
	{ "two-stage", "two-stage" },
	{ "stopworld-init", "stop-the-world" },
	{ "stopworld", "stop-the-world" },
};

MODSIM_API const char *modsim_axis_name(enum modsim_axis a)
{
	static const char *const names[MODSIM_AXIS__COUNT] = { "init", "caller", "unload" };

	if ((unsigned int)a >= MODSIM_AXIS__COUNT)
		return "?";
	return names[a];
}

static const char *base_axis(const char *name, size_t len, enum modsim_axis a)
{
	for (size_t i = 0; i < sizeof(preset_axes) / sizeof(preset_axes[0]); i++)
		if (strlen(preset_axes[i].name) == len && !strncmp(preset_axes[i].name, name, len))
			return preset_axes[i].axis[a];
	return "?";
}

MODSIM_API const char *modsim_strategy_axis(const char *name, enum modsim_axis a)
{
	const char *plus;

	if (!name || (unsigned int)a >= MODSIM_AXIS__COUNT)
		return "?";
	plus = strchr(name, '/') ? NULL : strchr(name, '+');
	if (!plus)
		return base_axis(name, strlen(name), a);
	if (a != MODSIM_AXIS_INIT)
		return base_axis(name, (size_t)(plus - name), a);
	for (size_t i = 0; i < sizeof(compose_axes) / sizeof(compose_axes[0]); i++)
		if (!strcmp(plus + 1, compose_axes[i].suffix))
			return compose_axes[i].init;
	return "?";
}
