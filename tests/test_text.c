/* Printable and shell-quoted names: modsim_text_escape, modsim_shell_quote, and error messages that stay one line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"

#include "internal.h"

static void expect_escape(const char *in, const char *want)
{
	char out[256];

	assert_int_equal(modsim_text_escape(out, sizeof(out), in), strlen(want));
	assert_string_equal(out, want);
}

static void test_modsim_text_escape_controls(void **state)
{
	(void)state;
	expect_escape("unload-race", "unload-race");
	expect_escape("a b\tc\nd\re", "a b\\tc\\nd\\re");
	expect_escape("x\033[2J\033]0;pwned\007y", "x\\x1b[2J\\x1b]0;pwned\\x07y");
	expect_escape("del\177", "del\\x7f");
	expect_escape("caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93"); /* UTF-8 stays */
	expect_escape("c1\xc2\x9b" "31m", "c1\\xc2\\x9b31m");                 /* U+009B, a CSI */
	expect_escape("bad\xff\xc3", "bad\\xff\\xc3");
	expect_escape("over\xc0\xaf", "over\\xc0\\xaf");
	expect_escape("", "");
}

static void test_modsim_text_escape_cuts_like_snprintf(void **state)
{
	char out[5];

	(void)state;
	assert_int_equal(modsim_text_escape(out, sizeof(out), "ab\ncd"), 6);
	assert_string_equal(out, "ab\\n");
}

static void expect_quote(const char *in, const char *want)
{
	char out[256];

	assert_int_equal(modsim_shell_quote(out, sizeof(out), in), strlen(want));
	assert_string_equal(out, want);
}

static void test_modsim_shell_quote_forms(void **state)
{
	(void)state;
	expect_quote("unload-race", "unload-race");
	expect_quote("./my/file.ini", "./my/file.ini");
	expect_quote("", "''");
	expect_quote("two words", "'two words'");
	expect_quote("it's", "'it'\\''s'");
	expect_quote("$(id)`id`;*", "'$(id)`id`;*'");
	expect_quote("a\nb", "$'a\\nb'");
	expect_quote("e\033[1m 'q' \\", "$'e\\x1b[1m \\'q\\' \\\\'");
}

/* What bash makes of a quoted word: it must read back the very bytes. */
static void expect_bash_reads_back(const char *word)
{
	char script[] = "/tmp/modsim-quote-XXXXXX", cmd[64], got[256];
	int fd = mkstemp(script);
	size_t n;
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("printf %s ", f);
	modsim_fput_shell_word(f, word);
	fputc('\n', f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "bash %s", script);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	assert_int_equal(pclose(f), 0);
	unlink(script);
	assert_string_equal(got, word);
}

static void test_modsim_shell_quote_round_trip(void **state)
{
	(void)state;
	expect_bash_reads_back("plain-name");
	expect_bash_reads_back("with space");
	expect_bash_reads_back("quote ' and \" and \\ and $HOME and `x`");
	expect_bash_reads_back("esc \033[31m red\nnew line\ttab");
	expect_bash_reads_back("caf\xc3\xa9");
}

static void test_modsim_err_message_is_one_printable_line(void **state)
{
	(void)state;
	assert_int_equal(modsim_err(-EINVAL, "scenario %s: unknown", "x\n\033[2Jy"), -EINVAL);
	assert_string_equal(modsim_last_error(), "scenario x\\n\\x1b[2Jy: unknown");
}

static void test_modsim_text_has_control(void **state)
{
	(void)state;
	assert_false(modsim_text_has_control("plot.png"));
	assert_false(modsim_text_has_control("caf\xc3\xa9.png"));
	assert_true(modsim_text_has_control("x\n!id\n.png"));
	assert_true(modsim_text_has_control("x\r"));
	assert_true(modsim_text_has_control("x\177"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modsim_text_escape_controls),
		cmocka_unit_test(test_modsim_text_escape_cuts_like_snprintf),
		cmocka_unit_test(test_modsim_shell_quote_forms),
		cmocka_unit_test(test_modsim_shell_quote_round_trip),
		cmocka_unit_test(test_modsim_err_message_is_one_printable_line),
		cmocka_unit_test(test_modsim_text_has_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
