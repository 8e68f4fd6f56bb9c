/*
 * census.c — the heap census behind ::findjsobjects and `nodescope leak`: every
 * live object of the heap walk, grouped like mdb_v8 does. A JS object's group is
 * its constructor's name plus its own property names (objects made by one
 * constructor that got different properties are different groups); arrays,
 * functions, strings and every other built-in kind are one row each. Objects
 * with a fast-mode map share the map's property list, so names are computed
 * once per map; dictionary-mode objects are keyed one by one.
 */
#include "v8/heap_int.h"

#include <stdlib.h>
#include <string.h>

#define PROPS_MAX_NAMES 64
#define PROPS_MAX_BYTES 2048

struct group {
	struct v8_census_group g;
	char *ctor, *props, *key;
};

/* map -> group (or GROUP_PER_OBJECT for dictionary-mode maps). */
struct map_group {
	uint64_t map;
	long group;
};
#define GROUP_PER_OBJECT (-2)

struct v8_census {
	struct v8_heap *heap;
	struct v8 *v8;
	struct group *groups;
	size_t ngroups, cap;
	struct util_map by_key;
	struct map_group *mg;
	size_t mg_cap, mg_used;
	size_t total_objects;
	uint64_t total_bytes;
	uint64_t last_map; /* one-entry cache in front of mg */
	long last_group;
};

static int is_function_type(const struct v8_types *T, unsigned t)
{
	return (int)t == T->js_function ||
	       (T->first_js_function >= 0 && (int)t >= T->first_js_function &&
		(int)t <= T->last_js_function);
}

/* The name of the function that constructed objects of this map: follow the
 * back pointers to the root map, whose constructor field holds a JSFunction. */
static void ctor_name(struct v8 *v8, v8_value map, struct util_buf *out)
{
	v8_value ctor;
	if (v8_map_constructor(v8, map, &ctor) == 0 && v8_is_js_function(v8, ctor)) {
		struct v8_funcinfo fi;
		if (v8_funcinfo(v8, ctor, &fi) == 0) {
			if (fi.name[0])
				util_buf_adds(out, fi.name);
			v8_funcinfo_free(&fi);
		}
	}
	util_clear_error();
}

struct props_acc {
	struct util_buf *b;
	int n;
};

static int add_prop(struct v8 *v8, v8_value key, v8_value value, int is_accessor, void *arg)
{
	(void)value;
	(void)is_accessor;
	struct props_acc *p = arg;
	if (p->n >= PROPS_MAX_NAMES || p->b->len > PROPS_MAX_BYTES) {
		if (p->n == PROPS_MAX_NAMES)
			util_buf_adds(p->b, ", ...");
		p->n++;
		return 0;
	}
	if (p->n)
		util_buf_adds(p->b, ", ");
	if (v8_name(v8, key, p->b) < 0) {
		util_clear_error();
		util_buf_adds(p->b, "?");
	}
	p->n++;
	return 0;
}

static long group_add(struct v8_census *c, const char *ctor, const char *props, int nprops,
		      int is_object)
{
	struct util_buf key = {0};
	util_buf_printf(&key, "%s: %s", ctor, props);
	struct util_map_entry *e = util_map_upsert(&c->by_key, key.data, key.len);
	if (e->value) {
		util_buf_free(&key);
		return (long)(uintptr_t)e->value - 1;
	}
	if (c->ngroups == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->groups = util_realloc(c->groups, c->cap * sizeof(*c->groups));
	}
	struct group *g = &c->groups[c->ngroups];
	memset(g, 0, sizeof(*g));
	g->ctor = util_strdup(ctor);
	g->props = util_strdup(props);
	g->key = key.data;
	g->g.ctor = g->ctor;
	g->g.props = g->props;
	g->g.key = g->key;
	g->g.nprops = nprops;
	g->g.is_object = is_object;
	e->value = (void *)(uintptr_t)(c->ngroups + 1);
	return (long)c->ngroups++;
}

/* The group of one object, computed from scratch. */
static long group_compute(struct v8_census *c, const struct v8_heap_obj *o, int *per_object)
{
	struct v8 *v8 = c->v8;
	const struct v8_types *T = v8_types(v8);
	*per_object = 0;
	char kind[96];
	if ((int64_t)o->type < v8_layout(v8)->first_nonstring_type)
		return group_add(c, "(String)", "", -1, 0);
	if ((int)o->type == T->js_array)
		return group_add(c, "Array", "", -1, 0);
	if (is_function_type(T, o->type))
		return group_add(c, "(Function)", "", -1, 0);
	if ((int)o->type < T->first_js_receiver || (int)o->type == T->js_global_proxy) {
		const char *tn = v8_type_name(v8, o->type);
		snprintf(kind, sizeof(kind), "(%s)", tn ? tn : "unknown type");
		char *p = strstr(kind, "_TYPE)");
		if (p)
			strcpy(p, ")");
		return group_add(c, kind, "", -1, 0);
	}
	struct util_buf name = {0}, props = {0};
	ctor_name(v8, o->map, &name);
	if (!name.len) {
		const char *tn = v8_type_name(v8, o->type);
		util_buf_adds(&name, (int)o->type == T->js_object ? "Object" : tn ? tn : "Object");
	}
	struct props_acc acc = {&props, 0};
	if (v8_object_each(v8, o->obj, add_prop, &acc) < 0)
		util_clear_error();
	uint32_t bf3 = 0;
	const uint32_t *p3 =
	    img_ptr(v8_img(v8), v8_addr(o->map) + v8_layout(v8)->map_bit_field3, 4);
	if (p3)
		bf3 = *p3;
	*per_object = (bf3 >> v8_layout(v8)->bf3_dictionary_shift) & 1;
	long g = group_add(c, name.data, props.len ? props.data : "", acc.n, 1);
	util_buf_free(&name);
	util_buf_free(&props);
	return g;
}

static size_t mg_slot(uint64_t map, size_t cap)
{
	uint64_t x = (map >> 3) * 0x9e3779b97f4a7c15ull;
	return (size_t)(x >> 17) & (cap - 1);
}

static struct map_group *mg_find(struct v8_census *c, uint64_t map)
{
	if (c->mg_used * 2 >= c->mg_cap) {
		size_t ncap = c->mg_cap ? c->mg_cap * 2 : 4096;
		struct map_group *n = util_calloc(ncap, sizeof(*n));
		for (size_t i = 0; i < c->mg_cap; i++)
			if (c->mg[i].map) {
				size_t s = mg_slot(c->mg[i].map, ncap);
				while (n[s].map)
					s = (s + 1) & (ncap - 1);
				n[s] = c->mg[i];
			}
		free(c->mg);
		c->mg = n;
		c->mg_cap = ncap;
	}
	size_t s = mg_slot(map, c->mg_cap);
	while (c->mg[s].map && c->mg[s].map != map)
		s = (s + 1) & (c->mg_cap - 1);
	return &c->mg[s];
}

static long group_of_obj(struct v8_census *c, const struct v8_heap_obj *o)
{
	if (o->map == c->last_map && c->last_group >= 0)
		return c->last_group;
	struct map_group *m = mg_find(c, o->map);
	c->last_map = o->map;
	c->last_group = m->map && m->group != GROUP_PER_OBJECT ? m->group : -1;
	if (c->last_group >= 0)
		return c->last_group;
	int per_object;
	long g = group_compute(c, o, &per_object);
	m = mg_find(c, o->map); /* group_compute may have grown the table */
	if (!m->map) {
		m->map = o->map;
		m->group = per_object ? GROUP_PER_OBJECT : g;
		c->mg_used++;
		c->last_group = per_object ? -1 : g;
	}
	return g;
}

static int census_cb(struct v8_heap *h, const struct v8_heap_obj *o, void *arg)
{
	(void)h;
	struct v8_census *c = arg;
	long g = group_of_obj(c, o);
	if (g < 0)
		return 0;
	struct v8_census_group *cg = &c->groups[g].g;
	if (!cg->count)
		cg->rep = o->obj;
	cg->count++;
	cg->bytes += o->size;
	c->total_objects++;
	c->total_bytes += o->size;
	return 0;
}

int v8_census_build(struct v8_heap *heap, struct v8_census **out)
{
	struct v8_census *c = util_calloc(1, sizeof(*c));
	c->heap = heap;
	c->v8 = v8_heap_v8(heap);
	c->last_group = -1;
	if (v8_heap_each(heap, "census", census_cb, c) < 0) {
		v8_census_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void v8_census_free(struct v8_census *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ngroups; i++) {
		free(c->groups[i].ctor);
		free(c->groups[i].props);
		free(c->groups[i].key);
	}
	free(c->groups);
	util_map_free(&c->by_key);
	free(c->mg);
	free(c);
}

size_t v8_census_count(const struct v8_census *c)
{
	return c->ngroups;
}

const struct v8_census_group *v8_census_at(const struct v8_census *c, size_t i)
{
	return i < c->ngroups ? &c->groups[i].g : NULL;
}

void v8_census_totals(const struct v8_census *c, size_t *objects, uint64_t *bytes)
{
	*objects = c->total_objects;
	*bytes = c->total_bytes;
}

long v8_census_group_of(struct v8_census *c, v8_value obj)
{
	if (!v8_heap_is_object(c->heap, obj))
		return -1;
	v8_value map;
	unsigned type;
	if (v8_map(c->v8, obj, &map) < 0 || v8_type(c->v8, obj, &type) < 0) {
		util_clear_error();
		return -1;
	}
	struct v8_heap_obj o = {obj, map, type, 0, V8_SPACE_OTHER, NULL};
	return group_of_obj(c, &o);
}

struct members {
	struct v8_census *c;
	long group;
	v8_value *objs;
	size_t n, cap;
};

static int members_cb(struct v8_heap *h, const struct v8_heap_obj *o, void *arg)
{
	(void)h;
	struct members *m = arg;
	if (group_of_obj(m->c, o) != m->group)
		return 0;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->objs = util_realloc(m->objs, m->cap * sizeof(*m->objs));
	}
	m->objs[m->n++] = o->obj;
	return 0;
}

int v8_census_members(struct v8_census *c, size_t i, v8_value **objs, size_t *n)
{
	struct members m = {c, (long)i, NULL, 0, 0};
	if (i >= c->ngroups)
		return util_error("census: no group %zu", i);
	if (v8_heap_each(c->heap, "census", members_cb, &m) < 0) {
		free(m.objs);
		return -1;
	}
	*objs = m.objs;
	*n = m.n;
	return 0;
}
