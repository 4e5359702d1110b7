/* Worker threads that play CPUs, and a loader thread that cycles modules. */
#ifndef MODSIM_WORKERS_H
#define MODSIM_WORKERS_H

#include <stddef.h>

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct modsim_kernel;

/**
 * struct modsim_mix - relative weights of what a worker does per step.
 * @hook:        run the hook chain once
 * @chrdev:      one operation on a device: open if none is held, else read
 *               or write, and release after @session_ops operations
 * @notifier:    call a notifier chain (@chain)
 * @symbol:      call an exported symbol (@symbol) through symbol_get
 * @session_ops: operations a worker does on one open file (long-held refs)
 * @device:      which device to open ("" : any registered device)
 */
struct modsim_mix {
	unsigned int hook, chrdev, notifier, symbol;
	unsigned int session_ops;
	char device[64];
	char chain[64];
	char symbol_name[64];
};

/** modsim_mix_default - every subsystem alike, sessions of 16 operations. */
MODSIM_API void modsim_mix_default(struct modsim_mix *mix);

/**
 * modsim_workers_start - start @n workers running @mix until stopped.
 * Return: 0, -EBUSY when workers already run, -EINVAL (n of 0 or more than
 * the kernel's CPUs allow), -EAGAIN.
 */
MODSIM_API int modsim_workers_start(struct modsim_kernel *k, unsigned int n,
				    const struct modsim_mix *mix);

/** modsim_workers_stop - stop and join every worker; they close their files. */
MODSIM_API void modsim_workers_stop(struct modsim_kernel *k);

/** modsim_workers_running - how many workers run. */
MODSIM_API unsigned int modsim_workers_running(struct modsim_kernel *k);

/**
 * modsim_workers_choices - the first operations worker @i chose (enum
 * modsim_subsys values, in order; up to 64 are kept), so a run can be
 * checked for reproducibility: the same seed and mix give worker @i the
 * same choices.  Kept after the workers stop, until the next start.
 * Return: how many were copied (at most @max), or -EINVAL (no worker @i).
 */
MODSIM_API int modsim_workers_choices(struct modsim_kernel *k, unsigned int i, int *out,
				      size_t max);

/**
 * modsim_cycler_start - a loader thread that loads and unloads @spec in a
 * loop (with @nparams @params) until stopped, counting outcomes in the stats.
 * Return: 0, -EBUSY when one runs, -EAGAIN.
 */
MODSIM_API int modsim_cycler_start(struct modsim_kernel *k, const char *spec, int nparams,
				   char *const params[]);

/** modsim_cycler_stop - stop and join it; returns the number of cycles done. */
MODSIM_API unsigned long modsim_cycler_stop(struct modsim_kernel *k);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_WORKERS_H */
