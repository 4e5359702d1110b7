/* Names from files, tokens and the command line made safe to print: escaped for a terminal, quoted for a shell. */
#ifndef MODSIM_BASE_TEXT_H
#define MODSIM_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <modsim/compiler.h>

/**
 * modsim_text_escape - @s with every byte a terminal would act on written
 * as an escape: "\n", "\t", "\r", "\xNN" for the other control characters,
 * DEL, C1 controls and bytes that are not valid UTF-8.  Printable ASCII and
 * valid UTF-8 pass through unchanged.
 * @buf: where the result goes (always NUL-terminated when @len > 0)
 * @len: the size of @buf
 * @s:   the text
 *
 * Example:
 *	char out[64];
 *	modsim_text_escape(out, sizeof(out), "a\033[2Jb");   // "a\x1b[2Jb"
 *
 * Return: the length of the whole result (as snprintf: >= @len means cut).
 */
MODSIM_API size_t modsim_text_escape(char *buf, size_t len, const char *s);

/** modsim_fput_escaped - modsim_text_escape() of @s, written to @f. */
MODSIM_API void modsim_fput_escaped(FILE *f, const char *s);

/**
 * modsim_printable - modsim_text_escape() of @s in one of 8 buffers of this
 * thread, used in turn: for a printf argument, valid until 8 more calls.
 * An escaped form past MODSIM_PRINTABLE_MAX - 1 bytes is cut.
 *
 * Example:
 *	printf("scenario %s\n", modsim_printable(s->name));
 */
#define MODSIM_PRINTABLE_MAX 2048
MODSIM_API const char *modsim_printable(const char *s);

/**
 * modsim_shell_quote - @s as one word a POSIX shell reads back as @s: as it
 * is when every byte is in [A-Za-z0-9_@%+=:,./-], else in single quotes
 * ('\'' for a quote), else, when @s holds bytes that modsim_text_escape()
 * escapes, as $'...' (bash, zsh, ksh) so that nothing unprintable reaches
 * the terminal.
 * @buf, @len: as modsim_text_escape()
 * @s:   the word
 *
 * Example:
 *	modsim_shell_quote(out, sizeof(out), "my scenario.ini");  // 'my scenario.ini'
 *
 * Return: the length of the whole result (>= @len means cut).
 */
MODSIM_API size_t modsim_shell_quote(char *buf, size_t len, const char *s);

/** modsim_fput_shell_word - modsim_shell_quote() of @s, written to @f. */
MODSIM_API void modsim_fput_shell_word(FILE *f, const char *s);

/**
 * modsim_text_has_control - does @s hold a control character (below 0x20,
 * or DEL)?  For strings that must appear inside another program's script.
 */
MODSIM_API bool modsim_text_has_control(const char *s);

#endif /* MODSIM_BASE_TEXT_H */
