/*
 * pprof.c — writes a sampled profile as pprof's profile.proto (github.com/
 * google/pprof, proto/profile.proto), encoded by hand and gzip-compressed with
 * zlib as the format requires: read by `go tool pprof`, Pyroscope, Parca.
 * One Function and one Location per frame; each distinct stack becomes a
 * Sample with values [samples, cpu nanoseconds], locations leaf first.
 */
#include "output/output_formats.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- protobuf encoding ---- */

static void put_varint(struct util_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;
	do {
		tmp[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	util_buf_add(b, tmp, n);
}

static void put_key(struct util_buf *b, unsigned field, unsigned wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

/* A varint field; zero values are left out (proto3 default). */
static void put_uint(struct util_buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	put_key(b, field, 0);
	put_varint(b, v);
}

static void put_bytes(struct util_buf *b, unsigned field, const void *p, size_t n)
{
	put_key(b, field, 2);
	put_varint(b, n);
	util_buf_add(b, p, n);
}

static void put_message(struct util_buf *b, unsigned field, const struct util_buf *m)
{
	put_bytes(b, field, m->data ? m->data : "", m->len);
}

/* ---- string table ---- */

struct strings {
	struct util_map index; /* string -> index + 1 */
	const char **list;
	size_t n, cap;
};

static uint64_t str_id(struct strings *s, const char *str)
{
	if (!str || !*str)
		return 0; /* string_table[0] is "" */
	struct util_map_entry *e = util_map_upsert(&s->index, str, strlen(str));
	if (!e->value) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 256;
			s->list = util_realloc(s->list, s->cap * sizeof(*s->list));
		}
		s->list[s->n++] = e->key;
		e->value = (void *)(uintptr_t)s->n; /* index in the table = n, after "" */
	}
	return (uint64_t)(uintptr_t)e->value;
}

/* ---- profile ---- */

static void value_type(struct util_buf *b, unsigned field, struct strings *s, const char *type,
		       const char *unit)
{
	struct util_buf m = {0};
	put_uint(&m, 1, str_id(s, type));
	put_uint(&m, 2, str_id(s, unit));
	put_message(b, field, &m);
	util_buf_free(&m);
}

static void write_samples(struct util_buf *b, const struct out_profile *p)
{
	uint64_t *counts = util_calloc(p->nstacks ? p->nstacks : 1, sizeof(uint64_t));
	for (size_t i = 0; i < p->nsamples; i++)
		counts[p->samples[i].stack]++;
	struct util_buf m = {0}, packed = {0};
	for (size_t i = 0; i < p->nstacks; i++) {
		if (!counts[i])
			continue;
		util_buf_reset(&m);
		util_buf_reset(&packed);
		const struct out_stack *s = &p->stacks[i];
		for (uint32_t j = s->n; j-- > 0;) /* leaf first */
			put_varint(&packed, (uint64_t)s->frames[j] + 1);
		put_message(&m, 1, &packed);
		util_buf_reset(&packed);
		put_varint(&packed, counts[i]);
		put_varint(&packed, counts[i] * p->period_ns);
		put_message(&m, 2, &packed);
		put_message(b, 2, &m);
	}
	util_buf_free(&m);
	util_buf_free(&packed);
	free(counts);
}

static void write_locations_and_functions(struct util_buf *b, const struct out_profile *p,
					  struct strings *s)
{
	struct util_buf m = {0}, line = {0};
	for (size_t i = 0; i < p->nframes; i++) {
		const struct out_frame *f = &p->frames[i];
		util_buf_reset(&m);
		util_buf_reset(&line);
		put_uint(&line, 1, i + 1); /* function_id */
		put_uint(&line, 2, f->line);
		put_uint(&m, 1, i + 1); /* id */
		put_message(&m, 4, &line);
		put_message(b, 4, &m);
	}
	for (size_t i = 0; i < p->nframes; i++) {
		const struct out_frame *f = &p->frames[i];
		util_buf_reset(&m);
		put_uint(&m, 1, i + 1);
		put_uint(&m, 2, str_id(s, f->kind == OUT_FRAME_JS ? f->function : f->name));
		put_uint(&m, 3, str_id(s, f->name));
		put_uint(&m, 4, str_id(s, f->file));
		put_uint(&m, 5, f->line);
		put_message(b, 5, &m);
	}
	util_buf_free(&m);
	util_buf_free(&line);
}

static int gzip_to(FILE *out, const struct util_buf *in)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return util_error("zlib: deflateInit2 failed");
	unsigned char buf[65536];
	z.next_in = (unsigned char *)(in->data ? in->data : "");
	z.avail_in = (uInt)in->len;
	int rc;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = deflate(&z, Z_FINISH);
		size_t n = sizeof(buf) - z.avail_out;
		if (n && fwrite(buf, 1, n, out) != n) {
			deflateEnd(&z);
			return util_error("write error");
		}
	} while (rc == Z_OK);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : util_error("zlib: deflate failed");
}

int out_pprof_write(const struct out_profile *p, FILE *out)
{
	if (p->nsamples > 0xffffffffu)
		return util_error("profile too large for pprof");
	struct strings s = {0};
	struct util_buf b = {0};
	value_type(&b, 1, &s, "samples", "count");
	value_type(&b, 1, &s, "cpu", "nanoseconds");
	write_samples(&b, p);
	write_locations_and_functions(&b, p, &s);
	struct util_buf tail = {0};
	put_uint(&tail, 9, p->wall_start_ns);
	put_uint(&tail, 10, p->end_ns > p->start_ns ? p->end_ns - p->start_ns : 0);
	value_type(&tail, 11, &s, "cpu", "nanoseconds");
	put_uint(&tail, 12, p->period_ns);
	/* The string table last: every id above is known by now. */
	put_bytes(&b, 6, "", 0);
	for (size_t i = 0; i < s.n; i++)
		put_bytes(&b, 6, s.list[i], strlen(s.list[i]));
	util_buf_add(&b, tail.data ? tail.data : "", tail.len);
	int rc = gzip_to(out, &b);
	util_buf_free(&b);
	util_buf_free(&tail);
	util_map_free(&s.index);
	free(s.list);
	return rc != 0 ? -1 : (ferror(out) ? util_error("write error") : 0);
}
