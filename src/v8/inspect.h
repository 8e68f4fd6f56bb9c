/*
 * inspect.h — looking at JavaScript values in full, on top of v8.h: the nested
 * JSON-like print of ::jsprint (every value kind: objects, arrays, Map/Set,
 * Date, RegExp, Error, Promise, buffers, BigInt, Symbol, boxed primitives,
 * arguments, proxies, bound functions), member paths, closures (the context
 * chain with ScopeInfo names, for ::jsscope) and function definitions and
 * source (::jsfunction, ::jssource, ::jsfunctions). Part of the v8 layer;
 * prefix v8_. Everything is read through v8.h and bounded: depth, cycles,
 * lengths read from the image, and chains of contexts.
 */
#ifndef NODESCOPE_V8_INSPECT_H
#define NODESCOPE_V8_INSPECT_H

#include "v8/v8.h"

/* ::jsprint options. */
struct v8_print_opts {
	int depth;	   /* containers nested deeper than this print as [...] */
	int addresses;	   /* -a: each heap object's address before it */
	size_t max_string; /* -N: characters of a string before it is cut; 0: default cap */
	int json;	   /* --json: strict JSON (special kinds as {"$type": ...}) */
};
#define V8_PRINT_DEFAULT_DEPTH 2
#define V8_PRINT_STRING_CAP (1u << 20) /* strings are cut here when no -N is given */

/* Appends the print of v (and a final newline) to out. Returns -1 only when v
 * cannot be read at all (not a JS value); parts that cannot be read inside print
 * as <unreadable: reason>. */
int v8_print(struct v8 *v8, v8_value v, const struct v8_print_opts *o, struct util_buf *out);

/* The one-line form of a value, as ::jsstack -v and ::jsscope describe it:
 * leaves as ::jsprint prints them (Date(...), /re/g, 12n, Buffer(3) <...>),
 * containers by their label (Widget, Map(2), Array(3), Promise). */
int v8_value_summary(struct v8 *v8, v8_value v, struct util_buf *out);

/* Follows a member path ("headers.host", "items.3", "a.b.0.c") from v through
 * own named properties and elements ("stack" of an Error gives its string).
 * Returns 0 with *out set, or -1 naming the member that is missing. */
int v8_member_path(struct v8 *v8, v8_value v, const char *path, v8_value *out);

/* The constructor of an object as JavaScript sees it (obj.__proto__.constructor
 * when named, else the map's constructor): its name, and the JSFunction in *fn
 * (0 when there is none). For ::jsconstructor and the labels of ::jsprint. */
int v8_constructor_of(struct v8 *v8, v8_value obj, v8_value *fn, struct util_buf *name);

/* The formatted stack string of an Error (V8 keeps it under a private symbol;
 * the "stack" property is an accessor). -1 when it was never formatted. */
int v8_error_stack(struct v8 *v8, v8_value err, v8_value *stack);

/* Facts about kinds of values the base layer does not describe; per V8 version
 * (print_layout.c). -1 / NULL: unknown for this version, and the printer then
 * says "layout unknown on V8 x.y" rather than guess. */
struct v8_kinds {
	int known; /* the version is in the table */
	int64_t date_value;
	int date_value_is_double; /* float64 field (>= 13.x) instead of a Number */
	int64_t regexp_source, regexp_flags;
	int64_t collection_table; /* JSMap/JSSet -> OrderedHashMap/Set */
	int64_t promise_result, promise_flags;
	int64_t wrapper_value;
	int64_t proxy_target, proxy_handler;
	int64_t bound_target, bound_this, bound_args;
	int64_t bigint_bitfield, bigint_digits;
	int64_t symbol_flags, symbol_description;
	int64_t sloppy_args_context, sloppy_args_arguments, sloppy_args_mapped;
	int64_t buffer_byte_length, buffer_backing_store;
	int64_t view_buffer, view_byte_offset, view_byte_length;
	int64_t typed_length, typed_external, typed_base;
	int elements_first_typed;	/* ElementsKind of UINT8_ELEMENTS */
	const char *const *typed_kinds; /* names from UINT8_ELEMENTS on, NULL-terminated */
	int bigint_type;
	/* ScopeInfo: module_variable_count precedes the local names (12.x on) */
	int scope_module_count_first;
	const char *const *scope_types; /* ScopeType names, in enum order */
	/* An unformatted Error stack (the private error_stack_symbol's value): a
	 * FixedArray of CallSiteInfo structs (function and code offset fields), or
	 * from 14.x a flat FixedArray of frame_stride slots per frame. */
	int stack_flat;
	int64_t callsite_function, callsite_code_offset;     /* CallSiteInfo */
	int frame_stride, frame_function, frame_code_offset; /* flat */
};
const struct v8_kinds *v8_kinds(struct v8 *v8);
/* "layout unknown on V8 12.9" when a kind cannot be read on this version. */
void v8_kinds_unknown(struct v8 *v8, const char *what, struct util_buf *out);

/* Closures: calls fn for each variable a function can see through its context
 * chain, innermost scope first. scope is the scope's kind ("function", "block",
 * "script", "module", ...) and depth its distance from the function. */
struct v8_scope_var {
	int depth;
	const char *scope; /* scope kind */
	v8_value context;
	const char *name;
	v8_value value;
};
typedef int (*v8_scope_fn)(struct v8 *v8, const struct v8_scope_var *var, void *arg);
int v8_closure_each(struct v8 *v8, v8_value fn, v8_scope_fn cb, void *arg);

/* ::jsfunction: name, file:line of the definition; for bound functions the
 * target, this and bound arguments. Appends lines to out. */
int v8_function_text(struct v8 *v8, v8_value fn, struct util_buf *out);
/* ::jssource: the function's source with line numbers, plus context lines
 * before and after. */
int v8_source_text(struct v8 *v8, v8_value fn, int context_lines, struct util_buf *out);
/* "file:line" of a function's definition ("file" alone when no line). */
void v8_function_where(struct v8 *v8, const struct v8_funcinfo *fi, struct util_buf *out);

/* ::jsfunctions: one row per function definition (SharedFunctionInfo) that has
 * closures in the heap, with their count and one of them; name and file filter
 * by substring (NULL: all). Sorted by count, most first. Free with
 * v8_functions_free. Needs the heap walk (heap.h). */
struct v8_function_def {
	v8_value sfi, example;
	size_t closures;
	char *name;  /* as v8_funcinfo_display */
	char *where; /* as v8_function_where */
};
int v8_functions(struct v8 *v8, const char *name, const char *file, struct v8_function_def **out,
		 size_t *n);
void v8_functions_free(struct v8_function_def *defs, size_t n);

#endif
