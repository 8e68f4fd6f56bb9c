/*
 * Unit tests of the source-position table decoder (function.c) on tables built
 * here with both encodings: V8 <= 13 (zig-zag code-offset delta whose sign marks
 * expressions, then a zig-zag position delta) and V8 14 (an unsigned
 * delta << 2 | has_position << 1 | is_statement, then the position delta only
 * when has_position). The cores in test_v8_core and the e2e tests check the same
 * decoder against the positions node itself prints.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "v8/v8_int.h"

struct entry {
	int64_t code, script_offset;
	int statement;
};

static size_t vlq(uint8_t *out, uint64_t v)
{
	size_t n = 0;
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		out[n++] = b | (v ? 0x80 : 0);
	} while (v);
	return n;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* A SourcePosition: script offset + 1 in bits 1..30, no inlining (id + 1 = 0). */
static int64_t source_position(int64_t offset)
{
	return (offset + 1) << 1;
}

static size_t encode(int encoding, const struct entry *e, size_t n, uint8_t *out)
{
	int64_t code = -1, pos = 0;
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t dc = e[i].code - code, sp = source_position(e[i].script_offset);
		int64_t dp = sp - pos;
		if (encoding == 1) {
			len += vlq(out + len, zigzag(e[i].statement ? dc : -dc - 1));
			len += vlq(out + len, zigzag(dp));
		} else {
			uint64_t u =
			    (uint64_t)dc << 2 | (dp ? 2u : 0u) | (e[i].statement ? 1u : 0u);
			len += vlq(out + len, u);
			if (dp)
				len += vlq(out + len, zigzag(dp));
		}
		code = e[i].code;
		pos = sp;
	}
	return len;
}

static const struct entry table[] = {
    {-1, 10, 0},    /* function entry */
    {0, 25, 1},	    /* statement */
    {7, 31, 0},	    /* expression */
    {7 + 5, 31, 1}, /* same position again: no position delta in V8 14 */
    {40, 3000, 0},  /* big jump: multi-byte VLQ */
    {41, 12, 1},    /* backwards in the source */
};

static void lookup_both_encodings(void **state)
{
	(void)state;
	static struct v8 v8; /* only L.spt_encoding is read */
	uint8_t bytes[256];
	const int64_t probes[][2] = {{-1, 10}, {0, 25},	   {6, 25},  {7, 31},	{12, 31},
				     {39, 31}, {40, 3000}, {41, 12}, {1000, 12}};
	for (int enc = 1; enc <= 2; enc++) {
		v8.L.spt_encoding = enc;
		size_t len = encode(enc, table, sizeof(table) / sizeof(table[0]), bytes);
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
			int64_t raw = -1;
			assert_int_equal(
			    v8_position_table_lookup(&v8, bytes, len, probes[i][0], &raw), 1);
			assert_int_equal(raw, source_position(probes[i][1]));
		}
		int64_t raw;
		assert_int_equal(v8_position_table_lookup(&v8, bytes, len, -2, &raw), 0);
	}
}

static void truncated_table_stops(void **state)
{
	(void)state;
	static struct v8 v8;
	uint8_t bytes[256];
	v8.L.spt_encoding = 1;
	size_t len = encode(1, table, sizeof(table) / sizeof(table[0]), bytes);
	bytes[len - 1] |= 0x80; /* a VLQ that never ends */
	int64_t raw = -1;
	assert_int_equal(v8_position_table_lookup(&v8, bytes, len, 1000, &raw), 1);
	assert_int_equal(raw, source_position(3000)); /* the last complete entry */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lookup_both_encodings),
	    cmocka_unit_test(truncated_table_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
