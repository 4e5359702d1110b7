/* modsim_read_line: one line at a time, never more than the caller's buffer holds. */
#include <errno.h>

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
