/*
 * print_buffers.c — ArrayBuffer, typed arrays and node's Buffer for ::jsprint:
 * the length and the first bytes. An ArrayBuffer's bytes live at its backing
 * store (malloc'd memory, usually in the core); a typed array's at base_pointer
 * + external_pointer (on-heap: the ByteArray plus an offset; off-heap: base 0
 * and an absolute address that already includes byte_offset). The element type
 * comes from the map's elements kind.
 */
#include "v8/print_int.h"

#include <stdio.h>
#include <string.h>

#define PR_FIRST_BYTES 32

static void hex_bytes(struct pr *p, uint64_t addr, uint64_t len, struct util_buf *t)
{
	uint8_t b[PR_FIRST_BYTES];
	size_t n = len < PR_FIRST_BYTES ? (size_t)len : PR_FIRST_BYTES;
	util_buf_addc(t, '<');
	if (n && img_read(v8_img(p->v8), addr, b, n) < 0) {
		util_buf_printf(t, "bytes at 0x%llx not in the core", (unsigned long long)addr);
		util_clear_error();
	} else {
		for (size_t i = 0; i < n; i++)
			util_buf_printf(t, i ? " %02x" : "%02x", b[i]);
		if (len > n)
			util_buf_adds(t, " ...");
	}
	util_buf_addc(t, '>');
}

static void pr_array_buffer(struct pr *p, v8_value v)
{
	const struct v8_kinds *K = p->K;
	uint64_t len, store;
	if (K->buffer_byte_length < 0 || K->buffer_backing_store < 0) {
		struct util_buf t = {0};
		v8_kinds_unknown(p->v8, "ArrayBuffer", &t);
		pr_leaf(p, v, "ArrayBuffer", t.data);
		util_buf_free(&t);
		return;
	}
	if (v8_field_u64(p->v8, v, K->buffer_byte_length, &len) < 0 ||
	    v8_field_u64(p->v8, v, K->buffer_backing_store, &store) < 0) {
		pr_unreadable(p);
		return;
	}
	struct util_buf t = {0};
	util_buf_printf(&t, "ArrayBuffer(%llu) ", (unsigned long long)len);
	hex_bytes(p, store, len, &t);
	pr_leaf(p, v, "ArrayBuffer", t.data);
	util_buf_free(&t);
}

/* The element type name from the map's elements kind, or NULL. */
static const char *typed_kind(struct pr *p, v8_value v)
{
	const struct v8_kinds *K = p->K;
	int64_t kind;
	if (!K->typed_kinds || K->elements_first_typed < 0 || pr_elements_kind(p, v, &kind) < 0) {
		util_clear_error();
		return NULL;
	}
	for (int64_t i = 0; K->typed_kinds[i]; i++)
		if (kind == K->elements_first_typed + i)
			return K->typed_kinds[i];
	return NULL; /* the resizable-buffer kinds, or garbage */
}

static int element_size(const char *kind)
{
	if (strstr(kind, "64"))
		return 8;
	if (strstr(kind, "32"))
		return 4;
	if (strstr(kind, "16"))
		return 2;
	return 1;
}

/* node's Buffer instances are made by FastBuffer (lib/internal/buffer.js), a
 * Uint8Array subclass whose prototype's constructor is Buffer. */
static int is_node_buffer(struct pr *p, v8_value v)
{
	struct util_buf c = {0};
	pr_label(p, v, &c);
	int yes = !strcmp(c.data, "Buffer") || !strcmp(c.data, "FastBuffer");
	util_buf_free(&c);
	return yes;
}

static void pr_typed_array(struct pr *p, v8_value v)
{
	const struct v8_kinds *K = p->K;
	const char *kind = typed_kind(p, v);
	uint64_t byte_len, ext, len;
	v8_value base;
	if (!kind || K->view_byte_length < 0 || K->typed_external < 0 || K->typed_base < 0) {
		struct util_buf t = {0};
		v8_kinds_unknown(p->v8, "TypedArray", &t);
		pr_leaf(p, v, "TypedArray", t.data);
		util_buf_free(&t);
		return;
	}
	if (v8_field_u64(p->v8, v, K->view_byte_length, &byte_len) < 0 ||
	    v8_field_u64(p->v8, v, K->typed_external, &ext) < 0 ||
	    v8_field(p->v8, v, K->typed_base, &base) < 0 ||
	    (K->typed_length >= 0 && v8_field_u64(p->v8, v, K->typed_length, &len) < 0)) {
		pr_unreadable(p);
		return;
	}
	if (K->typed_length < 0)
		len = byte_len / (uint64_t)element_size(kind);
	/* on-heap: base is the tagged ByteArray and ext the offset from it */
	uint64_t data = ext + (v8_is_smi(base) ? 0 : base);
	struct util_buf t = {0};
	util_buf_printf(&t, "%s(%llu) ", is_node_buffer(p, v) ? "Buffer" : kind,
			(unsigned long long)len);
	hex_bytes(p, data, byte_len, &t);
	pr_leaf(p, v, kind, t.data);
	util_buf_free(&t);
}

int pr_buffer(struct pr *p, v8_value v, unsigned type)
{
	const struct v8_types *T = v8_types(p->v8);
	if ((int)type == T->js_array_buffer)
		pr_array_buffer(p, v);
	else if ((int)type == T->js_typed_array)
		pr_typed_array(p, v);
	else
		return 0;
	return 1;
}
