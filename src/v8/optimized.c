/*
 * optimized.c — the logical frames of a physical JS frame. An interpreted frame is
 * one function at the position of its bytecode offset. An optimized frame runs a
 * Code object whose source-position table maps the PC to a SourcePosition that
 * carries an inlining id; the Code's DeoptimizationData lists, per inlining id,
 * the inlined function (in its literal array) and the position of the call in
 * its caller, so one frame expands into every function TurboFan inlined. A
 * baseline (Sparkplug) frame maps its PC to a bytecode offset through the Code's
 * bytecode-offset table, walked bytecode by bytecode with the sizes V8 keeps in
 * the binary (interpreter::Bytecodes::kBytecodeSizes).
 */
#include "v8/v8_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_INLINE_DEPTH 64

/* SourcePosition (source-position.h): bit 0 external, bits 1..30 script offset
 * + 1, bits 31..46 inlining id + 1. */
static int sp_offset(int64_t raw)
{
	return (int)(((uint64_t)raw >> 1 & ((1u << 30) - 1)) - 1);
}
static int sp_inlining(int64_t raw)
{
	return (int)(((uint64_t)raw >> 31 & 0xffff) - 1);
}

/* Instruction range of a Code object. */
static int code_range(struct v8 *v8, v8_value code, uint64_t *start, uint64_t *size)
{
	const struct v8_layout *L = &v8->L;
	uint32_t sz;
	if (L->code_instruction_start < 0 || L->code_instruction_size < 0)
		return -1;
	if (L->code_inline_instructions)
		*start = v8_addr(code) + (uint64_t)L->code_instruction_start;
	else if (v8_field_u64(v8, code, L->code_instruction_start, start) < 0)
		return -1;
	if (v8_field_u32(v8, code, L->code_instruction_size, &sz) < 0)
		return -1;
	*size = sz;
	return 0;
}

/* Whether obj is a heap object of the given type, by reading its map. */
static int is_type_at(struct v8 *v8, uint64_t addr, int type)
{
	return type >= 0 && v8_is_type(v8, addr | 1, type);
}

/* The Code object whose instructions hold pc: walk back from pc to the header of
 * the object that holds them (an InstructionStream since 11.x, a Code before),
 * recognised by its map, and check that its instruction range covers pc. V8
 * aligns the instructions to 32 bytes, so the header starts 16-aligned (11.3's
 * header is 16 bytes); instructions are at most a few MB. */
static int code_for_pc(struct v8 *v8, uint64_t pc, v8_value *code)
{
	int is_type = v8_meta_type(v8, "INSTRUCTION_STREAM_TYPE");
	int64_t header;
	if (v8_meta_field(v8, is_type >= 0 ? "InstructionStream" : "Code", "instruction_start",
			  &header) < 0)
		return -1;
	uint64_t start = (pc & ~(uint64_t)15), limit = 4u << 20;
	for (uint64_t a = start; a + limit > start && a > 0; a -= 16) {
		uint64_t word;
		if (img_read_u64(v8->img, a, &word) < 0) {
			util_clear_error();
			return -1;
		}
		if (!v8_is_heap(word) || !is_type_at(v8, a, is_type >= 0 ? is_type : v8->T.code))
			continue;
		v8_value c = a | 1;
		if (is_type >= 0 && v8_field(v8, c, 8, &c) < 0) /* InstructionStream::code */
			return -1;
		uint64_t s, size;
		if (!v8_is_type(v8, c, v8->T.code) || code_range(v8, c, &s, &size) < 0)
			return -1;
		if (s != a + (uint64_t)header || pc <= s || pc > s + size)
			return -1;
		*code = c;
		return 0;
	}
	return -1;
}

/* Decodes the Code's position table up to pc_offset (same entry format as for
 * bytecode, see function.c), giving the raw SourcePosition. */
static int code_position(struct v8 *v8, v8_value code, int64_t pc_offset, int64_t *raw)
{
	v8_value table;
	int64_t len;
	if (v8_field(v8, code, v8->L.code_source_positions, &table) < 0 ||
	    v8_field_smi(v8, table, v8->L.fixed_length, &len) < 0 || len <= 0 || len > (1 << 24))
		return -1;
	uint8_t *bytes = util_malloc((size_t)len);
	int found = 0;
	if (img_read(v8->img, v8_addr(table) + v8->L.byte_array_data, bytes, (size_t)len) == 0)
		found = v8_position_table_lookup(v8, bytes, (size_t)len, pc_offset, raw);
	free(bytes);
	return found ? 0 : -1;
}

/* An element of a FixedArray-like (weak references have bit 1 set). */
static int array_get(struct v8 *v8, v8_value arr, int64_t i, v8_value *out)
{
	int64_t len;
	if (v8_field_smi(v8, arr, v8->L.fixed_length, &len) < 0 || i < 0 || i >= len)
		return -1;
	if (v8_field(v8, arr, v8->L.fixed_data + i * 8, out) < 0)
		return -1;
	*out &= ~(uint64_t)2;
	return 0;
}

static int as_sfi(struct v8 *v8, v8_value v, v8_value *sfi)
{
	int wrapper = v8_meta_type(v8, "SHARED_FUNCTION_INFO_WRAPPER_TYPE");
	if (wrapper >= 0 && v8_is_type(v8, v, wrapper) &&
	    v8_field(v8, v, v8->L.sfi_wrapper_shared, &v) < 0)
		return -1;
	if (!v8_is_type(v8, v, v8->T.shared_function_info))
		return -1;
	*sfi = v;
	return 0;
}

/* InliningPosition (source-position.h): {SourcePosition position; int
 * inlined_function_id;} = 16 bytes in a ByteArray. */
static int inlining_at(struct v8 *v8, v8_value deopt, int id, int64_t *caller_pos, v8_value *sfi)
{
	v8_value arr, lits, lit;
	int64_t len;
	int64_t pos;
	uint32_t fn_id;
	if (array_get(v8, deopt, v8->L.deopt_inlining_positions_idx, &arr) < 0 ||
	    v8_field_smi(v8, arr, v8->L.fixed_length, &len) < 0 || (int64_t)(id + 1) * 16 > len)
		return -1;
	uint64_t base = v8_addr(arr) + v8->L.byte_array_data + (uint64_t)id * 16;
	if (img_read_u64(v8->img, base, (uint64_t *)&pos) < 0 ||
	    img_read_u32(v8->img, base + 8, &fn_id) < 0)
		return -1;
	if (array_get(v8, deopt, v8->L.deopt_literals_idx, &lits) < 0 ||
	    array_get(v8, lits, fn_id, &lit) < 0 || as_sfi(v8, lit, sfi) < 0)
		return -1;
	*caller_pos = pos;
	return 0;
}

static int expand_optimized(struct v8 *v8, const struct v8_frame *f, struct v8_jsframe *out,
			    int max)
{
	v8_value code, deopt = 0;
	uint64_t start, size;
	int64_t raw;
	if (code_for_pc(v8, f->pc, &code) < 0 || code_range(v8, code, &start, &size) < 0 ||
	    code_position(v8, code, (int64_t)(f->pc - start) - 1, &raw) < 0)
		return 0;
	uint32_t flags;
	int kind = 0;
	if (v8->L.code_flags >= 0 && v8_field_u32(v8, code, v8->L.code_flags, &flags) == 0 &&
	    v8->L.code_kind_baseline >= 0) {
		int64_t k = (flags & v8->L.code_kind_mask) >> v8->L.code_kind_shift;
		kind = k == v8->L.code_kind_baseline + 1   ? 1
		       : k == v8->L.code_kind_baseline + 2 ? 2
							   : 0;
	}
	int n = 0;
	for (int depth = 0; depth < MAX_INLINE_DEPTH && n < max - 1; depth++) {
		int id = sp_inlining(raw);
		if (id < 0)
			break;
		v8_value sfi;
		int64_t caller;
		if (!deopt && v8_field(v8, code, v8->L.code_deopt_data, &deopt) < 0)
			break;
		if (inlining_at(v8, deopt, id, &caller, &sfi) < 0)
			break;
		out[n++] = (struct v8_jsframe){sfi, sp_offset(raw), 1, kind};
		raw = caller;
	}
	out[n++] = (struct v8_jsframe){f->function, sp_offset(raw), 0, kind};
	util_clear_error();
	return n;
}

/* kBytecodeSizes[3][count] (bytecodes.h): sizes at operand scale 1, 2, 4; read
 * once from the binary. The first two bytecodes are the Wide and ExtraWide
 * prefixes, the next two their DebugBreak forms. */
static const uint8_t *bytecode_sizes(struct v8 *v8, size_t *count)
{
	static const char sym[] = "_ZN2v88internal11interpreter9Bytecodes14kBytecodeSizesE";
	if (!v8->bytecode_sizes) {
		uint64_t addr, size;
		if (v8_symbol_find(v8, sym, &addr, &size) < 0 || size < 12 || size % 3 ||
		    size > 3 * 1024)
			return NULL;
		uint8_t *t = util_malloc(size);
		if (img_read(v8->img, addr, t, size) < 0) {
			free(t);
			return NULL;
		}
		v8->bytecode_sizes = t;
		v8->nbytecodes = size / 3;
	}
	*count = v8->nbytecodes;
	return v8->bytecode_sizes;
}

/* Size of the bytecode at bc[off], prefix included; 0 when malformed. */
static size_t bytecode_size(const uint8_t *sizes, size_t count, const uint8_t *bc, size_t len,
			    size_t off)
{
	unsigned b = bc[off];
	if (b >= count)
		return 0;
	if (b < 4) { /* Wide, ExtraWide, DebugBreakWide, DebugBreakExtraWide */
		int scale = (b == 0 || b == 2) ? 1 : 2;
		if (off + 1 >= len || bc[off + 1] >= count)
			return 0;
		return 1 + sizes[(size_t)scale * count + bc[off + 1]];
	}
	return sizes[b];
}

static uint64_t vlq_unsigned(const uint8_t *p, size_t n, size_t *i, int *ok)
{
	uint64_t v = 0;
	int shift = 0;
	uint8_t c;
	do {
		if (*i >= n || shift > 63) {
			*ok = 0;
			return 0;
		}
		c = p[(*i)++];
		v |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	return v;
}

/* baseline/bytecode-offset-iterator.cc: the table holds, per bytecode in order,
 * the length of its machine code (a VLQ); the first entry is the prologue. */
static int64_t baseline_bytecode_offset(struct v8 *v8, v8_value code, uint64_t pc_offset,
					v8_value bytecode)
{
	size_t count, n_bc = 0, n_tab = 0;
	const uint8_t *sizes = bytecode_sizes(v8, &count);
	v8_value table;
	int64_t tlen, blen;
	if (!sizes || v8_field(v8, code, v8->L.code_source_positions, &table) < 0 ||
	    v8_field_smi(v8, table, v8->L.fixed_length, &tlen) < 0 || tlen <= 0 ||
	    tlen > (1 << 22) || v8_field_smi(v8, bytecode, v8->L.bytecode_length, &blen) < 0 ||
	    blen <= 0 || blen > (1 << 22))
		return -1;
	n_tab = (size_t)tlen;
	n_bc = (size_t)blen;
	uint8_t *tab = util_malloc(n_tab), *bc = util_malloc(n_bc);
	int64_t result = -1;
	if (img_read(v8->img, v8_addr(table) + v8->L.byte_array_data, tab, n_tab) == 0 &&
	    img_read(v8->img, v8_addr(bytecode) + v8->L.bytecode_data, bc, n_bc) == 0) {
		size_t ti = 0, off = 0;
		int ok = 1;
		uint64_t end = vlq_unsigned(tab, n_tab, &ti, &ok);
		int64_t current = -1; /* kFunctionEntryBytecodeOffset */
		while (ok && end < pc_offset && off < n_bc) {
			size_t sz = bytecode_size(sizes, count, bc, n_bc, off);
			if (!sz)
				break;
			end += vlq_unsigned(tab, n_tab, &ti, &ok);
			current = (int64_t)off;
			off += sz;
		}
		if (ok && end >= pc_offset)
			result = current;
	}
	free(tab);
	free(bc);
	return result;
}

static int baseline_position(struct v8 *v8, const struct v8_frame *f, int *pos)
{
	v8_value code;
	uint64_t start, size;
	if (!f->bytecode || code_for_pc(v8, f->pc, &code) < 0 ||
	    code_range(v8, code, &start, &size) < 0)
		return 0;
	int64_t off = baseline_bytecode_offset(v8, code, f->pc - start, f->bytecode);
	return off >= 0 && v8_bytecode_position(v8, f->bytecode, off, pos) > 0;
}

int v8_frame_expand(struct v8 *v8, const struct v8_frame *f, struct v8_jsframe *out, int max)
{
	if (max < 1 || !f->function)
		return 0;
	if (f->kind == V8_FRAME_OPTIMIZED || f->kind == V8_FRAME_MAGLEV) {
		int n = expand_optimized(v8, f, out, max);
		if (n > 0)
			return n;
	}
	out[0] = (struct v8_jsframe){f->function, -1, 0, 0};
	int pos;
	if (f->bytecode && f->bytecode_offset >= 0 &&
	    v8_bytecode_position(v8, f->bytecode, f->bytecode_offset, &pos) > 0)
		out[0].position = pos;
	else if (f->kind == V8_FRAME_BASELINE && baseline_position(v8, f, &pos))
		out[0].position = pos;
	util_clear_error();
	return 1;
}
