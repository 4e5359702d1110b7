/* ss_chrdev (test): device "ssdev" with every operation, and "ssnull" with none. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <modsim/chrdev.h>
#include <modsim/module.h>

static bool fail_open;
module_param(fail_open, bool, "open() of ssdev answers -EACCES");
static int release_ret;
module_param(release_ret, int, "what release() of ssdev answers");
static bool leak;
module_param(leak, bool, "exit leaves both devices registered (the bug)");
static char *extra = "";
module_param(extra, charp, "init also registers ssdev's operations under this name");

static const char ss_data[] = "ssdata";

static int ss_open(struct file *file)
{
	if (fail_open)
		return -EACCES;
	file->private_data = (void *)ss_data;
	return 0;
}

static ssize_t ss_read(struct file *file, char *buf, size_t len)
{
	size_t n = strlen(file->private_data);

	if (len < n)
		n = len;
	memcpy(buf, file->private_data, n);
	return (ssize_t)n;
}

static ssize_t ss_write(struct file *file, const char *buf, size_t len)
{
	return (ssize_t)len;
}

static int ss_release(struct file *file)
{
	return release_ret;
}

static const struct file_operations ss_fops = {
	.owner = THIS_MODULE,
	.open = ss_open,
	.read = ss_read,
	.write = ss_write,
	.release = ss_release,
};

static const struct file_operations ss_null_fops = {
	.owner = THIS_MODULE,
};

static int ss_chrdev_init(void)
{
	int err;

	err = register_chrdev("ssdev", &ss_fops);
	if (err)
		return err;
	err = register_chrdev("ssnull", &ss_null_fops);
	if (err)
		goto unregister_ssdev;
	if (extra[0]) {
		err = register_chrdev(extra, &ss_fops);
		if (err)
			goto unregister_ssnull;
	}
	return 0;

unregister_ssnull:
	unregister_chrdev("ssnull");
unregister_ssdev:
	unregister_chrdev("ssdev");
	return err;
}

static void ss_chrdev_exit(void)
{
	if (leak)
		return;
	if (extra[0])
		unregister_chrdev(extra);
	unregister_chrdev("ssnull");
	unregister_chrdev("ssdev");
}

MODSIM_MODULE(.name = "ss_chrdev",
	      .description = "test: a full device and an empty one",
	      .hazard = "-",
	      .init = ss_chrdev_init,
	      .exit = ss_chrdev_exit);
