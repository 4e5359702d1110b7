/* Character devices: register_chrdev, open files that hold their module, and the leak sweep. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/chrdev.h>

#include "dispatch/callpath.h"

/* One registered device, in kernel memory: name and owner are copies. */
struct chrdev_entry {
	struct chrdev_entry *next;
	struct modsim_mod *owner;
	const struct file_operations *fops; /* module memory: read only under a guard */
	char name[];
};

/*
 * struct modsim_chrdev_state - a kernel's devices.
 *
 * lock protects devs (every entry, its fields and its links).  Registration
 * runs in module code (init, exit) with k->load_mutex held; callers take
 * lock only to look a name up and copy the entry out, and never hold it
 * while calling strategy or module code.  Lock order: load_mutex,
 * list_lock, chrdev_kernels_lock, then lock.
 */
struct modsim_chrdev_state {
	pthread_mutex_t lock;
	struct chrdev_entry *devs;
	struct modsim_kernel *k;
	struct modsim_chrdev_state *next_kernel; /* under chrdev_kernels_lock */
};

/*
 * struct modsim_file - one open file, owned by the caller that opened it.
 * It holds a long-held reference (modsim_get) on @owner until close, and its
 * own copy of the operations pointer, so it survives unregister_chrdev().
 */
struct modsim_file {
	struct modsim_kernel *k;
	struct modsim_mod *owner;
	const struct file_operations *fops; /* module memory: read only under a guard */
	struct file file;
	char name[];
};

/*
 * unregister_chrdev() names no owner, so it cannot find its kernel through
 * one.  chrdev_kernels_lock protects chrdev_kernels, the list of every
 * kernel's device table (its links only); a table stays on it from
 * modsim_chrdev_init() to modsim_chrdev_fini().
 */
static pthread_mutex_t chrdev_kernels_lock = PTHREAD_MUTEX_INITIALIZER;
static struct modsim_chrdev_state *chrdev_kernels;

/* The link pointing at the device @name, or NULL.  Must be called with cs->lock held. */
static struct chrdev_entry **chrdev_find(struct modsim_chrdev_state *cs, const char *name)
{
	struct chrdev_entry **pp;

	for (pp = &cs->devs; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->name, name))
			return pp;
	return NULL;
}

/* The file operations, in the order of chrdev_op_names. */
enum chrdev_op { CHRDEV_OPEN, CHRDEV_READ, CHRDEV_WRITE, CHRDEV_RELEASE };

static const char *const chrdev_op_names[] = { "open", "read", "write", "release" };

/* Call operation @op of @fops (module memory); runs inside the guard. */
static ssize_t chrdev_op_call(const struct file_operations *fops, enum chrdev_op op,
			      struct file *file, char *buf, size_t len)
{
	switch (op) {
	case CHRDEV_OPEN:
		return fops->open ? fops->open(file) : 0;
	case CHRDEV_READ:
		return fops->read ? fops->read(file, buf, len) : -EINVAL;
	case CHRDEV_WRITE:
		return fops->write ? fops->write(file, buf, len) : -EINVAL;
	case CHRDEV_RELEASE:
		return fops->release ? fops->release(file) : 0;
	}
	return -EINVAL;
}

/*
 * One entry/exit-bracketed, guarded call of a file operation.
 * Return: 0 and *@ret, -ENODEV (refused) or -EFAULT (faulted).
 */
static __attribute__((noinline)) int chrdev_call(struct modsim_cpu *cpu, struct modsim_mod *owner,
						 const struct file_operations *fops,
						 enum chrdev_op op, struct file *file, char *buf,
						 size_t len, ssize_t *ret)
{
	volatile ssize_t r = 0;
	int err;

	MODSIM_CALL(err, cpu, owner, MODSIM_SS_CHRDEV, chrdev_op_names[op],
		    r = chrdev_op_call(fops, op, file, buf, len));
	*ret = r;
	return err;
}

MODSIM_API int register_chrdev(const char *name, const struct file_operations *fops)
{
	struct modsim_chrdev_state *cs;
	struct chrdev_entry *e, **dup;
	struct modsim_mod *owner;
	size_t len;

	if (!name || !fops)
		return modsim_err(-EINVAL, "register_chrdev: NULL %s", name ? "fops" : "name");
	owner = modsim_owner(fops->owner);
	if (!owner)
		return modsim_err(-EINVAL, "register_chrdev %s: fops->owner is not a module", name);
	cs = owner->k->chrdev;

	len = strlen(name);
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return modsim_err(-ENOMEM, "register_chrdev %s: no memory", name);
	memcpy(e->name, name, len + 1);
	e->owner = owner;
	e->fops = fops;

	pthread_mutex_lock(&cs->lock);
	dup = chrdev_find(cs, name);
	if (dup) {
		const char *by = (*dup)->owner->name;

		pthread_mutex_unlock(&cs->lock);
		free(e);
		return modsim_err(-EEXIST, "register_chrdev %s: already registered by %s", name, by);
	}
	e->next = cs->devs;
	cs->devs = e;
	pthread_mutex_unlock(&cs->lock);
	return 0;
}

MODSIM_API int unregister_chrdev(const char *name)
{
	const void *caller = __builtin_return_address(0);
	struct modsim_chrdev_state *cs, *found = NULL;
	struct chrdev_entry **pp, *e = NULL;

	if (!name)
		return modsim_err(-EINVAL, "unregister_chrdev: NULL name");

	/*
	 * Two kernels may each have a device of this name: prefer the one
	 * registered by the module that is calling.
	 */
	pthread_mutex_lock(&chrdev_kernels_lock);
	for (cs = chrdev_kernels; cs; cs = cs->next_kernel) {
		bool mine = false;

		pthread_mutex_lock(&cs->lock);
		pp = chrdev_find(cs, name);
		if (pp) {
			mine = modsim_mod_holds((*pp)->owner, caller);
			if (!found || mine)
				found = cs;
		}
		pthread_mutex_unlock(&cs->lock);
		if (mine)
			break;
	}
	if (found) {
		pthread_mutex_lock(&found->lock);
		pp = chrdev_find(found, name);
		if (pp) {
			e = *pp;
			*pp = e->next;
		}
		pthread_mutex_unlock(&found->lock);
	}
	pthread_mutex_unlock(&chrdev_kernels_lock);

	if (!e)
		return modsim_err(-ENOENT, "unregister_chrdev %s: not registered", name);
	free(e);
	return 0;
}

MODSIM_API int modsim_chrdev_open(struct modsim_kernel *k, const char *name,
				  struct modsim_file **out)
{
	struct modsim_chrdev_state *cs = k->chrdev;
	const struct file_operations *fops = NULL;
	struct modsim_mod *owner = NULL;
	struct chrdev_entry **pp;
	struct modsim_cpu *cpu;
	struct modsim_file *f;
	ssize_t r = 0;
	size_t len;
	bool adhoc;
	int err;

	if (!name || !out)
		return modsim_err(-EINVAL, "open: NULL %s", name ? "out" : "name");
	*out = NULL;
	cpu = modsim_cpu_self(k);
	if (!cpu)
		return modsim_err(-EAGAIN, "open %s: no CPU slot left", name);
	len = strlen(name);
	f = malloc(sizeof(*f) + len + 1);
	if (!f)
		return modsim_err(-ENOMEM, "open %s: no memory", name);

	adhoc = modsim_cpu_call_begin(cpu);
	pthread_mutex_lock(&cs->lock);
	pp = chrdev_find(cs, name);
	if (pp) {
		owner = (*pp)->owner;
		fops = (*pp)->fops;
	}
	pthread_mutex_unlock(&cs->lock);
	if (!owner) {
		err = modsim_err(-ENOENT, "open %s: no such device", name);
		goto free_file;
	}

	modsim_point_hit(k, MODSIM_PT_CALL_AFTER_LOOKUP, owner);
	if (!modsim_get(owner, cpu)) {
		modsim_call_refused(cpu, owner, MODSIM_SS_CHRDEV);
		err = modsim_err(-ENODEV, "open %s: module %s refused the reference", name,
				 owner->name);
		goto free_file;
	}

	/* The file holds the record past this call: see release.c. */
	atomic_fetch_add_explicit(&owner->holds, 1, memory_order_relaxed);
	f->k = k;
	f->owner = owner;
	f->fops = fops;
	f->file.private_data = NULL;
	memcpy(f->name, name, len + 1);
	err = chrdev_call(cpu, owner, fops, CHRDEV_OPEN, &f->file, NULL, 0, &r);
	if (err == -ENODEV) {
		modsim_err(err, "open %s: module %s refused the call", name, owner->name);
		goto put_owner;
	}
	if (err) {
		modsim_err(err, "open %s: open() of module %s faulted", name, owner->name);
		goto put_owner;
	}
	if (r < 0) {
		err = modsim_err((int)r, "open %s: open() failed: %s", name, modsim_errname((int)r));
		goto put_owner;
	}
	modsim_cpu_call_end(cpu, adhoc);
	*out = f;
	return 0;

put_owner:
	modsim_put(owner, cpu);
	atomic_fetch_sub_explicit(&owner->holds, 1, memory_order_release);
free_file:
	modsim_cpu_call_end(cpu, adhoc);
	free(f);
	return err;
}

/* read() or write() on an open file. */
static ssize_t chrdev_rw(struct modsim_file *f, bool write, char *buf, size_t len)
{
	const char *op = write ? "write" : "read";
	struct modsim_cpu *cpu;
	ssize_t r;
	bool adhoc;
	int err;

	cpu = modsim_cpu_self(f->k);
	if (!cpu)
		return modsim_err(-EAGAIN, "%s %s: no CPU slot left", op, f->name);
	adhoc = modsim_cpu_call_begin(cpu);
	modsim_point_hit(f->k, MODSIM_PT_CALL_AFTER_LOOKUP, f->owner);
	err = chrdev_call(cpu, f->owner, f->fops, write ? CHRDEV_WRITE : CHRDEV_READ, &f->file, buf,
			  len, &r);
	modsim_cpu_call_end(cpu, adhoc);

	if (err)
		return modsim_err(err, "%s %s: module %s %s", op, f->name, f->owner->name,
				  err == -EFAULT ? "faulted" : "refused the call");
	if (r < 0)
		return modsim_err((int)r, "%s %s: %s", op, f->name, modsim_errname((int)r));
	return r;
}

MODSIM_API ssize_t modsim_chrdev_read(struct modsim_file *f, char *buf, size_t len)
{
	return chrdev_rw(f, false, buf, len);
}

MODSIM_API ssize_t modsim_chrdev_write(struct modsim_file *f, const char *buf, size_t len)
{
	return chrdev_rw(f, true, (char *)buf, len);
}

/*
 * The reference is dropped and @f freed even when release() was refused or
 * faulted.  Only without a CPU slot (-EAGAIN) is @f left open, since no
 * reference can be dropped without one.
 */
MODSIM_API int modsim_chrdev_close(struct modsim_file *f)
{
	struct modsim_cpu *cpu;
	ssize_t r = 0;
	bool adhoc;
	int err;

	cpu = modsim_cpu_self(f->k);
	if (!cpu)
		return modsim_err(-EAGAIN, "close %s: no CPU slot left", f->name);
	adhoc = modsim_cpu_call_begin(cpu);
	modsim_point_hit(f->k, MODSIM_PT_CALL_AFTER_LOOKUP, f->owner);
	err = chrdev_call(cpu, f->owner, f->fops, CHRDEV_RELEASE, &f->file, NULL, 0, &r);
	modsim_put(f->owner, cpu);
	modsim_cpu_call_end(cpu, adhoc);

	if (err)
		modsim_err(err, "close %s: module %s %s", f->name, f->owner->name,
			   err == -EFAULT ? "faulted" : "refused the call");
	else if (r)
		err = modsim_err((int)r, "close %s: release() failed: %s", f->name,
				 modsim_errname((int)r));
	/* Last use of the record by this file. */
	atomic_fetch_sub_explicit(&f->owner->holds, 1, memory_order_release);
	free(f);
	return err;
}

void modsim_chrdev_sweep(struct modsim_mod *m)
{
	struct modsim_chrdev_state *cs = m->k->chrdev;
	struct chrdev_entry **pp, *e, *gone = NULL;
	struct modsim_violation v;

	pthread_mutex_lock(&cs->lock);
	for (pp = &cs->devs; (e = *pp);) {
		if (e->owner != m) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		e->next = gone;
		gone = e;
	}
	pthread_mutex_unlock(&cs->lock);

	/* Reported outside the lock; only the kernel's copies are read. */
	while ((e = gone)) {
		gone = e->next;
		modsim_violation_init(&v, MODSIM_V_LEAK, m, MODSIM_SS_CHRDEV, "sweep");
		snprintf(v.detail, sizeof(v.detail), "chrdev '%s' still registered", e->name);
		modsim_stat_violation(m->k, &v);
		free(e);
	}
}

int modsim_chrdev_init(struct modsim_kernel *k)
{
	struct modsim_chrdev_state *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return modsim_err(-ENOMEM, "kernel: no memory for the device table");
	pthread_mutex_init(&cs->lock, NULL);
	cs->k = k;
	pthread_mutex_lock(&chrdev_kernels_lock);
	cs->next_kernel = chrdev_kernels;
	chrdev_kernels = cs;
	pthread_mutex_unlock(&chrdev_kernels_lock);
	k->chrdev = cs;
	return 0;
}

void modsim_chrdev_fini(struct modsim_kernel *k)
{
	struct modsim_chrdev_state *cs = k->chrdev, **pp;
	struct chrdev_entry *e;

	if (!cs)
		return;
	pthread_mutex_lock(&chrdev_kernels_lock);
	for (pp = &chrdev_kernels; *pp; pp = &(*pp)->next_kernel) {
		if (*pp == cs) {
			*pp = cs->next_kernel;
			break;
		}
	}
	pthread_mutex_unlock(&chrdev_kernels_lock);

	/* Modules are unloaded (and swept) by now; free what is left. */
	while ((e = cs->devs)) {
		cs->devs = e->next;
		free(e);
	}
	pthread_mutex_destroy(&cs->lock);
	free(cs);
	k->chrdev = NULL;
}
