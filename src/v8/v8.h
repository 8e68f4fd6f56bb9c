/*
 * v8 — the V8 object model of a process image, driven by the v8dbg_* postmortem
 * metadata that node binaries carry plus one table per V8 version (layout.c) for
 * the facts the metadata lacks. This header is the only door into the layer.
 * Prefix: v8_.
 *
 * Values are 64-bit tagged words exactly as V8 stores them (`v8_value`): a Smi
 * (low bit 0, value in the upper 32 bits) or a heap object pointer (low bits 01).
 * Every function that reads the image returns 0 on success and -1 (with
 * util_error() set) when memory is missing or a value is not what it should be;
 * nothing here trusts a length or a pointer read from the image without a check.
 *
 * Supported: 64-bit V8 without pointer compression (TaggedSize 8), which is how
 * official node binaries 18..26 are built. v8_open refuses other builds with a
 * message naming the V8 version.
 */
#ifndef NODESCOPE_V8_H
#define NODESCOPE_V8_H

#include <stddef.h>
#include <stdint.h>

#include "image/image.h"
#include "util/util.h"

struct v8;
typedef uint64_t v8_value;

/* Opening. v8_open reads the metadata and the version from img's main binary; it
 * fails (naming the version) when the binary has no metadata or a layout this
 * build cannot read. The img stays owned by the caller and must outlive v8. */
int v8_open(struct v8 **out, struct img *img);
void v8_close(struct v8 *v8);
struct img *v8_img(const struct v8 *v8);
/* "11.3.244.8" — from v8::internal::Version in the binary. */
const char *v8_version(const struct v8 *v8);
void v8_version_numbers(const struct v8 *v8, int *major, int *minor, int *build, int *patch);

/* Raw metadata, for layers above that need a fact not wrapped below.
 * v8_meta_field: offset of CLASS::FIELD from v8dbg_class_CLASS__FIELD__TYPE, the
 * type suffix ignored. v8_meta_const: value of v8dbg_NAME (e.g. "TaggedSize",
 * "off_fp_function", "prop_desc_size"). v8_meta_type: instance type of the type
 * name (e.g. "JS_OBJECT_TYPE"), -1 when absent. v8_meta_frametype: value of
 * v8dbg_frametype_NAME (e.g. "EntryFrame"), -1 when absent. */
int v8_meta_field(const struct v8 *v8, const char *cls, const char *field, int64_t *off);
int v8_meta_const(const struct v8 *v8, const char *name, int64_t *val);
int v8_meta_type(const struct v8 *v8, const char *type_name);
int v8_meta_frametype(const struct v8 *v8, const char *name);
/* The name of an instance type ("JS_OBJECT_TYPE"), or NULL. */
const char *v8_type_name(const struct v8 *v8, unsigned type);

/*
 * The resolved layout: every offset the layer uses, from the metadata or from the
 * per-version table. Read-only for users. Offsets are from the untagged object
 * start; -1 means "not known for this version".
 */
struct v8_layout {
	int tagged_size, pointer_size;
	/* HeapObject, Map */
	int64_t heap_map;
	int64_t map_instance_type, map_instance_size_words, map_inobject_start_words;
	int64_t map_bit_field, map_bit_field2, map_bit_field3;
	int64_t map_prototype, map_constructor_or_back_pointer, map_descriptors;
	/* JSReceiver / JSObject / JSArray */
	int64_t obj_properties, obj_elements, obj_header_size; /* header: first in-object slot */
	int64_t array_length;
	/* FixedArray-likes (FixedArray, ByteArray, PropertyArray, Context, ...) */
	int64_t fixed_length, fixed_data;
	int64_t byte_array_data;       /* ByteArray / TrustedByteArray payload */
	int64_t property_array_length; /* PropertyArray length_and_hash Smi */
	/* Descriptors and dictionaries */
	int64_t descriptors_header;
	int desc_size, desc_key, desc_details, desc_value;
	int64_t prop_index_mask, prop_index_shift, prop_location_mask, prop_location_shift;
	int64_t prop_location_field, prop_kind_mask, prop_kind_accessor;
	int64_t prop_representation_mask, prop_representation_shift, prop_representation_double;
	int64_t bf3_dictionary_shift, bf3_own_descriptors_mask, bf3_own_descriptors_shift;
	int64_t bf2_elements_kind_mask, bf2_elements_kind_shift;
	int dict_prefix_start, dict_prefix_size, dict_entry_size; /* NameDictionary */
	int numdict_prefix_size, numdict_entry_size;		  /* NumberDictionary */
	/* Strings */
	int64_t str_length, seq_chars, cons_first, cons_second, sliced_parent, sliced_offset;
	int64_t thin_actual, ext_resource, ext_resource_data;
	int64_t str_repr_mask, str_encoding_mask, str_one_byte_tag;
	int64_t str_tag_seq, str_tag_cons, str_tag_sliced, str_tag_thin, str_tag_external;
	int64_t first_nonstring_type;
	int64_t symbol_name;
	/* Numbers, oddballs */
	int64_t heap_number_value;
	int64_t oddball_kind, oddball_to_string;
	int odd_false, odd_true, odd_null, odd_undefined, odd_the_hole; /* kinds, -1 absent */
	/* Functions */
	int64_t fn_shared, fn_context, fn_code;
	int64_t sfi_function_data, sfi_name_or_scope_info, sfi_script, sfi_length;
	int64_t sfi_formal_param_count, sfi_flags, sfi_function_token_offset;
	int sfi_param_count_has_receiver; /* formal_parameter_count includes the receiver */
	int64_t uncompiled_inferred_name, uncompiled_start, uncompiled_end;
	int64_t interpreter_data_bytecode; /* InterpreterData::bytecode_array */
	int64_t bytecode_length, bytecode_source_positions, bytecode_data;
	int64_t bytecode_parameter_size;
	int spt_encoding; /* source-position table format, see layout.c */
	int64_t script_source, script_name, script_line_ends, script_line_offset,
	    script_column_offset;
	/* ScopeInfo (a variable layout; see function.c) */
	int scope_flags_raw_u32;     /* flags is a raw uint32 (+ padding), not a Smi */
	int scope_fixed_positions;   /* position_info in fixed slots 3,4 (V8 >= 12.8) */
	int scope_first_var;	     /* slot index (after map) of the first context local name */
	int scope_inlined_names_max; /* kScopeInfoMaxInlinedLocalNamesSize */
	int scope_bit_saved_class, scope_bit_function_var, scope_bit_inferred_name;
	int scope_bit_outer, scope_bit_type_mask, scope_type_module, scope_type_function;
	int scope_bit_context_extension; /* has_context_extension_slot */
	/* Context */
	int64_t ctx_scope_info_idx, ctx_previous_idx, ctx_min_slots;
	/* Frames (from fp) */
	int64_t fp_context, fp_function, fp_args, fp_bytecode_array, fp_bytecode_offset, fp_argc;
	int argc_has_receiver; /* the argc slot counts the receiver */
	/* Code */
	int64_t code_instruction_start, code_instruction_size, code_flags;
	int64_t code_kind_mask, code_kind_shift, code_kind_baseline, code_kind_interpreted;
	int code_inline_instructions; /* instructions follow the header (V8 10.x) */
	int64_t code_source_positions, code_deopt_data;
	int deopt_literals_idx, deopt_inlining_positions_idx;
	int64_t sfi_wrapper_shared;  /* SharedFunctionInfoWrapper::shared_info */
	int64_t elements_dictionary; /* ElementsKind value of DICTIONARY_ELEMENTS */
	int64_t elements_fast_holey;
};
const struct v8_layout *v8_layout(const struct v8 *v8);

/*
 * Instance types used by the layer, resolved from the metadata (-1 when the
 * binary has none of that name).
 */
struct v8_types {
	int map, oddball, hole, heap_number, symbol, fixed_array, byte_array, trusted_byte_array;
	int descriptor_array, property_array, name_dictionary, swiss_dictionary;
	int shared_function_info, scope_info, script, bytecode_array, code, interpreter_data;
	int js_object, js_api_object, js_special_api_object, js_array, js_function,
	    js_bound_function;
	int js_error, js_date, js_regexp, js_promise, js_map, js_set, js_array_buffer,
	    js_typed_array;
	int js_global_object, js_global_proxy, js_proxy, js_primitive_wrapper, js_arguments;
	int first_js_receiver; /* lowest JS_* type: types >= it are JS receivers */
	int first_js_function, last_js_function;
	int first_context, last_context;
	int uncompiled_first, uncompiled_last;
};
const struct v8_types *v8_types(const struct v8 *v8);

/* Tagged values. */
static inline int v8_is_smi(v8_value v)
{
	return (v & 1) == 0;
}
static inline int64_t v8_smi(v8_value v)
{
	return (int64_t)v >> 32;
}
static inline v8_value v8_smi_make(int64_t n)
{
	return (v8_value)((uint64_t)n << 32);
}
static inline int v8_is_heap(v8_value v)
{
	return (v & 3) == 1;
}
static inline uint64_t v8_addr(v8_value v)
{
	return v & ~(uint64_t)3;
}

/* Reads the tagged field at byte offset off of heap object obj. */
int v8_field(struct v8 *v8, v8_value obj, int64_t off, v8_value *out);
/* Reads raw integers of a heap object. */
int v8_field_u8(struct v8 *v8, v8_value obj, int64_t off, uint8_t *out);
int v8_field_u16(struct v8 *v8, v8_value obj, int64_t off, uint16_t *out);
int v8_field_u32(struct v8 *v8, v8_value obj, int64_t off, uint32_t *out);
int v8_field_u64(struct v8 *v8, v8_value obj, int64_t off, uint64_t *out);
/* Smi field: fails when the field is not a Smi. */
int v8_field_smi(struct v8 *v8, v8_value obj, int64_t off, int64_t *out);

/* The map of a heap object and its instance type (checks that the map's own map
 * is a Map, so a random address is rejected). */
int v8_map(struct v8 *v8, v8_value obj, v8_value *map);
int v8_type(struct v8 *v8, v8_value obj, unsigned *type);
/* True (1) when obj is a heap object of that type, 0 otherwise, never an error. */
int v8_is_type(struct v8 *v8, v8_value obj, int type);
int v8_is_string(struct v8 *v8, v8_value obj);
int v8_is_js_receiver(struct v8 *v8, v8_value obj);
int v8_is_js_function(struct v8 *v8, v8_value obj);
/* Oddballs: 1 when v is that oddball (undefined, null, true, false, the hole). */
int v8_oddball_kind(struct v8 *v8, v8_value v, int *kind);
int v8_is_undefined(struct v8 *v8, v8_value v);
int v8_is_the_hole(struct v8 *v8, v8_value v);
int v8_heap_number(struct v8 *v8, v8_value v, double *out);

/* FixedArray-likes: length and element i (tagged). */
int v8_fixed_length(struct v8 *v8, v8_value arr, int64_t *len);
int v8_fixed_get(struct v8 *v8, v8_value arr, int64_t i, v8_value *out);

/* Strings: appends the string as UTF-8 to out, at most max_bytes bytes (then
 * "..." is added). Cons strings are walked iteratively with a bounded depth. */
int v8_string(struct v8 *v8, v8_value str, struct util_buf *out, size_t max_bytes);
int v8_string_length(struct v8 *v8, v8_value str, int64_t *len);
/* Strings returned as a fresh malloc'd C string (max 4096 bytes), NULL on error. */
char *v8_string_dup(struct v8 *v8, v8_value str);
/* A Name (String or Symbol) as a property key: "foo", or "Symbol(desc)". */
int v8_name(struct v8 *v8, v8_value name, struct util_buf *out);

/* Objects. */
/* Calls fn for each own property of a JS object (named properties in fast or
 * dictionary mode; not elements). key is a Name, value the stored value (for an
 * accessor, the AccessorPair). Stops and returns fn's value when non-zero. */
typedef int (*v8_prop_fn)(struct v8 *v8, v8_value key, v8_value value, int is_accessor, void *arg);
int v8_object_each(struct v8 *v8, v8_value obj, v8_prop_fn fn, void *arg);
/* Looks up one own named property; returns 1 found, 0 absent, -1 error. */
int v8_object_get(struct v8 *v8, v8_value obj, const char *name, v8_value *out);
/* Elements (indexed properties): calls fn for each present element (holes
 * skipped) of fast, double and dictionary elements, in index order for the fast
 * kinds. Other kinds (typed arrays, ...) have none here. At most max elements
 * (0: no limit). */
struct v8_elem {
	int is_double; /* 1: d holds the value (double elements), else v */
	v8_value v;
	double d;
};
typedef int (*v8_elem_fn)(struct v8 *v8, int64_t index, const struct v8_elem *e, void *arg);
int v8_elements_each(struct v8 *v8, v8_value obj, int64_t max, v8_elem_fn fn, void *arg);
/* Element i of fast or double elements: 1 present, 0 hole or out of range. */
int v8_element_get(struct v8 *v8, v8_value obj, int64_t i, struct v8_elem *out);
/* A JSArray's length (JSArray::length, a Smi or a HeapNumber). */
int v8_array_length(struct v8 *v8, v8_value arr, int64_t *len);
/* The constructor's name of a JS object ("Object", "Foo", "Array"); falls back
 * to the instance type's name. */
int v8_constructor_name(struct v8 *v8, v8_value obj, struct util_buf *out);
/* The constructor JSFunction of an object's map (walking back pointers), or -1. */
int v8_map_constructor(struct v8 *v8, v8_value map, v8_value *ctor);

/* Functions. */
struct v8_funcinfo {
	v8_value shared, script;
	char *name;		/* "" for anonymous */
	char *inferred;		/* the name V8 inferred ("Foo.bar"), or "" */
	char *script_name;	/* file or "node:internal/..." or "" */
	int start_pos, end_pos; /* character offsets of the definition, -1 unknown */
	int formal_params;	/* without the receiver; -1 unknown */
	int is_native;
};
/* Fills info from a JSFunction or a SharedFunctionInfo. Free with v8_funcinfo_free. */
int v8_funcinfo(struct v8 *v8, v8_value fn_or_sfi, struct v8_funcinfo *info);
void v8_funcinfo_free(struct v8_funcinfo *info);
/* "foo", "<anonymous> (as Foo.bar)", "<anonymous>". */
void v8_funcinfo_display(const struct v8_funcinfo *info, struct util_buf *out);
/* The BytecodeArray of a function (SFI or JSFunction) if it has one, else -1. */
int v8_function_bytecode(struct v8 *v8, v8_value fn_or_sfi, v8_value *bytecode);
/* Source position (character offset) of a bytecode offset, from the bytecode's
 * source-position table; returns 1 found, 0 when the table was never collected
 * (V8 collects it lazily), -1 error. */
int v8_bytecode_position(struct v8 *v8, v8_value bytecode, int64_t bc_offset, int *pos);
/* Script: line and column (both 1-based) of a character offset, computed from
 * the source; returns -1 when the source is unavailable. */
int v8_script_line_col(struct v8 *v8, v8_value script, int pos, int *line, int *col);
/* Appends source lines [first, last] (1-based) of a script, each prefixed with
 * its number; the marked line gets an arrow. */
int v8_script_lines(struct v8 *v8, v8_value script, int first, int last, int mark,
		    struct util_buf *out);

/* Closures: contexts and the variables they hold. */
/* The JSFunction's Context. */
int v8_function_context(struct v8 *v8, v8_value fn, v8_value *ctx);
/* A Context's ScopeInfo and its enclosing Context (not a Context at the end of
 * the chain: *prev is then left 0). Slot i of a Context. */
int v8_context_scope_info(struct v8 *v8, v8_value ctx, v8_value *scope_info);
int v8_context_previous(struct v8 *v8, v8_value ctx, v8_value *prev);
int v8_context_slot(struct v8 *v8, v8_value ctx, int64_t i, v8_value *out);
int v8_is_context(struct v8 *v8, v8_value v);
/* The context-allocated variables a ScopeInfo describes: fn gets each name (a
 * String) and the index of the Context slot that holds its value. */
typedef int (*v8_local_fn)(struct v8 *v8, v8_value name, int64_t slot, void *arg);
int v8_scope_info_locals(struct v8 *v8, v8_value scope_info, v8_local_fn fn, void *arg);

/* One-line description of any value: "123", "3.5", "undefined", "\"str\"",
 * "0x... (JSObject: Foo)", "0x... (JSFunction: foo)", "0x... (JSArray, length 3)". */
int v8_describe(struct v8 *v8, v8_value v, struct util_buf *out);

/* Stack frames. */
enum v8_frame_kind {
	V8_FRAME_NATIVE,      /* C/C++ code with a symbol (or an unknown PC) */
	V8_FRAME_INTERPRETED, /* Ignition */
	V8_FRAME_BASELINE,    /* Sparkplug */
	V8_FRAME_MAGLEV,
	V8_FRAME_OPTIMIZED, /* TurboFan */
	V8_FRAME_BUILTIN,   /* a JS builtin (Array.prototype.sort, ...) */
	V8_FRAME_ENTRY,
	V8_FRAME_CONSTRUCT_ENTRY,
	V8_FRAME_EXIT,
	V8_FRAME_BUILTIN_EXIT,
	V8_FRAME_API_EXIT,
	V8_FRAME_CONSTRUCT,
	V8_FRAME_INTERNAL,
	V8_FRAME_STUB,
	V8_FRAME_OTHER_V8, /* another typed V8 frame */
};
const char *v8_frame_kind_name(enum v8_frame_kind kind);
static inline int v8_frame_is_js(enum v8_frame_kind k)
{
	return k == V8_FRAME_INTERPRETED || k == V8_FRAME_BASELINE || k == V8_FRAME_MAGLEV ||
	       k == V8_FRAME_OPTIMIZED || k == V8_FRAME_BUILTIN;
}
struct v8_frame {
	int index;
	enum v8_frame_kind kind;
	uint64_t pc, sp, fp;
	const char *typed_name; /* V8 frame type name for typed frames ("EntryFrame") */
	char symbol[512];	/* native symbol or builtin name, "" if none */
	uint64_t sym_offset;
	const char *module;
	/* JS frames */
	v8_value function, receiver, bytecode;
	int64_t bytecode_offset; /* -1 unknown */
	int argc;		 /* actual arguments passed, without the receiver; -1 unknown */
};
/* Walks the stack of a thread from its registers, innermost first: JS frames
 * through frame pointers (and V8's frame-type markers), native frames through
 * the CFI (img_unwind_cfi) with a frame-pointer fallback. At most max_frames.
 * fn returns non-zero to stop. */
typedef int (*v8_frame_fn)(struct v8 *v8, const struct v8_frame *frame, void *arg);
int v8_walk_stack(struct v8 *v8, const struct img_thread *thread, int max_frames, v8_frame_fn fn,
		  void *arg);
/* The logical JS frames of one physical frame, innermost first. An optimized
 * frame expands into the functions TurboFan inlined into it (whose `this` and
 * arguments are not on the stack); other frames give one entry. */
struct v8_jsframe {
	v8_value function;  /* the JSFunction (outermost) or the SharedFunctionInfo */
	int position;	    /* character offset executing, -1 unknown */
	int inlined;	    /* inlined into the frame's function */
	int optimized_kind; /* for optimized frames: 1 maglev, 2 turbofan, 0 unknown */
};
int v8_frame_expand(struct v8 *v8, const struct v8_frame *frame, struct v8_jsframe *out, int max);

/* Argument i (0-based, without the receiver) of a JS frame. */
int v8_frame_arg(struct v8 *v8, const struct v8_frame *frame, int i, v8_value *out);

#endif
