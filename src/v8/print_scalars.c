/*
 * print_scalars.c — the kinds ::jsprint shows on one line: BigInt (decimal,
 * from its 64-bit digits), Symbol (its description), Date (ISO time in UTC,
 * from the time value) and RegExp (/source/flags).
 */
#include "v8/print_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BIGINT_MAX_DIGITS 256 /* 64-bit digits converted to decimal; more prints in hex */

/* Divides the little-endian number d[0..n) by 10^19 in place, returns the rest. */
static uint64_t div_1e19(uint64_t *d, size_t n)
{
	unsigned __int128 rest = 0;
	for (size_t i = n; i-- > 0;) {
		unsigned __int128 cur = (rest << 64) | d[i];
		d[i] = (uint64_t)(cur / 10000000000000000000ull);
		rest = cur % 10000000000000000000ull;
	}
	return (uint64_t)rest;
}

static void bigint_decimal(uint64_t *d, size_t n, struct util_buf *out)
{
	/* Chunks of 19 decimal digits, least significant first. */
	size_t nchunks = 0, cap = n * 2 + 1;
	uint64_t *chunk = util_malloc(cap * sizeof(*chunk));
	while (n > 0 && nchunks < cap) {
		chunk[nchunks++] = div_1e19(d, n);
		while (n > 0 && d[n - 1] == 0)
			n--;
	}
	if (nchunks == 0)
		util_buf_addc(out, '0');
	for (size_t i = nchunks; i-- > 0;)
		util_buf_printf(out, i == nchunks - 1 ? "%llu" : "%019llu",
				(unsigned long long)chunk[i]);
	free(chunk);
}

void pr_bigint(struct pr *p, v8_value v)
{
	uint32_t bits;
	if (v8_field_u32(p->v8, v, p->K->bigint_bitfield, &bits) < 0) {
		pr_unreadable(p);
		return;
	}
	/* bigint.tq: sign is bit 0, length (in 64-bit digits) bits 1..30. */
	size_t n = (bits >> 1) & 0x3fffffff;
	struct util_buf t = {0};
	util_buf_adds(&t, bits & 1 ? "-" : "");
	if (n > BIGINT_MAX_DIGITS) {
		util_buf_printf(&t, "<BigInt of %zu 64-bit digits>", n);
	} else {
		uint64_t *d = util_calloc(n ? n : 1, sizeof(*d));
		int ok = 1;
		for (size_t i = 0; i < n && ok; i++)
			ok = v8_field_u64(p->v8, v, p->K->bigint_digits + 8 * (int64_t)i, &d[i]) ==
			     0;
		if (ok)
			bigint_decimal(d, n, &t);
		free(d);
		if (!ok) {
			util_buf_free(&t);
			pr_unreadable(p);
			return;
		}
	}
	util_buf_addc(&t, 'n');
	pr_leaf(p, v, "BigInt", t.data);
	util_buf_free(&t);
}

void pr_symbol(struct pr *p, v8_value v)
{
	struct util_buf t = {0};
	if (v8_name(p->v8, v, &t) < 0) {
		util_buf_free(&t);
		pr_unreadable(p);
		return;
	}
	pr_leaf(p, v, "Symbol", t.data);
	util_buf_free(&t);
}

static int date_value(struct pr *p, v8_value v, double *t)
{
	if (p->K->date_value_is_double) {
		uint64_t bits;
		if (v8_field_u64(p->v8, v, p->K->date_value, &bits) < 0)
			return -1;
		memcpy(t, &bits, sizeof(*t));
		return 0;
	}
	v8_value tv;
	if (v8_field(p->v8, v, p->K->date_value, &tv) < 0)
		return -1;
	if (v8_is_smi(tv)) {
		*t = (double)v8_smi(tv);
		return 0;
	}
	return v8_heap_number(p->v8, tv, t);
}

/* ISO 8601 in UTC, as Date.prototype.toISOString (years 0..9999). */
static void iso_time(double ms, struct util_buf *out)
{
	if (isnan(ms) || fabs(ms) > 8.64e15) {
		util_buf_adds(out, "Invalid Date");
		return;
	}
	double secs = floor(ms / 1000.0);
	int msec = (int)(ms - secs * 1000.0);
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		util_buf_adds(out, "Invalid Date");
		return;
	}
	util_buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec);
}

void pr_date(struct pr *p, v8_value v)
{
	double ms;
	if (!p->K->known) {
		struct util_buf t = {0};
		v8_kinds_unknown(p->v8, "Date", &t);
		pr_leaf(p, v, "Date", t.data);
		util_buf_free(&t);
		return;
	}
	if (date_value(p, v, &ms) < 0) {
		pr_unreadable(p);
		return;
	}
	struct util_buf t = {0};
	if (p->o->json)
		iso_time(ms, &t);
	else {
		util_buf_adds(&t, "Date(");
		iso_time(ms, &t);
		util_buf_adds(&t, ")");
	}
	pr_leaf(p, v, "Date", t.data);
	util_buf_free(&t);
}

/* JSRegExp::Flag bits (js-regexp.h): global 0, ignore_case 1, multiline 2,
 * sticky 3, unicode 4, dot_all 5, linear 6, has_indices 7, unicode_sets 8;
 * printed in the order of RegExp.prototype.flags. */
static void regexp_flags(int64_t f, struct util_buf *out)
{
	static const struct {
		int bit;
		char c;
	} order[] = {{7, 'd'}, {0, 'g'}, {1, 'i'}, {2, 'm'},
		     {5, 's'}, {4, 'u'}, {8, 'v'}, {3, 'y'}};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (f & (1 << order[i].bit))
			util_buf_addc(out, order[i].c);
}

void pr_regexp(struct pr *p, v8_value v)
{
	v8_value src;
	int64_t flags;
	if (p->K->regexp_source < 0) {
		struct util_buf t = {0};
		v8_kinds_unknown(p->v8, "RegExp", &t);
		pr_leaf(p, v, "RegExp", t.data);
		util_buf_free(&t);
		return;
	}
	struct util_buf t = {0};
	util_buf_addc(&t, '/');
	if (v8_field(p->v8, v, p->K->regexp_source, &src) < 0 ||
	    v8_string(p->v8, src, &t, 4096) < 0 ||
	    v8_field_smi(p->v8, v, p->K->regexp_flags, &flags) < 0) {
		util_buf_free(&t);
		pr_unreadable(p);
		return;
	}
	util_buf_addc(&t, '/');
	regexp_flags(flags, &t);
	pr_leaf(p, v, "RegExp", t.data);
	util_buf_free(&t);
}
