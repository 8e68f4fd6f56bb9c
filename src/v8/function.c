/*
 * function.c — functions: the SharedFunctionInfo's name (a String, or the
 * function-name slot of its ScopeInfo), the name V8 inferred for anonymous
 * functions, the script and definition positions, the formal parameter count,
 * the bytecode, and the source-position table that maps a bytecode offset to
 * the character offset being executed; then lines and columns in the script.
 */
#include "v8/v8_int.h"

#include <stdlib.h>
#include <string.h>

#define SCRIPT_SOURCE_MAX (64u << 20)

static int sfi_of(struct v8 *v8, v8_value v, v8_value *sfi)
{
	if (v8_is_js_function(v8, v)) {
		if (v8_field(v8, v, v8->L.fn_shared, &v) < 0)
			return -1;
	}
	if (!v8_is_type(v8, v, v8->T.shared_function_info))
		return util_error("0x%llx is not a function", (unsigned long long)v);
	*sfi = v;
	return 0;
}

static int slot(struct v8 *v8, v8_value obj, int i, v8_value *out)
{
	return v8_field(v8, obj, 8 + (int64_t)i * 8, out);
}

/* What a ScopeInfo says about its function. */
struct scope_facts {
	v8_value name, inferred;
	int start, end;
};

static int scope_flags(struct v8 *v8, v8_value si, uint32_t *flags)
{
	if (v8->L.scope_flags_raw_u32)
		return v8_field_u32(v8, si, 8, flags);
	v8_value f;
	if (slot(v8, si, 0, &f) < 0 || !v8_is_smi(f))
		return util_error("ScopeInfo 0x%llx: corrupt flags", (unsigned long long)si);
	*flags = (uint32_t)v8_smi(f);
	return 0;
}

static int is_name_or_zero(struct v8 *v8, v8_value v)
{
	return v == 0 || v8_is_string(v8, v);
}

/* Follows scope-info.tq field by field (see layout.c for the per-version facts). */
static int scope_parse(struct v8 *v8, v8_value si, struct scope_facts *sf)
{
	const struct v8_layout *L = &v8->L;
	uint32_t flags;
	v8_value v;
	sf->name = sf->inferred = 0;
	sf->start = sf->end = -1;
	if (scope_flags(v8, si, &flags) < 0 || slot(v8, si, 2, &v) < 0 || !v8_is_smi(v))
		return -1;
	int64_t nlocals = v8_smi(v);
	if (nlocals < 0 || nlocals > 1 << 20)
		return util_error("ScopeInfo 0x%llx: corrupt local count", (unsigned long long)si);
	if (L->scope_fixed_positions) {
		v8_value s, e;
		if (slot(v8, si, 3, &s) == 0 && slot(v8, si, 4, &e) == 0 && v8_is_smi(s) &&
		    v8_is_smi(e)) {
			sf->start = (int)v8_smi(s);
			sf->end = (int)v8_smi(e);
		}
	}
	int type = (int)(flags & (uint32_t)L->scope_bit_type_mask);
	if (type == L->scope_type_module)
		return 0; /* module scopes have no function name */
	int64_t i = L->scope_first_var;
	i += nlocals < L->scope_inlined_names_max ? nlocals : 1; /* names or their hashtable */
	i += nlocals;						 /* infos */
	if (flags >> L->scope_bit_saved_class & 1)
		i++;
	if (flags >> L->scope_bit_function_var & 3) {
		if (slot(v8, si, (int)i, &v) < 0)
			return -1;
		if (!is_name_or_zero(v8, v))
			return util_error("ScopeInfo 0x%llx: unexpected layout",
					  (unsigned long long)si);
		sf->name = v;
		i += 2;
	}
	if (flags >> L->scope_bit_inferred_name & 1) {
		if (slot(v8, si, (int)i, &v) < 0)
			return -1;
		if (v8_is_string(v8, v))
			sf->inferred = v;
		else if (!v8_is_undefined(v8, v))
			return util_error("ScopeInfo 0x%llx: unexpected layout",
					  (unsigned long long)si);
		i++;
	}
	if (!L->scope_fixed_positions) {
		v8_value s, e;
		if (slot(v8, si, (int)i, &s) == 0 && slot(v8, si, (int)i + 1, &e) == 0 &&
		    v8_is_smi(s) && v8_is_smi(e) && v8_smi(s) >= 0 && v8_smi(s) <= v8_smi(e)) {
			sf->start = (int)v8_smi(s);
			sf->end = (int)v8_smi(e);
		}
	}
	return 0;
}

static int is_uncompiled(struct v8 *v8, v8_value v)
{
	unsigned t;
	if (!v8_is_heap(v) || v8_type(v8, v, &t) < 0) {
		util_clear_error();
		return 0;
	}
	return v8->T.uncompiled_first >= 0 && (int)t >= v8->T.uncompiled_first &&
	       (int)t <= v8->T.uncompiled_last;
}

/* The function-data slots of an SFI: one before V8 13, trusted + untrusted after. */
static int function_data(struct v8 *v8, v8_value sfi, v8_value out[2])
{
	out[1] = 0;
	if (v8_field(v8, sfi, v8->L.sfi_function_data, &out[0]) < 0)
		return -1;
	if (v8->L.sfi_name_or_scope_info - v8->L.sfi_function_data >= 16 &&
	    v8_field(v8, sfi, v8->L.sfi_function_data + 8, &out[1]) < 0)
		return -1;
	return 0;
}

static char *dup_str(struct v8 *v8, v8_value s)
{
	if (!s || !v8_is_string(v8, s))
		return util_strdup("");
	char *r = v8_string_dup(v8, s);
	if (!r) {
		util_clear_error();
		return util_strdup("");
	}
	return r;
}

static void fill_script(struct v8 *v8, v8_value sfi, struct v8_funcinfo *info)
{
	v8_value script, name;
	info->script = 0;
	if (v8_field(v8, sfi, v8->L.sfi_script, &script) == 0 &&
	    v8_is_type(v8, script, v8->T.script)) {
		info->script = script;
		if (v8_field(v8, script, v8->L.script_name, &name) == 0) {
			free(info->script_name);
			info->script_name = dup_str(v8, name);
		}
	}
	util_clear_error();
}

int v8_funcinfo(struct v8 *v8, v8_value fn_or_sfi, struct v8_funcinfo *info)
{
	v8_value sfi, nos, fd[2];
	memset(info, 0, sizeof(*info));
	info->start_pos = info->end_pos = info->formal_params = -1;
	if (sfi_of(v8, fn_or_sfi, &sfi) < 0 ||
	    v8_field(v8, sfi, v8->L.sfi_name_or_scope_info, &nos) < 0)
		return -1;
	info->shared = sfi;
	v8_value name = 0, inferred = 0;
	if (v8_is_type(v8, nos, v8->T.scope_info)) {
		struct scope_facts sf;
		if (scope_parse(v8, nos, &sf) == 0) {
			name = sf.name;
			inferred = sf.inferred;
			info->start_pos = sf.start;
			info->end_pos = sf.end;
		}
		util_clear_error();
	} else if (v8_is_string(v8, nos)) {
		name = nos;
	}
	if (function_data(v8, sfi, fd) == 0) {
		for (int i = 0; i < 2; i++) {
			if (!is_uncompiled(v8, fd[i]))
				continue;
			v8_value inf;
			int64_t s, e;
			if (!inferred &&
			    v8_field(v8, fd[i], v8->L.uncompiled_inferred_name, &inf) == 0 &&
			    v8_is_string(v8, inf))
				inferred = inf;
			uint32_t su, eu;
			if (v8_field_u32(v8, fd[i], v8->L.uncompiled_start, &su) == 0 &&
			    v8_field_u32(v8, fd[i], v8->L.uncompiled_end, &eu) == 0) {
				s = (int32_t)su;
				e = (int32_t)eu;
				if (s >= 0 && s <= e) {
					info->start_pos = (int)s;
					info->end_pos = (int)e;
				}
			}
		}
	}
	util_clear_error();
	info->name = dup_str(v8, name);
	info->inferred = dup_str(v8, inferred);
	info->script_name = util_strdup("");
	fill_script(v8, sfi, info);
	uint16_t pc;
	if (v8->L.sfi_formal_param_count >= 0 &&
	    v8_field_u16(v8, sfi, v8->L.sfi_formal_param_count, &pc) == 0 && pc != 0xffff) {
		int n = pc - (v8->L.sfi_param_count_has_receiver ? 1 : 0);
		info->formal_params = n < 0 ? 0 : n;
	}
	uint32_t flags;
	if (v8->L.sfi_flags >= 0 && v8_field_u32(v8, sfi, v8->L.sfi_flags, &flags) == 0)
		info->is_native = (flags >> 5) & 1; /* SharedFunctionInfoFlags::is_native */
	util_clear_error();
	return 0;
}

void v8_funcinfo_free(struct v8_funcinfo *info)
{
	free(info->name);
	free(info->inferred);
	free(info->script_name);
	info->name = info->inferred = info->script_name = NULL;
}

void v8_funcinfo_display(const struct v8_funcinfo *info, struct util_buf *out)
{
	if (info->name && info->name[0]) {
		util_buf_adds(out, info->name);
		return;
	}
	util_buf_adds(out, "<anonymous>");
	if (info->inferred && info->inferred[0])
		util_buf_printf(out, " (as %s)", info->inferred);
}

/* Bytecode. */

int v8_function_bytecode(struct v8 *v8, v8_value fn_or_sfi, v8_value *bytecode)
{
	v8_value sfi, fd[2];
	if (sfi_of(v8, fn_or_sfi, &sfi) < 0 || function_data(v8, sfi, fd) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		v8_value v = fd[i];
		if (v && v8_is_type(v8, v, v8->T.interpreter_data) &&
		    v8_field(v8, v, v8->L.interpreter_data_bytecode, &v) < 0)
			return -1;
		if (v && v8_is_type(v8, v, v8->T.bytecode_array)) {
			*bytecode = v;
			return 0;
		}
	}
	return util_error("function has no bytecode");
}

static uint64_t decode_vlq(const uint8_t *p, size_t n, size_t *i, int *ok)
{
	uint64_t val = 0;
	int shift = 0;
	uint8_t c;
	do {
		if (*i >= n || shift > 63) {
			*ok = 0;
			return 0;
		}
		c = p[(*i)++];
		val |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	return val;
}

static int64_t zigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* One entry: the code-offset delta and the position delta (see layout.c). */
static int spt_entry(const struct v8 *v8, const uint8_t *p, size_t n, size_t *i, int64_t *dc,
		     int64_t *dp)
{
	int ok = 1;
	uint64_t u = decode_vlq(p, n, i, &ok);
	if (v8->L.spt_encoding == 2) {
		*dc = (int64_t)(u >> 2);
		*dp = (u & 2) ? zigzag(decode_vlq(p, n, i, &ok)) : 0;
	} else {
		int64_t c = zigzag(u);
		*dc = c >= 0 ? c : -(c + 1);
		*dp = zigzag(decode_vlq(p, n, i, &ok));
	}
	return ok;
}

/* source-position-table.cc: entries of deltas from the previous entry, which
 * starts at code offset -1 (kFunctionEntryBytecodeOffset) and position 0; the
 * raw SourcePosition of the last entry at or before offset. A position is a
 * SourcePosition: the script offset + 1 in bits 1..30. */
int v8_position_table_lookup(struct v8 *v8, const uint8_t *bytes, size_t len, int64_t offset,
			     int64_t *raw)
{
	int64_t code = -1, spos = 0, dc, dp;
	int found = 0;
	size_t i = 0;
	while (i < len && spt_entry(v8, bytes, len, &i, &dc, &dp)) {
		code += dc;
		spos += dp;
		if (code > offset)
			break;
		*raw = spos;
		found = 1;
	}
	return found;
}

int v8_bytecode_position(struct v8 *v8, v8_value bytecode, int64_t bc_offset, int *pos)
{
	v8_value table;
	int64_t len, raw;
	if (v8_field(v8, bytecode, v8->L.bytecode_source_positions, &table) < 0)
		return -1;
	if (!v8_is_type(v8, table, v8->T.byte_array) &&
	    !v8_is_type(v8, table, v8->T.trusted_byte_array))
		return 0; /* not collected (V8 collects source positions lazily) */
	if (v8_field_smi(v8, table, v8->L.fixed_length, &len) < 0)
		return -1;
	if (len <= 0)
		return 0;
	if (len > (1 << 24))
		return util_error("source position table 0x%llx is too large",
				  (unsigned long long)table);
	uint8_t *bytes = util_malloc((size_t)len);
	if (img_read(v8->img, v8_addr(table) + v8->L.byte_array_data, bytes, (size_t)len) < 0) {
		free(bytes);
		return -1;
	}
	int found = v8_position_table_lookup(v8, bytes, (size_t)len, bc_offset, &raw);
	free(bytes);
	if (!found)
		return 0;
	*pos = (int)(((uint64_t)raw >> 1 & ((1u << 30) - 1)) - 1);
	return *pos >= 0 ? 1 : 0;
}

/* Scripts. Positions count UTF-16 code units; the source is read as UTF-8. */

/* The script's source as UTF-8, kept for the next call (frames of one script
 * come together). The returned buffer belongs to v8. */
static const struct util_buf *script_source(struct v8 *v8, v8_value script)
{
	v8_value s;
	if (v8->src_script == script && v8->src.data)
		return &v8->src;
	v8->src_script = 0;
	util_buf_reset(&v8->src);
	util_buf_adds(&v8->src, "");
	if (v8_field(v8, script, v8->L.script_source, &s) < 0)
		return NULL;
	if (!v8_is_string(v8, s)) {
		util_error("the script's source is not available");
		return NULL;
	}
	if (v8_string(v8, s, &v8->src, SCRIPT_SOURCE_MAX) < 0)
		return NULL;
	v8->src_script = script;
	return &v8->src;
}

static size_t utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

int v8_script_line_col(struct v8 *v8, v8_value script, int pos, int *line, int *col)
{
	if (pos < 0)
		return util_error("no position");
	const struct util_buf *src = script_source(v8, script);
	if (!src)
		return -1;
	int l = 1, c = 1;
	int64_t units = 0;
	for (size_t i = 0; i < src->len && units < pos;) {
		size_t n = utf8_len((unsigned char)src->data[i]);
		if (src->data[i] == '\n') {
			l++;
			c = 1;
		} else {
			c += n == 4 ? 2 : 1;
		}
		units += n == 4 ? 2 : 1;
		i += n;
	}
	*line = l;
	*col = c;
	return 0;
}

int v8_script_lines(struct v8 *v8, v8_value script, int first, int last, int mark,
		    struct util_buf *out)
{
	const struct util_buf *src = script_source(v8, script);
	if (!src)
		return -1;
	int line = 1;
	const char *p = src->data ? src->data : "";
	const char *end = p + src->len;
	while (p < end && line <= last) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (line >= first)
			util_buf_printf(out, "%s %5d  %.*s\n", line == mark ? "->" : "  ", line,
					(int)(le - p), p);
		p = nl ? nl + 1 : end;
		line++;
	}
	return 0;
}
