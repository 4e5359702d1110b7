/* The actors layer: the workers and the cycler, threads that drive a kernel. */
#ifndef MODSIM_ACTORS_H
#define MODSIM_ACTORS_H

#include "loader/loader.h"

/* ---- workers (workers.c) ---- */

int modsim_workers_init(struct modsim_kernel *k);
void modsim_workers_fini(struct modsim_kernel *k);
/* Ask the workers to leave their loop, without waiting (any thread). */
void modsim_workers_signal_stop(struct modsim_kernel *k);

#endif /* MODSIM_ACTORS_H */
