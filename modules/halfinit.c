/* halfinit (hazard B): the post's half init: registers a, fails to register b, unregisters a. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <modsim/chrdev.h>
#include <modsim/hook.h>
#include <modsim/module.h>
#include <modsim/notifier.h>

static int fail_at;
module_param(fail_at, int, "1: fail before registering anything; 2: registering b fails");
static bool leak;
module_param(leak, bool, "on failure, forget to unregister a (leaves a registration behind)");
static bool chrdev;
module_param(chrdev, bool, "a is the character device \"halfinit\" instead of a hook: a caller "
			   "that opens it while init runs holds a file");

static atomic_ulong a_calls;

static int a_fn(struct hook_ops *ops, void *data)
{
	atomic_fetch_add_explicit(&a_calls, 1, memory_order_relaxed);
	return HOOK_CONTINUE;
}

static struct hook_ops a = {
	.owner = THIS_MODULE,
	.name = "halfinit.a",
	.fn = a_fn,
};

/* a as a character device (chrdev=1): opened files count their calls in a_calls too. */
static int a_open(struct file *file)
{
	atomic_fetch_add_explicit(&a_calls, 1, memory_order_relaxed);
	return 0;
}

static ssize_t a_read(struct file *file, char *buf, size_t len)
{
	atomic_fetch_add_explicit(&a_calls, 1, memory_order_relaxed);
	return 0;
}

static int a_release(struct file *file)
{
	return 0;
}

static const struct file_operations a_fops = {
	.owner = THIS_MODULE,
	.open = a_open,
	.read = a_read,
	.release = a_release,
};

static int register_a(void)
{
	return chrdev ? register_chrdev("halfinit", &a_fops) : register_hook(&a);
}

static void unregister_a(void)
{
	if (chrdev)
		unregister_chrdev("halfinit");
	else
		unregister_hook(&a);
}

static int b_fn(struct notifier_block *nb, unsigned long action, void *data)
{
	return NOTIFY_OK;
}

static struct notifier_block b = {
	.notifier_call = b_fn,
};

/* What two-stage init "allocated" for a and b (reserve); released by unreserve. */
static bool a_reserved, b_reserved;

static int halfinit_init(void)
{
	int err;

	if (fail_at == 1)
		return -ENODEV;
	err = register_a();
	if (err)
		return err;
	/* a is visible now: a caller may find it and call in. */
	MODSIM_POINT(MODSIM_PT_INIT_BETWEEN_REGS);
	if (fail_at == 2)
		err = -ENODEV; /* as if register_yyy() had failed */
	else
		err = register_notifier("halfinit", &b);
	if (err)
		goto unregister_a;
	return 0;

unregister_a:
	if (!leak)
		unregister_a();
	return err;
}

static void halfinit_unreserve(void)
{
	b_reserved = false;
	a_reserved = false;
}

/*
 * Two-stage init, stage one: everything that can fail, nothing visible.
 * fail_at=1: "allocating" a fails; fail_at=2: b fails after a was
 * allocated, so a is given back.  Either way nobody can have seen anything.
 */
static int halfinit_reserve(void)
{
	if (fail_at == 1)
		return -ENODEV;
	a_reserved = true;
	if (fail_at == 2)
		goto unreserve_a;
	b_reserved = true;
	return 0;

unreserve_a:
	a_reserved = false;
	return -ENODEV;
}

/*
 * Stage two: publish what reserve prepared; cannot fail.  (The kernel's
 * register calls could only fail on a name clash or out of memory, which a
 * real reserve would have ruled out.)
 */
static void halfinit_commit(void)
{
	register_a();
	MODSIM_POINT(MODSIM_PT_INIT_BETWEEN_REGS);
	register_notifier("halfinit", &b);
}

static void halfinit_exit(void)
{
	unregister_notifier("halfinit", &b);
	unregister_a();
	halfinit_unreserve(); /* a no-op after a one-stage init */
}

MODSIM_MODULE(.name = "halfinit",
	      .description = "registers a, then b; fail_at=2 makes b fail after a was visible",
	      .hazard = "B",
	      .init = halfinit_init,
	      .exit = halfinit_exit,
	      .reserve = halfinit_reserve,
	      .unreserve = halfinit_unreserve,
	      .commit = halfinit_commit);
