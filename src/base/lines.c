/* modsim_read_line: one line at a time, never more than the caller's buffer holds. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/lines.h"

MODSIM_API int modsim_read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int c = EOF;

	*len = 0;
	if (!cap)
		return -E2BIG;
	buf[0] = '\0';
	while ((c = getc(f)) != EOF && c != '\n') {
		if (n + 1 >= cap) {
			ungetc(c, f);
			buf[n] = '\0';
			*len = n;
			return -E2BIG;
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	*len = n;
	if (c == EOF && ferror(f))
		return -EIO;
	return c == EOF && !n ? 0 : 1;
}

MODSIM_API FILE *modsim_fopen_regular(const char *path, int *err)
{
	struct stat st;
	FILE *f;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		*err = -EINVAL;
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	f = fdopen(fd, "r");
	if (!f) {
		*err = -errno;
		close(fd);
		return NULL;
	}
	*err = 0;
	return f;
}
