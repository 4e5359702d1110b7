/* Reading and writing memory a module points at without trusting it: a bad address is -EFAULT, not a fault. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/base.h"

/*
 * Why a pipe.
 *
 * The loader reads what a module's descriptor points at (its name, its
 * parameter table) and writes parameter values where the table says,
 * before any of it can be trusted.  A hostile or broken module can point
 * those anywhere: into an unmapped page, a PROT_NONE page, or half way
 * into one.  Touching such an address faults in the loader, outside any
 * guarded call, and the fault handler must then abort (a fault it cannot
 * attribute is a bug of modsim).  Catching the fault instead would mean a
 * guard that swallows faults in the loader's own code.
 *
 * So the copy is done by the kernel: write(2) from the untrusted address
 * into a pipe, or read(2) from the pipe into it.  The kernel checks the
 * mapping and its protection and returns EFAULT (or copies the readable
 * prefix) instead of raising a signal.  Raw system calls, not the libc
 * wrappers: a sanitizer's interceptor would check the address first, and
 * the shadow of a wild address is not ours to read.  One pipe per process,
 * under probe_lock: a load makes a few probes, two system calls each (a
 * write and a read per page).
 */
#define PROBE_CHUNK 4096 /* no more than a page: the smallest page size */

/* probe_lock protects the pipe: it must be empty between calls. */
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static int probe_fd[2] = { -1, -1 };

static long sys_write(int fd, const void *buf, size_t n)
{
	long r;

	do
		r = syscall(SYS_write, fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

static long sys_read(int fd, void *buf, size_t n)
{
	long r;

	do
		r = syscall(SYS_read, fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* With probe_lock held. */
static int probe_open(void)
{
	if (probe_fd[0] >= 0)
		return 0;
	if (pipe2(probe_fd, O_CLOEXEC) != 0) {
		probe_fd[0] = probe_fd[1] = -1;
		return -errno;
	}
	return 0;
}

/* Empty the pipe of @n bytes the reader side did not take.  probe_lock held. */
static void probe_drain(size_t n)
{
	char scratch[256];

	while (n) {
		long r = sys_read(probe_fd[0], scratch, n < sizeof(scratch) ? n : sizeof(scratch));

		if (r <= 0)
			break;
		n -= (size_t)r;
	}
}

long modsim_probe_read(void *dst, const void *src, size_t n)
{
	size_t done = 0;
	int err;

	pthread_mutex_lock(&probe_lock);
	err = probe_open();
	while (!err && done < n) {
		/* Page by page: a write that faults part way copies nothing. */
		size_t to_page = PROBE_CHUNK - ((uintptr_t)src + done) % PROBE_CHUNK;
		size_t want = n - done < to_page ? n - done : to_page;
		long w = sys_write(probe_fd[1], (const char *)src + done, want);
		long r;

		if (w <= 0)
			break; /* EFAULT: the readable prefix ends here */
		r = sys_read(probe_fd[0], (char *)dst + done, (size_t)w);
		if (r != w) {
			probe_drain((size_t)(w - (r > 0 ? r : 0)));
			err = -EIO;
			break;
		}
		done += (size_t)w;
		if ((size_t)w < want)
			break;
	}
	pthread_mutex_unlock(&probe_lock);
	return err ? err : (long)done;
}

int modsim_probe_write(void *dst, const void *src, size_t n)
{
	size_t done = 0;
	int err;

	if (n > PROBE_CHUNK)
		return -E2BIG;
	pthread_mutex_lock(&probe_lock);
	err = probe_open();
	if (!err && sys_write(probe_fd[1], src, n) != (long)n)
		err = -EIO;
	while (!err && done < n) {
		long r = sys_read(probe_fd[0], (char *)dst + done, n - done);

		if (r <= 0) {
			probe_drain(n - done);
			err = -EFAULT;
			break;
		}
		done += (size_t)r;
	}
	pthread_mutex_unlock(&probe_lock);
	return err;
}

long modsim_probe_string(char *dst, size_t cap, const char *src)
{
	long n = modsim_probe_read(dst, src, cap);
	const char *nul;

	if (n < 0)
		return n;
	nul = memchr(dst, '\0', (size_t)n);
	if (nul)
		return nul - dst;
	dst[0] = '\0';
	return (size_t)n < cap ? -EFAULT : -ENAMETOOLONG;
}
