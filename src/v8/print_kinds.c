/*
 * print_kinds.c — the JS objects with hidden insides that ::jsprint shows with
 * them: Error (its message and the stack V8 keeps under a private symbol: the
 * string once formatted, else the captured frames, see print_stack.c), Promise (state and value), boxed primitives, arguments
 * objects (mapped ones read through their context), proxies (target, handler)
 * and bound functions (target, this, arguments). Also routes arrays, dates and
 * regexps to their printers.
 */
#include "v8/print_int.h"

#include <string.h>

static void unknown_layout(struct pr *p, v8_value v, const char *what)
{
	struct util_buf t = {0};
	v8_kinds_unknown(p->v8, what, &t);
	pr_leaf(p, v, what, t.data);
	util_buf_free(&t);
}

/* A field of v printed as an entry "<name>: value". */
static void field_entry(struct pr *p, v8_value v, const char *name, int64_t off)
{
	v8_value f;
	pr_key(p, name, 0);
	if (v8_field(p->v8, v, off, &f) < 0)
		pr_unreadable(p);
	else
		pr_value(p, f);
}

/* The formatted stack. V8 keeps it under a private symbol (error_stack_symbol)
 * whose description is not stored, so it is recognised by its value: an
 * ErrorStackData holding the string, or a string among the private-symbol
 * properties that is not the message (13.x also keeps the message under a
 * private symbol, error_message_symbol). */
struct stack_find {
	v8_value message, stack, frames;
};

static int is_private_symbol(struct v8 *v8, v8_value key)
{
	uint32_t flags;
	if (!v8_is_type(v8, key, v8_types(v8)->symbol))
		return 0;
	/* name.tq SymbolFlags: is_private is bit 0. */
	return v8_field_u32(v8, key, v8_kinds(v8)->symbol_flags, &flags) == 0 && (flags & 1);
}

static int find_stack(struct v8 *v8, v8_value key, v8_value value, int is_accessor, void *arg)
{
	struct stack_find *f = arg;
	v8_value inner;
	if (is_accessor || !is_private_symbol(v8, key) || value == f->message)
		return 0;
	if (v8_is_string(v8, value))
		f->stack = value;
	else if (v8_is_type(v8, value, v8_meta_type(v8, "ERROR_STACK_DATA_TYPE")) &&
		 v8_field(v8, value, 8, &inner) == 0) {
		/* call_site_infos_or_formatted_stack */
		if (v8_is_string(v8, inner))
			f->stack = inner;
		else if (v8_is_type(v8, inner, v8_types(v8)->fixed_array))
			f->frames = inner;
	} else if (v8_is_type(v8, value, v8_types(v8)->fixed_array))
		f->frames = value; /* the captured frames, not yet formatted */
	util_clear_error();
	return f->stack != 0;
}

/* The stack string, or else the unformatted frames (0 when neither). */
static v8_value error_stack_any(struct v8 *v8, v8_value err)
{
	struct stack_find f = {0, 0, 0};
	if (v8_object_get(v8, err, "message", &f.message) < 0 ||
	    v8_object_each(v8, err, find_stack, &f) < 0) {
		util_clear_error();
		return 0;
	}
	return f.stack ? f.stack : f.frames;
}

int v8_error_stack(struct v8 *v8, v8_value err, v8_value *stack)
{
	v8_value s = error_stack_any(v8, err);
	if (!s || !v8_is_string(v8, s))
		return util_error("the error's stack was never formatted (no stack string)");
	*stack = s;
	return 0;
}

void pr_stack_value(struct pr *p, v8_value stack)
{
	if (v8_is_string(p->v8, stack) || !pr_unformatted_stack(p, stack))
		pr_value(p, stack);
}

int pr_is_private_symbol(struct pr *p, v8_value key)
{
	return is_private_symbol(p->v8, key);
}

static void pr_error(struct pr *p, v8_value v)
{
	struct util_buf label = {0};
	pr_label(p, v, &label);
	if (pr_may_open(p, v, label.data)) {
		v8_value stack = error_stack_any(p->v8, v);
		v8_value outer = p->error_stack;
		pr_open(p, v, label.data, label.data, '{');
		/* own properties (message, user fields); the stack string takes the
		 * place of the "stack" accessor, or comes last */
		p->error_stack = stack;
		pr_object_entries(p, v, 1);
		if (p->error_stack) {
			pr_key(p, "stack", 1);
			pr_stack_value(p, p->error_stack);
		}
		p->error_stack = outer;
		pr_close(p, '}');
	}
	util_buf_free(&label);
}

static void pr_promise(struct pr *p, v8_value v)
{
	int64_t flags;
	if (!pr_may_open(p, v, "Promise"))
		return;
	pr_open(p, v, "Promise", "Promise", '{');
	/* js-promise.tq: flags.status is bits 0-1: pending 0, fulfilled 1, rejected 2. */
	if (v8_field_smi(p->v8, v, p->K->promise_flags, &flags) < 0) {
		pr_key(p, "<state>", 0);
		pr_unreadable(p);
	} else if ((flags & 3) == 0) {
		pr_key(p, "<state>", 0);
		pr_text(p, p->o->json ? "\"pending\"" : "pending");
	} else {
		const char *state = (flags & 3) == 1 ? "<fulfilled>" : "<rejected>";
		field_entry(p, v, state, p->K->promise_result);
	}
	pr_object_entries(p, v, 1);
	pr_close(p, '}');
}

/* [Number: 3.5], [String: "x"], [Boolean: true], [Symbol: ...], [BigInt: 1n]. */
static void pr_wrapper(struct pr *p, v8_value v)
{
	v8_value inner;
	if (v8_field(p->v8, v, p->K->wrapper_value, &inner) < 0) {
		pr_unreadable(p);
		return;
	}
	const char *what = "Object";
	unsigned t;
	const struct v8_types *T = v8_types(p->v8);
	if (v8_is_smi(inner) || v8_is_type(p->v8, inner, T->heap_number))
		what = "Number";
	else if (v8_is_string(p->v8, inner))
		what = "String";
	else if (v8_is_type(p->v8, inner, T->symbol))
		what = "Symbol";
	else if (v8_type(p->v8, inner, &t) == 0 && (int)t == p->K->bigint_type)
		what = "BigInt";
	else if (v8_oddball_kind(p->v8, inner, &(int){0}))
		what = "Boolean";
	util_clear_error();
	if (p->o->json) {
		util_buf_printf(p->out, "{\"$type\":\"%s\",\"value\":", what);
		pr_value(p, inner);
		util_buf_addc(p->out, '}');
		return;
	}
	pr_address(p, v);
	util_buf_printf(p->out, "[%s: ", what);
	pr_value(p, inner);
	util_buf_addc(p->out, ']');
}

/* Mapped (sloppy) arguments keep aliased parameters in the function's context:
 * mapped_entries[i] is that context slot, or the hole when the value is in the
 * arguments store. */
static void sloppy_items(struct pr *p, v8_value elements)
{
	const struct v8_kinds *K = p->K;
	v8_value ctx, store;
	int64_t nmapped, nargs;
	if (v8_field(p->v8, elements, K->sloppy_args_context, &ctx) < 0 ||
	    v8_field(p->v8, elements, K->sloppy_args_arguments, &store) < 0 ||
	    v8_fixed_length(p->v8, elements, &nmapped) < 0 ||
	    v8_fixed_length(p->v8, store, &nargs) < 0) {
		pr_item(p);
		pr_unreadable(p);
		return;
	}
	for (int64_t i = 0; i < nargs && !p->stopped; i++) {
		v8_value m = 0, val;
		int rc = 0;
		pr_item(p);
		if (i < nmapped)
			rc = v8_field(p->v8, elements, K->sloppy_args_mapped + 8 * i, &m);
		if (rc == 0 && i < nmapped && v8_is_smi(m))
			rc = v8_fixed_get(p->v8, ctx, v8_smi(m), &val);
		else if (rc == 0)
			rc = v8_fixed_get(p->v8, store, i, &val);
		if (rc < 0)
			pr_unreadable(p);
		else
			pr_value(p, val);
	}
}

int pr_elements_kind(struct pr *p, v8_value v, int64_t *kind)
{
	v8_value map;
	uint8_t bf2;
	const struct v8_layout *L = v8_layout(p->v8);
	if (v8_map(p->v8, v, &map) < 0 || v8_field_u8(p->v8, map, L->map_bit_field2, &bf2) < 0)
		return -1;
	*kind = (bf2 & L->bf2_elements_kind_mask) >> L->bf2_elements_kind_shift;
	return 0;
}

static int print_arg(struct v8 *v8, int64_t index, const struct v8_elem *e, void *arg)
{
	struct pr *p = arg;
	(void)v8;
	(void)index;
	pr_item(p);
	pr_value(p, e->v);
	return p->stopped;
}

static void pr_arguments(struct pr *p, v8_value v)
{
	v8_value elements;
	int64_t kind;
	if (!pr_may_open(p, v, "Arguments"))
		return;
	pr_open(p, v, "Arguments", "Arguments", '[');
	if (pr_elements_kind(p, v, &kind) < 0 ||
	    v8_field(p->v8, v, v8_layout(p->v8)->obj_elements, &elements) < 0) {
		pr_item(p);
		pr_unreadable(p);
	} else if (kind == v8_layout(p->v8)->elements_dictionary + 1) {
		sloppy_items(p, elements); /* FAST_SLOPPY_ARGUMENTS_ELEMENTS */
	} else if (v8_elements_each(p->v8, v, 0, print_arg, p) < 0) {
		pr_item(p);
		pr_unreadable(p);
	}
	pr_close(p, ']');
}

static void pr_proxy(struct pr *p, v8_value v)
{
	if (!pr_may_open(p, v, "Proxy"))
		return;
	pr_open(p, v, "Proxy", "Proxy", '{');
	field_entry(p, v, "<target>", p->K->proxy_target);
	field_entry(p, v, "<handler>", p->K->proxy_handler);
	pr_close(p, '}');
}

static void pr_bound(struct pr *p, v8_value v)
{
	v8_value args;
	if (!pr_may_open(p, v, "BoundFunction"))
		return;
	pr_open(p, v, "BoundFunction", "BoundFunction", '{');
	field_entry(p, v, "<target>", p->K->bound_target);
	field_entry(p, v, "<this>", p->K->bound_this);
	pr_key(p, "<arguments>", 0);
	if (v8_field(p->v8, v, p->K->bound_args, &args) < 0)
		pr_unreadable(p);
	else if (pr_may_open(p, args, "Array")) {
		pr_open(p, args, NULL, NULL, '[');
		pr_fixed_items(p, args, -1);
		pr_close(p, ']');
	}
	pr_close(p, '}');
}

int pr_kind(struct pr *p, v8_value v, unsigned type)
{
	const struct v8_types *T = v8_types(p->v8);
	int t = (int)type;
	if (t == T->js_array)
		pr_array(p, v);
	else if (t == T->js_date)
		pr_date(p, v);
	else if (t == T->js_regexp)
		pr_regexp(p, v);
	else if (!p->K->known && (t == T->js_error || t == T->js_promise || t == T->js_proxy ||
				  t == T->js_bound_function || t == T->js_primitive_wrapper ||
				  t == T->js_arguments))
		unknown_layout(p, v, v8_type_name(p->v8, type));
	else if (t == T->js_error)
		pr_error(p, v);
	else if (t == T->js_promise)
		pr_promise(p, v);
	else if (t == T->js_primitive_wrapper)
		pr_wrapper(p, v);
	else if (t == T->js_arguments)
		pr_arguments(p, v);
	else if (t == T->js_proxy)
		pr_proxy(p, v);
	else if (t == T->js_bound_function)
		pr_bound(p, v);
	else
		return 0;
	return 1;
}
