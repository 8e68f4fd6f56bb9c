/*
 * reader.c — streaming JSON primitives for .heapsnapshot files: a refillable
 * buffer over a file descriptor (or one in-memory buffer), strings unescaped to
 * UTF-8, a fast loop for the long arrays of unsigned integers that make up most
 * of the file, a skipper for sections we do not use, and a small DOM for the
 * header. Every read is bounds-checked; errors carry the byte offset.
 */
#include "snapshot/reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER_MAX_ITEMS 100000

uint64_t snap_rd_offset(const struct snap_rd *r)
{
	return r->base + r->pos;
}

int snap_rd_fail(struct snap_rd *r, const char *what)
{
	if (r->err)
		return -1; /* the first message stays */
	r->err = 1;
	if (r->pos >= r->len && r->eof)
		return util_error("%s: truncated file: %s (at byte %llu)", r->name, what,
				  (unsigned long long)snap_rd_offset(r));
	return util_error("%s: not a heap snapshot: %s (at byte %llu)", r->name, what,
			  (unsigned long long)snap_rd_offset(r));
}

/* Progress of the reading, on a terminal, about every 2 % of the file. */
void snap_rd_report(struct snap_rd *r)
{
	if (r->publish)
		__atomic_store_n(r->publish, r->base + r->pos, __ATOMIC_RELAXED);
	if (!r->s || !r->s->progress || !r->s->file_size)
		return;
	uint64_t at = r->base + r->pos;
	if (r->other) {
		uint64_t o = __atomic_load_n(r->other, __ATOMIC_RELAXED);
		at = o > at ? o : at;
	}
	if (at < r->next_report)
		return;
	r->next_report = at + r->s->file_size / 50 + 1;
	fprintf(stderr, "\rnodescope: reading %s: %3u%%", r->name,
		(unsigned)(at * 100 / r->s->file_size));
	fflush(stderr);
}

void snap_rd_fill(struct snap_rd *r, size_t need)
{
	if (r->len - r->pos >= need || r->eof)
		return;
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->base += r->pos;
	r->len -= r->pos;
	r->pos = 0;
	snap_rd_report(r);
	while (r->len < need && !r->eof) {
		ssize_t n = r->positional ? pread(r->fd, r->buf + r->len, r->cap - r->len,
						  (off_t)(r->base + r->len))
					  : read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			util_error("%s: read: %s", r->name, strerror(errno));
			r->err = 1;
			r->eof = 1;
		} else if (n == 0) {
			r->eof = 1;
		} else {
			r->len += (size_t)n;
		}
	}
}

int snap_rd_peek(struct snap_rd *r)
{
	snap_rd_fill(r, 1);
	return r->pos < r->len ? (unsigned char)r->buf[r->pos] : -1;
}

static int is_ws(int c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

void snap_rd_skip_ws(struct snap_rd *r)
{
	for (;;) {
		while (r->pos < r->len && is_ws((unsigned char)r->buf[r->pos]))
			r->pos++;
		if (r->pos < r->len || r->eof)
			return;
		snap_rd_fill(r, 1);
	}
}

int snap_rd_expect(struct snap_rd *r, char c, const char *what)
{
	snap_rd_skip_ws(r);
	if (snap_rd_peek(r) != (unsigned char)c)
		return snap_rd_fail(r, what);
	r->pos++;
	return 0;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct util_buf *out, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	util_buf_add(out, b, n);
}

/* One backslash escape at r->pos (which points at the backslash). */
static int escape(struct snap_rd *r, struct util_buf *out)
{
	snap_rd_fill(r, 12);
	if (r->len - r->pos < 2)
		return snap_rd_fail(r, "unterminated string");
	char c = r->buf[r->pos + 1];
	const char *simple = "\"\"\\\\//b\bf\fn\nr\rt\t";
	for (const char *q = simple; *q; q += 2)
		if (c == q[0]) {
			util_buf_addc(out, q[1]);
			r->pos += 2;
			return 0;
		}
	unsigned cp, lo;
	if (c != 'u' || r->len - r->pos < 6 || hex4(r->buf + r->pos + 2, &cp))
		return snap_rd_fail(r, "bad escape in a string");
	r->pos += 6;
	if (cp >= 0xd800 && cp < 0xdc00 && r->len - r->pos >= 6 && r->buf[r->pos] == '\\' &&
	    r->buf[r->pos + 1] == 'u' && !hex4(r->buf + r->pos + 2, &lo) && lo >= 0xdc00 &&
	    lo < 0xe000) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		r->pos += 6;
	}
	put_utf8(out, cp); /* lone surrogates become 3-byte WTF-8 */
	return 0;
}

/* The first byte in [p, end) that ends a run of plain string characters:
 * a quote, a backslash or a control character. Eight bytes at a time. */
static const char *plain_run(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
		uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w);
		if (hit & highs)
			break;
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

int snap_rd_string(struct snap_rd *r, struct util_buf *out, size_t max_len)
{
	size_t start = out->len;
	if (snap_rd_expect(r, '"', "expected a string"))
		return -1;
	for (;;) {
		snap_rd_fill(r, 1);
		if (r->pos >= r->len)
			return snap_rd_fail(r, "unterminated string");
		const char *p = r->buf + r->pos, *end = r->buf + r->len;
		const char *q = p;
		q = plain_run(q, end);
		util_buf_add(out, p, (size_t)(q - p));
		r->pos += (size_t)(q - p);
		if (out->len - start > max_len)
			return snap_rd_fail(r, "string too long");
		if (q == end)
			continue;
		if (*q == '"') {
			r->pos++;
			return 0;
		}
		if (*q != '\\')
			return snap_rd_fail(r, "control character in a string");
		if (escape(r, out))
			return -1;
	}
}

static int skip_string(struct snap_rd *r)
{
	r->pos++; /* the opening quote */
	for (;;) {
		snap_rd_fill(r, 2);
		if (r->pos >= r->len)
			return snap_rd_fail(r, "unterminated string");
		const char *p = r->buf + r->pos, *end = r->buf + r->len;
		while (p < end && *p != '"' && *p != '\\')
			p++;
		r->pos = (size_t)(p - r->buf);
		if (p == end)
			continue;
		if (*p == '"') {
			r->pos++;
			return 0;
		}
		if (r->len - r->pos < 2)
			return snap_rd_fail(r, "unterminated string");
		r->pos += 2;
	}
}

static int is_scalar_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
	       c == '.' || c == 'E';
}

/* Skips one JSON value of any depth without storing it. */
int snap_rd_skip_value(struct snap_rd *r)
{
	uint64_t depth = 0;
	int want_value = 1;
	for (;;) {
		snap_rd_skip_ws(r);
		int c = snap_rd_peek(r);
		if (c < 0)
			return snap_rd_fail(r, "unexpected end of input");
		if (c == '[' || c == '{') {
			depth++;
			r->pos++;
			want_value = 1;
			continue;
		}
		if ((c == ']' || c == '}') && depth) {
			depth--;
			r->pos++;
		} else if (c == '"') {
			if (skip_string(r))
				return -1;
		} else if (is_scalar_char(c) && want_value) {
			while ((c = snap_rd_peek(r)) >= 0 && is_scalar_char(c))
				r->pos++;
		} else {
			return snap_rd_fail(r, "bad JSON value");
		}
		if (!depth)
			return 0;
		snap_rd_skip_ws(r);
		c = snap_rd_peek(r);
		if (c == ',' || c == ':') {
			r->pos++;
			want_value = 1;
		} else if (c != ']' && c != '}') {
			return snap_rd_fail(r, "expected ',' in a JSON value");
		}
	}
}

static int scalar(struct snap_rd *r, struct snap_jv *v)
{
	char tok[64];
	size_t n = 0;
	int c;
	while ((c = snap_rd_peek(r)) >= 0 && is_scalar_char(c)) {
		if (n + 1 >= sizeof(tok))
			return snap_rd_fail(r, "bad JSON value");
		tok[n++] = (char)c;
		r->pos++;
	}
	tok[n] = 0;
	if (!strcmp(tok, "null")) {
		v->kind = JV_NULL;
	} else if (!strcmp(tok, "true") || !strcmp(tok, "false")) {
		v->kind = JV_BOOL;
		v->num = tok[0] == 't';
	} else {
		char *end;
		v->kind = JV_NUM;
		v->num = strtod(tok, &end);
		if (!n || *end)
			return snap_rd_fail(r, "bad JSON value");
	}
	return 0;
}

static int container(struct snap_rd *r, struct snap_jv *v, int depth)
{
	int is_obj = snap_rd_peek(r) == '{';
	size_t cap = 0;
	v->kind = is_obj ? JV_OBJ : JV_ARR;
	r->pos++;
	snap_rd_skip_ws(r);
	if (snap_rd_peek(r) == (is_obj ? '}' : ']')) {
		r->pos++;
		return 0;
	}
	for (;;) {
		if (v->n >= HEADER_MAX_ITEMS)
			return snap_rd_fail(r, "snapshot header too large");
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			v->items = util_realloc(v->items, cap * sizeof(*v->items));
			if (is_obj)
				v->keys = util_realloc(v->keys, cap * sizeof(*v->keys));
		}
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		if (is_obj) {
			struct util_buf k = {0};
			v->keys[v->n] = NULL;
			if (snap_rd_string(r, &k, 4096)) {
				util_buf_free(&k);
				return -1;
			}
			v->keys[v->n] = k.data;
			if (snap_rd_expect(r, ':', "expected ':'")) {
				v->n++;
				return -1;
			}
		}
		int rc = snap_rd_value(r, &v->items[v->n], depth + 1);
		v->n++;
		if (rc)
			return -1;
		snap_rd_skip_ws(r);
		int c = snap_rd_peek(r);
		r->pos++;
		if (c == (is_obj ? '}' : ']'))
			return 0;
		if (c != ',') {
			r->pos--;
			return snap_rd_fail(r, "expected ',' in the snapshot header");
		}
	}
}

int snap_rd_value(struct snap_rd *r, struct snap_jv *v, int depth)
{
	memset(v, 0, sizeof(*v));
	if (depth > 32)
		return snap_rd_fail(r, "snapshot header nested too deeply");
	snap_rd_skip_ws(r);
	int c = snap_rd_peek(r);
	if (c == '{' || c == '[')
		return container(r, v, depth);
	if (c == '"') {
		struct util_buf b = {0};
		v->kind = JV_STR;
		int rc = snap_rd_string(r, &b, 1 << 20);
		v->str = b.data ? b.data : util_strdup("");
		return rc;
	}
	return scalar(r, v);
}

void snap_jv_free(struct snap_jv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		snap_jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

const struct snap_jv *snap_jv_get(const struct snap_jv *obj, const char *key)
{
	if (!obj || obj->kind != JV_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->keys[i] && !strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

#define CHUNK 4096

struct uint_array {
	uint64_t vals[CHUNK];
	size_t n;
	int want_value, first;
	snap_rd_sink fn;
	void *ctx;
};

/* The common shape "123,45\n": digits, a comma, maybe a newline. Runs while at
 * least 24 bytes follow, so a number of up to 19 digits and the two bytes after
 * it can be read without bounds checks. Returns 1 at anything else. */
static int fast_values(struct snap_rd *r, struct uint_array *a, const char **pp, const char *safe)
{
	const char *p = *pp;
	while (p < safe) {
		unsigned d = (unsigned)(unsigned char)*p - '0';
		if (!a->want_value || d >= 10)
			break;
		uint64_t v = d;
		int nd = 1;
		p++;
		while ((d = (unsigned)(unsigned char)*p - '0') < 10) {
			if (++nd > 19) {
				*pp = p;
				return -1;
			}
			v = v * 10 + d;
			p++;
		}
		a->vals[a->n++] = v;
		a->first = 0;
		if (a->n == CHUNK) {
			r->pos = (size_t)(p - r->buf);
			if (a->fn(a->ctx, a->vals, a->n))
				return -2;
			a->n = 0;
		}
		if (*p == ',') {
			p++;
			if (*p == '\n')
				p++;
		} else {
			a->want_value = 0;
		}
	}
	*pp = p;
	return 1;
}

/* One byte (or one number) the slow way, with bounds checks. Returns 1 at the
 * closing bracket, 0 to go on, -1 on error. */
static int slow_value(struct snap_rd *r, struct uint_array *a, const char **pp, const char *end)
{
	const char *p = *pp;
	unsigned char c = (unsigned char)*p;
	if (c == ',' && !a->want_value) {
		a->want_value = 1;
		p++;
	} else if (c >= '0' && c <= '9' && a->want_value) {
		uint64_t v = 0;
		int nd = 0;
		while (p < end && (unsigned char)(*p - '0') < 10) {
			if (++nd > 19) {
				r->pos = (size_t)(p - r->buf);
				return snap_rd_fail(r, "number too large");
			}
			v = v * 10 + (uint64_t)(*p - '0');
			p++;
		}
		a->vals[a->n++] = v;
		a->want_value = 0;
		a->first = 0;
		if (a->n == CHUNK) {
			r->pos = (size_t)(p - r->buf);
			if (a->fn(a->ctx, a->vals, a->n))
				return -1;
			a->n = 0;
		}
	} else if (is_ws(c)) {
		p++;
	} else if (c == ']' && (!a->want_value || a->first)) {
		r->pos = (size_t)(p - r->buf) + 1;
		return 1;
	} else {
		r->pos = (size_t)(p - r->buf);
		return snap_rd_fail(r, a->want_value ? "expected an unsigned integer"
						     : "expected ',' or ']'");
	}
	*pp = p;
	return 0;
}

/* The hot loop: digits, commas and newlines, most of the file. Each pass of the
 * outer loop makes sure at least 64 bytes are buffered (or the input ended). */
int snap_rd_uint_array(struct snap_rd *r, snap_rd_sink fn, void *ctx, const char *what)
{
	struct uint_array *a = util_malloc(sizeof(*a));
	int rc = -1;
	a->n = 0;
	a->want_value = a->first = 1;
	a->fn = fn;
	a->ctx = ctx;
	if (snap_rd_expect(r, '[', what))
		goto out;
	for (;;) {
		snap_rd_fill(r, 64);
		const char *p = r->buf + r->pos, *end = r->buf + r->len;
		const char *safe = r->len - r->pos >= 24 ? end - 24 : p;
		while (p < safe) {
			int f = fast_values(r, a, &p, safe);
			if (f == -1) {
				r->pos = (size_t)(p - r->buf);
				snap_rd_fail(r, "number too large");
				goto out;
			}
			if (f == -2)
				goto out;
			if (p >= safe)
				break;
			int sv = slow_value(r, a, &p, end);
			if (sv < 0)
				goto out;
			if (sv == 1) {
				rc = a->n ? fn(ctx, a->vals, a->n) : 0;
				goto out;
			}
		}
		if (r->eof) { /* the last bytes, with bounds checks */
			while (p < end) {
				int sv = slow_value(r, a, &p, end);
				if (sv < 0)
					goto out;
				if (sv == 1) {
					rc = a->n ? fn(ctx, a->vals, a->n) : 0;
					goto out;
				}
			}
			r->pos = (size_t)(p - r->buf);
			snap_rd_fail(r, "unterminated array");
			goto out;
		}
		r->pos = (size_t)(p - r->buf);
	}
out:
	free(a);
	return rc;
}
