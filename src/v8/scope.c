/*
 * scope.c — closures: a JSFunction's Context, the chain of Contexts, and the
 * context-allocated variables a ScopeInfo names (inline names up to
 * kScopeInfoMaxInlinedLocalNamesSize, a NameToIndexHashTable beyond), with the
 * Context slot of each (after the fixed slots and the optional extension slot).
 */
#include "v8/v8_int.h"
#include "v8/inspect.h"

#define MAX_LOCALS (1 << 16)

int v8_is_context(struct v8 *v8, v8_value v)
{
	unsigned t;
	if (!v8_is_heap(v) || v8_type(v8, v, &t) < 0) {
		util_clear_error();
		return 0;
	}
	return (int)t >= v8->T.first_context && (int)t <= v8->T.last_context;
}

int v8_function_context(struct v8 *v8, v8_value fn, v8_value *ctx)
{
	if (!v8_is_js_function(v8, fn))
		return util_error("0x%llx is not a JSFunction", (unsigned long long)fn);
	if (v8_field(v8, fn, v8->L.fn_context, ctx) < 0)
		return -1;
	if (!v8_is_context(v8, *ctx))
		return util_error("function 0x%llx has no context", (unsigned long long)fn);
	return 0;
}

int v8_context_slot(struct v8 *v8, v8_value ctx, int64_t i, v8_value *out)
{
	if (!v8_is_context(v8, ctx))
		return util_error("0x%llx is not a Context", (unsigned long long)ctx);
	return v8_fixed_get(v8, ctx, i, out);
}

int v8_context_scope_info(struct v8 *v8, v8_value ctx, v8_value *scope_info)
{
	if (v8_context_slot(v8, ctx, v8->L.ctx_scope_info_idx, scope_info) < 0)
		return -1;
	if (!v8_is_type(v8, *scope_info, v8->T.scope_info))
		return util_error("context 0x%llx has no ScopeInfo", (unsigned long long)ctx);
	return 0;
}

int v8_context_previous(struct v8 *v8, v8_value ctx, v8_value *prev)
{
	v8_value p;
	*prev = 0;
	if (v8_context_slot(v8, ctx, v8->L.ctx_previous_idx, &p) < 0)
		return -1;
	if (v8_is_context(v8, p))
		*prev = p;
	return 0;
}

static int scope_word(struct v8 *v8, v8_value si, int64_t i, v8_value *out)
{
	return v8_field(v8, si, 8 + i * 8, out);
}

static int scope_flags_of(struct v8 *v8, v8_value si, uint32_t *flags)
{
	v8_value f;
	if (v8->L.scope_flags_raw_u32)
		return v8_field_u32(v8, si, 8, flags);
	if (scope_word(v8, si, 0, &f) < 0 || !v8_is_smi(f))
		return util_error("ScopeInfo 0x%llx: corrupt flags", (unsigned long long)si);
	*flags = (uint32_t)v8_smi(f);
	return 0;
}

/* NameToIndexHashTable: a HashTable (FixedArray with 3 header slots) of
 * (name, Smi index) entries. */
static int hashed_locals(struct v8 *v8, v8_value table, int64_t header, v8_local_fn fn, void *arg)
{
	int64_t len;
	if (v8_fixed_length(v8, table, &len) < 0)
		return -1;
	for (int64_t i = 3; i + 1 < len; i += 2) {
		v8_value key, index;
		if (v8_fixed_get(v8, table, i, &key) < 0 ||
		    v8_fixed_get(v8, table, i + 1, &index) < 0)
			return -1;
		if (!v8_is_string(v8, key) || !v8_is_smi(index))
			continue;
		int rc = fn(v8, key, header + v8_smi(index), arg);
		if (rc)
			return rc;
	}
	return 0;
}

int v8_scope_info_locals(struct v8 *v8, v8_value si, v8_local_fn fn, void *arg)
{
	const struct v8_layout *L = &v8->L;
	uint32_t flags;
	v8_value n;
	if (!v8_is_type(v8, si, v8->T.scope_info))
		return util_error("0x%llx is not a ScopeInfo", (unsigned long long)si);
	if (scope_flags_of(v8, si, &flags) < 0 || scope_word(v8, si, 2, &n) < 0 || !v8_is_smi(n))
		return -1;
	int64_t count = v8_smi(n);
	if (count < 0 || count > MAX_LOCALS)
		return util_error("ScopeInfo 0x%llx: corrupt local count", (unsigned long long)si);
	int64_t first = L->scope_first_var;
	if ((int)(flags & (uint32_t)L->scope_bit_type_mask) == L->scope_type_module &&
	    v8_kinds(v8)->scope_module_count_first)
		first++; /* module_variable_count precedes the names (12.x on) */
	/* ScopeInfo::ContextHeaderLength: the fixed slots, plus the extension slot */
	int64_t header = L->ctx_min_slots + ((flags >> L->scope_bit_context_extension) & 1);
	if (count >= L->scope_inlined_names_max) {
		v8_value table;
		if (scope_word(v8, si, first, &table) < 0)
			return -1;
		return hashed_locals(v8, table, header, fn, arg);
	}
	for (int64_t i = 0; i < count; i++) {
		v8_value name;
		if (scope_word(v8, si, first + i, &name) < 0)
			return -1;
		if (!v8_is_string(v8, name))
			return util_error("ScopeInfo 0x%llx: local %lld has no name",
					  (unsigned long long)si, (long long)i);
		int rc = fn(v8, name, header + i, arg);
		if (rc)
			return rc;
	}
	return 0;
}
