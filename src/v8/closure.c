/*
 * closure.c — the variables a function can see (::jsscope): its context, then
 * each enclosing context through the previous links, up to the native context.
 * The contexts, their ScopeInfo and the named slots come from the base layer
 * (v8_function_context, v8_scope_info_locals, ...); this file walks the chain,
 * names each scope's kind and stops at the native context. The chain is capped.
 */
#include "v8/inspect.h"

#include <stdlib.h>

#define CLOSURE_MAX_DEPTH 256

/* The kind of scope a ScopeInfo describes ("function", "block", ...). */
static const char *scope_kind(struct v8 *v8, v8_value si)
{
	const struct v8_layout *L = v8_layout(v8);
	const struct v8_kinds *K = v8_kinds(v8);
	uint32_t flags;
	v8_value f;
	if (L->scope_flags_raw_u32 ? v8_field_u32(v8, si, 8, &flags) < 0
				   : v8_field(v8, si, 8, &f) < 0 || !v8_is_smi(f)) {
		util_clear_error();
		return "scope";
	}
	if (!L->scope_flags_raw_u32)
		flags = (uint32_t)v8_smi(f);
	unsigned type = flags & (unsigned)L->scope_bit_type_mask;
	for (unsigned i = 0; K->scope_types && K->scope_types[i]; i++)
		if (i == type)
			return K->scope_types[i];
	return "scope";
}

/* The native context ends the chain (its variables are the global object's). */
static int is_native_context(struct v8 *v8, v8_value ctx)
{
	const struct v8_types *T = v8_types(v8);
	unsigned t;
	/* instance types of contexts are sorted by name: AWAIT, BLOCK, CATCH,
	 * DEBUG_EVALUATE, EVAL, FUNCTION, MODULE, NATIVE, SCRIPT, WITH */
	return v8_type(v8, ctx, &t) == 0 && T->last_context - T->first_context == 9 &&
	       (int)t == T->first_context + 7;
}

struct local_ctx {
	struct v8_scope_var var;
	v8_scope_fn cb;
	void *arg;
};

static int one_local(struct v8 *v8, v8_value name, int64_t slot, void *arg)
{
	struct local_ctx *c = arg;
	char *s = v8_string_dup(v8, name);
	c->var.name = s ? s : "<unnamed>";
	int rc = v8_context_slot(v8, c->var.context, slot, &c->var.value);
	if (rc == 0)
		rc = c->cb(v8, &c->var, c->arg);
	free(s);
	return rc;
}

int v8_closure_each(struct v8 *v8, v8_value fn, v8_scope_fn cb, void *arg)
{
	v8_value ctx, si;
	if (v8_function_context(v8, fn, &ctx) < 0)
		return -1;
	for (int depth = 0; depth < CLOSURE_MAX_DEPTH; depth++) {
		if (is_native_context(v8, ctx))
			return 0;
		if (v8_context_scope_info(v8, ctx, &si) < 0)
			return -1;
		struct local_ctx c = {{depth, scope_kind(v8, si), ctx, NULL, 0}, cb, arg};
		int rc = v8_scope_info_locals(v8, si, one_local, &c);
		if (rc)
			return rc;
		if (v8_context_previous(v8, ctx, &ctx) < 0)
			return -1;
		if (!ctx)
			return 0;
	}
	return util_error("context chain longer than %d", CLOSURE_MAX_DEPTH);
}
