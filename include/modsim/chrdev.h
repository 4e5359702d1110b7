/* Character devices: file operations with an owner, opened and held by callers. */
#ifndef MODSIM_CHRDEV_H
#define MODSIM_CHRDEV_H

#include <stddef.h>
#include <sys/types.h>

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct module;

/**
 * struct file - one open of a character device.  Owned by the kernel.
 * @private_data: free for the module's open() to set
 */
struct file {
	void *private_data;
};

/**
 * struct file_operations - what a character device does.
 * @owner:   THIS_MODULE; the strategy guards calls with it
 * @open:    0 or a negative errno; NULL means "always succeeds"
 * @read:    bytes read or a negative errno
 * @write:   bytes written or a negative errno
 * @release: the last call on a file; its return value is reported
 *
 * The structure lives in module memory, as in Linux: a caller that reads it
 * after the module is gone touches unloaded memory.
 */
struct file_operations {
	struct module *owner;
	int (*open)(struct file *file);
	ssize_t (*read)(struct file *file, char *buf, size_t len);
	ssize_t (*write)(struct file *file, const char *buf, size_t len);
	int (*release)(struct file *file);
};

/**
 * register_chrdev - make a device named @name available to open().
 * @name: device name, unique among registered devices
 * @fops: its operations; @fops->owner must be THIS_MODULE
 *
 * Example:
 *	static const struct file_operations fops = { .owner = THIS_MODULE, .read = my_read };
 *	int err = register_chrdev("mydev", &fops);
 *
 * Return: 0, -EEXIST when the name is taken, -EINVAL for a NULL argument,
 * -ENOMEM.
 */
MODSIM_API int register_chrdev(const char *name, const struct file_operations *fops);

/**
 * unregister_chrdev - remove a device.  Open files keep their operations.
 * @name: the name given to register_chrdev()
 * Return: 0, or -ENOENT.
 */
MODSIM_API int unregister_chrdev(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_CHRDEV_H */
