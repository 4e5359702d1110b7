/* Schedule tokens: encode/decode round trips, every decode error, and the policy and end names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/lab/sched.h>

#include "kernel/units.h"

#include "token_payload.h"

/* The example in token.c's comment (format 3), and the same schedule in format 2. */
#define TOKEN_EXAMPLE "ms1.AwRub25lC3VubG9hZC1yYWNlAgcBA9APAawGAAADggSABYQIvRU"
#define TOKEN_EXAMPLE_V2 "ms1.AgRub25lC3VubG9hZC1yYWNlAgcBA9APAawGA4IEgAWECK03"

static void assert_error_has(const char *needle)
{
	const char *msg = modsim_last_error();

	if (!strstr(msg, needle))
		fail_msg("last error \"%s\" lacks \"%s\"", msg, needle);
}

/* Whether @s is all zero bytes: what decode leaves behind when it fails. */
static void assert_schedule_empty(const struct modsim_schedule *s)
{
	static const struct modsim_schedule zero;

	assert_memory_equal(s, &zero, sizeof(zero));
}

static void assert_schedule_equal(const struct modsim_schedule *a, const struct modsim_schedule *b)
{
	uint32_t i;

	assert_string_equal(a->strategy, b->strategy);
	assert_string_equal(a->scenario, b->scenario);
	assert_int_equal(a->workers, b->workers);
	assert_int_equal(a->seed, b->seed);
	assert_int_equal(a->policy, b->policy);
	assert_int_equal(a->depth, b->depth);
	assert_int_equal(a->steps, b->steps);
	assert_int_equal(a->expect, b->expect);
	assert_int_equal(a->expect_step, b->expect_step);
	assert_int_equal(a->nchoices, b->nchoices);
	for (i = 0; i < a->nchoices; i++) {
		assert_int_equal(a->choices[i].decision, b->choices[i].decision);
		assert_int_equal(a->choices[i].thread, b->choices[i].thread);
	}
}

/* The example schedule of the format comment in src/lab/token.c. */
static struct modsim_sched_choice example_choices[] = { { 4, 1 }, { 9, 0 }, { 17, 2 } };

static void example_schedule(struct modsim_schedule *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->strategy, "none");
	strcpy(s->scenario, "unload-race");
	s->workers = 2;
	s->seed = 7;
	s->policy = MODSIM_SCHED_PCT;
	s->depth = 3;
	s->steps = 2000;
	s->expect = 0;
	s->expect_step = 812;
	s->choices = example_choices;
	s->nchoices = 3;
}

static char *encode_ok(const struct modsim_schedule *s)
{
	char *tok = NULL;
	int err = modsim_schedule_encode(s, &tok);

	if (err)
		fail_msg("encode: %s (%s)", modsim_errname(err), modsim_last_error());
	assert_non_null(tok);
	return tok;
}

/* Decode @tok, which must fail with -EINVAL, a message holding @needle, and @s left empty. */
static void assert_decode_fails(const char *tok, const char *needle)
{
	struct modsim_schedule s;

	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(modsim_schedule_decode(tok, &s), -EINVAL);
	assert_schedule_empty(&s);
	if (needle)
		assert_error_has(needle);
}

/* The token of payload @p must fail to decode the same way. */
static void assert_payload_fails(const struct payload *p, const char *needle)
{
	char *tok = pl_token(p);

	assert_decode_fails(tok, needle);
	free(tok);
}

static void test_crc16_check_value(void **state)
{
	assert_int_equal(test_crc16((const uint8_t *)"123456789", 9), 0x29b1);
}

static void test_schedule_encode_round_trip_full(void **state)
{
	struct modsim_schedule in, out;
	uint32_t i, decision = 0;
	char *tok;

	memset(&in, 0, sizeof(in));
	memset(in.strategy, 'x', 255);
	memcpy(in.strategy, "/work/build/strategies/mine.so", 30);
	in.strategy[200] = '.';
	in.strategy[201] = '/';
	strcpy(in.scenario, "init-sleep.v2/timer");
	in.workers = 63;
	in.seed = UINT64_MAX - 1;
	in.policy = MODSIM_SCHED_REPLAY;
	in.depth = 4000000000u;
	in.steps = UINT32_MAX;
	in.expect = 17;
	in.expect_step = UINT32_MAX - 5;
	in.nchoices = 5000;
	in.choices = calloc(in.nchoices, sizeof(*in.choices));
	assert_non_null(in.choices);
	for (i = 0; i < in.nchoices; i++) {
		decision += i % 7 == 0 ? 1 : 1 + i * 131 % 900;
		in.choices[i].decision = decision;
		in.choices[i].thread = (uint8_t)(i * 13 % 64);
	}
	in.choices[0].decision = 0;
	in.choices[in.nchoices - 1].decision = UINT32_MAX;
	in.choices[in.nchoices - 1].thread = 63;

	tok = encode_ok(&in);
	assert_int_equal(modsim_schedule_decode(tok, &out), 0);
	assert_schedule_equal(&in, &out);
	modsim_schedule_free(&out);
	free(tok);

	in.expect = -1;
	in.seed = UINT64_MAX;
	tok = encode_ok(&in);
	assert_int_equal(modsim_schedule_decode(tok, &out), 0);
	assert_int_equal(out.expect, -1);
	assert_schedule_equal(&in, &out);
	modsim_schedule_free(&out);
	free(tok);
	modsim_schedule_free(&in);
}

static void test_schedule_encode_round_trip_no_choices(void **state)
{
	struct modsim_schedule in, out;
	char *tok;

	memset(&in, 0, sizeof(in));
	in.expect = -1;
	tok = encode_ok(&in);
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(modsim_schedule_decode(tok, &out), 0);
	assert_schedule_equal(&in, &out);
	assert_null(out.choices);
	assert_int_equal(out.nchoices, 0);
	free(tok);
}

static void test_schedule_encode_charset(void **state)
{
	struct modsim_schedule in;
	char *tok;
	size_t i;
	int len;

	/* Every payload length mod 3, so every tail of the encoder shows. */
	for (len = 0; len < 6; len++) {
		example_schedule(&in);
		memset(in.strategy, 0, sizeof(in.strategy));
		memset(in.strategy, '~', (size_t)len);
		tok = encode_ok(&in);
		assert_int_equal(strncmp(tok, "ms1.", 4), 0);
		assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789-_."), strlen(tok));
		for (i = 4; tok[i]; i++)
			assert_int_not_equal(tok[i], '.');
		free(tok);
	}
}

/* The encoder writes the documented format, byte for byte, and the comment's example is right. */
static void test_schedule_encode_known_answer(void **state)
{
	struct modsim_schedule in;
	struct payload p;
	char *tok, *want;

	example_schedule(&in);
	pl_header_v(&p, 3, 3);
	pl_varint(&p, (4 << 6 | 1) << 1);
	pl_varint(&p, (5 << 6 | 0) << 1);
	pl_varint(&p, (8 << 6 | 2) << 1);
	want = pl_token(&p);
	tok = encode_ok(&in);
	assert_string_equal(tok, want);
	assert_string_equal(tok, TOKEN_EXAMPLE);
	free(want);
	free(tok);
}

/* Repeated choices (a woken waiter re-checked at every step) are one run. */
static void test_schedule_encode_runs(void **state)
{
	struct modsim_sched_choice c[301];
	struct modsim_schedule in, out;
	struct payload p;
	char *tok, *want;

	example_schedule(&in);
	for (uint32_t i = 0; i < 300; i++)
		c[i] = (struct modsim_sched_choice){ .decision = 10 + 2 * i, .thread = 3 };
	c[300] = (struct modsim_sched_choice){ .decision = 900, .thread = 1 };
	in.choices = c;
	in.nchoices = 301;
	pl_header_v(&p, 3, 301);
	pl_varint(&p, (10 << 6 | 3) << 1 | 0); /* the first: delta 10 */
	pl_varint(&p, (2 << 6 | 3) << 1 | 1);  /* then 1 + 298 of delta 2 */
	pl_varint(&p, 298);
	pl_varint(&p, (292 << 6 | 1) << 1);   /* 900 - 608 */
	want = pl_token(&p);
	tok = encode_ok(&in);
	assert_string_equal(tok, want);
	assert_true(strlen(tok) < 64);
	assert_int_equal(modsim_schedule_decode(tok, &out), 0);
	assert_int_equal(out.nchoices, 301);
	for (uint32_t i = 0; i < 301; i++) {
		assert_int_equal(out.choices[i].decision, c[i].decision);
		assert_int_equal(out.choices[i].thread, c[i].thread);
	}
	modsim_schedule_free(&out);
	free(want);
	free(tok);
}

/* A run that claims more choices than announced, or none, is refused. */
static void test_schedule_decode_bad_runs(void **state)
{
	struct payload p;

	pl_header_v(&p, 2, 3);
	pl_varint(&p, (4 << 6 | 1) << 1 | 1);
	pl_varint(&p, 5); /* 6 choices, 3 announced */
	assert_payload_fails(&p, "choice 0");

	pl_header_v(&p, 2, 3);
	pl_varint(&p, (4 << 6 | 1) << 1 | 1);
	pl_varint(&p, 0);
	assert_payload_fails(&p, "empty run");

	pl_header_v(&p, 2, 3);
	pl_varint(&p, (4 << 6 | 1) << 1 | 1);
	pl_varint(&p, 1);
	pl_varint(&p, (0 << 6 | 1) << 1); /* the third at the second's decision */
	assert_payload_fails(&p, "out of order");
}

static void test_schedule_decode_wrong_prefix(void **state)
{
	struct modsim_schedule in;
	char *tok;

	assert_decode_fails(NULL, "does not start with ms1.");
	assert_decode_fails("", "does not start with ms1.");
	assert_decode_fails("ms1", "does not start with ms1.");
	assert_decode_fails("MS1.AQ", "does not start with ms1.");
	example_schedule(&in);
	tok = encode_ok(&in);
	tok[2] = '2';
	assert_decode_fails(tok, "schedule token: does not start with ms1.");
	tok[2] = '1';
	assert_decode_fails(tok + 1, "does not start with ms1.");
	free(tok);
}

static void test_schedule_decode_bad_char(void **state)
{
	static const char bad[] = "=+/. \n\t*";
	struct modsim_schedule in;
	char *tok, msg[64];
	size_t i;

	example_schedule(&in);
	tok = encode_ok(&in);
	for (i = 0; bad[i]; i++) {
		char saved = tok[9];

		tok[9] = bad[i];
		assert_decode_fails(tok, "is not base64url");
		if (bad[i] >= 0x20)
			snprintf(msg, sizeof(msg), "character '%c' at offset 9 is not base64url",
				 bad[i]);
		else
			snprintf(msg, sizeof(msg), "byte 0x%02x at offset 9 is not base64url",
				 bad[i]);
		assert_error_has(msg);
		tok[9] = saved;
	}
	free(tok);
	assert_decode_fails("ms1.AgRub25lC3VubG9hZC1yYWNlAgcBA9APAawGA4IEgAWECK03==",
			    "character '=' at offset 52 is not base64url");
	assert_decode_fails("ms1.AgRub25lC3VubG9hZC1yYWNlAgcBA9APAawGA4IEgAWECK03\n",
			    "byte 0x0a at offset 52 is not base64url");
}

static void test_schedule_decode_every_truncation(void **state)
{
	struct modsim_schedule in, out;
	char *tok, *cut;
	size_t len, n;

	example_schedule(&in);
	tok = encode_ok(&in);
	len = strlen(tok);
	for (n = 0; n < len; n++) {
		cut = strndup(tok, n);
		assert_non_null(cut);
		assert_decode_fails(cut, "schedule token: ");
		free(cut);
	}
	assert_int_equal(modsim_schedule_decode(tok, &out), 0);
	modsim_schedule_free(&out);
	free(tok);
}

/* Any one character changed to any other base64url character: refused, by the checksum. */
static void test_schedule_decode_flipped_char(void **state)
{
	struct modsim_schedule in;
	char *tok, saved;
	size_t len, i, a;

	example_schedule(&in);
	tok = encode_ok(&in);
	len = strlen(tok);
	for (i = 4; i < len; i++) {
		saved = tok[i];
		for (a = 0; alphabet[a]; a++) {
			if (alphabet[a] == saved)
				continue;
			tok[i] = alphabet[a];
			/* The last character also carries padding bits, refused on their own. */
			assert_decode_fails(tok, i + 1 < len ? "checksum mismatch (copied "
							       "incompletely?)" : NULL);
		}
		tok[i] = saved;
	}
	free(tok);
}

/* The unused low bits of the last character must be zero: one schedule, one token. */
static void test_schedule_decode_stray_bits(void **state)
{
	struct modsim_schedule in;
	char *tok, msg[64];
	size_t len;
	int extra;

	/* 37 and 38 bytes: the last character carries 4, then 2, unused bits. */
	for (extra = 1; extra <= 2; extra++) {
		example_schedule(&in);
		strcpy(in.strategy, extra == 1 ? "non" : "none");
		tok = encode_ok(&in);
		len = strlen(tok);
		assert_int_equal((len - 4) % 4, 1 + extra);
		tok[len - 1] = alphabet[(strchr(alphabet, tok[len - 1]) - alphabet) | 1];
		snprintf(msg, sizeof(msg), "character '%c' at offset %zu has bits past the end",
			 tok[len - 1], len - 1);
		assert_decode_fails(tok, msg);
		free(tok);
	}
}

static void test_schedule_decode_too_short_for_checksum(void **state)
{
	assert_decode_fails("ms1.", "truncated (field checksum)");
	assert_decode_fails("ms1.AA", "truncated (field checksum)");
	assert_decode_fails("ms1.AAAAA", "truncated (5 base64url characters end inside a byte)");
}

/* A token cut short after a correct checksum was computed for the rest: every field is named. */
static void test_schedule_decode_truncated_field(void **state)
{
	static const char *const names[] = {
		"version", "strategy", "scenario", "workers", "seed", "policy", "depth",
		"steps", "expect", "expect_step", "nchoices", "choices", "choice 1", "choice 2",
	};
	struct payload p;
	size_t n, full;
	char *tok;

	pl_header(&p, 3);
	pl_varint(&p, 4 << 6 | 1);
	pl_varint(&p, 5 << 6 | 0);
	pl_varint(&p, 8 << 6 | 2);
	full = p.n;
	for (n = 0; n < full; n++) {
		tok = pl_token_n(&p, n);
		assert_decode_fails(tok, "schedule token: truncated (field ");
		free(tok);
	}
	/* Each name shows up at one cut or another. */
	for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		size_t cut;
		int seen = 0;
		char want[64];

		snprintf(want, sizeof(want), "truncated (field %s", names[n]);
		for (cut = 0; cut < full && !seen; cut++) {
			struct modsim_schedule s;

			tok = pl_token_n(&p, cut);
			assert_int_equal(modsim_schedule_decode(tok, &s), -EINVAL);
			seen = strstr(modsim_last_error(), want) != NULL;
			free(tok);
		}
		if (!seen)
			fail_msg("no cut reports \"%s\"", want);
	}
}

/* A format 2 token (made before cycles and the scenario hash were kept) still decodes: cycles 0, no hash. */
static void test_schedule_decode_format2(void **state)
{
	struct modsim_schedule want, got;

	example_schedule(&want);
	assert_int_equal(modsim_schedule_decode(TOKEN_EXAMPLE_V2, &got), 0);
	assert_schedule_equal(&got, &want);
	assert_int_equal(got.cycles, 0);
	assert_int_equal(got.scenario_hash, 0);
	modsim_schedule_free(&got);
}

/* Format 3 keeps the cycles and the scenario hash. */
static void test_schedule_roundtrip_cycles_hash(void **state)
{
	struct modsim_schedule in, out;
	char *tok;

	example_schedule(&in);
	in.cycles = 200;
	in.scenario_hash = 0xfedcba9876543210ULL;
	tok = encode_ok(&in);
	assert_int_equal(modsim_schedule_decode(tok, &out), 0);
	assert_int_equal(out.cycles, 200);
	assert_int_equal(out.scenario_hash, 0xfedcba9876543210ULL);
	modsim_schedule_free(&out);
	free(tok);
}

static void test_schedule_decode_bad_version(void **state)
{
	struct payload p;

	pl_header(&p, 0);
	p.b[0] = 4;
	assert_payload_fails(&p, "schedule token: version 4 is not supported (this build reads versions 1 to 3)");
	p.b[0] = 0;
	assert_payload_fails(&p, "schedule token: version 0 is not supported");
}

static void test_schedule_decode_trailing_bytes(void **state)
{
	struct payload p;

	pl_header(&p, 0);
	pl_byte(&p, 0);
	pl_byte(&p, 0x41);
	pl_byte(&p, 7);
	assert_payload_fails(&p, "schedule token: 3 bytes after the last field");
}

static void test_schedule_decode_out_of_order(void **state)
{
	struct payload p;

	pl_header(&p, 3);
	pl_varint(&p, 4 << 6 | 1);
	pl_varint(&p, 5 << 6 | 0);
	pl_varint(&p, 0 << 6 | 2); /* decision 9 again */
	assert_payload_fails(&p, "schedule token: choice 2 out of order");
}

static void test_schedule_decode_decision_overflow(void **state)
{
	struct payload p;
	char *tok;

	pl_header(&p, 2);
	pl_varint(&p, (uint64_t)UINT32_MAX << 6 | 1);
	pl_varint(&p, 1 << 6 | 0);
	assert_payload_fails(&p, "schedule token: choice 1 has a decision past 4294967295");
	pl_header(&p, 1);
	pl_varint(&p, ((uint64_t)UINT32_MAX + 1) << 6);
	tok = pl_token(&p);
	assert_decode_fails(tok, "schedule token: choice 0 ");
	assert_error_has("out of range");
	free(tok);
}

static void test_schedule_decode_bad_policy(void **state)
{
	struct payload p;

	pl_start(&p, 1, "none", "unload-race");
	pl_varint(&p, 2);
	pl_varint(&p, 7);
	pl_varint(&p, 4); /* policy */
	pl_varint(&p, 3);
	pl_varint(&p, 2000);
	pl_varint(&p, 0);
	pl_varint(&p, 0);
	pl_varint(&p, 0);
	assert_payload_fails(&p, "schedule token: policy 4 is out of range (at most 3)");
}

static void test_schedule_decode_field_too_large(void **state)
{
	struct payload p;
	int i;

	/* workers past UINT_MAX */
	pl_start(&p, 1, "none", "x");
	pl_varint(&p, (uint64_t)UINT32_MAX + 1);
	assert_payload_fails(&p, "schedule token: workers 4294967296 is out of range");

	/* a seed of 11 varint bytes */
	pl_start(&p, 1, "none", "x");
	pl_varint(&p, 2);
	for (i = 0; i < 10; i++)
		pl_byte(&p, 0xff);
	pl_byte(&p, 0x01);
	assert_payload_fails(&p, "schedule token: seed does not fit in 64 bits");

	/* expect + 1 past INT_MAX + 1 */
	pl_start(&p, 1, "none", "x");
	pl_varint(&p, 2);
	pl_varint(&p, 7);
	pl_varint(&p, 1);
	pl_varint(&p, 3);
	pl_varint(&p, 2000);
	pl_varint(&p, (uint64_t)INT32_MAX + 2);
	assert_payload_fails(&p, "schedule token: expect 2147483649 is out of range");
}

static void test_schedule_decode_long_string(void **state)
{
	struct payload p;
	int i;

	pl_start(&p, 1, NULL, NULL);
	pl_varint(&p, 256);
	for (i = 0; i < 256; i++)
		pl_byte(&p, 'a');
	assert_payload_fails(&p, "schedule token: strategy is 256 bytes long (at most 255)");

	pl_start(&p, 1, "none", NULL);
	pl_varint(&p, UINT64_MAX);
	assert_payload_fails(&p, "schedule token: scenario is 18446744073709551615 bytes long");
}

static void test_schedule_decode_nul_in_string(void **state)
{
	struct payload p;

	pl_start(&p, 1, "none", NULL);
	pl_varint(&p, 3);
	pl_byte(&p, 'a');
	pl_byte(&p, 0);
	pl_byte(&p, 'b');
	assert_payload_fails(&p, "schedule token: scenario holds a NUL byte");
}

/* A count the bytes cannot hold is refused before anything is allocated for it. */
static void test_schedule_decode_huge_nchoices(void **state)
{
	struct payload p;

	pl_header(&p, 1u << 24);
	assert_payload_fails(&p, "schedule token: truncated (field choices: 16777216 announced");

	pl_header(&p, (1u << 24) + 1);
	assert_payload_fails(&p, "schedule token: nchoices 16777217 is out of range");

	pl_header(&p, UINT64_MAX);
	assert_payload_fails(&p, "nchoices 18446744073709551615 is out of range");

	pl_header(&p, 4);
	pl_varint(&p, 1 << 6);
	pl_varint(&p, 1 << 6);
	pl_varint(&p, 1 << 6);
	assert_payload_fails(&p, "truncated (field choices: 4 announced, at most 3 bytes left)");
}

/* Random payloads with a good checksum: decode succeeds or fails cleanly (for the sanitizers). */
static void test_schedule_decode_random_payloads(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct modsim_schedule s;
	struct payload p;
	char *tok, *again;
	int iter, ok = 0;
	size_t i, keep;

	for (iter = 0; iter < 20000; iter++) {
		pl_header(&p, 3);
		pl_varint(&p, 4 << 6 | 1);
		pl_varint(&p, 5 << 6 | 0);
		pl_varint(&p, 8 << 6 | 2);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Keep a prefix, then fill with random bytes; small numbers are common. */
		keep = x % (p.n + 1);
		p.n = keep + (x >> 8) % 24;
		for (i = keep; i < p.n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p.b[i] = (uint8_t)(x >> 32 & (x & 1 ? 0xff : 0x07));
		}
		tok = pl_token(&p);
		memset(&s, 0xa5, sizeof(s));
		if (modsim_schedule_decode(tok, &s) == 0) {
			ok++;
			again = encode_ok(&s);
			modsim_schedule_free(&s);
			assert_int_equal(modsim_schedule_decode(again, &s), 0);
			free(again);
			modsim_schedule_free(&s);
		} else {
			assert_schedule_empty(&s);
		}
		free(tok);
	}
	assert_true(ok > 0);
}

static void test_schedule_encode_out_of_order(void **state)
{
	struct modsim_sched_choice c[] = { { 4, 1 }, { 9, 0 }, { 9, 2 } };
	struct modsim_schedule in;
	char *tok = (char *)"untouched";

	example_schedule(&in);
	in.choices = c;
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_null(tok);
	assert_error_has("choice 2 out of order (decision 9 after 9)");
	c[2].decision = 3;
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_error_has("choice 2 out of order (decision 3 after 9)");
}

static void test_schedule_encode_thread_64(void **state)
{
	struct modsim_sched_choice c[] = { { 4, 1 }, { 9, 64 } };
	struct modsim_schedule in;
	char *tok = NULL;

	example_schedule(&in);
	in.choices = c;
	in.nchoices = 2;
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_null(tok);
	assert_error_has("choice 1 names thread 64 (at most 63)");
	c[1].thread = 63;
	tok = encode_ok(&in);
	free(tok);
}

static void test_schedule_encode_long_strategy(void **state)
{
	struct modsim_schedule in, out;
	char *tok = NULL;

	example_schedule(&in);
	memset(in.strategy, 's', sizeof(in.strategy)); /* 256 characters, no terminator */
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_null(tok);
	assert_error_has("strategy is longer than 255 bytes");

	example_schedule(&in);
	memset(in.scenario, 'c', sizeof(in.scenario));
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_error_has("scenario is longer than 255 bytes");

	/* 255 fits. */
	in.scenario[255] = '\0';
	tok = encode_ok(&in);
	assert_int_equal(modsim_schedule_decode(tok, &out), 0);
	assert_int_equal(strlen(out.scenario), 255);
	modsim_schedule_free(&out);
	free(tok);
}

static void test_schedule_encode_bad_fields(void **state)
{
	struct modsim_schedule in;
	char *tok = NULL;

	example_schedule(&in);
	in.expect = -2;
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_error_has("expect -2 is below -1");

	example_schedule(&in);
	in.policy = (enum modsim_sched_policy)4;
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_error_has("policy 4 is not a policy");

	example_schedule(&in);
	in.choices = NULL;
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_error_has("3 choices but no array");

	example_schedule(&in);
	in.nchoices = (1u << 24) + 1;
	assert_int_equal(modsim_schedule_encode(&in, &tok), -EINVAL);
	assert_error_has("16777217 choices (at most 16777216)");

	assert_int_equal(modsim_schedule_encode(NULL, &tok), -EINVAL);
	assert_int_equal(modsim_schedule_encode(&in, NULL), -EINVAL);
	assert_null(tok);
}

static void test_schedule_free_clears(void **state)
{
	struct modsim_schedule s;

	memset(&s, 0, sizeof(s));
	s.nchoices = 2;
	s.choices = calloc(2, sizeof(*s.choices));
	assert_non_null(s.choices);
	modsim_schedule_free(&s);
	assert_null(s.choices);
	assert_int_equal(s.nchoices, 0);
	modsim_schedule_free(&s);
	modsim_schedule_free(NULL);
}

static void test_sched_policy_lookup_round_trip(void **state)
{
	static const char *const names[] = { "off", "pct", "random", "replay" };
	int p;

	for (p = MODSIM_SCHED_OFF; p <= MODSIM_SCHED_REPLAY; p++) {
		assert_string_equal(modsim_sched_policy_name(p), names[p]);
		assert_int_equal(modsim_sched_policy_lookup(names[p]), p);
	}
	assert_string_equal(modsim_sched_policy_name((enum modsim_sched_policy)4), "?");
	assert_string_equal(modsim_sched_policy_name((enum modsim_sched_policy)-1), "?");
}

static void test_sched_policy_lookup_bad_name(void **state)
{
	assert_int_equal(modsim_sched_policy_lookup("PCT"), -EINVAL);
	assert_error_has("unknown scheduling policy \"PCT\" (off, pct, random, replay)");
	assert_int_equal(modsim_sched_policy_lookup(""), -EINVAL);
	assert_int_equal(modsim_sched_policy_lookup("pctx"), -EINVAL);
	assert_int_equal(modsim_sched_policy_lookup(NULL), -EINVAL);
	assert_error_has("off, pct, random, replay");
}

static void test_sched_end_name_all(void **state)
{
	assert_string_equal(modsim_sched_end_name(MODSIM_SEND_NONE), "none");
	assert_string_equal(modsim_sched_end_name(MODSIM_SEND_VIOLATION), "violation");
	assert_string_equal(modsim_sched_end_name(MODSIM_SEND_DEADLOCK), "deadlock");
	assert_string_equal(modsim_sched_end_name(MODSIM_SEND_BUDGET), "budget");
	assert_string_equal(modsim_sched_end_name(MODSIM_SEND_EXITED), "exited");
	assert_string_equal(modsim_sched_end_name(MODSIM_SEND_LOST), "lost");
	assert_string_equal(modsim_sched_end_name((enum modsim_sched_end)6), "?");
}

/* A token names files only as data: running one that names a .so or a scenario file takes the user's word. */
static void test_schedule_check_code_files_named_again(void **state)
{
	struct modsim_schedule s;

	(void)state;
	memset(&s, 0, sizeof(s));
	strcpy(s.strategy, "inc");
	strcpy(s.scenario, "unload-race");
	assert_int_equal(modsim_schedule_check_code(&s, NULL, NULL), 0);
	assert_int_equal(modsim_schedule_check_code(&s, "inc", "unload-race"), 0);
	assert_int_equal(modsim_schedule_check_code(&s, "none", NULL), -EINVAL);
	assert_int_equal(modsim_schedule_check_code(&s, NULL, "timer"), -EINVAL);

	strcpy(s.strategy, "/tmp/evil.so");
	assert_int_equal(modsim_schedule_check_code(&s, NULL, NULL), -EPERM);
	assert_non_null(strstr(modsim_last_error(), "give --strategy /tmp/evil.so"));
	assert_int_equal(modsim_schedule_check_code(&s, "/tmp/other.so", NULL), -EINVAL);
	assert_int_equal(modsim_schedule_check_code(&s, "/tmp/evil.so", NULL), 0);

	strcpy(s.strategy, "inc");
	strcpy(s.scenario, "mine.ini");
	assert_int_equal(modsim_schedule_check_code(&s, NULL, NULL), -EPERM);
	assert_non_null(strstr(modsim_last_error(), "give --scenario mine.ini"));
	assert_int_equal(modsim_schedule_check_code(&s, NULL, "mine.ini"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc16_check_value),
		cmocka_unit_test(test_schedule_encode_round_trip_full),
		cmocka_unit_test(test_schedule_encode_round_trip_no_choices),
		cmocka_unit_test(test_schedule_encode_charset),
		cmocka_unit_test(test_schedule_encode_known_answer),
		cmocka_unit_test(test_schedule_decode_wrong_prefix),
		cmocka_unit_test(test_schedule_decode_bad_char),
		cmocka_unit_test(test_schedule_decode_every_truncation),
		cmocka_unit_test(test_schedule_decode_flipped_char),
		cmocka_unit_test(test_schedule_decode_stray_bits),
		cmocka_unit_test(test_schedule_decode_too_short_for_checksum),
		cmocka_unit_test(test_schedule_decode_truncated_field),
		cmocka_unit_test(test_schedule_decode_bad_version),
		cmocka_unit_test(test_schedule_decode_format2),
		cmocka_unit_test(test_schedule_roundtrip_cycles_hash),
		cmocka_unit_test(test_schedule_encode_runs),
		cmocka_unit_test(test_schedule_decode_bad_runs),
		cmocka_unit_test(test_schedule_decode_trailing_bytes),
		cmocka_unit_test(test_schedule_decode_out_of_order),
		cmocka_unit_test(test_schedule_decode_decision_overflow),
		cmocka_unit_test(test_schedule_check_code_files_named_again),
		cmocka_unit_test(test_schedule_decode_bad_policy),
		cmocka_unit_test(test_schedule_decode_field_too_large),
		cmocka_unit_test(test_schedule_decode_long_string),
		cmocka_unit_test(test_schedule_decode_nul_in_string),
		cmocka_unit_test(test_schedule_decode_huge_nchoices),
		cmocka_unit_test(test_schedule_decode_random_payloads),
		cmocka_unit_test(test_schedule_encode_out_of_order),
		cmocka_unit_test(test_schedule_encode_thread_64),
		cmocka_unit_test(test_schedule_encode_long_strategy),
		cmocka_unit_test(test_schedule_encode_bad_fields),
		cmocka_unit_test(test_schedule_free_clears),
		cmocka_unit_test(test_sched_policy_lookup_round_trip),
		cmocka_unit_test(test_sched_policy_lookup_bad_name),
		cmocka_unit_test(test_sched_end_name_all),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
