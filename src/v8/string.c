/*
 * string.c — V8 strings of every representation, read into UTF-8: sequential
 * one-byte (Latin-1) and two-byte (UTF-16), cons (walked with an explicit,
 * bounded stack, never recursion), sliced, thin and external (whose characters
 * live outside the heap: node's internal module sources point into the binary).
 * Symbols print as Symbol(description).
 */
#include "v8/v8_int.h"

#include <stdlib.h>
#include <string.h>

#define STR_MAX_PIECES 4096 /* cons pieces visited per string */
#define STR_MAX_LENGTH (1 << 30)

struct piece {
	v8_value str;
	int64_t start, count;
};

struct str_out {
	struct util_buf *buf;
	size_t budget; /* bytes still allowed */
	int truncated;
};

static void put_cp(struct str_out *o, uint32_t cp)
{
	char tmp[4];
	size_t n;
	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (n > o->budget) {
		o->truncated = 1;
		o->budget = 0;
		return;
	}
	util_buf_add(o->buf, tmp, n);
	o->budget -= n;
}

/* Copies count characters of width 1 or 2 at addr. */
static int put_chars(struct v8 *v8, uint64_t addr, int64_t count, int two_byte, struct str_out *o)
{
	uint8_t chunk[4096];
	size_t width = two_byte ? 2 : 1;
	uint32_t pending_hi = 0;
	while (count > 0 && !o->truncated) {
		size_t n = (size_t)count * width;
		if (n > sizeof(chunk))
			n = sizeof(chunk);
		if (img_read(v8->img, addr, chunk, n) < 0)
			return -1;
		for (size_t i = 0; i < n && !o->truncated; i += width) {
			uint32_t c =
			    two_byte ? (uint32_t)(chunk[i] | (chunk[i + 1] << 8)) : chunk[i];
			if (two_byte && c >= 0xd800 && c < 0xdc00) {
				pending_hi = c;
				continue;
			}
			if (two_byte && c >= 0xdc00 && c < 0xe000 && pending_hi) {
				c = 0x10000 + ((pending_hi - 0xd800) << 10) + (c - 0xdc00);
			}
			pending_hi = 0;
			put_cp(o, c);
		}
		addr += n;
		count -= (int64_t)(n / width);
	}
	return 0;
}

static int string_type(struct v8 *v8, v8_value str, unsigned *type)
{
	if (v8_type(v8, str, type) < 0)
		return -1;
	if ((int64_t)*type >= v8->L.first_nonstring_type)
		return util_error("0x%llx is not a string (type %s)", (unsigned long long)str,
				  v8_type_name(v8, *type) ? v8_type_name(v8, *type) : "?");
	return 0;
}

int v8_string_length(struct v8 *v8, v8_value str, int64_t *len)
{
	unsigned type;
	uint32_t l;
	if (string_type(v8, str, &type) < 0 || v8_field_u32(v8, str, v8->L.str_length, &l) < 0)
		return -1;
	if (l > STR_MAX_LENGTH)
		return util_error("string 0x%llx has an implausible length %u",
				  (unsigned long long)str, l);
	*len = l;
	return 0;
}

/* The address of an external string's characters: the cached data pointer, or
 * for uncached ones the resource's own data field (node's resources keep
 * {vtable, data, length}), accepted only when the length matches. */
static int external_data(struct v8 *v8, v8_value str, unsigned type, int64_t len, uint64_t *data)
{
	const char *tn = v8_type_name(v8, type);
	uint64_t res = 0, d = 0, rlen = 0;
	if (!(tn && strstr(tn, "UNCACHED")) &&
	    v8_field_u64(v8, str, v8->L.ext_resource_data, &d) == 0 && d) {
		*data = d;
		return 0;
	}
	if (v8_field_u64(v8, str, v8->L.ext_resource, &res) < 0 || !res ||
	    img_read_u64(v8->img, res + 8, &d) < 0 || img_read_u64(v8->img, res + 16, &rlen) < 0 ||
	    (int64_t)rlen != len || !d)
		return util_error("external string 0x%llx: its characters are not readable",
				  (unsigned long long)str);
	*data = d;
	return 0;
}

/* Emits the characters of one piece; pushes the parts of cons strings. */
static int string_piece(struct v8 *v8, struct piece p, struct piece *stack, int *sp,
			struct str_out *o)
{
	for (int hops = 0; hops < 64; hops++) {
		unsigned type;
		int64_t len;
		if (v8_string_length(v8, p.str, &len) < 0 || string_type(v8, p.str, &type) < 0)
			return -1;
		if (p.count < 0 || p.start + p.count > len)
			p.count = len - p.start;
		if (p.count <= 0)
			return 0;
		int64_t repr = type & v8->L.str_repr_mask;
		int two = (type & v8->L.str_encoding_mask) != v8->L.str_one_byte_tag;
		if (repr == v8->L.str_tag_seq)
			return put_chars(v8,
					 v8_addr(p.str) + v8->L.seq_chars + p.start * (two ? 2 : 1),
					 p.count, two, o);
		if (repr == v8->L.str_tag_external) {
			uint64_t data = 0;
			if (external_data(v8, p.str, type, len, &data) < 0)
				return -1;
			return put_chars(v8, data + p.start * (two ? 2 : 1), p.count, two, o);
		}
		if (repr == v8->L.str_tag_thin) {
			if (v8_field(v8, p.str, v8->L.thin_actual, &p.str) < 0)
				return -1;
			continue;
		}
		if (repr == v8->L.str_tag_sliced) {
			int64_t off;
			if (v8_field_smi(v8, p.str, v8->L.sliced_offset, &off) < 0 ||
			    v8_field(v8, p.str, v8->L.sliced_parent, &p.str) < 0)
				return -1;
			p.start += off;
			continue;
		}
		if (repr == v8->L.str_tag_cons) {
			v8_value first, second;
			int64_t flen;
			if (v8_field(v8, p.str, v8->L.cons_first, &first) < 0 ||
			    v8_field(v8, p.str, v8->L.cons_second, &second) < 0 ||
			    v8_string_length(v8, first, &flen) < 0)
				return -1;
			if (*sp + 2 > STR_MAX_PIECES) {
				o->truncated = 1;
				return 0;
			}
			/* second part first on the stack: the first part is emitted first */
			if (p.start + p.count > flen) {
				int64_t s2 = p.start > flen ? p.start - flen : 0;
				stack[(*sp)++] =
				    (struct piece){second, s2, p.start + p.count - flen - s2};
			}
			if (p.start < flen) {
				int64_t c1 =
				    (p.start + p.count < flen ? p.start + p.count : flen) - p.start;
				stack[(*sp)++] = (struct piece){first, p.start, c1};
			}
			return 0;
		}
		return util_error("string 0x%llx has an unknown representation %lld",
				  (unsigned long long)p.str, (long long)repr);
	}
	return util_error("string 0x%llx: too many indirections", (unsigned long long)p.str);
}

int v8_string(struct v8 *v8, v8_value str, struct util_buf *out, size_t max_bytes)
{
	struct str_out o = {out, max_bytes, 0};
	struct piece *stack = util_malloc(STR_MAX_PIECES * sizeof(*stack));
	int sp = 0, rc = 0, visited = 0;
	stack[sp++] = (struct piece){str, 0, -1};
	while (sp > 0 && !o.truncated) {
		if (++visited > STR_MAX_PIECES) {
			o.truncated = 1;
			break;
		}
		struct piece p = stack[--sp];
		if (string_piece(v8, p, stack, &sp, &o) < 0) {
			rc = -1;
			break;
		}
	}
	free(stack);
	if (rc == 0 && o.truncated)
		util_buf_adds(out, "...");
	return rc;
}

char *v8_string_dup(struct v8 *v8, v8_value str)
{
	struct util_buf b = {0};
	util_buf_adds(&b, "");
	if (v8_string(v8, str, &b, 4096) < 0) {
		util_buf_free(&b);
		return NULL;
	}
	return b.data;
}

int v8_name(struct v8 *v8, v8_value name, struct util_buf *out)
{
	if (v8_is_string(v8, name))
		return v8_string(v8, name, out, 1024);
	if (v8_is_type(v8, name, v8->T.symbol)) {
		v8_value desc;
		util_buf_adds(out, "Symbol(");
		if (v8_field(v8, name, v8->L.symbol_name, &desc) == 0 && v8_is_string(v8, desc))
			v8_string(v8, desc, out, 256);
		util_buf_adds(out, ")");
		return 0;
	}
	if (v8_is_smi(name)) { /* integer keys in dictionaries */
		util_buf_printf(out, "%lld", (long long)v8_smi(name));
		return 0;
	}
	return util_error("0x%llx is not a property name", (unsigned long long)name);
}
