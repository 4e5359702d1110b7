/* Schedule tokens: a struct modsim_schedule as one copy-pasteable word; the scheduler's names. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/sched.h>

#include "lab/scenario.h"
#include "kernel/units.h"

/*
 * Token format 3 (formats 1 and 2 are read too).
 *
 *   token    "ms1." base64url(payload || crc), RFC 4648 section 5 alphabet
 *            (A-Z a-z 0-9 - _), no '=' padding, the unused low bits of the
 *            last character zero
 *   payload  version (one byte, 3)
 *            strategy, scenario: each a varint length (at most 255), then
 *                      that many bytes (no NUL, no terminator)
 *            workers, seed, policy, depth, steps, expect + 1, expect_step,
 *            cycles, scenario_hash, nchoices: varints, in that order
 *                      (expect + 1 so that -1 is 0; cycles: the loader's
 *                      load/unload cycles, 0 for the default; scenario_hash:
 *                      FNV-1a of a scenario file's bytes, 0 for a built-in
 *                      scenario)
 *            the choices, as runs: a varint (delta << 6 | thread) << 1 |
 *                      more, where delta is the decision minus the previous
 *                      choice's (the first choice's decision as is; at least
 *                      1 for the others, as decisions ascend strictly) and
 *                      thread is 0..63; when more is 1, a varint R >= 1
 *                      follows: R more choices, each the same delta after
 *                      the one before, for the same thread.  (Format 1: one
 *                      varint delta << 6 | thread per choice, no runs.)  A
 *                      schedule in which a waiting thread is woken and
 *                      re-checked at every step repeats one choice
 *                      hundreds of times; runs keep its token short.
 *
 * Formats 1 and 2 have no cycles and no scenario_hash: they decode with
 * cycles 0 (the default, 3) and scenario_hash 0 (not checked).  Such a
 * token replays when it was made with the default cycles; one made with
 * --cycles before format 3 ran another trial than its replay does, and
 * `modsim run --replay` says so when the replay ends elsewhere.
 *   crc      CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xffff, no
 *            reflection) of the payload, high byte first
 *
 * A varint is unsigned LEB128: seven bits a byte, low bits first, bit 7 set
 * on every byte but the last; at most 10 bytes (64 bits).
 *
 * Base64 and this CRC both run most significant bit first, so one mangled
 * character is a burst of at most 6 bits in the checked bit stream, and a
 * 16-bit CRC catches every burst of up to 16 bits: a one-character typo or
 * two neighbouring ones always fail the checksum.  A cut-short copy fails it
 * too (unless one in 65536).  The decoder checks the checksum before any
 * field, so the field errors ("truncated (field ...)", "out of order") mean
 * a token that was made wrong, not copied wrong.
 *
 * Example (55 characters): strategy "none", scenario "unload-race", workers
 * 2, seed 7, pct, depth 3, 2000 steps, expect 0 at step 812, default
 * cycles, a built-in scenario, choices (4, 1), (9, 0), (17, 2):
 *	ms1.AwRub25lC3VubG9hZC1yYWNlAgcBA9APAawGAAADggSABYQIvRU
 * (in format 2: ms1.AgRub25lC3VubG9hZC1yYWNlAgcBA9APAawGA4IEgAWECK03)
 */

#define TOKEN_PREFIX "ms1."
#define TOKEN_PREFIX_LEN 4
#define TOKEN_VERSION 3
#define TOKEN_VERSION_NOCYCLES 2
#define TOKEN_VERSION_NORUNS 1

#define STR_MAX 255           /* the longest strategy or scenario name */
#define THREAD_BITS 6         /* MODSIM_SCHED_MAX_THREADS is 64 */
#define MAX_CHOICES (1u << 24) /* the most choices a token may hold */
#define VARINT_MAX 10         /* bytes of a 64-bit varint */
#define CHOICE_MAX 6          /* bytes a choice takes at most: 32 + 6 + 1 bits, runs no more */
#define CRC_LEN 2

/* The scalar fields, in token order. */
enum field {
	F_WORKERS, F_SEED, F_POLICY, F_DEPTH, F_STEPS, F_EXPECT, F_EXPECT_STEP, F_CYCLES,
	F_SCN_HASH, F_NCHOICES, F__COUNT
};

/* Each scalar's name in messages and the largest value its member holds. */
static const struct {
	const char *name;
	uint64_t max;
} fields[F__COUNT] = {
	[F_WORKERS] = { "workers", UINT_MAX },
	[F_SEED] = { "seed", UINT64_MAX },
	[F_POLICY] = { "policy", MODSIM_SCHED_REPLAY },
	[F_DEPTH] = { "depth", UINT_MAX },
	[F_STEPS] = { "steps", UINT32_MAX },
	[F_EXPECT] = { "expect", (uint64_t)INT_MAX + 1 },
	[F_EXPECT_STEP] = { "expect_step", UINT32_MAX },
	[F_CYCLES] = { "cycles", ULONG_MAX },
	[F_SCN_HASH] = { "scenario_hash", UINT64_MAX },
	[F_NCHOICES] = { "nchoices", MAX_CHOICES },
};

/* The most bytes the version, the two strings and the scalars take. */
#define HEAD_MAX (1 + 2 * (2 + STR_MAX) + F__COUNT * VARINT_MAX)

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* CRC-16/CCITT-FALSE of @len bytes at @p (check value of "123456789": 0x29b1). */
static uint16_t crc16(const uint8_t *p, size_t len)
{
	uint16_t crc = 0xffff;
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (bit = 0; bit < 8; bit++)
			crc = crc & 0x8000 ? (uint16_t)(crc << 1 ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

/* The value of base64url character @c, or -1. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Write @len bytes at @p as base64url without padding, NUL-terminated, at @out. */
static void b64_encode(const uint8_t *p, size_t len, char *out)
{
	size_t i;
	uint32_t v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[v >> 12 & 63];
		*out++ = b64_alphabet[v >> 6 & 63];
		*out++ = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[v >> 12 & 63];
		*out++ = b64_alphabet[v >> 6 & 63];
	}
	*out = '\0';
}

/* Describe a bad character of the token for a message (printable or as a byte). */
static int bad_char(const char *token, size_t off, const char *why)
{
	unsigned char c = (unsigned char)token[off];

	if (c >= 0x20 && c < 0x7f)
		return modsim_err(-EINVAL, "schedule token: character '%c' at offset %zu %s", c,
				  off, why);
	return modsim_err(-EINVAL, "schedule token: byte 0x%02x at offset %zu %s", c, off, why);
}

/*
 * Decode the base64url text after the prefix of @token into a malloc'ed
 * buffer *@out of *@len bytes.  Return: 0, -EINVAL or -ENOMEM.
 */
static int b64_decode(const char *token, uint8_t **out, size_t *len)
{
	const char *text = token + TOKEN_PREFIX_LEN;
	size_t n = strlen(text), i, o = 0;
	uint32_t acc = 0;
	unsigned int bits = 0;
	uint8_t *buf;
	int v;

	for (i = 0; i < n; i++)
		if (b64_value((unsigned char)text[i]) < 0)
			return bad_char(token, TOKEN_PREFIX_LEN + i, "is not base64url");
	if (n % 4 == 1)
		return modsim_err(-EINVAL, "schedule token: truncated (%zu base64url characters "
				  "end inside a byte)", n);
	buf = malloc(n * 3 / 4 + 1);
	if (!buf)
		return modsim_err(-ENOMEM, "schedule token: out of memory for %zu characters", n);
	for (i = 0; i < n; i++) {
		v = b64_value((unsigned char)text[i]);
		acc = (acc << 6 | (uint32_t)v) & 0xffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* The 2 or 4 bits left over are padding: a canonical token has them zero. */
	if (acc & ((1u << bits) - 1)) {
		free(buf);
		return bad_char(token, TOKEN_PREFIX_LEN + n - 1,
				"has bits past the end (mangled?)");
	}
	*out = buf;
	*len = o;
	return 0;
}

/* Append @v as a varint at @p + *@n. */
static void put_varint(uint8_t *p, size_t *n, uint64_t v)
{
	while (v >= 0x80) {
		p[(*n)++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[(*n)++] = (uint8_t)v;
}

/* Append @str (at most STR_MAX bytes) as a length-prefixed string at @p + *@n. */
static void put_string(uint8_t *p, size_t *n, const char *str)
{
	size_t len = strlen(str);

	put_varint(p, n, len);
	memcpy(p + *n, str, len);
	*n += len;
}

/* A payload being parsed. */
struct reader {
	const uint8_t *p;
	size_t len, off;
};

/* Read a varint called @name into *@v; over @max is an error.  Return: 0 or -EINVAL. */
static int get_varint(struct reader *r, const char *name, uint64_t max, uint64_t *v)
{
	unsigned int shift = 0;
	uint64_t x = 0;
	uint8_t b;

	do {
		if (r->off >= r->len)
			return modsim_err(-EINVAL, "schedule token: truncated (field %s)", name);
		b = r->p[r->off++];
		if (shift == 63 && b > 1)
			return modsim_err(-EINVAL, "schedule token: %s does not fit in 64 bits",
					  name);
		x |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (x > max)
		return modsim_err(-EINVAL, "schedule token: %s %" PRIu64 " is out of range (at "
				  "most %" PRIu64 ")", name, x, max);
	*v = x;
	return 0;
}

/* Read a length-prefixed string called @name into @dst (STR_MAX + 1 bytes). */
static int get_string(struct reader *r, const char *name, char *dst)
{
	uint64_t len = 0;
	int err;

	err = get_varint(r, name, UINT64_MAX, &len);
	if (err)
		return err;
	if (len > STR_MAX)
		return modsim_err(-EINVAL, "schedule token: %s is %" PRIu64 " bytes long (at most "
				  "%d)", name, len, STR_MAX);
	if (len > r->len - r->off)
		return modsim_err(-EINVAL, "schedule token: truncated (field %s)", name);
	if (memchr(r->p + r->off, '\0', len))
		return modsim_err(-EINVAL, "schedule token: %s holds a NUL byte", name);
	memcpy(dst, r->p + r->off, len);
	dst[len] = '\0';
	r->off += len;
	return 0;
}

/* Room in @s->choices for @n choices (format 2 grows it as runs decode). */
static bool grow_choices(struct modsim_schedule *s, uint32_t n)
{
	struct modsim_sched_choice *c;
	uint32_t cap = s->nchoices ? s->nchoices : 16;

	if (n <= s->nchoices && s->choices)
		return true;
	while (cap < n)
		cap = cap > UINT32_MAX / 2 ? n : cap * 2;
	c = realloc(s->choices, (size_t)cap * sizeof(*c));
	if (!c)
		return false;
	s->choices = c;
	s->nchoices = cap; /* capacity while decoding; set to the count at the end */
	return true;
}

/* Fill @s from the checksummed payload @p of @len bytes.  Return: 0, -EINVAL or -ENOMEM. */
static int parse(const uint8_t *p, size_t len, struct modsim_schedule *s)
{
	struct reader r = { .p = p, .len = len };
	uint64_t v[F__COUNT] = { 0 }, c = 0, delta, prev = 0;
	char name[32];
	uint32_t i;
	int err, f;

	if (len < 1)
		return modsim_err(-EINVAL, "schedule token: truncated (field version)");
	if (p[0] != TOKEN_VERSION && p[0] != TOKEN_VERSION_NOCYCLES &&
	    p[0] != TOKEN_VERSION_NORUNS)
		return modsim_err(-EINVAL, "schedule token: version %u is not supported (this "
				  "build reads versions %d to %d)", p[0], TOKEN_VERSION_NORUNS,
				  TOKEN_VERSION);
	r.off = 1;
	err = get_string(&r, "strategy", s->strategy);
	if (err)
		return err;
	err = get_string(&r, "scenario", s->scenario);
	if (err)
		return err;
	for (f = 0; f < F__COUNT; f++) {
		/* Before format 3: no cycles, no scenario hash (both 0). */
		if (p[0] < TOKEN_VERSION && (f == F_CYCLES || f == F_SCN_HASH))
			continue;
		err = get_varint(&r, fields[f].name, fields[f].max, &v[f]);
		if (err)
			return err;
	}
	/* Without runs a choice takes a byte or more: allocate for no count
	 * the bytes cannot hold.  With runs, memory grows with what decodes. */
	if (p[0] == TOKEN_VERSION_NORUNS && v[F_NCHOICES] > r.len - r.off)
		return modsim_err(-EINVAL, "schedule token: truncated (field choices: %" PRIu64
				  " announced, at most %zu bytes left)", v[F_NCHOICES],
				  r.len - r.off);
	s->workers = (unsigned int)v[F_WORKERS];
	s->seed = v[F_SEED];
	s->policy = (enum modsim_sched_policy)v[F_POLICY];
	s->depth = (unsigned int)v[F_DEPTH];
	s->steps = (uint32_t)v[F_STEPS];
	s->expect = (int)((int64_t)v[F_EXPECT] - 1);
	s->expect_step = (uint32_t)v[F_EXPECT_STEP];
	s->cycles = (unsigned long)v[F_CYCLES];
	s->scenario_hash = v[F_SCN_HASH];
	if (p[0] == TOKEN_VERSION_NORUNS && v[F_NCHOICES]) {
		s->choices = malloc(v[F_NCHOICES] * sizeof(*s->choices));
		if (!s->choices)
			return modsim_err(-ENOMEM, "schedule token: out of memory for %" PRIu64
					  " choices", v[F_NCHOICES]);
	}
	for (i = 0; i < v[F_NCHOICES];) {
		uint64_t more = 0, run = 1;

		snprintf(name, sizeof(name), "choice %" PRIu32, i);
		if (p[0] == TOKEN_VERSION_NORUNS) {
			err = get_varint(&r, name, (uint64_t)UINT32_MAX << THREAD_BITS | 63, &c);
		} else {
			err = get_varint(&r, name,
					 ((uint64_t)UINT32_MAX << THREAD_BITS | 63) << 1 | 1, &c);
			more = c & 1;
			c >>= 1;
		}
		if (err)
			return err;
		if (more) {
			err = get_varint(&r, name, v[F_NCHOICES] - i - 1, &run);
			if (err)
				return err;
			if (!run)
				return modsim_err(-EINVAL, "schedule token: choice %" PRIu32
						  " starts an empty run", i);
			run++;
		}
		delta = c >> THREAD_BITS;
		if (p[0] != TOKEN_VERSION_NORUNS &&
		    !grow_choices(s, (uint32_t)(i + run)))
			return modsim_err(-ENOMEM, "schedule token: out of memory for %" PRIu64
					  " choices", i + run);
		for (uint64_t k = 0; k < run; k++, i++) {
			if (i > 0 && delta == 0)
				return modsim_err(-EINVAL, "schedule token: choice %" PRIu32
						  " out of order (decision %" PRIu64 " again)", i,
						  prev);
			if (delta > UINT32_MAX - prev)
				return modsim_err(-EINVAL, "schedule token: choice %" PRIu32
						  " has a decision past %" PRIu32, i, UINT32_MAX);
			prev += delta;
			s->choices[i].decision = (uint32_t)prev;
			s->choices[i].thread = (uint8_t)(c & 63);
		}
	}
	s->nchoices = (uint32_t)v[F_NCHOICES];
	if (r.off != r.len)
		return modsim_err(-EINVAL, "schedule token: %zu bytes after the last field",
				  r.len - r.off);
	return 0;
}

/* Whether @s fits in a token; -EINVAL naming the field that does not. */
static int check(const struct modsim_schedule *s)
{
	uint32_t i;

	if (strnlen(s->strategy, sizeof(s->strategy)) > STR_MAX)
		return modsim_err(-EINVAL, "schedule: strategy is longer than %d bytes", STR_MAX);
	if (strnlen(s->scenario, sizeof(s->scenario)) > STR_MAX)
		return modsim_err(-EINVAL, "schedule: scenario is longer than %d bytes", STR_MAX);
	if ((unsigned int)s->policy > MODSIM_SCHED_REPLAY)
		return modsim_err(-EINVAL, "schedule: policy %u is not a policy",
				  (unsigned int)s->policy);
	if (s->expect < -1)
		return modsim_err(-EINVAL, "schedule: expect %d is below -1", s->expect);
	if (s->nchoices > MAX_CHOICES)
		return modsim_err(-EINVAL, "schedule: %" PRIu32 " choices (at most %u)",
				  s->nchoices, MAX_CHOICES);
	if (s->nchoices && !s->choices)
		return modsim_err(-EINVAL, "schedule: %" PRIu32 " choices but no array",
				  s->nchoices);
	for (i = 0; i < s->nchoices; i++) {
		if (s->choices[i].thread >= MODSIM_SCHED_MAX_THREADS)
			return modsim_err(-EINVAL, "schedule: choice %" PRIu32 " names thread %u "
					  "(at most %d)", i, s->choices[i].thread,
					  MODSIM_SCHED_MAX_THREADS - 1);
		if (i > 0 && s->choices[i].decision <= s->choices[i - 1].decision)
			return modsim_err(-EINVAL, "schedule: choice %" PRIu32 " out of order "
					  "(decision %" PRIu32 " after %" PRIu32 ")", i,
					  s->choices[i].decision, s->choices[i - 1].decision);
	}
	return 0;
}

MODSIM_API int modsim_schedule_encode(const struct modsim_schedule *s, char **out)
{
	uint64_t v[F__COUNT];
	uint32_t prev = 0, i;
	size_t n = 0;
	uint16_t crc;
	uint8_t *buf;
	char *text;
	int err, f;

	if (!out)
		return modsim_err(-EINVAL, "schedule: nowhere to put the token");
	*out = NULL;
	if (!s)
		return modsim_err(-EINVAL, "schedule: no schedule to encode");
	err = check(s);
	if (err)
		return err;

	buf = malloc(HEAD_MAX + (size_t)s->nchoices * CHOICE_MAX + CRC_LEN);
	if (!buf)
		return modsim_err(-ENOMEM, "schedule: out of memory for %" PRIu32 " choices",
				  s->nchoices);
	buf[n++] = TOKEN_VERSION;
	put_string(buf, &n, s->strategy);
	put_string(buf, &n, s->scenario);
	v[F_WORKERS] = s->workers;
	v[F_SEED] = s->seed;
	v[F_POLICY] = (uint64_t)s->policy;
	v[F_DEPTH] = s->depth;
	v[F_STEPS] = s->steps;
	v[F_EXPECT] = (uint64_t)((int64_t)s->expect + 1);
	v[F_EXPECT_STEP] = s->expect_step;
	v[F_CYCLES] = s->cycles;
	v[F_SCN_HASH] = s->scenario_hash;
	v[F_NCHOICES] = s->nchoices;
	for (f = 0; f < F__COUNT; f++)
		put_varint(buf, &n, v[f]);
	for (i = 0; i < s->nchoices;) {
		uint32_t delta = s->choices[i].decision - prev, run = 1;
		uint8_t t = s->choices[i].thread;

		while (i + run < s->nchoices && s->choices[i + run].thread == t &&
		       s->choices[i + run].decision - s->choices[i + run - 1].decision == delta)
			run++;
		put_varint(buf, &n, ((uint64_t)delta << THREAD_BITS | t) << 1 | (run > 1));
		if (run > 1)
			put_varint(buf, &n, run - 1);
		prev = s->choices[i + run - 1].decision;
		i += run;
	}
	crc = crc16(buf, n);
	buf[n++] = (uint8_t)(crc >> 8);
	buf[n++] = (uint8_t)crc;

	text = malloc(TOKEN_PREFIX_LEN + (n + 2) / 3 * 4 + 1);
	if (!text) {
		free(buf);
		return modsim_err(-ENOMEM, "schedule: out of memory for a token of %zu bytes", n);
	}
	memcpy(text, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
	b64_encode(buf, n, text + TOKEN_PREFIX_LEN);
	free(buf);
	*out = text;
	return 0;
}

MODSIM_API int modsim_schedule_decode(const char *token, struct modsim_schedule *s)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	int err;

	if (!s)
		return modsim_err(-EINVAL, "schedule token: nowhere to decode it to");
	memset(s, 0, sizeof(*s));
	if (!token || strncmp(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN))
		return modsim_err(-EINVAL, "schedule token: does not start with " TOKEN_PREFIX);
	err = b64_decode(token, &buf, &n);
	if (err)
		return err;
	if (n < CRC_LEN)
		err = modsim_err(-EINVAL, "schedule token: truncated (field checksum)");
	else if (crc16(buf, n - CRC_LEN) != (buf[n - 2] << 8 | buf[n - 1]))
		err = modsim_err(-EINVAL, "schedule token: checksum mismatch (copied "
				 "incompletely?)");
	else
		err = parse(buf, n - CRC_LEN, s);
	free(buf);
	if (err) {
		modsim_schedule_free(s);
		memset(s, 0, sizeof(*s));
	}
	return err;
}

MODSIM_API int modsim_schedule_check_code(const struct modsim_schedule *s, const char *strategy,
					  const char *scenario)
{
	if (strategy && strcmp(strategy, s->strategy))
		return modsim_err(-EINVAL, "--strategy %s: the token's strategy is %s", strategy,
				  s->strategy);
	if (scenario && strcmp(scenario, s->scenario))
		return modsim_err(-EINVAL, "--scenario %s: the token's scenario is %s", scenario,
				  s->scenario);
	if (!strategy && strchr(s->strategy, '/'))
		return modsim_err(-EPERM, "the token's strategy is the file %s; a token alone does "
				  "not load code: give --strategy %s to run it", s->strategy,
				  s->strategy);
	if (!scenario && modsim_scenario_is_file(s->scenario))
		return modsim_err(-EPERM, "the token's scenario is the file %s, whose modules would "
				  "be loaded; a token alone does not load code: give --scenario %s "
				  "to run it", s->scenario, s->scenario);
	return 0;
}
