/*
 * layout.c — resolves every offset and instance type the v8 layer uses: first
 * from the v8dbg_* metadata (metadata.c), then, for the facts the metadata lacks,
 * from ONE table per V8 version below. Each row of the table says where its
 * values come from in V8's sources. Code elsewhere asks "what is the offset of
 * X" (v8->L.x); it never tests the V8 version itself.
 */
#include "v8/v8_int.h"

#include <string.h>

/* Facts not in the metadata, per V8 version (release lines of Node.js). */
struct version_facts {
	int major, minor;
	const char *node; /* the Node.js line that ships it */
	/* SharedFunctionInfo::function_data (12.4) / trusted_function_data (13+):
	 * shared-function-info.tq — the first field after the map. */
	int64_t sfi_function_data;
	/* BytecodeArray::source_position_table and parameter_size:
	 * <= 11.x bytecode-array.tq (extends FixedArrayBase: length, constant_pool,
	 * handler_table, source_position_table, frame_size, parameter_size);
	 * >= 12.x bytecode-array.h FIELD_LIST (length, wrapper, source_position_table,
	 * handler_table, constant_pool, frame_size, parameter_size). */
	int64_t bytecode_spt, bytecode_param_size;
	/* scope-info.tq: flags is SmiTagged<ScopeFlags> up to 12.x; from 12.8 a raw
	 * uint32 + padding with position_info moved to fixed slots 3 and 4. */
	int scope_flags_raw_u32, scope_fixed_positions;
	/* scope-info.tq enum ScopeType: FUNCTION_SCOPE and MODULE_SCOPE values
	 * (SCRIPT_SCOPE and REPL_MODE_SCOPE moved to the front after 12.4). */
	int scope_type_function, scope_type_module;
	/* ExternalString::resource_data (the cached data pointer), string.h:
	 * kResourceDataOffset = kResourceOffset + kExternalPointerSlotSize. */
	int64_t ext_resource_data;
	/* JSArray::length: js-array.tq, the first field after the JSObject header. */
	int64_t array_length;
	/* StandardFrameConstants::kArgCOffset (frame-constants.h): -3 * 8 on x64. */
	int64_t fp_argc;
	/* Oddball kind of the hole: Oddball::kTheHole (oddball.h) until 12.x moved the
	 * hole into its own Hole type (hole.h). */
	int odd_the_hole;
	/* InterpreterData::bytecode_array (shared-function-info.tq): after the map,
	 * or after the ExposedTrustedObject header (13+; no sandbox: none). */
	int64_t interpreter_data_bytecode;
	/* Source-position table encoding (source-position-table.cc): 1 = a zig-zag
	 * code-offset delta whose sign marks expressions, then a zig-zag position
	 * delta; 2 (V8 14) = an unsigned value (delta << 2 | has_position << 1 |
	 * is_statement), the position delta only when has_position. Version 2 was
	 * read off the tables of Node 26 cores against the positions node printed. */
	int spt_encoding;
	/* Code (code.h FIELD_LIST): 10.2 keeps the instructions inline after the
	 * header (the metadata's "instruction_start" is then kHeaderSize);
	 * source_position_table and deoptimization_data offsets: 10.2/11.3 from the
	 * metadata or 24/16; 12.x+ 16/8 (deoptimization_data_or_interpreter_data,
	 * position_table, wrapper, instruction_stream, instruction_start). */
	int code_inline_instructions;
	int64_t code_spt, code_deopt;
	/* JSFunction::code when the metadata lacks it: js-function.tq (11.3: after
	 * shared, context, feedback_cell, i.e. shared + 24). */
	int64_t fn_code_fallback;
	/* HOLE_TYPE when the metadata does not list it (the hole became a Hole
	 * object in 12.x, hole.h): 14.6 lists it no more; 274 read off the element
	 * of `[1, , 3]` in a Node 26 core (between FEEDBACK_VECTOR and
	 * INTERCEPTOR_INFO, as instance types are sorted by class name). */
	int hole_type;
};

static const struct version_facts facts_table[] = {
    /* V8 10.2 — Node 18. shared-function-info.tq: function_data at 8 (also in the
     * metadata); bytecode-array.tq: source_position_table 32, parameter_size 44;
     * scope-info.tq: SmiTagged flags, ScopeType CLASS, EVAL, FUNCTION, MODULE, ...;
     * code.h: instructions inline after the Code header; the hole is an Oddball. */
    {
	.major = 10,
	.minor = 2,
	.node = "18",
	.sfi_function_data = 8,
	.bytecode_spt = 32,
	.bytecode_param_size = 44,
	.scope_flags_raw_u32 = 0,
	.scope_fixed_positions = 0,
	.scope_type_function = 2,
	.scope_type_module = 3,
	.ext_resource_data = 24,
	.array_length = 24,
	.fp_argc = -24,
	.odd_the_hole = 2,
	.interpreter_data_bytecode = 8,
	.spt_encoding = 1,
	.code_inline_instructions = 1,
	.code_spt = 24,
	.code_deopt = 16,
	.fn_code_fallback = 48,
	.hole_type = -1,
    },
    /* V8 11.3 — Node 20. As 10.2 for these fields (11.3 dropped bytecode_age from
     * BytecodeArray: its header is 54, from the metadata); Code and
     * InstructionStream are split (instruction_start is a field). */
    {
	.major = 11,
	.minor = 3,
	.node = "20",
	.sfi_function_data = 8,
	.bytecode_spt = 32,
	.bytecode_param_size = 44,
	.scope_flags_raw_u32 = 0,
	.scope_fixed_positions = 0,
	.scope_type_function = 2,
	.scope_type_module = 3,
	.ext_resource_data = 24,
	.array_length = 24,
	.fp_argc = -24,
	.odd_the_hole = 2,
	.interpreter_data_bytecode = 8,
	.spt_encoding = 1,
	.code_inline_instructions = 0,
	.code_spt = 24,
	.code_deopt = 16,
	.fn_code_fallback = 48,
	.hole_type = -1,
    },
    /* V8 12.4 — Node 22. BytecodeArray is an ExposedTrustedObject (bytecode-array.h
     * FIELD_LIST: source_position_table 24, parameter_size 52); SFI function_data
     * still one field at 8; the hole is a Hole object; ScopeInfo flags still a Smi
     * and ScopeType still in the old order (a function scope's flags read 0x4171e2
     * in a Node 22 core: type 2); Code: position_table 16, deoptimization data 8. */
    {
	.major = 12,
	.minor = 4,
	.node = "22",
	.sfi_function_data = 8,
	.bytecode_spt = 24,
	.bytecode_param_size = 52,
	.scope_flags_raw_u32 = 0,
	.scope_fixed_positions = 0,
	.scope_type_function = 2,
	.scope_type_module = 3,
	.ext_resource_data = 24,
	.array_length = 24,
	.fp_argc = -24,
	.odd_the_hole = -1,
	.interpreter_data_bytecode = 8,
	.spt_encoding = 1,
	.code_inline_instructions = 0,
	.code_spt = 16,
	.code_deopt = 8,
	.fn_code_fallback = 24,
	.hole_type = -1,
    },
    /* V8 13.6 — Node 24. SFI: trusted_function_data 8, untrusted_function_data 16
     * (shared-function-info.tq); ScopeInfo: uint32 flags + padding, position_info
     * in slots 3-4 (scope-info.tq since 12.8), ScopeType SCRIPT, REPL_MODE, CLASS,
     * EVAL, FUNCTION, MODULE (flags 0x4171e4 in a Node 24 core: type 4). */
    {
	.major = 13,
	.minor = 6,
	.node = "24",
	.sfi_function_data = 8,
	.bytecode_spt = 24,
	.bytecode_param_size = 52,
	.scope_flags_raw_u32 = 1,
	.scope_fixed_positions = 1,
	.scope_type_function = 4,
	.scope_type_module = 5,
	.ext_resource_data = 24,
	.array_length = 24,
	.fp_argc = -24,
	.odd_the_hole = -1,
	.interpreter_data_bytecode = 8,
	.spt_encoding = 1,
	.code_inline_instructions = 0,
	.code_spt = 16,
	.code_deopt = 8,
	.fn_code_fallback = 24,
	.hole_type = -1,
    },
    /* V8 14.6 — Node 26. As 13.6 (checked against the metadata: SFI
     * name_or_scope_info 24, BytecodeArray data 64), with the new source-position
     * table encoding and HOLE_TYPE no longer in the metadata. */
    {
	.major = 14,
	.minor = 6,
	.node = "26",
	.sfi_function_data = 8,
	.bytecode_spt = 24,
	.bytecode_param_size = 52,
	.scope_flags_raw_u32 = 1,
	.scope_fixed_positions = 1,
	.scope_type_function = 4,
	.scope_type_module = 5,
	.ext_resource_data = 24,
	.array_length = 24,
	.fp_argc = -24,
	.odd_the_hole = -1,
	.interpreter_data_bytecode = 8,
	.spt_encoding = 2,
	.code_inline_instructions = 0,
	.code_spt = 16,
	.code_deopt = 8,
	.fn_code_fallback = 24,
	.hole_type = 274,
    },
};

static const struct version_facts *facts_for(const struct v8 *v8)
{
	const struct version_facts *best = NULL;
	size_t n = sizeof(facts_table) / sizeof(facts_table[0]);
	for (size_t i = 0; i < n; i++) {
		const struct version_facts *f = &facts_table[i];
		if (f->major == v8->major && f->minor == v8->minor)
			return f;
		/* Between two known lines (Node's odd releases): the nearest older one. */
		if (f->major < v8->major || (f->major == v8->major && f->minor < v8->minor))
			best = f;
	}
	const struct version_facts *last = &facts_table[n - 1];
	if (v8->major > last->major + 1)
		return NULL;
	return best;
}

/* Metadata lookups with a default; alternatives for fields renamed across
 * versions are tried in order. */
static int64_t field(const struct v8 *v8, const char *cls, const char *f, int64_t dflt)
{
	int64_t v;
	return v8_meta_field(v8, cls, f, &v) == 0 ? v : dflt;
}

static int64_t cnst(const struct v8 *v8, const char *name, int64_t dflt)
{
	int64_t v;
	return v8_meta_const(v8, name, &v) == 0 ? v : dflt;
}

static int type_any(const struct v8 *v8, const char *a, const char *b)
{
	int t = v8_meta_type(v8, a);
	return t >= 0 || !b ? t : v8_meta_type(v8, b);
}

static void resolve_types(struct v8 *v8)
{
	struct v8_types *T = &v8->T;
	T->map = v8_meta_type(v8, "MAP_TYPE");
	T->oddball = v8_meta_type(v8, "ODDBALL_TYPE");
	T->hole = v8_meta_type(v8, "HOLE_TYPE");
	T->heap_number = v8_meta_type(v8, "HEAP_NUMBER_TYPE");
	T->symbol = v8_meta_type(v8, "SYMBOL_TYPE");
	T->fixed_array = v8_meta_type(v8, "FIXED_ARRAY_TYPE");
	T->byte_array = v8_meta_type(v8, "BYTE_ARRAY_TYPE");
	T->trusted_byte_array = v8_meta_type(v8, "TRUSTED_BYTE_ARRAY_TYPE");
	T->descriptor_array = v8_meta_type(v8, "DESCRIPTOR_ARRAY_TYPE");
	T->property_array = v8_meta_type(v8, "PROPERTY_ARRAY_TYPE");
	T->name_dictionary = v8_meta_type(v8, "NAME_DICTIONARY_TYPE");
	T->swiss_dictionary = v8_meta_type(v8, "SWISS_NAME_DICTIONARY_TYPE");
	T->shared_function_info = v8_meta_type(v8, "SHARED_FUNCTION_INFO_TYPE");
	T->scope_info = v8_meta_type(v8, "SCOPE_INFO_TYPE");
	T->script = v8_meta_type(v8, "SCRIPT_TYPE");
	T->bytecode_array = v8_meta_type(v8, "BYTECODE_ARRAY_TYPE");
	T->code = type_any(v8, "CODE_TYPE", "CODE_DATA_CONTAINER_TYPE");
	T->interpreter_data = v8_meta_type(v8, "INTERPRETER_DATA_TYPE");
	T->js_object = v8_meta_type(v8, "JS_OBJECT_TYPE");
	T->js_api_object = v8_meta_type(v8, "JS_API_OBJECT_TYPE");
	T->js_special_api_object = v8_meta_type(v8, "JS_SPECIAL_API_OBJECT_TYPE");
	T->js_array = v8_meta_type(v8, "JS_ARRAY_TYPE");
	T->js_function = v8_meta_type(v8, "JS_FUNCTION_TYPE");
	T->js_bound_function = v8_meta_type(v8, "JS_BOUND_FUNCTION_TYPE");
	T->js_error = v8_meta_type(v8, "JS_ERROR_TYPE");
	T->js_date = v8_meta_type(v8, "JS_DATE_TYPE");
	T->js_regexp = v8_meta_type(v8, "JS_REG_EXP_TYPE");
	T->js_promise = v8_meta_type(v8, "JS_PROMISE_TYPE");
	T->js_map = v8_meta_type(v8, "JS_MAP_TYPE");
	T->js_set = v8_meta_type(v8, "JS_SET_TYPE");
	T->js_array_buffer = v8_meta_type(v8, "JS_ARRAY_BUFFER_TYPE");
	T->js_typed_array = v8_meta_type(v8, "JS_TYPED_ARRAY_TYPE");
	T->js_global_object = v8_meta_type(v8, "JS_GLOBAL_OBJECT_TYPE");
	T->js_global_proxy = v8_meta_type(v8, "JS_GLOBAL_PROXY_TYPE");
	T->js_proxy = v8_meta_type(v8, "JS_PROXY_TYPE");
	T->js_primitive_wrapper = v8_meta_type(v8, "JS_PRIMITIVE_WRAPPER_TYPE");
	T->js_arguments = v8_meta_type(v8, "JS_ARGUMENTS_OBJECT_TYPE");
	/* JS receivers are the last instance types: the lowest JS_* type starts them. */
	T->first_js_receiver = 0xffff;
	for (size_t t = 0; t < v8->ntype_names; t++)
		if (v8->type_names[t] && !strncmp(v8->type_names[t], "JS_", 3)) {
			T->first_js_receiver = (int)t;
			break;
		}
	T->first_js_function = (int)cnst(v8, "FirstJSFunctionType", T->js_function);
	T->last_js_function = (int)cnst(v8, "LastJSFunctionType", -1);
	if (T->last_js_function < 0 && T->js_function >= 0) {
		/* Before the metadata had the range (<= 11.3): JS_FUNCTION_TYPE is the first
		 * of 17 function types (JS_CLASS_CONSTRUCTOR_TYPE, JS_PROMISE_CONSTRUCTOR_TYPE,
		 * ...; instance-type.h, not listed by the metadata; V8 12.4 lists the range
		 * as 2066..2082, and a class constructor is 2081 in a Node 20 core), ending
		 * before the next listed type. */
		int t = T->js_function;
		while (t < T->js_function + 16 && (size_t)t + 1 < v8->ntype_names &&
		       !v8->type_names[t + 1])
			t++;
		T->last_js_function = t;
	}
	T->first_context = (int)cnst(v8, "FirstContextType", -1);
	T->last_context = (int)cnst(v8, "LastContextType", -1);
	int a = v8_meta_type(v8, "UNCOMPILED_DATA_WITHOUT_PREPARSE_DATA_TYPE");
	int b = v8_meta_type(v8, "UNCOMPILED_DATA_WITH_PREPARSE_DATA_TYPE");
	int c = v8_meta_type(v8, "UNCOMPILED_DATA_WITHOUT_PREPARSE_DATA_WITH_JOB_TYPE");
	int d = v8_meta_type(v8, "UNCOMPILED_DATA_WITH_PREPARSE_DATA_AND_JOB_TYPE");
	int lo = 0xffff, hi = -1, all[4] = {a, b, c, d};
	for (int i = 0; i < 4; i++)
		if (all[i] >= 0) {
			lo = all[i] < lo ? all[i] : lo;
			hi = all[i] > hi ? all[i] : hi;
		}
	T->uncompiled_first = hi >= 0 ? lo : -1;
	T->uncompiled_last = hi;
}

static void resolve_objects(struct v8 *v8, const struct version_facts *f)
{
	struct v8_layout *L = &v8->L;
	L->heap_map = field(v8, "HeapObject", "map", 0);
	L->map_instance_type = field(v8, "Map", "instance_type", -1);
	L->map_instance_size_words = field(v8, "Map", "instance_size_in_words", -1);
	L->map_inobject_start_words =
	    field(v8, "Map", "inobject_properties_start_or_constructor_function_index", -1);
	L->map_bit_field = field(v8, "Map", "bit_field", -1);
	L->map_bit_field2 = field(v8, "Map", "bit_field2", -1);
	L->map_bit_field3 = field(v8, "Map", "bit_field3", -1);
	L->map_prototype = field(v8, "Map", "prototype", -1);
	L->map_constructor_or_back_pointer = field(v8, "Map", "constructor_or_back_pointer", -1);
	L->map_descriptors = field(v8, "Map", "instance_descriptors", -1);
	L->obj_properties = field(v8, "JSReceiver", "raw_properties_or_hash", 8);
	L->obj_elements = field(v8, "JSObject", "elements", 16);
	/* JSObject::kHeaderSize: the metadata names it internal_fields (the first
	 * embedder field slot), which is where in-object properties start too. */
	L->obj_header_size = field(v8, "JSObject", "internal_fields", 24);
	L->array_length = f->array_length;
	L->fixed_length = field(v8, "FixedArrayBase", "length", 8);
	L->fixed_data = field(v8, "FixedArray", "data", 16);
	/* ByteArray: FixedArrayBase header then bytes (byte-array.h kHeaderSize). */
	L->byte_array_data = L->fixed_data;
	/* PropertyArray::length_and_hash (property-array.h: kLengthAndHashOffset right
	 * after the map); the length is its low 10 bits (LengthField). */
	L->property_array_length = 8;
	L->descriptors_header = field(v8, "DescriptorArray", "header_size", 24);
	L->desc_size = (int)cnst(v8, "prop_desc_size", 3);
	L->desc_key = (int)cnst(v8, "prop_desc_key", 0);
	L->desc_details = (int)cnst(v8, "prop_desc_details", 1);
	L->desc_value = (int)cnst(v8, "prop_desc_value", 2);
	L->prop_index_mask = cnst(v8, "prop_index_mask", 0);
	L->prop_index_shift = cnst(v8, "prop_index_shift", 0);
	L->prop_location_mask = cnst(v8, "prop_location_mask", 0);
	L->prop_location_shift = cnst(v8, "prop_location_shift", 0);
	L->prop_location_field = cnst(v8, "prop_location_Field", 0);
	L->prop_kind_mask = cnst(v8, "prop_kind_mask", 1);
	L->prop_kind_accessor = cnst(v8, "prop_kind_Accessor", 1);
	L->prop_representation_mask = cnst(v8, "prop_representation_mask", 0);
	L->prop_representation_shift = cnst(v8, "prop_representation_shift", 0);
	L->prop_representation_double = cnst(v8, "prop_representation_double", 2);
	L->bf3_dictionary_shift = cnst(v8, "bit_field3_is_dictionary_map_shift", -1);
	L->bf3_own_descriptors_mask = cnst(v8, "bit_field3_number_of_own_descriptors_mask", 0);
	L->bf3_own_descriptors_shift = cnst(v8, "bit_field3_number_of_own_descriptors_shift", 0);
	L->bf2_elements_kind_mask = cnst(v8, "bit_field2_elements_kind_mask", 0);
	L->bf2_elements_kind_shift = cnst(v8, "bit_field2_elements_kind_shift", 0);
	L->dict_prefix_start = (int)cnst(v8, "namedictionary_prefix_start_index", 3);
	L->dict_prefix_size = (int)cnst(v8, "namedictionaryshape_prefix_size", 3);
	L->dict_entry_size = (int)cnst(v8, "namedictionaryshape_entry_size", 3);
	L->numdict_prefix_size = (int)cnst(v8, "numberdictionaryshape_prefix_size", 1);
	L->numdict_entry_size = (int)cnst(v8, "numberdictionaryshape_entry_size", 3);
	L->elements_dictionary = cnst(v8, "elements_dictionary_elements", -1);
	L->elements_fast_holey = cnst(v8, "elements_fast_holey_elements", -1);
}

static void resolve_strings(struct v8 *v8, const struct version_facts *f)
{
	struct v8_layout *L = &v8->L;
	L->str_length = field(v8, "String", "length", 12);
	L->seq_chars = field(v8, "SeqOneByteString", "chars", 16);
	L->cons_first = field(v8, "ConsString", "first", 16);
	L->cons_second = field(v8, "ConsString", "second", 24);
	L->sliced_parent = field(v8, "SlicedString", "parent", 16);
	L->sliced_offset = field(v8, "SlicedString", "offset", 24);
	L->thin_actual = field(v8, "ThinString", "actual", 16);
	L->ext_resource = field(v8, "ExternalString", "resource", 16);
	L->ext_resource_data = f->ext_resource_data;
	L->str_repr_mask = cnst(v8, "StringRepresentationMask", 7);
	L->str_encoding_mask = cnst(v8, "StringEncodingMask", 8);
	L->str_one_byte_tag = cnst(v8, "OneByteStringTag", 8);
	L->str_tag_seq = cnst(v8, "SeqStringTag", 0);
	L->str_tag_cons = cnst(v8, "ConsStringTag", 1);
	L->str_tag_external = cnst(v8, "ExternalStringTag", 2);
	L->str_tag_sliced = cnst(v8, "SlicedStringTag", 3);
	L->str_tag_thin = cnst(v8, "ThinStringTag", 5);
	L->first_nonstring_type = cnst(v8, "FirstNonstringType", 128);
	L->symbol_name = field(v8, "Symbol", "name", 16);
	L->heap_number_value = field(v8, "HeapNumber", "value", 8);
	L->oddball_to_string = field(v8, "Oddball", "to_string", 16);
	L->oddball_kind = field(v8, "Oddball", "kind_offset", -1);
	if (L->oddball_kind < 0)
		L->oddball_kind = field(v8, "Oddball", "kind", -1);
	L->odd_false = (int)cnst(v8, "OddballFalse", 0);
	L->odd_true = (int)cnst(v8, "OddballTrue", 1);
	L->odd_null = (int)cnst(v8, "OddballNull", 3);
	L->odd_undefined = (int)cnst(v8, "OddballUndefined", 5);
	L->odd_the_hole = (int)cnst(v8, "OddballTheHole", f->odd_the_hole);
}

static void resolve_functions(struct v8 *v8, const struct version_facts *f)
{
	struct v8_layout *L = &v8->L;
	L->fn_shared = field(v8, "JSFunction", "shared", -1);
	L->fn_context = field(v8, "JSFunction", "context", -1);
	L->fn_code = field(v8, "JSFunction", "code", f->fn_code_fallback);
	L->sfi_function_data =
	    field(v8, "SharedFunctionInfo", "function_data", f->sfi_function_data);
	L->sfi_name_or_scope_info = field(v8, "SharedFunctionInfo", "name_or_scope_info", -1);
	L->sfi_script = field(v8, "SharedFunctionInfo", "script_or_debug_info", -1);
	if (L->sfi_script < 0)
		L->sfi_script = field(v8, "SharedFunctionInfo", "script", -1);
	if (L->sfi_script < 0)
		L->sfi_script = field(v8, "SharedFunctionInfo", "raw_script", -1);
	L->sfi_length = field(v8, "SharedFunctionInfo", "length", -1);
	L->sfi_formal_param_count =
	    field(v8, "SharedFunctionInfo", "internal_formal_parameter_count", -1);
	L->sfi_flags = field(v8, "SharedFunctionInfo", "flags", -1);
	L->sfi_function_token_offset =
	    field(v8, "SharedFunctionInfo", "raw_function_token_offset", -1);
	/* formal_parameter_count includes the receiver since V8 10.0
	 * (kJSArgcIncludesReceiver, shared-function-info.tq comment); all supported
	 * versions are newer. */
	L->sfi_param_count_has_receiver = 1;
	L->uncompiled_inferred_name = field(v8, "UncompiledData", "inferred_name", 8);
	L->uncompiled_start = field(v8, "UncompiledData", "start_position", 16);
	L->uncompiled_end = field(v8, "UncompiledData", "end_position", 20);
	L->interpreter_data_bytecode = f->interpreter_data_bytecode;
	L->bytecode_length = field(v8, "BytecodeArray", "length", L->fixed_length);
	L->bytecode_source_positions = f->bytecode_spt;
	L->bytecode_data = field(v8, "BytecodeArray", "data", -1);
	L->bytecode_parameter_size = f->bytecode_param_size;
	L->spt_encoding = f->spt_encoding;
	L->script_source = field(v8, "Script", "source", 8);
	L->script_name = field(v8, "Script", "name", 16);
	L->script_line_ends = field(v8, "Script", "line_ends", -1);
	/* script.tq: line_offset and column_offset follow name (Smis). */
	L->script_line_offset = L->script_name + 8;
	L->script_column_offset = L->script_name + 16;
	/* ScopeInfo (scope-info.tq): the ScopeFlags bits are the same in 10.2..14.6:
	 * scope_type 0-3, ..., has_saved_class_variable 10, function_variable 12-13,
	 * has_inferred_function_name 14, ..., has_outer_scope_info 22, ...,
	 * has_context_extension_slot 26. */
	L->scope_flags_raw_u32 = f->scope_flags_raw_u32;
	L->scope_fixed_positions = f->scope_fixed_positions;
	L->scope_first_var =
	    (int)cnst(v8, "scopeinfo_idx_first_vars", f->scope_fixed_positions ? 5 : 3);
	L->scope_inlined_names_max = 75; /* kScopeInfoMaxInlinedLocalNamesSize, scope-info.h */
	L->scope_bit_saved_class = 10;
	L->scope_bit_function_var = 12;
	L->scope_bit_inferred_name = 14;
	L->scope_bit_outer = 22;
	L->scope_bit_context_extension = 26;
	L->scope_bit_type_mask = 0xf;
	L->scope_type_function = f->scope_type_function;
	L->scope_type_module = f->scope_type_module;
	L->ctx_scope_info_idx = cnst(v8, "context_idx_scope_info", 0);
	L->ctx_previous_idx = cnst(v8, "context_idx_prev", 1);
	L->ctx_min_slots = cnst(v8, "context_min_slots", 2);
}

static void resolve_frames(struct v8 *v8, const struct version_facts *f)
{
	struct v8_layout *L = &v8->L;
	L->fp_context = cnst(v8, "off_fp_context", -8);
	L->fp_function = cnst(v8, "off_fp_function", -16);
	L->fp_args = cnst(v8, "off_fp_args", 16);
	L->fp_bytecode_array = cnst(v8, "off_fp_bytecode_array", -32);
	L->fp_bytecode_offset = cnst(v8, "off_fp_bytecode_offset", -40);
	L->fp_argc = f->fp_argc;
	L->argc_has_receiver = 1; /* kJSArgcIncludesReceiver, V8 >= 10.0 */
	L->code_instruction_start = field(v8, "Code", "instruction_start", -1);
	L->code_instruction_size = field(v8, "Code", "instruction_size", -1);
	L->code_flags = field(v8, "Code", "flags", -1);
	L->code_kind_mask = cnst(v8, "CodeKindFieldMask", 0xf);
	L->code_kind_shift = cnst(v8, "CodeKindFieldShift", 0);
	L->code_kind_baseline = cnst(v8, "CodeKindBaseline", -1);
	L->code_kind_interpreted = cnst(v8, "CodeKindInterpretedFunction", -1);
	L->code_inline_instructions = f->code_inline_instructions;
	L->code_source_positions = field(v8, "Code", "source_position_table", f->code_spt);
	L->code_deopt_data = field(v8, "Code", "deoptimization_data", f->code_deopt);
	if (L->code_instruction_start < 0) /* 11.3: code.h, instruction_start after the
					    * position table and the instruction stream */
		L->code_instruction_start = L->code_source_positions + 16;
	if (L->code_flags < 0)
		L->code_flags = L->code_instruction_start + 8;
	if (L->code_instruction_size < 0) /* 11.3 still had builtin_id + kind flags */
		L->code_instruction_size = L->code_flags + 8;
	/* deoptimization-data.h indices; the metadata has them from 11.x on */
	L->deopt_literals_idx = (int)cnst(v8, "DeoptimizationDataLiteralArrayIndex", 2);
	L->deopt_inlining_positions_idx =
	    (int)cnst(v8, "DeoptimizationDataInliningPositionsIndex", 7);
	L->sfi_wrapper_shared = field(v8, "SharedFunctionInfoWrapper", "shared_info", 8);
}

/* The fields without which nothing works; a binary missing one is refused. */
static int check_required(struct v8 *v8)
{
	const struct v8_layout *L = &v8->L;
	const struct {
		int64_t v;
		const char *what;
	} req[] = {
	    {L->map_instance_type, "Map::instance_type"},
	    {L->map_descriptors, "Map::instance_descriptors"},
	    {L->fn_shared, "JSFunction::shared"},
	    {L->sfi_name_or_scope_info, "SharedFunctionInfo::name_or_scope_info"},
	    {L->sfi_script, "SharedFunctionInfo::script"},
	    {L->bytecode_data, "BytecodeArray::data"},
	    {v8->T.map, "MAP_TYPE"},
	    {v8->T.js_function, "JS_FUNCTION_TYPE"},
	    {v8->T.shared_function_info, "SHARED_FUNCTION_INFO_TYPE"},
	    {v8->T.scope_info, "SCOPE_INFO_TYPE"},
	};
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (req[i].v < 0)
			return util_error("V8 %s: the binary's postmortem metadata lacks %s; this "
					  "version is not supported",
					  v8->version, req[i].what);
	return 0;
}

int v8_layout_resolve(struct v8 *v8)
{
	struct v8_layout *L = &v8->L;
	L->tagged_size = (int)cnst(v8, "TaggedSize", 8);
	L->pointer_size = (int)cnst(v8, "SystemPointerSize", 8);
	if (L->tagged_size != 8 || L->pointer_size != 8)
		return util_error("V8 %s: built with %d-byte tagged values (pointer compression); "
				  "only 8-byte tagged values are supported",
				  v8->version, L->tagged_size);
	const struct version_facts *f = facts_for(v8);
	if (!f)
		return util_error("V8 %s is not supported: nodescope reads V8 10.2 (Node.js 18) "
				  "to 14.x (Node.js 26)",
				  v8->version);
	resolve_types(v8);
	if (v8->T.hole < 0 && f->hole_type >= 0 && (size_t)f->hole_type < v8->ntype_names) {
		v8->T.hole = f->hole_type;
		if (!v8->type_names[f->hole_type])
			v8->type_names[f->hole_type] = "HOLE_TYPE";
	}
	resolve_objects(v8, f);
	resolve_strings(v8, f);
	resolve_functions(v8, f);
	resolve_frames(v8, f);
	return check_required(v8);
}
