/*
 * print_layout.c — where the value kinds that ::jsprint shows keep their data
 * (Date, RegExp, Map/Set, Promise, boxed primitives, proxies, bound functions,
 * BigInt, Symbol, arguments, ArrayBuffer and typed arrays, ScopeInfo extras),
 * per V8 version. Offsets come from the v8dbg_ metadata when the binary has
 * them; the rest is ONE row per V8 version below, each field commented with the
 * V8 source it was read from and checked against real cores of that line. A
 * version not in the table gets known = 0, and the printer says so instead of
 * guessing.
 */
#include "v8/inspect.h"

#include <stdio.h>
#include <string.h>

/* elements-kind.h TYPED_ARRAYS: up to 12.4 Float32/Float64 follow Int32; from
 * 13.x the 64-bit BigInt kinds and Uint8Clamped come first and Float16 is last.
 * Checked by reading the map's elements kind of each typed array in cores. */
static const char *const typed_classic[] = {"Uint8Array",     "Int8Array",     "Uint16Array",
					    "Int16Array",     "Uint32Array",   "Int32Array",
					    "Float32Array",   "Float64Array",  "Uint8ClampedArray",
					    "BigUint64Array", "BigInt64Array", NULL};
static const char *const typed_13[] = {"Uint8Array",
				       "Int8Array",
				       "Uint16Array",
				       "Int16Array",
				       "Uint32Array",
				       "Int32Array",
				       "BigUint64Array",
				       "BigInt64Array",
				       "Uint8ClampedArray",
				       "Float32Array",
				       "Float64Array",
				       "Float16Array",
				       NULL};

/* scope-info.tq enum ScopeType: up to 12.4 CLASS first; 13.x moved SCRIPT
 * first and added REPL_MODE and SHADOW_REALM (checked on cores: a function
 * scope is 2 on Node 18-22, 4 on 24-26). */
static const char *const scopes_10[] = {"class", "eval",  "function", "module", "script",
					"catch", "block", "with",     NULL};
static const char *const scopes_13[] = {"script",   "repl",	    "class", "eval",
					"function", "module",	    "catch", "block",
					"with",	    "shadow realm", NULL};

struct kinds_row {
	int major, minor;
	/* js-date.tq: value is a Number up to 12.x, a raw float64 from 13.x. */
	int date_double;
	const char *const *typed;
	const char *const *scopes;
	/* call-site-info.tq: function and code_offset_or_source_position; 12.x
	 * moved code_object to the front (read from cores of an unaccessed
	 * Error's error_stack_symbol). 14.x: a flat array, 6 slots a frame
	 * (code, receiver, function, offset, parameters, flags). */
	int stack_flat;
	int64_t callsite_function, callsite_code_offset;
	/* scope-info.tq: module_variable_count sits before the local names from
	 * 12.x on, after them before (checked with an ES module's closure). */
	int module_count_first;
};

static const struct kinds_row rows[] = {
    /* V8 10.2 — Node 18 */
    {10, 2, 0, typed_classic, scopes_10, 0, 16, 32, 0},
    /* V8 11.3 — Node 20 */
    {11, 3, 0, typed_classic, scopes_10, 0, 16, 32, 0},
    /* V8 12.4 — Node 22 */
    {12, 4, 0, typed_classic, scopes_10, 0, 24, 32, 1},
    /* V8 13.6 — Node 24 */
    {13, 6, 1, typed_13, scopes_13, 0, 24, 32, 1},
    /* V8 14.6 — Node 26 */
    {14, 6, 1, typed_13, scopes_13, 1, -1, -1, 1},
};

static int64_t meta(struct v8 *v8, const char *cls, const char *field, int64_t dflt)
{
	int64_t off;
	return v8_meta_field(v8, cls, field, &off) == 0 ? off : dflt;
}

static const struct kinds_row *row_for(struct v8 *v8)
{
	int major, minor, build, patch;
	v8_version_numbers(v8, &major, &minor, &build, &patch);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].major == major && rows[i].minor == minor)
			return &rows[i];
	return NULL;
}

/* Fields at the same place in every supported version (checked in cores of
 * Node 18..26), from the .tq class definitions: a JSObject header is map,
 * properties, elements (24 bytes), and these classes add their fields after it. */
static void fixed_fields(struct v8_kinds *k)
{
	k->regexp_flags = -1;	  /* set from the source offset below */
	k->collection_table = 24; /* js-collection.tq: JSCollection { table } */
	k->promise_result = 24;	  /* js-promise.tq: reactions_or_result, flags */
	k->promise_flags = 32;
	k->wrapper_value = 24; /* js-primitive-wrapper.tq: value */
	k->proxy_target = 16;  /* js-proxy.tq: JSProxy extends JSReceiver { target, handler } */
	k->proxy_handler = 24;
	k->bound_target = 24; /* js-function.tq: JSBoundFunction { bound_target_function, */
	k->bound_this = 32;   /*   bound_this, bound_arguments } */
	k->bound_args = 40;
	k->bigint_bitfield = 8;	     /* bigint.tq: bitfield uint32 (sign bit 0, length 1..30), */
	k->bigint_digits = 16;	     /*   padding uint32 on 64-bit, digits */
	k->symbol_flags = 12;	     /* name.tq: raw_hash_field uint32, then Symbol flags uint32 */
	k->sloppy_args_context = 16; /* arguments.tq: SloppyArgumentsElements extends */
	k->sloppy_args_arguments = 24; /*   FixedArrayBase { context, arguments, */
	k->sloppy_args_mapped = 32;    /*   mapped_entries[length] } */
	k->view_buffer = -1;
}

static void resolve(struct v8 *v8, struct v8_kinds *k)
{
	const struct kinds_row *r = row_for(v8);
	memset(k, 0, sizeof(*k));
	fixed_fields(k);
	k->known = r != NULL;
	k->date_value = meta(v8, "JSDate", "value", 24);
	k->date_value_is_double = r ? r->date_double : 0;
	k->regexp_source = meta(v8, "JSRegExp", "source", -1);
	/* js-regexp.tq: data, source, flags (a Smi). */
	k->regexp_flags = k->regexp_source >= 0 ? k->regexp_source + 8 : -1;
	k->symbol_description = meta(v8, "Symbol", "name", 16);
	k->buffer_byte_length = meta(v8, "JSArrayBuffer", "byte_length", -1);
	k->buffer_backing_store = meta(v8, "JSArrayBuffer", "backing_store", -1);
	k->view_byte_offset = meta(v8, "JSArrayBufferView", "byte_offset", -1);
	k->view_byte_length = meta(v8, "JSArrayBufferView", "byte_length", -1);
	/* js-array-buffer.tq: JSArrayBufferView { buffer, ..., byte_offset } — buffer
	 * is the first field after the header, 8 bytes before byte_offset's group:
	 * 24 up to 12.x, 32 when 13.x put a raw field in front. Read from cores. */
	k->view_buffer = k->view_byte_offset == 32 ? 24 : k->view_byte_offset == 48 ? 32 : -1;
	/* JSTypedArray::length: in the metadata up to 13.x; 14.x dropped the field
	 * (the length is byte_length / element size then). */
	k->typed_length = meta(v8, "JSTypedArray", "length", -1);
	k->typed_external = meta(v8, "JSTypedArray", "external_pointer", -1);
	k->typed_base = meta(v8, "JSTypedArray", "base_pointer", -1);
	int64_t dict = -1;
	v8_meta_const(v8, "elements_dictionary_elements", &dict);
	/* elements-kind.h: DICTIONARY, FAST/SLOW_SLOPPY_ARGUMENTS, FAST/SLOW_STRING_
	 * WRAPPER, then the typed array kinds. */
	k->elements_first_typed = dict >= 0 ? (int)dict + 5 : -1;
	k->typed_kinds = r ? r->typed : NULL;
	k->scope_types = r ? r->scopes : NULL;
	k->stack_flat = r ? r->stack_flat : 0;
	k->scope_module_count_first = r ? r->module_count_first : 1;
	k->callsite_function = r ? r->callsite_function : -1;
	k->callsite_code_offset = r ? r->callsite_code_offset : -1;
	k->frame_stride = 6;
	k->frame_function = 2;
	k->frame_code_offset = 3;
	/* instance-type.h: SYMBOL_TYPE, BIGINT_TYPE, HEAP_NUMBER_TYPE follow each
	 * other (the metadata names the two around BigInt but not BigInt). */
	int sym = v8_meta_type(v8, "SYMBOL_TYPE"), num = v8_meta_type(v8, "HEAP_NUMBER_TYPE");
	k->bigint_type = sym >= 0 && num == sym + 2 ? sym + 1 : -1;
}

/* One resolved table per struct v8; a command works on one image at a time, so
 * a single cache keyed by the v8 pointer is enough. */
const struct v8_kinds *v8_kinds(struct v8 *v8)
{
	static struct v8_kinds cache;
	static const struct v8 *owner;
	static char version[64];
	if (owner != v8 || strcmp(version, v8_version(v8)) != 0) {
		resolve(v8, &cache);
		owner = v8;
		snprintf(version, sizeof(version), "%s", v8_version(v8));
	}
	return &cache;
}

void v8_kinds_unknown(struct v8 *v8, const char *what, struct util_buf *out)
{
	int major, minor, build, patch;
	v8_version_numbers(v8, &major, &minor, &build, &patch);
	util_buf_printf(out, "<%s: layout unknown on V8 %d.%d>", what, major, minor);
}
