/* An independent writer of the schedule token format, for the token tests: tokens the encoder never would make. */
#ifndef MODSIM_TEST_TOKEN_PAYLOAD_H
#define MODSIM_TEST_TOKEN_PAYLOAD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * An independent writer of the documented format, to make tokens the
 * encoder never would: payload bytes in, "ms1." + base64url(payload, CRC) out.
 */
struct payload {
	uint8_t b[4096];
	size_t n;
};

static void pl_byte(struct payload *p, uint8_t v)
{
	assert_true(p->n < sizeof(p->b));
	p->b[p->n++] = v;
}

static void pl_varint(struct payload *p, uint64_t v)
{
	for (; v >= 0x80; v >>= 7)
		pl_byte(p, (uint8_t)(v | 0x80));
	pl_byte(p, (uint8_t)v);
}

static void pl_string(struct payload *p, const char *s)
{
	size_t len = strlen(s);

	pl_varint(p, len);
	while (len--)
		pl_byte(p, (uint8_t)*s++);
}

/* A payload that begins with @version, @strategy and @scenario. */
static void pl_start(struct payload *p, uint8_t version, const char *strategy, const char *scenario)
{
	p->n = 0;
	pl_byte(p, version);
	if (strategy)
		pl_string(p, strategy);
	if (scenario)
		pl_string(p, scenario);
}

/*
 * Version through nchoices: the example's header in format @version, with
 * @nchoices choices to follow.
 */
static void pl_header_v(struct payload *p, uint8_t version, uint64_t nchoices)
{
	pl_start(p, version, "none", "unload-race");
	pl_varint(p, 2);    /* workers */
	pl_varint(p, 7);    /* seed */
	pl_varint(p, 1);    /* policy: pct */
	pl_varint(p, 3);    /* depth */
	pl_varint(p, 2000); /* steps */
	pl_varint(p, 1);    /* expect 0, plus 1 */
	pl_varint(p, 812);  /* expect_step */
	if (version >= 3) {
		pl_varint(p, 0); /* cycles: the default */
		pl_varint(p, 0); /* scenario_hash: a built-in scenario */
	}
	pl_varint(p, nchoices);
}

/* The same in format 1 (no runs), which decoders still read. */
static void pl_header(struct payload *p, uint64_t nchoices)
{
	pl_header_v(p, 1, nchoices);
}

static uint16_t test_crc16(const uint8_t *p, size_t len)
{
	uint16_t crc = 0xffff;
	int bit;

	while (len--) {
		crc ^= (uint16_t)(*p++ << 8);
		for (bit = 0; bit < 8; bit++)
			crc = (uint16_t)(crc & 0x8000 ? crc << 1 ^ 0x1021 : crc << 1);
	}
	return crc;
}

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The token of @p's first @n bytes, checksummed (malloc'ed). */
static char *pl_token_n(const struct payload *p, size_t n)
{
	uint8_t bytes[sizeof(p->b) + 2];
	uint16_t crc = test_crc16(p->b, n);
	char *tok = malloc(4 + (n + 4) / 3 * 4 + 1), *o;
	size_t i, bits = 0;
	uint32_t acc = 0;

	assert_non_null(tok);
	memcpy(bytes, p->b, n);
	bytes[n] = (uint8_t)(crc >> 8);
	bytes[n + 1] = (uint8_t)crc;
	strcpy(tok, "ms1.");
	o = tok + 4;
	for (i = 0; i < n + 2; i++) {
		acc = acc << 8 | bytes[i];
		for (bits += 8; bits >= 6; bits -= 6)
			*o++ = alphabet[acc >> (bits - 6) & 63];
	}
	if (bits)
		*o++ = alphabet[acc << (6 - bits) & 63];
	*o = '\0';
	return tok;
}

static char *pl_token(const struct payload *p)
{
	return pl_token_n(p, p->n);
}

#endif /* MODSIM_TEST_TOKEN_PAYLOAD_H */
