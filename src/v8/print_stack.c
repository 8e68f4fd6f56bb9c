/*
 * print_stack.c — an Error's stack that was never formatted (nobody read
 * err.stack before the core was taken): V8 keeps the captured frames under the
 * private error_stack_symbol, as CallSiteInfo structs or (14.x) a flat array.
 * Each frame prints as "name (file:line:col)", the line from the function's
 * bytecode offset through its source-position table, else the line where the
 * function starts. Marked as not formatted: it is rebuilt, not V8's text.
 */
#include "v8/print_int.h"

#include <stdio.h>

#define STACK_MAX_FRAMES 200

/* Function and code offset of frame i; 0 when there is no such frame. */
static int frame_at(struct pr *p, v8_value frames, int64_t n, int64_t i, v8_value *fn,
		    v8_value *offset)
{
	const struct v8_kinds *K = p->K;
	if (K->stack_flat) {
		int64_t base = i * K->frame_stride;
		if (base + K->frame_stride > n)
			return 0;
		return v8_fixed_get(p->v8, frames, base + K->frame_function, fn) == 0 &&
		       v8_fixed_get(p->v8, frames, base + K->frame_code_offset, offset) == 0;
	}
	v8_value info;
	if (i >= n || v8_fixed_get(p->v8, frames, i, &info) < 0 ||
	    !v8_is_type(p->v8, info, v8_meta_type(p->v8, "CALL_SITE_INFO_TYPE")))
		return 0;
	return v8_field(p->v8, info, K->callsite_function, fn) == 0 &&
	       v8_field(p->v8, info, K->callsite_code_offset, offset) == 0;
}

static void frame_text(struct pr *p, v8_value fn, v8_value offset, struct util_buf *t)
{
	struct v8_funcinfo fi;
	if (!v8_is_js_function(p->v8, fn) || v8_funcinfo(p->v8, fn, &fi) < 0) {
		util_clear_error();
		util_buf_adds(t, "<not a JS function>");
		return;
	}
	v8_funcinfo_display(&fi, t);
	v8_value bytecode;
	int pos = -1, line, col;
	if (v8_is_smi(offset) && v8_function_bytecode(p->v8, fn, &bytecode) == 0 &&
	    v8_bytecode_position(p->v8, bytecode, v8_smi(offset), &pos) <= 0)
		pos = -1;
	util_clear_error();
	const char *file = fi.script_name[0] ? fi.script_name : "<builtin>";
	if (pos >= 0 && v8_script_line_col(p->v8, fi.script, pos, &line, &col) == 0)
		util_buf_printf(t, " (%s:%d:%d)", file, line, col);
	else if (fi.start_pos >= 0 && fi.script &&
		 v8_script_line_col(p->v8, fi.script, fi.start_pos, &line, &col) == 0)
		util_buf_printf(t, " (%s:%d, function start)", file, line);
	else
		util_buf_printf(t, " (%s)", file);
	util_clear_error();
	v8_funcinfo_free(&fi);
}

int pr_unformatted_stack(struct pr *p, v8_value frames)
{
	int64_t n;
	if (p->K->callsite_function < 0 && !p->K->stack_flat)
		return 0;
	if (!v8_is_type(p->v8, frames, v8_types(p->v8)->fixed_array) ||
	    v8_fixed_length(p->v8, frames, &n) < 0) {
		util_clear_error();
		return 0;
	}
	if (!pr_may_open(p, frames, "<stack not formatted>"))
		return 1;
	pr_open(p, frames, "<stack not formatted>", NULL, '[');
	for (int64_t i = 0; i < STACK_MAX_FRAMES && !p->stopped; i++) {
		v8_value fn, offset;
		if (!frame_at(p, frames, n, i, &fn, &offset))
			break;
		struct util_buf t = {0};
		util_buf_adds(&t, "");
		frame_text(p, fn, offset, &t);
		pr_item(p);
		pr_quote(p, t.data, t.len);
		util_buf_free(&t);
	}
	util_clear_error();
	pr_close(p, ']');
	return 1;
}
