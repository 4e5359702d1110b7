/* The preset table: built-in strategies by name, and strategies loaded from a .so. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "presets/presets.h"

/* The built-in presets (the registry: MODSIM_BUILTIN_PRESETS in presets.h), in listing order. */
#define PRESET_ENTRY(name) &modsim_preset_##name##_entry,
#define PRESET_OPS(name) &modsim_preset_##name,
static const struct modsim_preset *const entries[] = { MODSIM_BUILTIN_PRESETS(PRESET_ENTRY) };
static const struct modsim_strategy *const table[] = { MODSIM_BUILTIN_PRESETS(PRESET_OPS) };

#define NTABLE (sizeof(table) / sizeof(table[0]))

const struct modsim_preset *const *modsim_preset_entries(size_t *n)
{
	*n = sizeof(entries) / sizeof(entries[0]);
	return entries;
}

MODSIM_API const struct modsim_strategy *const *modsim_strategy_all(size_t *n)
{
	*n = NTABLE;
	return table;
}

MODSIM_API const struct modsim_strategy *modsim_strategy_find(const char *name)
{
	size_t n;
	const struct modsim_strategy *const *all = modsim_strategy_all(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

MODSIM_API const char *modsim_hazard_name(enum modsim_hazard h)
{
	static const char *const names[MODSIM_HZ__COUNT] = { "A", "B", "P", "T", "L", "S" };

	if ((unsigned int)h < MODSIM_HZ__COUNT)
		return names[h];
	return "?";
}

/* Check that a preset from outside has what every caller relies on. */
static int validate(const char *path, const struct modsim_strategy *s)
{
	const char *missing = NULL;

	if (!s->name || !*s->name)
		missing = "name";
	else if (!s->enter)
		missing = "enter";
	else if (!s->exit)
		missing = "exit";
	else if (!s->get)
		missing = "get";
	else if (!s->put)
		missing = "put";
	if (missing)
		return modsim_err(-ENOEXEC, "strategy %s: %s has no %s", path,
				  MODSIM_STRATEGY_SYMBOL, missing);
	return 0;
}

static int load_so(const char *path, const struct modsim_strategy **out, void **handle)
{
	const struct modsim_strategy *s;
	void *h;
	int err;

	if (access(path, R_OK))
		return modsim_err(-ENOENT, "strategy %s: no such file", path);
	dlerror();
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		return modsim_err(-ENOEXEC, "strategy %s: %s", path, why ? why : "dlopen failed");
	}
	s = dlsym(h, MODSIM_STRATEGY_SYMBOL);
	if (!s) {
		err = modsim_err(-ENOEXEC, "strategy %s: no %s symbol; not a modsim strategy", path,
				 MODSIM_STRATEGY_SYMBOL);
		goto close;
	}
	err = validate(path, s);
	if (err)
		goto close;
	*out = s;
	*handle = h;
	return 0;

close:
	dlclose(h);
	return err;
}

MODSIM_API int modsim_strategy_resolve(const char *name, const struct modsim_strategy **out, void **handle)
{
	char known[256];
	size_t used = 0;

	*handle = NULL;
	if (!name || !*name)
		return modsim_err(-ENOENT, "strategy: no name given");
	if (strchr(name, '/'))
		return load_so(name, out, handle);
	if (strchr(name, '+')) /* composed on the init axis (strategy_compose.c) */
		return modsim_strategy_compose(name, out);
	*out = modsim_strategy_find(name);
	if (*out)
		return 0;
	known[0] = '\0';
	for (size_t i = 0; i < NTABLE && used < sizeof(known); i++) {
		int n = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
				 table[i]->name);
		if (n > 0)
			used += (size_t)n;
	}
	return modsim_err(-ENOENT, "strategy %s: unknown (built in: %s; or a path to a .so)", name,
			  known);
}
