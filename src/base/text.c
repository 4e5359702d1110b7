/* Printable and shell-quoted forms of names that come from outside (files, tokens, strategy .so files). */
#include <stdbool.h>
#include <string.h>

#include "base/text.h"

/* Where text goes: a FILE, or a buffer filled as snprintf would. */
struct sink {
	FILE *f;
	char *buf;
	size_t len, n;
};

static void put(struct sink *k, const char *p, size_t n)
{
	if (k->f) {
		fwrite(p, 1, n, k->f);
	} else {
		for (size_t i = 0; i < n; i++, k->n++)
			if (k->n + 1 < k->len)
				k->buf[k->n] = p[i];
		return;
	}
	k->n += n;
}

static size_t finish(struct sink *k)
{
	if (!k->f && k->len)
		k->buf[k->n < k->len ? k->n : k->len - 1] = '\0';
	return k->n;
}

/*
 * The length of the printable character at @p: 1 for printable ASCII, 2-4
 * for a valid UTF-8 sequence that is not a C1 control (U+0080-U+009F), a
 * surrogate or an overlong form; 0 when the byte must be escaped.
 */
static size_t printable_len(const unsigned char *p)
{
	unsigned int cp, need;

	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3, cp = p[0] & 0x07;
	else
		return 0;
	for (unsigned int i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* also stops at the NUL */
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < 0xa0 || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need + 1;
}

/* One byte that printable_len() refused, as a C-style escape. */
static void put_escape(struct sink *k, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	if (c == '\n')
		put(k, "\\n", 2);
	else if (c == '\t')
		put(k, "\\t", 2);
	else if (c == '\r')
		put(k, "\\r", 2);
	else
		put(k, e, 4);
}

static void escape(struct sink *k, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = printable_len(p);

		if (n) {
			put(k, (const char *)p, n);
			p += n;
		} else {
			put_escape(k, *p++);
		}
	}
}

MODSIM_API size_t modsim_text_escape(char *buf, size_t len, const char *s)
{
	struct sink k = { .buf = buf, .len = len };

	escape(&k, s);
	return finish(&k);
}

MODSIM_API void modsim_fput_escaped(FILE *f, const char *s)
{
	struct sink k = { .f = f };

	escape(&k, s);
}

MODSIM_API const char *modsim_printable(const char *s)
{
	static __thread char buf[8][MODSIM_PRINTABLE_MAX];
	static __thread unsigned int next;
	char *b = buf[next++ % 8];

	modsim_text_escape(b, MODSIM_PRINTABLE_MAX, s);
	return b;
}

static bool shell_plain(const char *s)
{
	return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789_@%+=:,./-") == strlen(s);
}

static bool all_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = printable_len(p);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

static void shell_quote(struct sink *k, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (shell_plain(s)) {
		put(k, s, strlen(s));
		return;
	}
	if (all_printable(s)) {
		put(k, "'", 1);
		for (; *p; p++) {
			if (*p == '\'')
				put(k, "'\\''", 4);
			else
				put(k, (const char *)p, 1);
		}
		put(k, "'", 1);
		return;
	}
	put(k, "$'", 2);
	while (*p) {
		size_t n = printable_len(p);

		if (*p == '\'' || *p == '\\') {
			put(k, "\\", 1);
			put(k, (const char *)p++, 1);
		} else if (n) {
			put(k, (const char *)p, n);
			p += n;
		} else {
			put_escape(k, *p++);
		}
	}
	put(k, "'", 1);
}

MODSIM_API size_t modsim_shell_quote(char *buf, size_t len, const char *s)
{
	struct sink k = { .buf = buf, .len = len };

	shell_quote(&k, s);
	return finish(&k);
}

MODSIM_API void modsim_fput_shell_word(FILE *f, const char *s)
{
	struct sink k = { .f = f };

	shell_quote(&k, s);
}

MODSIM_API bool modsim_text_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}
