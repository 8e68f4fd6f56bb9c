/*
 * strings.c — names: the string table (and strings added for class names),
 * how DevTools spells nodes and edges, JSON escaping for --json output, and the
 * WeakMap ephemeron edge-name pattern that several DevTools rules depend on.
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

uint32_t snap_add_string(struct snapshot *s, const char *p, size_t n)
{
	if (s->strs_len + n + 1 > s->strs_cap) {
		s->strs_cap = (s->strs_len + n + 1) * 2;
		s->strs = util_realloc(s->strs, s->strs_cap);
	}
	if (s->str_count + 2 > s->str_cap) {
		s->str_cap = s->str_cap ? s->str_cap * 2 : 16;
		s->str_off = util_realloc(s->str_off, (size_t)s->str_cap * sizeof(uint64_t));
	}
	memcpy(s->strs + s->strs_len, p, n);
	s->strs[s->strs_len + n] = 0;
	s->str_off[s->str_count] = s->strs_len;
	s->strs_len += n + 1;
	s->str_off[++s->str_count] = s->strs_len;
	return s->str_count - 1;
}

static void escape_to(struct util_buf *b, const char *p)
{
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			util_buf_addc(b, '\\');
			util_buf_addc(b, (char)c);
		} else if (c < 0x20) {
			const char *named = c == '\n'	? "\\n"
					    : c == '\t' ? "\\t"
					    : c == '\r' ? "\\r"
					    : c == '\b' ? "\\b"
					    : c == '\f' ? "\\f"
							: NULL;
			if (named)
				util_buf_adds(b, named);
			else
				util_buf_printf(b, "\\u%04x", c);
		} else {
			util_buf_addc(b, (char)c);
		}
	}
}

void snap_json_escape(FILE *out, const char *p)
{
	struct util_buf b = {0};
	escape_to(&b, p);
	if (b.len)
		fwrite(b.data, 1, b.len, out);
	util_buf_free(&b);
}

const char *snap_node_type(const struct snapshot *s, uint32_t n)
{
	return s->node_types[s->n_type[n]];
}

const char *snap_edge_type(const struct snapshot *s, uint64_t e)
{
	return s->edge_types[s->e_type[e]];
}

static int numeric_name(const struct snapshot *s, uint64_t e)
{
	int t = s->e_type[e];
	return t == s->et_element || t == s->et_hidden;
}

char *snap_edge_label(const struct snapshot *s, uint64_t e)
{
	int t = s->e_type[e];
	if (numeric_name(s, e))
		return t == s->et_element ? util_asprintf("[%u]", s->e_name[e])
					  : util_asprintf("{%u}", s->e_name[e]);
	const char *name = snap_str(s, s->e_name[e]);
	if (t == s->et_context)
		return util_asprintf("->%s", name);
	if (t == s->et_weak)
		return util_asprintf("[[%s]]", name);
	if (t == s->et_property || t == s->et_shortcut)
		return strchr(name, ' ') ? util_asprintf("[\"%s\"]", name)
					 : util_asprintf(".%s", name);
	return util_asprintf("{%s}", name);
}

/* DevTools' formatPropertyName: names with , ' " { } are shown JSON-quoted. */
static void property_name(struct util_buf *b, const char *name)
{
	if (!strpbrk(name, ",'\"{}")) {
		util_buf_adds(b, name);
		return;
	}
	util_buf_addc(b, '"');
	escape_to(b, name);
	util_buf_addc(b, '"');
}

static size_t prop_len(const char *name)
{
	struct util_buf b = {0};
	property_name(&b, name);
	size_t n = b.len;
	util_buf_free(&b);
	return n;
}

/* The "{a, b, …, z}" name DevTools shows for a plain Object: property names
 * taken alternately from the front and the back, up to ~100 characters. */
static char *plain_object_name(const struct snapshot *s, uint32_t n)
{
	struct util_buf start = {0}, end = {0};
	int64_t from = s->first_edge[n], to = (int64_t)s->first_edge[n + 1] - 1;
	int from_end = 0;
	util_buf_addc(&start, '{');
	util_buf_addc(&end, '}');
	while (from <= to) {
		uint64_t e = (uint64_t)(from_end ? to : from);
		const char *name =
		    s->e_type[e] == s->et_property ? snap_str(s, s->e_name[e]) : NULL;
		if (!name || !strcmp(name, "__proto__")) {
			if (from_end)
				to--;
			else
				from++;
			continue;
		}
		if (start.len > 1 && start.len + end.len + prop_len(name) > 100)
			break;
		if (from_end) {
			to--;
			struct util_buf nb = {0};
			property_name(&nb, name);
			if (end.len > 1)
				util_buf_adds(&nb, ", ");
			util_buf_add(&nb, end.data, end.len);
			util_buf_free(&end);
			end = nb;
		} else {
			from++;
			if (start.len > 1)
				util_buf_adds(&start, ", ");
			property_name(&start, name);
		}
		from_end = !from_end;
	}
	if (from <= to)
		util_buf_adds(&start, ", \xe2\x80\xa6");
	if (end.len > 1)
		util_buf_adds(&start, ", ");
	util_buf_add(&start, end.data, end.len);
	util_buf_free(&end);
	return start.data;
}

static void cons_string(const struct snapshot *s, uint32_t n, struct util_buf *b, int depth)
{
	if (b->len >= 1024 || depth > 64)
		return;
	if ((int)s->n_type[n] != s->nt_cons_string) {
		util_buf_adds(b, snap_str(s, s->n_name[n]));
		return;
	}
	uint32_t first = SNAP_NONE, second = SNAP_NONE;
	for (uint32_t e = s->first_edge[n]; e < s->first_edge[n + 1]; e++) {
		if (s->e_type[e] != s->et_internal)
			continue;
		const char *name = snap_str(s, s->e_name[e]);
		if (!strcmp(name, "first"))
			first = s->e_to[e];
		else if (!strcmp(name, "second"))
			second = s->e_to[e];
	}
	if (first != SNAP_NONE)
		cons_string(s, first, b, depth + 1);
	if (second != SNAP_NONE)
		cons_string(s, second, b, depth + 1);
}

char *snap_node_display_name(const struct snapshot *s, uint32_t n)
{
	int t = s->n_type[n];
	if (t == s->nt_cons_string) {
		struct util_buf b = {0};
		cons_string(s, n, &b, 0);
		return b.data ? b.data : util_strdup("");
	}
	if (t == s->nt_object && !strcmp(snap_str(s, s->n_name[n]), "Object"))
		return plain_object_name(s, n);
	return util_strdup(snap_str(s, s->n_name[n]));
}

static const char *digits(const char *p)
{
	const char *q = p;
	while (*q >= '0' && *q <= '9')
		q++;
	return q > p ? q : NULL;
}

/* DevTools' regex, spelled out:
 *   ^\d+( / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$
 * ('.' does not match line terminators). */
int snap_weakmap_edge(const char *name, uint32_t *table_id, size_t *dup_off)
{
	static const char key[] = " / part of key (", tail[] = ") pair in WeakMap (table @";
	const char *p = digits(name);
	if (!p || strncmp(p, key, sizeof(key) - 1) || strpbrk(name, "\n\r"))
		return 0;
	size_t len = strlen(name);
	if (len < 2 || name[len - 1] != ')' || name[len - 2] < '0' || name[len - 2] > '9')
		return 0;
	const char *id_end = name + len - 1, *id = id_end;
	while (id > name && id[-1] >= '0' && id[-1] <= '9')
		id--;
	size_t tl = sizeof(tail) - 1;
	if ((size_t)(id - name) < tl || strncmp(id - tl, tail, tl))
		return 0;
	/* before the tail: " @\d+" closing the value part */
	const char *v = id - tl, *vd = v;
	while (vd > name && vd[-1] >= '0' && vd[-1] <= '9')
		vd--;
	if (vd == v || vd - name < 2 || vd[-1] != '@' || vd[-2] != ' ')
		return 0;
	/* between the key and the value part: ".*? @\d+) -> value (" */
	const char *k = p + sizeof(key) - 1, *found = NULL;
	for (const char *q = strstr(k, ") -> value ("); q && q < vd;
	     q = strstr(q + 1, ") -> value (")) {
		const char *d = q;
		while (d > k && d[-1] >= '0' && d[-1] <= '9')
			d--;
		if (d < q && d - k >= 2 && d[-1] == '@' && d[-2] == ' ' &&
		    q + strlen(") -> value (") <= vd - 2) {
			found = q;
			break;
		}
	}
	if (!found)
		return 0;
	unsigned long long t = strtoull(id, NULL, 10);
	if (t > UINT32_MAX)
		t = UINT32_MAX;
	*table_id = (uint32_t)t;
	*dup_off = (size_t)(p - name);
	return 1;
}
