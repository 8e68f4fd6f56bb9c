/*
 * closure.c — the variables a function can see (::jsscope): its context, then
 * each enclosing context through the previous links, up to the native context.
 * Each context's ScopeInfo names its locals: context_local_names (or a
 * NameToIndexHashTable when there are many) in slot order, starting after the
 * context header (2 slots, 3 when the scope has an extension slot). The chain
 * and every count read from the image are capped.
 */
#include "v8/inspect.h"

#include <stdlib.h>
#include <string.h>

#define CLOSURE_MAX_DEPTH 256
#define CLOSURE_MAX_LOCALS 100000

struct scope {
	uint32_t flags;
	int64_t count;	    /* context locals */
	int64_t names_slot; /* ScopeInfo slot (after the map) of the first name */
	int hashed;	    /* names live in a hash table in that slot */
	const char *kind;
};

static int scope_slot(struct v8 *v8, v8_value si, int64_t i, v8_value *out)
{
	return v8_field(v8, si, 8 + 8 * i, out);
}

static int scope_read(struct v8 *v8, v8_value si, struct scope *s)
{
	const struct v8_layout *L = v8_layout(v8);
	const struct v8_kinds *K = v8_kinds(v8);
	v8_value f, c;
	if (!v8_is_type(v8, si, v8_types(v8)->scope_info))
		return util_error("0x%llx is not a ScopeInfo", (unsigned long long)si);
	if (L->scope_flags_raw_u32) {
		if (v8_field_u32(v8, si, 8, &s->flags) < 0)
			return -1;
	} else {
		if (scope_slot(v8, si, 0, &f) < 0 || !v8_is_smi(f))
			return util_error("ScopeInfo 0x%llx: flags are not a Smi",
					  (unsigned long long)si);
		s->flags = (uint32_t)v8_smi(f);
	}
	if (scope_slot(v8, si, 2, &c) < 0 || !v8_is_smi(c) || v8_smi(c) < 0 ||
	    v8_smi(c) > CLOSURE_MAX_LOCALS)
		return util_error("ScopeInfo 0x%llx: bad local count", (unsigned long long)si);
	s->count = v8_smi(c);
	unsigned type = s->flags & (unsigned)L->scope_bit_type_mask;
	s->kind = "scope";
	if (K->scope_types)
		for (unsigned i = 0; K->scope_types[i]; i++)
			if (i == type)
				s->kind = K->scope_types[i];
	s->names_slot = L->scope_first_var;
	if ((int)type == L->scope_type_module && K->scope_module_count_first)
		s->names_slot++; /* module_variable_count comes first */
	s->hashed = s->count >= L->scope_inlined_names_max;
	return 0;
}

/* names[i] for i < count: inline, or from the NameToIndexHashTable (a HashTable:
 * 3 header slots, then entries of [name, index]). */
static int scope_names(struct v8 *v8, v8_value si, const struct scope *s, v8_value *names)
{
	if (!s->hashed) {
		for (int64_t i = 0; i < s->count; i++)
			if (scope_slot(v8, si, s->names_slot + i, &names[i]) < 0)
				return -1;
		return 0;
	}
	v8_value table;
	int64_t len;
	if (scope_slot(v8, si, s->names_slot, &table) < 0 || v8_fixed_length(v8, table, &len) < 0)
		return -1;
	for (int64_t e = 3; e + 1 < len; e += 2) {
		v8_value key, idx;
		if (v8_fixed_get(v8, table, e, &key) < 0 ||
		    v8_fixed_get(v8, table, e + 1, &idx) < 0)
			return -1;
		if (v8_is_string(v8, key) && v8_is_smi(idx) && v8_smi(idx) >= 0 &&
		    v8_smi(idx) < s->count)
			names[v8_smi(idx)] = key;
	}
	return 0;
}

static int is_context(struct v8 *v8, v8_value v)
{
	const struct v8_kinds *K = v8_kinds(v8);
	unsigned t;
	if (!v8_is_heap(v) || v8_type(v8, v, &t) < 0) {
		util_clear_error();
		return 0;
	}
	return K->context_types_first >= 0 && (int)t >= K->context_types_first &&
	       (int)t <= K->context_types_last;
}

/* Calls cb for each local of one context; the header is 2 slots, or 3 with
 * has_context_extension_slot (Context::MIN_CONTEXT_EXTENDED_SLOTS). */
static int context_vars(struct v8 *v8, v8_value ctx, int depth, v8_scope_fn cb, void *arg)
{
	const struct v8_layout *L = v8_layout(v8);
	v8_value si;
	struct scope s;
	if (v8_fixed_get(v8, ctx, L->ctx_scope_info_idx, &si) < 0 || scope_read(v8, si, &s) < 0)
		return -1;
	v8_value *names = util_calloc((size_t)(s.count ? s.count : 1), sizeof(*names));
	int rc = scope_names(v8, si, &s, names);
	int64_t header =
	    L->ctx_min_slots + ((s.flags >> v8_kinds(v8)->scope_bit_extension_slot) & 1);
	for (int64_t i = 0; rc == 0 && i < s.count; i++) {
		struct v8_scope_var var = {depth, s.kind, ctx, "?", 0};
		char *name = names[i] ? v8_string_dup(v8, names[i]) : NULL;
		var.name = name ? name : "<unnamed>";
		if (v8_fixed_get(v8, ctx, header + i, &var.value) < 0) {
			free(name);
			rc = -1;
			break;
		}
		rc = cb(v8, &var, arg);
		free(name);
	}
	free(names);
	return rc;
}

/* The native context ends the chain: its ScopeInfo is the empty one, and its
 * previous slot is not a context. */
static int is_native_context(struct v8 *v8, v8_value ctx)
{
	const struct v8_kinds *K = v8_kinds(v8);
	unsigned t;
	/* instance types of contexts are sorted by name: AWAIT, BLOCK, CATCH,
	 * DEBUG_EVALUATE, EVAL, FUNCTION, MODULE, NATIVE, SCRIPT, WITH */
	return v8_type(v8, ctx, &t) == 0 && K->context_types_last - K->context_types_first == 9 &&
	       (int)t == K->context_types_first + 7;
}

int v8_closure_each(struct v8 *v8, v8_value fn, v8_scope_fn cb, void *arg)
{
	const struct v8_layout *L = v8_layout(v8);
	v8_value ctx;
	if (!v8_is_js_function(v8, fn))
		return util_error("0x%llx is not a JavaScript function", (unsigned long long)fn);
	if (v8_field(v8, fn, L->fn_context, &ctx) < 0)
		return -1;
	for (int depth = 0; depth < CLOSURE_MAX_DEPTH; depth++) {
		if (!is_context(v8, ctx))
			return util_error("0x%llx is not a context", (unsigned long long)ctx);
		if (is_native_context(v8, ctx))
			return 0;
		int rc = context_vars(v8, ctx, depth, cb, arg);
		if (rc)
			return rc;
		if (v8_fixed_get(v8, ctx, L->ctx_previous_idx, &ctx) < 0)
			return -1;
		if (!is_context(v8, ctx))
			return 0;
	}
	return util_error("context chain longer than %d", CLOSURE_MAX_DEPTH);
}
