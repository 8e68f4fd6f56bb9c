/*
 * print_object.c — plain objects and arrays for ::jsprint: own named properties
 * through v8_object_each (fast and dictionary mode; V8's private symbols are
 * hidden), indexed elements through v8_elements_each (every kind; a run of
 * holes prints as "<N empty items>", dictionary elements in index order),
 * arrays with their JS length (not the backing store's capacity), class
 * instances with their constructor's name. Also MEMBER.PATH lookups.
 */
#include "v8/print_int.h"

#include <stdlib.h>
#include <string.h>

#define PR_MAX_SORTED (4u * 1000 * 1000) /* dictionary elements sorted per array */

struct prop_ctx {
	struct pr *p;
	int skip_private;
};

static int print_prop(struct v8 *v8, v8_value key, v8_value value, int is_accessor, void *arg)
{
	struct prop_ctx *c = arg;
	struct pr *p = c->p;
	if (p->stopped)
		return 1;
	if (c->skip_private && pr_is_private_symbol(p, key))
		return 0;
	struct util_buf k = {0};
	util_buf_adds(&k, "");
	int is_string = v8_is_string(v8, key);
	if (v8_name(v8, key, &k) < 0) {
		util_clear_error();
		util_buf_printf(&k, "<key 0x%llx>", (unsigned long long)key);
	}
	if (is_string || p->o->json)
		pr_key(p, k.data, 1);
	else {
		/* symbol keys: [Symbol(desc)] as in JavaScript */
		struct util_buf b = {0};
		util_buf_printf(&b, "[%s]", k.data);
		pr_key(p, b.data, 0);
		util_buf_free(&b);
	}
	if (is_accessor && p->error_stack && is_string && !strcmp(k.data, "stack")) {
		v8_value stack = p->error_stack;
		p->error_stack = 0;
		pr_stack_value(p, stack);
	} else if (is_accessor)
		pr_text(p, p->o->json ? "\"<accessor>\"" : "<accessor>");
	else
		pr_value(p, value);
	util_buf_free(&k);
	return 0;
}

/* The elements (indexed properties) of any object, as "index": value entries;
 * arrays use print_array_items instead. */
static int print_elem_prop(struct v8 *v8, int64_t index, const struct v8_elem *e, void *arg)
{
	struct pr *p = arg;
	(void)v8;
	if (p->stopped)
		return 1;
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)index);
	pr_key(p, key, 1);
	if (e->is_double)
		util_buf_printf(p->out, "%.17g", e->d);
	else
		pr_value(p, e->v);
	return 0;
}

/* The constructor as JavaScript sees it: obj.__proto__.constructor when that is
 * a named function (subclasses of builtins — class E extends Error, node's
 * FastBuffer — keep the builtin as their map's constructor), else the map's
 * constructor through v8_constructor_name. */
int v8_constructor_of(struct v8 *v8, v8_value obj, v8_value *fn, struct util_buf *name)
{
	v8_value map, proto, ctor;
	struct v8_funcinfo fi;
	*fn = 0;
	if (v8_map(v8, obj, &map) == 0 &&
	    v8_field(v8, map, v8_layout(v8)->map_prototype, &proto) == 0 &&
	    v8_is_js_receiver(v8, proto) && v8_object_get(v8, proto, "constructor", &ctor) == 1 &&
	    v8_is_js_function(v8, ctor) && v8_funcinfo(v8, ctor, &fi) == 0) {
		int named = fi.name[0] != 0;
		if (named)
			util_buf_adds(name, fi.name);
		v8_funcinfo_free(&fi);
		if (named) {
			*fn = ctor;
			return 0;
		}
	}
	util_clear_error();
	if (v8_map(v8, obj, &map) == 0 && v8_map_constructor(v8, map, &ctor) == 0 &&
	    v8_is_js_function(v8, ctor))
		*fn = ctor;
	util_clear_error();
	return v8_constructor_name(v8, obj, name);
}

void pr_label(struct pr *p, v8_value obj, struct util_buf *label)
{
	v8_value fn;
	util_buf_adds(label, "");
	if (v8_constructor_of(p->v8, obj, &fn, label) < 0) {
		util_clear_error();
		util_buf_reset(label);
		util_buf_adds(label, "");
	}
}

/* Entries of an object after its opening bracket: own properties, then elements. */
void pr_object_entries(struct pr *p, v8_value obj, int skip_private)
{
	struct prop_ctx c = {p, skip_private};
	if (v8_object_each(p->v8, obj, print_prop, &c) < 0) {
		pr_key(p, "<properties>", 0);
		pr_unreadable(p);
	}
	if (v8_elements_each(p->v8, obj, 0, print_elem_prop, p) < 0) {
		pr_key(p, "<elements>", 0);
		pr_unreadable(p);
	}
}

void pr_object_body(struct pr *p, v8_value obj, int skip_private)
{
	struct util_buf label = {0};
	pr_label(p, obj, &label);
	/* Plain objects print as {...}; instances of anything else get the name. */
	const char *l = strcmp(label.data, "Object") ? label.data : NULL;
	if (pr_may_open(p, obj, label.data)) {
		pr_open(p, obj, l, l, '{');
		pr_object_entries(p, obj, skip_private);
		pr_close(p, '}');
	}
	util_buf_free(&label);
}

/* Array items with holes: runs of missing indexes print as one entry. */
struct items {
	struct pr *p;
	int64_t next; /* the index expected next */
};

static void gap(struct items *it, int64_t upto)
{
	struct pr *p = it->p;
	if (upto <= it->next)
		return;
	pr_item(p);
	if (p->o->json)
		util_buf_printf(p->out, "{\"$holes\":%lld}", (long long)(upto - it->next));
	else
		util_buf_printf(p->out, "<%lld empty item%s>", (long long)(upto - it->next),
				upto - it->next == 1 ? "" : "s");
}

static int print_item(struct v8 *v8, int64_t index, const struct v8_elem *e, void *arg)
{
	struct items *it = arg;
	(void)v8;
	if (it->p->stopped)
		return 1;
	gap(it, index);
	pr_item(it->p);
	if (e->is_double)
		util_buf_printf(it->p->out, "%.17g", e->d);
	else
		pr_value(it->p, e->v);
	it->next = index + 1;
	return 0;
}

/* Dictionary elements come in hash order: collect, sort by index, print. */
struct sorted {
	int64_t index;
	struct v8_elem e;
};
struct collect {
	struct sorted *v;
	size_t n, cap;
};

static int collect_elem(struct v8 *v8, int64_t index, const struct v8_elem *e, void *arg)
{
	struct collect *c = arg;
	(void)v8;
	if (c->n >= PR_MAX_SORTED)
		return 1;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->v = util_realloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = (struct sorted){index, *e};
	return 0;
}

static int by_index(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int array_is_dictionary(struct pr *p, v8_value arr)
{
	int64_t kind;
	if (pr_elements_kind(p, arr, &kind) < 0) {
		util_clear_error();
		return 0;
	}
	return kind == v8_layout(p->v8)->elements_dictionary;
}

static int array_items(struct pr *p, v8_value arr, int64_t length)
{
	struct items it = {p, 0};
	if (!array_is_dictionary(p, arr)) {
		if (v8_elements_each(p->v8, arr, 0, print_item, &it) < 0)
			return -1;
	} else {
		struct collect c = {0};
		int rc = v8_elements_each(p->v8, arr, 0, collect_elem, &c);
		qsort(c.v, c.n, sizeof(*c.v), by_index);
		for (size_t i = 0; rc >= 0 && i < c.n; i++)
			if (c.v[i].index < length)
				print_item(p->v8, c.v[i].index, &c.v[i].e, &it);
		free(c.v);
		if (rc < 0)
			return -1;
	}
	gap(&it, length);
	return 0;
}

void pr_array(struct pr *p, v8_value arr)
{
	int64_t length;
	if (v8_array_length(p->v8, arr, &length) < 0) {
		pr_unreadable(p);
		return;
	}
	char label[40];
	snprintf(label, sizeof(label), "Array(%lld)", (long long)length);
	if (!pr_may_open(p, arr, label))
		return;
	pr_open(p, arr, NULL, NULL, '[');
	if (array_items(p, arr, length) < 0) {
		pr_item(p);
		pr_unreadable(p);
	}
	pr_close(p, ']');
}

/* Items of a FixedArray (bound arguments, arguments stores). */
void pr_fixed_items(struct pr *p, v8_value fixed, int64_t max)
{
	int64_t n;
	if (v8_fixed_length(p->v8, fixed, &n) < 0) {
		pr_item(p);
		pr_unreadable(p);
		return;
	}
	if (max >= 0 && n > max)
		n = max;
	for (int64_t i = 0; i < n && !p->stopped; i++) {
		v8_value v;
		pr_item(p);
		if (v8_fixed_get(p->v8, fixed, i, &v) < 0)
			pr_unreadable(p);
		else
			pr_value(p, v);
	}
}
