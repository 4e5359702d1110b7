/* modsim merge: a strict reader for the trial lines `modsim matrix --jsonl` writes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/matrix.h>

#include "base/lines.h"
#include "lab/matrix_internal.h"

#include "kernel/units.h"

/* The longest line a trial can make, with room to spare; longer is not ours. */
#define LINE_MAX_BYTES 8192

/*
 * struct line - one line being parsed.
 * @p:    the next character
 * @msg:  what went wrong (set once)
 */
struct line {
	const char *start, *p;
	char msg[256];
};

static bool fail(struct line *l, const char *what)
{
	if (!l->msg[0])
		snprintf(l->msg, sizeof(l->msg), "column %zu: %s", (size_t)(l->p - l->start) + 1,
			 what);
	return false;
}

static void skip_ws(struct line *l)
{
	while (*l->p == ' ' || *l->p == '\t')
		l->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A JSON string into @out (at most @len - 1 bytes).  Only \u escapes below 0x80. */
static bool parse_string(struct line *l, char *out, size_t len)
{
	size_t n = 0;

	if (*l->p != '"')
		return fail(l, "expected a string");
	l->p++;
	for (;;) {
		char c = *l->p;

		if (!c)
			return fail(l, "unterminated string");
		if ((unsigned char)c < 0x20)
			return fail(l, "a control character inside a string");
		l->p++;
		if (c == '"')
			break;
		if (c == '\\') {
			char e = *l->p++;
			int v = 0;

			switch (e) {
			case '"': case '\\': case '/':
				c = e;
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u':
				for (int i = 0; i < 4; i++) {
					int h = hexval(*l->p);

					if (h < 0)
						return fail(l, "a bad \\u escape");
					v = v * 16 + h;
					l->p++;
				}
				if (v == 0 || v >= 0x80)
					return fail(l, "a \\u escape outside 0x01-0x7f (not written by modsim)");
				c = (char)v;
				break;
			default:
				l->p--;
				return fail(l, "an unknown escape");
			}
		}
		if (n + 1 >= len)
			return fail(l, "a string longer than the field holds");
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

/* An unsigned decimal integer: no sign, fraction, exponent or leading zero. */
static bool parse_number(struct line *l, uint64_t *out)
{
	uint64_t v = 0;

	if (*l->p < '0' || *l->p > '9')
		return fail(l, "expected an unsigned integer");
	if (l->p[0] == '0' && l->p[1] >= '0' && l->p[1] <= '9')
		return fail(l, "a number with a leading zero");
	for (; *l->p >= '0' && *l->p <= '9'; l->p++) {
		unsigned int d = (unsigned int)(*l->p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return fail(l, "a number too large for 64 bits");
		v = v * 10 + d;
	}
	if (*l->p == '.' || *l->p == 'e' || *l->p == 'E')
		return fail(l, "a number that is not an integer");
	*out = v;
	return true;
}

static const struct matrix_field *field_find(const char *key, size_t *idx)
{
	for (size_t i = 0; i < modsim_matrix_nfields; i++) {
		if (!strcmp(modsim_matrix_fields[i].key, key)) {
			*idx = i;
			return &modsim_matrix_fields[i];
		}
	}
	return NULL;
}

/* One value for field @fd of @t. */
static bool parse_value(struct line *l, const struct matrix_field *fd, struct modsim_matrix_trial *t)
{
	char *base = (char *)t, s[MODSIM_MATRIX_NAME_MAX];
	uint64_t v;

	switch (fd->type) {
	case MF_SCHEMA:
		if (!parse_string(l, s, sizeof(s)))
			return false;
		if (strcmp(s, MATRIX_TRIAL_SCHEMA))
			return fail(l, "schema is not \"" MATRIX_TRIAL_SCHEMA "\"");
		return true;
	case MF_STR:
		return parse_string(l, base + fd->off, fd->size);
	case MF_PREDICT:
		if (!parse_string(l, s, sizeof(s)))
			return false;
		if (!strcmp(s, "safe"))
			t->predict = MODSIM_PREDICT_SAFE;
		else if (!strcmp(s, "unsafe"))
			t->predict = MODSIM_PREDICT_UNSAFE;
		else if (!strcmp(s, "unknown"))
			t->predict = MODSIM_PREDICT_UNKNOWN;
		else
			return fail(l, "predict is not safe, unsafe or unknown");
		return true;
	case MF_NUM:
		if (!parse_number(l, &v))
			return false;
		if (fd->size == sizeof(unsigned int)) {
			unsigned int u = (unsigned int)v;

			if (v > UINT32_MAX)
				return fail(l, "a number too large for the field");
			memcpy(base + fd->off, &u, sizeof(u));
		} else {
			memcpy(base + fd->off, &v, sizeof(v));
		}
		return true;
	}
	return fail(l, "internal: unknown field type");
}

/* A whole line: one flat object holding every field exactly once. */
static bool parse_trial(struct line *l, struct modsim_matrix_trial *t)
{
	bool seen[64] = { false };
	char key[64];

	if (modsim_matrix_nfields > sizeof(seen) / sizeof(seen[0]))
		return fail(l, "internal: too many fields");
	memset(t, 0, sizeof(*t));
	skip_ws(l);
	if (*l->p != '{')
		return fail(l, "expected '{' (a trial line of modsim matrix --jsonl)");
	l->p++;
	for (;;) {
		const struct matrix_field *fd;
		size_t idx;

		skip_ws(l);
		if (!parse_string(l, key, sizeof(key)))
			return false;
		fd = field_find(key, &idx);
		if (!fd) {
			l->p--;
			return fail(l, "an unknown key");
		}
		if (seen[idx])
			return fail(l, "a key given twice");
		seen[idx] = true;
		skip_ws(l);
		if (*l->p != ':')
			return fail(l, "expected ':'");
		l->p++;
		skip_ws(l);
		if (!parse_value(l, fd, t))
			return false;
		skip_ws(l);
		if (*l->p == '}')
			break;
		if (*l->p != ',')
			return fail(l, "expected ',' or '}'");
		l->p++;
	}
	l->p++;
	skip_ws(l);
	if (*l->p)
		return fail(l, "text after the object");
	for (size_t i = 0; i < modsim_matrix_nfields; i++) {
		if (!seen[i]) {
			char what[96];

			snprintf(what, sizeof(what), "no \"%s\"", modsim_matrix_fields[i].key);
			return fail(l, what);
		}
	}
	return true;
}

MODSIM_API int modsim_matrix_read_jsonl(FILE *in, const char *name, struct modsim_matrix_result *r)
{
	struct modsim_matrix_trial *t;
	char *buf;
	unsigned long lineno = 0;
	size_t len;
	int err = 0, got;

	t = malloc(sizeof(*t));
	buf = malloc(LINE_MAX_BYTES + 1);
	if (!t || !buf) {
		free(t);
		free(buf);
		return modsim_err(-ENOMEM, "merge: out of memory");
	}
	while ((got = modsim_read_line(in, buf, LINE_MAX_BYTES + 1, &len)) > 0) {
		struct line l = { .start = buf, .p = buf };

		lineno++;
		if (len != strlen(buf)) {
			err = modsim_err(-EINVAL, "%s:%lu: a NUL byte in the line", name, lineno);
			break;
		}
		if (!parse_trial(&l, t)) {
			err = modsim_err(-EINVAL, "%s:%lu: %s", name, lineno, l.msg);
			break;
		}
		err = modsim_matrix_result_add(r, t);
		if (err) {
			char why[512];

			snprintf(why, sizeof(why), "%s", modsim_last_error());
			err = modsim_err(err, "%s:%lu: %s", name, lineno, why);
			break;
		}
	}
	if (got == -E2BIG)
		err = modsim_err(-EINVAL, "%s:%lu: a line longer than %d bytes; a trial line is shorter",
				 name, lineno + 1, LINE_MAX_BYTES);
	else if (got == -EIO)
		err = modsim_err(-EIO, "%s: read error after line %lu: %s", name, lineno,
				 strerror(errno));
	free(buf);
	free(t);
	return err;
}
