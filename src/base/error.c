/* One-line error messages per thread, errno names, and the monotonic clock. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/base.h"
#include "base/text.h"

#define MODSIM_ERR_MAX 1024

/* The last failure's message on this thread; "" until something fails. */
static __thread char last_error[MODSIM_ERR_MAX];

/* A message is one line on a terminal: names inside it from files or tokens are escaped. */
MODSIM_API int modsim_err(int err, const char *fmt, ...)
{
	char raw[MODSIM_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	modsim_text_escape(last_error, sizeof(last_error), raw);
	return err;
}

MODSIM_API const char *modsim_last_error(void)
{
	return last_error;
}

#define E(x) [x] = "-" #x
static const char *const errnames[] = {
	E(EPERM),   E(ENOENT),  E(ESRCH),     E(EINTR),     E(EIO),       E(ENXIO),
	E(E2BIG),   E(ENOEXEC), E(EBADF),     E(EAGAIN),    E(ENOMEM),    E(EACCES),
	E(EFAULT),  E(EBUSY),   E(EEXIST),    E(ENODEV),    E(ENOTDIR),   E(EISDIR),
	E(EINVAL),  E(ENFILE),  E(EMFILE),    E(ENOSPC),    E(ERANGE),    E(EDEADLK),
	E(ENAMETOOLONG),        E(ENOSYS),    E(ENOTSUP),   E(ECANCELED), E(ETIMEDOUT),
	E(EOVERFLOW), E(ENOLCK), E(ESHUTDOWN), E(EALREADY), E(EINPROGRESS),
};
#undef E

MODSIM_API const char *modsim_errname(int err)
{
	static __thread char other[24];
	int e = err < 0 ? -err : err;

	if (err == 0)
		return "0";
	if ((size_t)e < sizeof(errnames) / sizeof(errnames[0]) && errnames[e])
		return errnames[e];
	snprintf(other, sizeof(other), "-E%d", e);
	return other;
}

MODSIM_API uint64_t modsim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
