/* Reading text a line at a time with a bound: no input makes a line grow without end. */
#ifndef MODSIM_BASE_LINES_H
#define MODSIM_BASE_LINES_H

#include <stddef.h>
#include <stdio.h>

#include <modsim/compiler.h>

/**
 * modsim_read_line - read one line of @f into @buf, without its newline.
 * @f:   the input
 * @buf: where the line goes, NUL-terminated
 * @cap: the size of @buf: a line holds at most @cap - 1 bytes
 * @len: set to the line's length; it counts NUL bytes read, so a line
 *       holding one has strlen(@buf) < *@len
 *
 * Example:
 *	char line[4096];
 *	size_t n;
 *	int r;
 *
 *	while ((r = modsim_read_line(f, line, sizeof(line), &n)) > 0)
 *		handle(line, n);
 *	if (r < 0)
 *		report(r);
 *
 * Return: 1 with a line, 0 at the end of input, -E2BIG for a line longer
 * than @cap - 1 bytes (what was read of it is in @buf, the rest unread),
 * -EIO when reading failed (errno says why).
 */
MODSIM_API int modsim_read_line(FILE *f, char *buf, size_t cap, size_t *len);

/**
 * modsim_fopen_regular - fopen(@path, "r"), but only for a regular file:
 * a FIFO, a device (/dev/zero) or a directory is refused without blocking
 * on it and without reading from it.
 * @path: the file
 * @err:  set to 0, -errno from open(), or -EINVAL (not a regular file)
 *
 * Return: the stream, or NULL with *@err set.
 */
MODSIM_API FILE *modsim_fopen_regular(const char *path, int *err);

#endif /* MODSIM_BASE_LINES_H */
