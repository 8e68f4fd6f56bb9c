/*
 * describe.c — a short one-line description of any value, as ::jsstack -v and
 * ::jsprint print leaves: "123", "1.5", "undefined", "\"text\"",
 * "0x... (JSObject: Foo)", "0x... (JSFunction: foo)", "0x... (JSArray, length 3)".
 */
#include "v8/v8_int.h"
#include "v8/inspect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DESCRIBE_STRING_MAX 80

static void describe_number(double d, struct util_buf *out)
{
	char tmp[64];
	if (isnan(d)) {
		util_buf_adds(out, "NaN");
		return;
	}
	if (isinf(d)) {
		util_buf_adds(out, d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.15g", d);
	double back;
	if (sscanf(tmp, "%lf", &back) != 1 || back != d)
		snprintf(tmp, sizeof(tmp), "%.17g", d);
	util_buf_adds(out, tmp);
}

static void describe_string(struct v8 *v8, v8_value s, struct util_buf *out)
{
	struct util_buf raw = {0};
	if (v8_string(v8, s, &raw, DESCRIBE_STRING_MAX) < 0) {
		util_buf_printf(out, "0x%llx (string: unreadable)", (unsigned long long)s);
		util_clear_error();
		util_buf_free(&raw);
		return;
	}
	util_buf_addc(out, '"');
	for (size_t i = 0; i < raw.len; i++) {
		char c = raw.data[i];
		if (c == '"' || c == '\\')
			util_buf_printf(out, "\\%c", c);
		else if (c == '\n')
			util_buf_adds(out, "\\n");
		else if ((unsigned char)c < 0x20)
			util_buf_printf(out, "\\x%02x", (unsigned char)c);
		else
			util_buf_addc(out, c);
	}
	util_buf_addc(out, '"');
	util_buf_free(&raw);
}

static int describe_oddball(struct v8 *v8, v8_value v, struct util_buf *out)
{
	int kind;
	if (v8_is_the_hole(v8, v)) {
		util_buf_adds(out, "<the hole>");
		return 1;
	}
	if (!v8_oddball_kind(v8, v, &kind))
		return 0;
	const struct v8_layout *L = &v8->L;
	const char *s = kind == L->odd_undefined ? "undefined"
			: kind == L->odd_null	 ? "null"
			: kind == L->odd_true	 ? "true"
			: kind == L->odd_false	 ? "false"
						 : NULL;
	if (s)
		util_buf_adds(out, s);
	else
		util_buf_printf(out, "0x%llx (Oddball: kind %d)", (unsigned long long)v, kind);
	return 1;
}

static void describe_object(struct v8 *v8, v8_value v, unsigned type, struct util_buf *out)
{
	util_buf_printf(out, "0x%llx (", (unsigned long long)v);
	if (v8_is_js_function(v8, v)) {
		struct v8_funcinfo fi;
		util_buf_adds(out, "JSFunction: ");
		if (v8_funcinfo(v8, v, &fi) == 0) {
			v8_funcinfo_display(&fi, out);
			v8_funcinfo_free(&fi);
		} else {
			util_clear_error();
			util_buf_adds(out, "?");
		}
	} else if ((int)type == v8->T.js_array) {
		int64_t len;
		if (v8_array_length(v8, v, &len) == 0)
			util_buf_printf(out, "JSArray, length %lld", (long long)len);
		else {
			util_clear_error();
			util_buf_adds(out, "JSArray");
		}
	} else {
		const char *kind = (int)type == v8->T.js_error		 ? "JSError"
				   : (int)type == v8->T.js_global_proxy	 ? "JSGlobalProxy"
				   : (int)type == v8->T.js_global_object ? "JSGlobalObject"
									 : "JSObject";
		util_buf_printf(out, "%s: ", kind);
		v8_value_summary(v8, v, out); /* as ::jsprint shows it (inspect.h) */
	}
	util_buf_addc(out, ')');
}

int v8_describe(struct v8 *v8, v8_value v, struct util_buf *out)
{
	if (v8_is_smi(v)) {
		util_buf_printf(out, "%lld", (long long)v8_smi(v));
		return 0;
	}
	if (!v8_is_heap(v)) {
		util_buf_printf(out, "0x%llx (weak or cleared reference)", (unsigned long long)v);
		return 0;
	}
	unsigned type;
	if (v8_type(v8, v, &type) < 0)
		return -1;
	double d;
	if ((int64_t)type < v8->L.first_nonstring_type)
		describe_string(v8, v, out);
	else if ((int)type == v8->T.heap_number && v8_heap_number(v8, v, &d) == 0)
		describe_number(d, out);
	else if (describe_oddball(v8, v, out))
		;
	else if ((int)type >= v8->T.first_js_receiver)
		describe_object(v8, v, type, out);
	else if ((int)type == v8->T.symbol) {
		util_buf_printf(out, "0x%llx (", (unsigned long long)v);
		v8_name(v8, v, out);
		util_buf_addc(out, ')');
	} else {
		const char *tn = v8_type_name(v8, type);
		util_buf_printf(out, "0x%llx (%s)", (unsigned long long)v,
				tn ? tn : "unknown type");
	}
	return 0;
}
