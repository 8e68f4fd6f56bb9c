/*
 * print.c — ::jsprint's tree printer: the emitters that give the mdb_v8-like
 * human form (4-space indents, trailing commas, [...] beyond the depth) or
 * strict JSON from the same calls, the depth and cycle guards, and the dispatch
 * of a value to the printer of its kind. Primitives (numbers, strings with the
 * -N cut, oddballs) are here too; containers are in print_object.c and the
 * other print_*.c files.
 */
#include "v8/print_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void indent(struct pr *p)
{
	util_buf_addc(p->out, '\n');
	for (int i = 0; i < p->level; i++)
		util_buf_adds(p->out, "    ");
}

void pr_text(struct pr *p, const char *s)
{
	util_buf_adds(p->out, s);
}

void pr_quote(struct pr *p, const char *s, size_t n)
{
	struct util_buf *o = p->out;
	util_buf_reserve(o, n + 2);
	util_buf_addc(o, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			util_buf_addc(o, '\\');
			util_buf_addc(o, (char)c);
		} else if (c == '\n')
			util_buf_adds(o, "\\n");
		else if (c == '\t')
			util_buf_adds(o, "\\t");
		else if (c == '\r')
			util_buf_adds(o, "\\r");
		else if (c < 0x20 || c == 0x7f)
			util_buf_printf(o, "\\u%04x", c);
		else
			util_buf_addc(o, (char)c);
	}
	util_buf_addc(o, '"');
}

void pr_address(struct pr *p, v8_value v)
{
	if (p->o->addresses && !p->o->json && v8_is_heap(v))
		util_buf_printf(p->out, "0x%llx: ", (unsigned long long)v);
}

/* Starts an entry of the open container: the separator of the previous one and
 * the line break and indent of this one. */
static void entry_start(struct pr *p)
{
	int l = p->level - 1;
	if (l < 0)
		return;
	if (p->o->json) {
		if (!p->first[l])
			util_buf_addc(p->out, ',');
	} else {
		if (!p->first[l])
			util_buf_addc(p->out, ',');
		indent(p);
	}
	p->first[l] = 0;
}

void pr_item(struct pr *p)
{
	entry_start(p);
}

void pr_key(struct pr *p, const char *key, int quoted)
{
	entry_start(p);
	if (quoted || p->o->json)
		pr_quote(p, key, strlen(key));
	else
		util_buf_adds(p->out, key);
	util_buf_adds(p->out, p->o->json ? ":" : ": ");
}

void pr_open(struct pr *p, v8_value v, const char *label, const char *type, char bracket)
{
	if (p->o->json) {
		util_buf_addc(p->out, bracket);
	} else {
		pr_address(p, v);
		if (label && *label)
			util_buf_printf(p->out, "%s ", label);
		util_buf_addc(p->out, bracket);
	}
	p->stack[p->level] = v;
	p->first[p->level] = 1;
	p->level++;
	if (p->o->json && bracket == '{') {
		if (type) {
			pr_key(p, "$type", 1);
			pr_quote(p, type, strlen(type));
		}
		if (p->o->addresses && v8_is_heap(v)) {
			pr_key(p, "$address", 1);
			util_buf_printf(p->out, "\"0x%llx\"", (unsigned long long)v);
		}
	}
}

void pr_close(struct pr *p, char bracket)
{
	p->level--;
	if (!p->o->json && !p->first[p->level]) {
		util_buf_addc(p->out, ',');
		indent(p);
	}
	util_buf_addc(p->out, bracket);
}

void pr_leaf(struct pr *p, v8_value v, const char *type, const char *text)
{
	if (!p->o->json) {
		pr_address(p, v);
		util_buf_adds(p->out, text);
		return;
	}
	util_buf_adds(p->out, "{\"$type\":");
	pr_quote(p, type, strlen(type));
	util_buf_adds(p->out, ",\"value\":");
	pr_quote(p, text, strlen(text));
	util_buf_addc(p->out, '}');
}

void pr_unreadable(struct pr *p)
{
	const char *e = util_last_error();
	struct util_buf t = {0};
	util_buf_printf(&t, "<unreadable: %s>", e && *e ? e : "unknown error");
	if (p->o->json)
		pr_quote(p, t.data, t.len);
	else
		util_buf_adds(p->out, t.data);
	util_buf_free(&t);
	util_clear_error();
}

int pr_may_open(struct pr *p, v8_value v, const char *label)
{
	if (p->summary) {
		util_buf_adds(p->out, label && *label ? label : "Object");
		return 0;
	}
	for (int i = 0; i < p->level; i++)
		if (p->stack[i] == v) {
			if (p->o->json)
				util_buf_printf(p->out, "{\"$circular\":\"0x%llx\"}",
						(unsigned long long)v);
			else
				util_buf_printf(p->out, "[Circular 0x%llx]", (unsigned long long)v);
			return 0;
		}
	if (p->level >= p->o->depth || p->level >= PR_MAX_LEVEL - 1) {
		if (p->o->json)
			util_buf_printf(p->out, "{\"$more\":\"0x%llx\"}", (unsigned long long)v);
		else {
			pr_address(p, v);
			util_buf_adds(p->out, "[...]");
		}
		return 0;
	}
	return 1;
}

static void pr_number(struct pr *p, v8_value v)
{
	double d;
	struct util_buf t = {0};
	if (v8_heap_number(p->v8, v, &d) < 0 || v8_describe(p->v8, v, &t) < 0) {
		util_buf_free(&t);
		pr_unreadable(p);
		return;
	}
	/* JSON has no NaN or Infinity: those are quoted there. */
	if (p->o->json && (isnan(d) || isinf(d)))
		pr_quote(p, t.data, t.len);
	else
		util_buf_adds(p->out, t.data);
	util_buf_free(&t);
}

static int64_t utf16_units(const char *s, size_t n)
{
	int64_t units = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xc0) != 0x80)
			units += c >= 0xf0 ? 2 : 1;
	}
	return units;
}

/* Strings print in full up to -N characters (or the cap); a cut one says how
 * much there was. v8_string marks a cut with "..." after max_bytes. */
static void pr_string(struct pr *p, v8_value v)
{
	size_t max = p->o->max_string ? p->o->max_string : V8_PRINT_STRING_CAP;
	int64_t len = -1;
	struct util_buf s = {0};
	util_buf_adds(&s, "");
	if (v8_string_length(p->v8, v, &len) < 0 || v8_string(p->v8, v, &s, max) < 0) {
		util_buf_free(&s);
		pr_unreadable(p);
		return;
	}
	/* v8_string marks a cut with "..."; a string that really ends in "..."
	 * fits in max bytes and has exactly len UTF-16 units */
	int cut = s.len >= 3 && !memcmp(s.data + s.len - 3, "...", 3) &&
		  (s.len > max || utf16_units(s.data, s.len) != len);
	if (cut && !p->o->json)
		s.len -= 3; /* JSON keeps the "..." inside the string */
	if (!p->o->json)
		pr_address(p, v);
	pr_quote(p, s.data, s.len);
	if (cut && !p->o->json)
		util_buf_printf(p->out, "... (cut; %lld characters)", (long long)len);
	util_buf_free(&s);
}

/* undefined, null, true, false and the hole, in the words v8_describe uses. */
static int pr_oddball(struct pr *p, v8_value v)
{
	int kind;
	int hole = v8_is_the_hole(p->v8, v);
	if (!hole && !v8_oddball_kind(p->v8, v, &kind))
		return 0;
	const struct v8_layout *L = v8_layout(p->v8);
	if (p->o->json) {
		util_buf_adds(p->out, hole		     ? "null"
				      : kind == L->odd_true  ? "true"
				      : kind == L->odd_false ? "false"
							     : "null");
		return 1;
	}
	struct util_buf t = {0};
	v8_describe(p->v8, v, &t);
	util_buf_adds(p->out, t.data ? t.data : "?");
	util_buf_free(&t);
	return 1;
}

static void pr_function(struct pr *p, v8_value v)
{
	struct v8_funcinfo fi;
	struct util_buf t = {0};
	util_buf_adds(&t, "function ");
	if (v8_funcinfo(p->v8, v, &fi) == 0) {
		v8_funcinfo_display(&fi, &t);
		v8_funcinfo_free(&fi);
	} else {
		util_clear_error();
		util_buf_adds(&t, "<unknown>");
	}
	pr_leaf(p, v, "function", t.data);
	util_buf_free(&t);
}

/* Heap objects that are not JS values (maps, fixed arrays, code...): what they
 * are, never their insides. */
static void pr_internal(struct pr *p, v8_value v)
{
	struct util_buf t = {0};
	util_buf_adds(&t, "<");
	if (v8_describe(p->v8, v, &t) < 0) {
		util_buf_free(&t);
		pr_unreadable(p);
		return;
	}
	util_buf_adds(&t, ">");
	pr_leaf(p, v, "internal", t.data);
	util_buf_free(&t);
}

static void pr_heap(struct pr *p, v8_value v)
{
	struct v8 *v8 = p->v8;
	const struct v8_types *T = v8_types(v8);
	unsigned type;
	if (v8_type(v8, v, &type) < 0) {
		pr_unreadable(p);
		return;
	}
	if ((int64_t)type < v8_layout(v8)->first_nonstring_type)
		pr_string(p, v);
	else if ((int)type == T->heap_number)
		pr_number(p, v);
	else if (pr_oddball(p, v))
		;
	else if ((int)type == T->symbol)
		pr_symbol(p, v);
	else if ((int)type == p->K->bigint_type)
		pr_bigint(p, v);
	else if (v8_is_js_function(v8, v))
		pr_function(p, v);
	else if (pr_kind(p, v, type) || pr_collection(p, v, type) || pr_buffer(p, v, type))
		;
	else if (v8_is_js_receiver(v8, v))
		pr_object_body(p, v, 1);
	else
		pr_internal(p, v);
}

void pr_value(struct pr *p, v8_value v)
{
	if (p->stopped)
		return;
	if (++p->nodes > PR_MAX_NODES || p->out->len > PR_MAX_BYTES) {
		p->stopped = 1;
		pr_text(p, p->o->json ? "\"<output limit reached>\"" : "<output limit reached>");
		return;
	}
	if (v8_is_smi(v)) {
		util_buf_printf(p->out, "%lld", (long long)v8_smi(v));
		return;
	}
	if (!v8_is_heap(v)) {
		util_buf_printf(p->out, p->o->json ? "\"<weak 0x%llx>\"" : "<weak 0x%llx>",
				(unsigned long long)v);
		return;
	}
	pr_heap(p, v);
}

int v8_value_summary(struct v8 *v8, v8_value v, struct util_buf *out)
{
	struct v8_print_opts o = {.depth = 0, .max_string = 80};
	struct pr p = {.v8 = v8, .o = &o, .K = v8_kinds(v8), .out = out, .summary = 1};
	pr_value(&p, v);
	return 0;
}

int v8_print(struct v8 *v8, v8_value v, const struct v8_print_opts *o, struct util_buf *out)
{
	unsigned type;
	/* a Smi keeps its value in the upper half; anything in the lower half is an
	 * untagged address, not a value */
	if (v8_is_smi(v) && (v & 0xffffffffu))
		return util_error("0x%llx is not a JavaScript value (not a tagged pointer: heap "
				  "objects end in binary 01, small integers in 32 zero bits)",
				  (unsigned long long)v);
	if (!v8_is_smi(v)) {
		if (!v8_is_heap(v))
			return util_error("0x%llx is not a tagged pointer (V8 heap objects end in "
					  "binary 01)",
					  (unsigned long long)v);
		if (v8_type(v8, v, &type) < 0) {
			char why[256];
			snprintf(why, sizeof(why), "%s", util_last_error());
			return util_error("0x%llx is not a JavaScript value: %s",
					  (unsigned long long)v, why);
		}
	}
	struct pr p = {.v8 = v8, .o = o, .K = v8_kinds(v8), .out = out};
	pr_value(&p, v);
	util_buf_addc(out, '\n');
	return 0;
}
