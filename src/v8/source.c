/*
 * source.c — where functions come from and what they say: ::jsfunction (name,
 * file and line of the definition; for bound functions the target, this and
 * the bound arguments) and ::jssource (the function's lines from its script,
 * numbered). Built on the base layer's v8_funcinfo and script helpers.
 */
#include "v8/inspect.h"

#include <stdlib.h>

#define SOURCE_MAX_LINES 100000

static void describe(struct v8 *v8, v8_value v, struct util_buf *out)
{
	if (v8_describe(v8, v, out) < 0) {
		util_buf_printf(out, "0x%llx (%s)", (unsigned long long)v, util_last_error());
		util_clear_error();
	}
}

void v8_function_where(struct v8 *v8, const struct v8_funcinfo *fi, struct util_buf *out)
{
	int line, col;
	const char *file = fi->script_name && fi->script_name[0] ? fi->script_name
			   : fi->script				 ? "<unknown>"
								 : "<builtin>";
	if (fi->script && fi->start_pos >= 0 &&
	    v8_script_line_col(v8, fi->script, fi->start_pos, &line, &col) == 0)
		util_buf_printf(out, "%s:%d", file, line);
	else
		util_buf_adds(out, file);
	util_clear_error();
}

static int bound_text(struct v8 *v8, v8_value fn, struct util_buf *out)
{
	const struct v8_kinds *K = v8_kinds(v8);
	v8_value target, self, args;
	int64_t n;
	if (v8_field(v8, fn, K->bound_target, &target) < 0 ||
	    v8_field(v8, fn, K->bound_this, &self) < 0 ||
	    v8_field(v8, fn, K->bound_args, &args) < 0 || v8_fixed_length(v8, args, &n) < 0)
		return -1;
	util_buf_adds(out, "bound function\n    target: ");
	describe(v8, target, out);
	util_buf_adds(out, "\n    this: ");
	describe(v8, self, out);
	for (int64_t i = 0; i < n && i < 1024; i++) {
		v8_value a;
		util_buf_printf(out, "\n    arg%lld: ", (long long)i);
		if (v8_fixed_get(v8, args, i, &a) < 0)
			return -1;
		describe(v8, a, out);
	}
	util_buf_addc(out, '\n');
	return 0;
}

int v8_function_text(struct v8 *v8, v8_value fn, struct util_buf *out)
{
	if (v8_is_type(v8, fn, v8_types(v8)->js_bound_function))
		return bound_text(v8, fn, out);
	struct v8_funcinfo fi;
	if (!v8_is_js_function(v8, fn))
		return util_error("0x%llx is not a JavaScript function", (unsigned long long)fn);
	if (v8_funcinfo(v8, fn, &fi) < 0)
		return -1;
	util_buf_adds(out, "function ");
	v8_funcinfo_display(&fi, out);
	util_buf_adds(out, "\n    defined at ");
	v8_function_where(v8, &fi, out);
	util_buf_printf(out, "\n    shared function info 0x%llx", (unsigned long long)fi.shared);
	if (fi.formal_params >= 0)
		util_buf_printf(out, ", %d parameter%s", fi.formal_params,
				fi.formal_params == 1 ? "" : "s");
	util_buf_addc(out, '\n');
	v8_funcinfo_free(&fi);
	return 0;
}

/* The bound target, followed until a plain function (bounded). */
static v8_value unbind(struct v8 *v8, v8_value fn)
{
	for (int i = 0; i < 16 && v8_is_type(v8, fn, v8_types(v8)->js_bound_function); i++)
		if (v8_field(v8, fn, v8_kinds(v8)->bound_target, &fn) < 0)
			break;
	return fn;
}

int v8_source_text(struct v8 *v8, v8_value fn, int context_lines, struct util_buf *out)
{
	struct v8_funcinfo fi;
	int first, last, col;
	fn = unbind(v8, fn);
	if (!v8_is_js_function(v8, fn))
		return util_error("0x%llx is not a JavaScript function", (unsigned long long)fn);
	if (v8_funcinfo(v8, fn, &fi) < 0)
		return -1;
	int rc = 0;
	if (!fi.script || fi.start_pos < 0 || fi.end_pos < fi.start_pos)
		rc = util_error("function has no source position (builtin or native code)");
	else if (v8_script_line_col(v8, fi.script, fi.start_pos, &first, &col) < 0 ||
		 v8_script_line_col(v8, fi.script, fi.end_pos, &last, &col) < 0)
		rc = util_error("the source of %s is not in the core", fi.script_name);
	if (rc == 0) {
		first = first - context_lines < 1 ? 1 : first - context_lines;
		last += context_lines;
		if (last - first > SOURCE_MAX_LINES)
			last = first + SOURCE_MAX_LINES;
		util_buf_printf(out, "file: %s\n",
				fi.script_name[0] ? fi.script_name : "<unknown>");
		rc = v8_script_lines(v8, fi.script, first, last, -1, out);
	}
	v8_funcinfo_free(&fi);
	return rc;
}
