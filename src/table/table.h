/* The table layer: exported symbols and dependencies, module parameters, the module search path. */
#ifndef MODSIM_TABLE_H
#define MODSIM_TABLE_H

#include "detect/detect.h"

/* ---- symbols and dependencies (symbols.c, elfdeps.c) ---- */

int modsim_symtab_init(struct modsim_kernel *k);
void modsim_symtab_fini(struct modsim_kernel *k);
/* Add @m's EXPORT_SYMBOL table; -EEXIST when a live module exports one of
 * the names already. */
int modsim_symtab_add(struct modsim_mod *m);
/* Remove @m's exports. */
void modsim_symtab_remove(struct modsim_mod *m);
/* Look @name up and copy out its owner and address; false when not exported. */
bool modsim_symtab_lookup(struct modsim_kernel *k, const char *name, struct modsim_mod **owner,
			  void **addr);
/* Record in m->uses the live modules whose exports @m binds to (scans
 * @m's undefined dynamic symbols). */
int modsim_deps_record(struct modsim_mod *m);
/* Drop @m's uses. */
void modsim_deps_forget(struct modsim_mod *m);
/* Comma-separated live modules that use @m; returns how many. Under load_mutex or list_lock. */
int modsim_deps_users(struct modsim_mod *m, char *buf, size_t len);
/* Undefined symbols of a loaded object: calls @fn for each; 0 or -errno. */
int modsim_elf_undefined(void *handle, int (*fn)(const char *sym, void *arg), void *arg);

/* ---- module parameters (modparam.c) ---- */

/* Parse "name=value" strings into @m's parameter table. */
int modsim_params_apply(struct modsim_mod *m, int nparams, char *const params[]);
void modsim_params_free(struct modsim_mod *m);

/* ---- module search path (modpath.c) ---- */

/* Resolve @spec to a path; -ENOENT with a message naming the places searched. */
int modsim_modpath_resolve(struct modsim_kernel *k, const char *spec, char *out, size_t len);
/* Fill k->module_path from the config, the environment and the executable. */
void modsim_modpath_init(struct modsim_kernel *k);

#endif /* MODSIM_TABLE_H */
