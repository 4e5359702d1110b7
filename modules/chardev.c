/* chardev (hazard L): a character device; an open file is a long-held reference across rmmod. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <modsim/chrdev.h>
#include <modsim/module.h>

static unsigned int delay_us;
module_param(delay_us, uint, "read busy-waits this long (widens the window inside module code)");

static const char chardev_msg[] = "hello from chardev\n";

/* Opens so far; each file remembers its own ordinal in private_data. */
static atomic_ulong chardev_opens;
/* Files open now. */
static atomic_ulong chardev_open_files;

static void chardev_spin(unsigned int us)
{
	struct timespec t0, t;

	if (!us)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

/*
 * An open file holds a self-count on the module from open to release
 * (module_self_enter; it counts only under the self-counting presets), and
 * is counted in chardev_open_files, which quiesce reads.
 */
static int chardev_open(struct file *file)
{
	unsigned long n;

	if (!module_self_enter(THIS_MODULE))
		return -ENODEV; /* stopped: being unloaded */
	n = atomic_fetch_add_explicit(&chardev_opens, 1, memory_order_relaxed) + 1;
	atomic_fetch_add(&chardev_open_files, 1);
	file->private_data = (void *)(uintptr_t)n;
	return 0;
}

static ssize_t chardev_read(struct file *file, char *buf, size_t len)
{
	size_t n = sizeof(chardev_msg) - 1;

	chardev_spin(delay_us);
	if (len < n)
		n = len;
	memcpy(buf, chardev_msg, n);
	return (ssize_t)n;
}

static ssize_t chardev_write(struct file *file, const char *buf, size_t len)
{
	return (ssize_t)len;
}

static int chardev_release(struct file *file)
{
	file->private_data = NULL;
	atomic_fetch_sub(&chardev_open_files, 1);
	module_self_exit(THIS_MODULE);
	return 0;
}

static const struct file_operations chardev_fops = {
	.owner = THIS_MODULE,
	.open = chardev_open,
	.read = chardev_read,
	.write = chardev_write,
	.release = chardev_release,
};

static int chardev_init(void)
{
	return register_chrdev("chardev", &chardev_fops);
}

/* After stop the device is already gone: -ENOENT then, and nothing to do. */
static void chardev_exit(void)
{
	unregister_chrdev("chardev");
}

/*
 * Two-stage delete (the self presets): stop makes the device unfindable;
 * files already open keep working and keep their self-count, which the
 * kernel waits for (or, under self-restart, restart registers it again).
 */
static int chardev_stop(void)
{
	unregister_chrdev("chardev");
	return 0;
}

static void chardev_restart(void)
{
	register_chrdev("chardev", &chardev_fops);
}

/* FreeBSD-style: refuse to be unloaded while a file is open. */
static int chardev_quiesce(void)
{
	return atomic_load(&chardev_open_files) ? -EBUSY : 0;
}

MODSIM_MODULE(.name = "chardev",
	      .description = "character device \"chardev\"; an open file holds the module",
	      .hazard = "L",
	      .init = chardev_init,
	      .exit = chardev_exit,
	      .stop = chardev_stop,
	      .restart = chardev_restart,
	      .quiesce = chardev_quiesce);
