/* request_firmware: a kernel service that only a worker thread can complete (hazard S). */
#ifndef MODSIM_FIRMWARE_H
#define MODSIM_FIRMWARE_H

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct module;
struct modsim_kernel;

/**
 * __request_firmware - ask the kernel for a firmware image and sleep until
 * it is there.  Use request_firmware().
 * @owner: the module asking (THIS_MODULE); it names the kernel
 * @name:  the image's name ("initsleep.fw"), copied at the call
 *
 * The request is queued on the kernel and served by a worker thread
 * (modsim_workers_start) at the top of its loop, outside module code; no
 * other thread serves it.  The caller sleeps until then, at most the
 * kernel's unload timeout (modsim_config.unload_timeout_ms; 0 does not
 * wait at all).  The caller's CPU state is left alone: sleeping here is
 * sleeping inside module code, so a world stop or a quiescence wait still
 * waits for an online caller.  Under a preset that runs init with the
 * world stopped, a request made from init is never served: the workers are
 * parked, and the watchdog fires first (the post's "sleeping init").
 *
 * Return: 0 when a worker served it; -ETIMEDOUT when none did within the
 * bound; -EINVAL for a NULL or empty name or an owner that is not a loaded
 * module; -ESHUTDOWN when the kernel is destroyed while the request waits.
 * modsim_last_error() says which.
 */
MODSIM_API int __request_firmware(struct module *owner, const char *name);

#ifdef MODSIM_BUILDING_MODULE
/**
 * request_firmware - __request_firmware() on behalf of this module.
 * @name: the image's name
 *
 * Example:
 *	static int my_init(void)
 *	{
 *		return request_firmware("my.fw");
 *	}
 */
#define request_firmware(name) __request_firmware(THIS_MODULE, (name))
#endif

/**
 * modsim_firmware_pending - how many requests wait for a worker now.
 * @k: the kernel
 */
MODSIM_API unsigned int modsim_firmware_pending(struct modsim_kernel *k);

/**
 * modsim_firmware_served - how many requests workers have served since the
 * kernel was created.
 * @k: the kernel
 */
MODSIM_API unsigned long modsim_firmware_served(struct modsim_kernel *k);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_FIRMWARE_H */
