/*
 * classes.c — the class name of every node, as DevTools' Summary groups them
 * (calculateObjectNames + inferInterfaceDefinitions + applyInterfaceDefinitions):
 * objects and natives by constructor name ("<div id=x>" -> "<div>"), hidden ->
 * "(system)", code -> "(compiled code)", closures -> "Function", regexps ->
 * "RegExp", other types "(type)"; plain `Object`s that share a popular property
 * set are named by it, e.g. "{url, headers, body}".
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_INTERFACE_PROPERTY_COUNT 1
#define MAX_INTERFACE_NAME_LENGTH 120
#define MIN_OBJECT_COUNT_PER_INTERFACE 2
#define MIN_OBJECT_PROPORTION_PER_INTERFACE 1000

struct snap_iface {
	char *name;
	char **props; /* raw property names, in edge order */
	uint32_t n_props;
	uint64_t count;
	uint64_t order; /* first appearance, for a stable sort */
};
struct snap_iface_list {
	struct snap_iface *v;
	size_t n;
};

/* JavaScript string length (UTF-16 units) of UTF-8 text. */
static size_t js_len(const char *p)
{
	size_t n = 0;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c & 0xc0) != 0x80)
			n += c >= 0xf0 ? 2 : 1;
	}
	return n;
}

static void format_property(struct util_buf *b, const char *name)
{
	if (!strpbrk(name, ",'\"{}")) {
		util_buf_adds(b, name);
		return;
	}
	util_buf_addc(b, '"');
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			util_buf_printf(b, "\\%c", c);
		else if (c < 0x20 && strchr("\b\f\n\r\t", c))
			util_buf_printf(b, "\\%c", "bfnrt"[strchr("\b\f\n\r\t", c) - "\b\f\n\r\t"]);
		else if (c < 0x20)
			util_buf_printf(b, "\\u%04x", c);
		else
			util_buf_addc(b, (char)c);
	}
	util_buf_addc(b, '"');
}

static int is_plain_object(const struct snapshot *s, uint32_t n)
{
	return (int)s->n_type[n] == s->nt_object && !strcmp(snap_str(s, s->n_name[n]), "Object");
}

static void free_iface(struct snap_iface *f)
{
	for (uint32_t i = 0; i < f->n_props; i++)
		free(f->props[i]);
	free(f->props);
	free(f->name);
}

static int cmp_count(const void *a, const void *b)
{
	const struct snap_iface *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (x->order > y->order) - (x->order < y->order);
}

/* One plain object's candidate interface name and properties. */
static int candidate(const struct snapshot *s, uint32_t n, struct util_buf *name, uint32_t *props,
		     uint32_t *n_props)
{
	struct util_buf f = {0};
	util_buf_reset(name);
	util_buf_addc(name, '{');
	size_t name_js = 1;
	*n_props = 0;
	for (uint32_t e = s->first_edge[n]; e < s->first_edge[n + 1]; e++) {
		if ((int)s->e_type[e] != s->et_property)
			continue;
		const char *pn = snap_str(s, s->e_name[e]);
		if (!strcmp(pn, "__proto__"))
			continue;
		util_buf_reset(&f);
		format_property(&f, pn);
		size_t fl = js_len(f.data);
		if (name_js > MIN_INTERFACE_PROPERTY_COUNT &&
		    name_js + fl > MAX_INTERFACE_NAME_LENGTH)
			break;
		if (name_js != 1) {
			util_buf_adds(name, ", ");
			name_js += 2;
		}
		util_buf_add(name, f.data, f.len);
		name_js += fl;
		props[(*n_props)++] = s->e_name[e];
	}
	util_buf_free(&f);
	if (!*n_props)
		return 0;
	util_buf_addc(name, '}');
	return 1;
}

struct snap_iface_list *snap_infer_interfaces(struct snapshot *s)
{
	struct snap_iface_list *l = util_calloc(1, sizeof(*l));
	struct util_map cands = {0};
	struct util_buf name = {0};
	size_t cap = 0;
	uint64_t total = 0;
	uint32_t max_edges = 0;
	for (uint32_t n = 0; n < s->node_count; n++)
		if (s->first_edge[n + 1] - s->first_edge[n] > max_edges)
			max_edges = s->first_edge[n + 1] - s->first_edge[n];
	uint32_t *props = util_malloc(((size_t)max_edges + 1) * sizeof(uint32_t));
	for (uint32_t n = 0; n < s->node_count; n++) {
		if (!is_plain_object(s, n))
			continue;
		total++;
		uint32_t np;
		if (!candidate(s, n, &name, props, &np))
			continue;
		struct util_map_entry *me = util_map_upsert(&cands, name.data, name.len);
		if (me->value) {
			l->v[(size_t)(uintptr_t)me->value - 1].count++;
			continue;
		}
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			l->v = util_realloc(l->v, cap * sizeof(*l->v));
		}
		struct snap_iface *f = &l->v[l->n];
		f->name = util_strdup(name.data);
		f->n_props = np;
		f->props = util_malloc(((size_t)np + 1) * sizeof(char *));
		for (uint32_t i = 0; i < np; i++)
			f->props[i] = util_strdup(snap_str(s, props[i]));
		f->count = 1;
		f->order = l->n;
		me->value = (void *)(uintptr_t)(++l->n);
	}
	free(props);
	util_buf_free(&name);
	util_map_free(&cands);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_count);
	double min = fmax(MIN_OBJECT_COUNT_PER_INTERFACE,
			  (double)total / MIN_OBJECT_PROPORTION_PER_INTERFACE);
	size_t keep = 0;
	while (keep < l->n && (double)l->v[keep].count >= min)
		keep++;
	for (size_t i = keep; i < l->n; i++)
		free_iface(&l->v[i]);
	l->n = keep;
	return l;
}

void snap_iface_list_free(struct snap_iface_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free_iface(&l->v[i]);
	free(l->v);
	free(l);
}

/* The property tree of applyInterfaceDefinitions: a trie over sorted property
 * names; children are found through one hash map keyed by (node, name). */
struct trie_node {
	const char *greatest_next;
	int64_t match; /* definition index, or -1 */
	uint32_t match_props;
	uint32_t seen; /* generation mark for the state set */
};
struct trie {
	struct trie_node *v;
	uint32_t n, cap;
	struct util_map next;
	struct util_buf key;
};

static uint32_t trie_child(struct trie *t, uint32_t at, const char *prop, int create)
{
	util_buf_reset(&t->key);
	util_buf_printf(&t->key, "%u:", at);
	size_t prefix = t->key.len;
	util_buf_adds(&t->key, prop);
	struct util_map_entry *me = create ? util_map_upsert(&t->next, t->key.data, t->key.len)
					   : util_map_find(&t->next, t->key.data, t->key.len);
	if (!me)
		return SNAP_NONE;
	if (me->value)
		return (uint32_t)(uintptr_t)me->value - 1;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = util_realloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n] = (struct trie_node){NULL, -1, 0, 0};
	me->value = (void *)(uintptr_t)(t->n + 1);
	if (!t->v[at].greatest_next || strcmp(t->v[at].greatest_next, prop) < 0)
		t->v[at].greatest_next = me->key + prefix;
	return t->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void build_trie(struct trie *t, const struct snap_iface_list *l)
{
	t->cap = 64;
	t->v = util_malloc(t->cap * sizeof(*t->v));
	t->v[0] = (struct trie_node){NULL, -1, 0, 0};
	t->n = 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct snap_iface *f = &l->v[i];
		const char **sorted = util_malloc(((size_t)f->n_props + 1) * sizeof(char *));
		memcpy(sorted, f->props, f->n_props * sizeof(char *));
		qsort(sorted, f->n_props, sizeof(char *), cmp_str);
		uint32_t at = 0;
		for (uint32_t k = 0; k < f->n_props; k++)
			at = trie_child(t, at, sorted[k], 1);
		if (t->v[at].match < 0) {
			t->v[at].match = (int64_t)i;
			t->v[at].match_props = f->n_props;
		}
		free(sorted);
	}
}

struct match {
	int64_t index; /* -1: plain "Object" (index Infinity in DevTools) */
	uint32_t props;
};

static struct match better(struct match a, const struct trie_node *b)
{
	if (b->match < 0 || a.props > b->match_props)
		return a;
	if (b->match_props > a.props)
		return (struct match){b->match, b->match_props};
	if (a.index >= 0 && a.index <= b->match)
		return a;
	return (struct match){b->match, b->match_props};
}

struct apply_state {
	struct trie t;
	uint32_t *states, *snapshot_states;
	const char **props;
	uint32_t gen;
};

static struct match match_object(const struct snapshot *s, struct apply_state *a, uint32_t n)
{
	uint32_t np = 0, ns = 1;
	for (uint32_t e = s->first_edge[n]; e < s->first_edge[n + 1]; e++)
		if ((int)s->e_type[e] == s->et_property)
			a->props[np++] = snap_str(s, s->e_name[e]);
	qsort(a->props, np, sizeof(char *), cmp_str);
	struct match m = better((struct match){-1, 0}, &a->t.v[0]);
	a->gen++;
	a->states[0] = 0;
	a->t.v[0].seen = a->gen;
	for (uint32_t k = 0; k < np; k++) {
		uint32_t count = ns;
		memcpy(a->snapshot_states, a->states, count * sizeof(uint32_t));
		for (uint32_t i = 0; i < count; i++) {
			uint32_t st = a->snapshot_states[i];
			struct trie_node *tn = &a->t.v[st];
			if (!tn->greatest_next || strcmp(a->props[k], tn->greatest_next) >= 0) {
				tn->seen = 0; /* delete from the set */
				for (uint32_t j = 0; j < ns; j++)
					if (a->states[j] == st) {
						a->states[j] = a->states[--ns];
						break;
					}
			}
			uint32_t next = trie_child(&a->t, st, a->props[k], 0);
			if (next == SNAP_NONE)
				continue;
			if (a->t.v[next].seen != a->gen) {
				a->t.v[next].seen = a->gen;
				a->states[ns++] = next;
			}
			m = better(m, &a->t.v[next]);
		}
	}
	return m;
}

void snap_apply_interfaces(struct snapshot *s, const struct snap_iface_list *l)
{
	struct apply_state a = {0};
	uint32_t max_edges = 0;
	for (uint32_t n = 0; n < s->node_count; n++)
		if (s->first_edge[n + 1] - s->first_edge[n] > max_edges)
			max_edges = s->first_edge[n + 1] - s->first_edge[n];
	build_trie(&a.t, l);
	a.props = util_malloc(((size_t)max_edges + 1) * sizeof(char *));
	a.states = util_malloc(((size_t)a.t.n + 1) * sizeof(uint32_t));
	a.snapshot_states = util_malloc(((size_t)a.t.n + 1) * sizeof(uint32_t));
	uint32_t *name_index = util_malloc((l->n + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < l->n; i++)
		name_index[i] = SNAP_NONE;
	for (uint32_t n = 0; n < s->node_count; n++) {
		if (!is_plain_object(s, n))
			continue;
		struct match m = match_object(s, &a, n);
		if (m.index < 0) {
			s->cls[n] = s->n_name[n];
			continue;
		}
		if (name_index[m.index] == SNAP_NONE) {
			const char *nm = l->v[m.index].name;
			name_index[m.index] = snap_add_string(s, nm, strlen(nm));
		}
		s->cls[n] = name_index[m.index];
	}
	free(name_index);
	free(a.props);
	free(a.states);
	free(a.snapshot_states);
	free(a.t.v);
	util_map_free(&a.t.next);
	util_buf_free(&a.t.key);
}

static uint32_t intern(struct snapshot *s, struct util_map *m, const char *name, size_t len)
{
	struct util_map_entry *me = util_map_upsert(m, name, len);
	if (!me->value)
		me->value = (void *)(uintptr_t)(snap_add_string(s, name, len) + 1);
	return (uint32_t)(uintptr_t)me->value - 1;
}

static uint32_t class_of(struct snapshot *s, struct util_map *m, uint32_t n)
{
	int t = s->n_type[n];
	if (t == s->nt_hidden)
		return intern(s, m, "(system)", 8);
	if (t == s->nt_code)
		return intern(s, m, "(compiled code)", 15);
	if (t == s->nt_closure)
		return intern(s, m, "Function", 8);
	if (t == s->nt_regexp)
		return intern(s, m, "RegExp", 6);
	if (t == s->nt_object || t == s->nt_native) {
		const char *name = snap_str(s, s->n_name[n]);
		size_t skip = !strncmp(name, "<", 1)		 ? 0
			      : !strncmp(name, "Detached <", 10) ? 10
								 : SIZE_MAX;
		if (skip == SIZE_MAX)
			return s->n_name[n];
		const char *sp = strchr(name + skip, ' ');
		if (!sp)
			return intern(s, m, name, strlen(name));
		struct util_buf b = {0};
		util_buf_add(&b, name, (size_t)(sp - name));
		util_buf_addc(&b, '>');
		uint32_t r = intern(s, m, b.data, b.len);
		util_buf_free(&b);
		return r;
	}
	struct util_buf b = {0};
	util_buf_printf(&b, "(%s)", s->node_types[t]);
	uint32_t r = intern(s, m, b.data, b.len);
	util_buf_free(&b);
	return r;
}

void snap_class_names(struct snapshot *s)
{
	struct util_map m = {0};
	uint32_t by_type[256]; /* types named by type alone: one lookup each */
	for (int t = 0; t < 256; t++)
		by_type[t] = SNAP_NONE;
	s->cls = snap_alloc((size_t)s->node_count * sizeof(uint32_t));
	for (uint32_t n = 0; n < s->node_count; n++) {
		int t = s->n_type[n];
		if (t == s->nt_object || t == s->nt_native) {
			s->cls[n] = class_of(s, &m, n);
			continue;
		}
		if (by_type[t] == SNAP_NONE)
			by_type[t] = class_of(s, &m, n);
		s->cls[n] = by_type[t];
	}
	util_map_free(&m);
	struct snap_iface_list *l = snap_infer_interfaces(s);
	snap_apply_interfaces(s, l);
	snap_iface_list_free(l);
}
