/* The loader layer: load, unload, release. */
#ifndef MODSIM_LOADER_H
#define MODSIM_LOADER_H

#include "subsys/subsys.h"

/* ---- load and unload (load.c, unload.c, release.c) ---- */

/* Free a generation: remove exports and deps, close it into quarantine,
 * state GONE, off the kernel's list onto a gone one.  With load_mutex held. */
void modsim_mod_release(struct modsim_mod *m);

/* Report and remove the registrations @m left behind (every subsystem). */
void modsim_mod_sweep(struct modsim_mod *m);

/* Before dlopen: refuse what is not a regular file, or a truncated ELF
 * object (whose mapping would fault inside dlopen). */
int modsim_elf_precheck(const char *spec, const char *path);

/* Free @m's record and the preset's state in it (release.c). */
void modsim_mod_free(struct modsim_mod *m);

#endif /* MODSIM_LOADER_H */
