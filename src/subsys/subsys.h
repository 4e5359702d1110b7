/* The subsystems layer: chrdev, hook, timer, notifier, symbol calls, firmware requests. */
#ifndef MODSIM_SUBSYS_H
#define MODSIM_SUBSYS_H

#include "dispatch/dispatch.h"

/* ---- subsystems (chrdev.c, hook.c, timer.c, notifier.c) ---- */

int modsim_chrdev_init(struct modsim_kernel *k);
void modsim_chrdev_fini(struct modsim_kernel *k);
/* Report (LEAK violation per registration) and remove what @m left. */
void modsim_chrdev_sweep(struct modsim_mod *m);

int modsim_hook_init(struct modsim_kernel *k);
void modsim_hook_fini(struct modsim_kernel *k);
void modsim_hook_sweep(struct modsim_mod *m);

int modsim_timer_init(struct modsim_kernel *k);
void modsim_timer_fini(struct modsim_kernel *k);
void modsim_timer_sweep(struct modsim_mod *m);

int modsim_notifier_init(struct modsim_kernel *k);
void modsim_notifier_fini(struct modsim_kernel *k);
void modsim_notifier_sweep(struct modsim_mod *m);


/* ---- firmware requests (firmware.c) ---- */

int modsim_firmware_init(struct modsim_kernel *k);
/* Fail the requests still waiting (-ESHUTDOWN), wait until their threads
 * left, free.  After the workers stopped and the modules were unloaded. */
void modsim_firmware_fini(struct modsim_kernel *k);
/* Queue a request for @name on @k and sleep until a worker serves it (see
 * __request_firmware in <modsim/firmware.h>); @owner may be NULL. */
int modsim_firmware_request(struct modsim_kernel *k, struct modsim_mod *owner, const char *name);
/* Slow path of modsim_firmware_serve(). */
int __modsim_firmware_serve(struct modsim_kernel *k);

/*
 * modsim_firmware_serve - serve every pending firmware request.  Workers
 * call it at each loop iteration, outside module code, right after their
 * quiescent point.  Return: how many were served.
 */
static inline int modsim_firmware_serve(struct modsim_kernel *k)
{
	if (modsim_likely(!atomic_load_explicit(&k->firmware_pending, memory_order_relaxed)))
		return 0;
	return __modsim_firmware_serve(k);
}

#endif /* MODSIM_SUBSYS_H */
