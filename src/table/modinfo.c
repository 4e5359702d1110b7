/* modinfo: what a module file declares (description, parameters, exports, hazard), read without loading it. */
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "table/table.h"

static const char *param_type(enum modsim_param_type t)
{
	static const char *const names[] = {
		[MODSIM_PARAM_INT] = "int",   [MODSIM_PARAM_UINT] = "uint",
		[MODSIM_PARAM_LONG] = "long", [MODSIM_PARAM_ULONG] = "ulong",
		[MODSIM_PARAM_BOOL] = "bool", [MODSIM_PARAM_CHARP] = "charp",
	};

	return (unsigned int)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Does @p lie in the module's own image (@lm)?  What a hostile descriptor points at is checked first. */
static bool own(const void *p, const struct link_map *lm)
{
	struct link_map *owner = NULL;
	Dl_info info;

	return p && dladdr1(p, &info, (void **)&owner, RTLD_DL_LINKMAP) && owner == lm;
}

/* Every pointer the listing follows lies in the module's image. */
static bool desc_sane(const struct module *d, const struct link_map *lm)
{
	if (!own(d->name, lm) || (d->description && !own(d->description, lm)) ||
	    (d->hazard && !own(d->hazard, lm)))
		return false;
	if (d->params_start != d->params_end &&
	    (!own(d->params_start, lm) || !own(d->params_end - 1, lm) || d->params_end < d->params_start))
		return false;
	for (const struct modsim_param *p = d->params_start; p < d->params_end; p++)
		if ((p->name && !own(p->name, lm)) || (p->desc && !own(p->desc, lm)))
			return false;
	if (d->ksyms_start != d->ksyms_end &&
	    (!own(d->ksyms_start, lm) || !own(d->ksyms_end - 1, lm) || d->ksyms_end < d->ksyms_start))
		return false;
	for (const struct modsim_ksym *s = d->ksyms_start; s < d->ksyms_end; s++)
		if (s->name && !own(s->name, lm))
			return false;
	return true;
}

static void print_desc(FILE *f, const char *path, const struct module *d)
{
	fprintf(f, "%-12s %s\n", "filename:", path);
	fprintf(f, "%-12s %s\n", "name:", d->name ? d->name : "(none)");
	if (d->description && *d->description)
		fprintf(f, "%-12s %s\n", "description:", d->description);
	if (d->hazard && *d->hazard)
		fprintf(f, "%-12s %s\n", "hazard:", d->hazard);
	for (const struct modsim_param *p = d->params_start; p && p < d->params_end; p++)
		if (p->name)
			fprintf(f, "%-12s %s:%s (%s)\n", "parm:", p->name, p->desc ? p->desc : "",
				param_type(p->type));
	for (const struct modsim_ksym *s = d->ksyms_start; s && s < d->ksyms_end; s++)
		if (s->name)
			fprintf(f, "%-12s %s\n", "export:", s->name);
	fprintf(f, "%-12s %s\n", "self-count:",
		d->stop ? "yes (stop and restart: ready for the self presets)" : "no");
}

MODSIM_API int modsim_modinfo_print(struct modsim_kernel *k, const char *spec, FILE *f)
{
	const struct module *d;
	struct link_map *lm = NULL;
	char path[PATH_MAX];
	void *h;
	int err = modsim_modpath_resolve(k, spec, path, sizeof(path));

	if (err)
		return modsim_err(err, "modinfo %s: no module named %s (searched: %s)", spec, spec,
				  k->module_path[0] ? k->module_path : "no directories");
	/*
	 * Mapped only to read its descriptor: lazily bound, nothing of it runs
	 * (a module has no constructors; init runs only from insmod).  When it
	 * is loaded, this is the loaded copy, and the handle only counts.
	 */
	h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (!h)
		return modsim_err(-ENOEXEC, "modinfo %s: cannot read %s: %s", spec, path, dlerror());
	d = dlsym(h, MODSIM_MODULE_SYMBOL);
	if (d && (dlinfo(h, RTLD_DI_LINKMAP, &lm) || !own(d, lm))) /* a dependency's, not its own */
		d = NULL;
	if (!d || d->abi_version != MODSIM_ABI_VERSION || d->info_size < sizeof(struct module)) {
		dlclose(h);
		return modsim_err(-ENOEXEC, "modinfo %s: %s is not a modsim module (no %s of ABI %d)",
				  spec, path, MODSIM_MODULE_SYMBOL, MODSIM_ABI_VERSION);
	}
	if (!desc_sane(d, lm)) {
		dlclose(h);
		return modsim_err(-ENOEXEC, "modinfo %s: %s: its descriptor points outside the module",
				  spec, path);
	}
	print_desc(f, path, d);
	dlclose(h);
	return 0;
}
