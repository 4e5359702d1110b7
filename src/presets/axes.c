/* The presets as independent choices: init, caller and unload axes, composed names included. */
#include <string.h>

#include "presets/presets.h"

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
	static const char *const names[MODSIM_AXIS__COUNT] = { "init", "caller", "unload",
								 "owner-ref" };

	if ((unsigned int)a >= MODSIM_AXIS__COUNT)
		return "?";
	return names[a];
}

/* Which calls take the owner's reference, as `modsim strategies` shows it. */
static const char *owner_ref_name(enum modsim_owner_ref r)
{
	switch (r) {
	case MODSIM_OWNER_REF_ALL:
		return "every call";
	case MODSIM_OWNER_REF_FOPS:
		return "fops+symbol_get";
	}
	return "?";
}

static const char *base_axis(const char *name, size_t len, enum modsim_axis a)
{
	size_t n;
	const struct modsim_preset *const *all = modsim_preset_entries(&n);

	/* A preset that is not built in (a strategy .so) shows "?". */
	for (size_t i = 0; i < n; i++) {
		if (strlen(all[i]->ops->name) != len || strncmp(all[i]->ops->name, name, len))
			continue;
		/* The owner-ref axis is read from the preset's own operations table. */
		if (a == MODSIM_AXIS_OWNER_REF)
			return owner_ref_name(all[i]->ops->owner_ref);
		return all[i]->axis[a];
	}
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
