/*
 * census.c — DevTools' Summary view: objects grouped by class key (class name,
 * plus the constructor's source location for JS objects), with count, shallow
 * size (folded, as DevTools shows it), retained size (the sum over instances not
 * dominated by another instance of the same class: calculateClassesRetainedSize)
 * and minimum distance. Objects of shallow size 0 are not listed, as in DevTools.
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

uint64_t snap_total_size(const struct snapshot *s)
{
	return (s->retained ? s->retained[s->root] : 0) + s->extra_native_bytes;
}

static const struct snap_location *location(const struct snapshot *s, uint32_t n)
{
	uint32_t lo = 0, hi = s->loc_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->locs[mid].node < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->loc_count && s->locs[lo].node == n ? &s->locs[lo] : NULL;
}

struct builder {
	struct snapshot *s;
	struct snap_census *c;
	size_t cap;
	uint32_t *by_cls;	 /* class string index -> row + 1, for rows without location */
	struct loc_slot *by_loc; /* open addressing on (script, line, column, class) */
	size_t loc_cap, loc_used;
	uint32_t loc_cursor;
	struct util_buf key;
};

struct loc_slot {
	uint32_t script, line, column, cls, row; /* row + 1; 0 = empty */
};

static uint64_t loc_hash(const struct snap_location *l, uint32_t cls)
{
	uint64_t h = l->script * 0x9E3779B97F4A7C15ull;
	h ^= (h >> 29) + l->line * 0xBF58476D1CE4E5B9ull;
	h ^= (h >> 31) + l->column * 0x94D049BB133111EBull;
	h ^= (h >> 27) + cls * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 32);
}

static struct loc_slot *loc_find(struct builder *b, const struct snap_location *l, uint32_t cls)
{
	if (b->loc_used * 2 >= b->loc_cap) {
		size_t cap = b->loc_cap ? b->loc_cap * 2 : 1024;
		struct loc_slot *old = b->by_loc, *v = util_calloc(cap, sizeof(*v));
		for (size_t i = 0; i < b->loc_cap; i++) {
			if (!old[i].row)
				continue;
			struct snap_location ol = {0, old[i].script, old[i].line, old[i].column};
			size_t k = loc_hash(&ol, old[i].cls) & (cap - 1);
			while (v[k].row)
				k = (k + 1) & (cap - 1);
			v[k] = old[i];
		}
		free(old);
		b->by_loc = v;
		b->loc_cap = cap;
	}
	size_t k = loc_hash(l, cls) & (b->loc_cap - 1);
	for (;; k = (k + 1) & (b->loc_cap - 1)) {
		struct loc_slot *e = &b->by_loc[k];
		if (!e->row || (e->script == l->script && e->line == l->line &&
				e->column == l->column && e->cls == cls))
			return e;
	}
}

static uint32_t new_row(struct builder *b, uint32_t cls, const char *key)
{
	struct snap_census *c = b->c;
	if (c->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		c->rows = util_realloc(c->rows, b->cap * sizeof(*c->rows));
	}
	struct snap_class *r = &c->rows[c->n];
	memset(r, 0, sizeof(*r));
	r->key = util_strdup(key);
	r->cls = cls;
	r->name = snap_str(b->s, cls);
	r->distance = INT32_MAX;
	r->sample = SNAP_NONE;
	return (uint32_t)c->n++;
}

/* The location of node n; nodes are asked for in increasing order, so a
 * cursor finds it without a search. */
static const struct snap_location *location_at(struct builder *b, uint32_t n)
{
	const struct snapshot *s = b->s;
	if (b->loc_cursor && s->locs[b->loc_cursor - 1].node >= n)
		return location(s, n); /* asked out of order */
	while (b->loc_cursor < s->loc_count && s->locs[b->loc_cursor].node < n)
		b->loc_cursor++;
	if (b->loc_cursor < s->loc_count && s->locs[b->loc_cursor].node == n)
		return &s->locs[b->loc_cursor];
	return NULL;
}

static uint32_t row_of(struct builder *b, uint32_t n)
{
	struct snapshot *s = b->s;
	uint32_t cls = s->cls[n];
	const struct snap_location *loc =
		(int)s->n_type[n] == s->nt_object ? location_at(b, n) : NULL;
	if (!loc) {
		if (!b->by_cls[cls]) {
			util_buf_reset(&b->key);
			util_buf_printf(&b->key, ",%s", snap_str(s, cls));
			b->by_cls[cls] = new_row(b, cls, b->key.data) + 1;
		}
		return b->by_cls[cls] - 1;
	}
	struct loc_slot *e = loc_find(b, loc, cls);
	if (!e->row) {
		util_buf_reset(&b->key);
		util_buf_printf(&b->key, "%u,%u,%u,%s", loc->script, loc->line, loc->column,
				snap_str(s, cls));
		*e = (struct loc_slot){loc->script, loc->line, loc->column, cls,
				       new_row(b, cls, b->key.data) + 1};
		b->loc_used++;
	}
	return e->row - 1;
}

/* calculateClassesRetainedSize: a walk of the dominator tree that counts an
 * instance only when no dominator of it is a counted instance of its class. */
static void class_retained(struct snapshot *s, struct snap_census *c, const uint32_t *row)
{
	uint32_t n = s->node_count;
	uint32_t *list = snap_alloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *sizes = snap_alloc(((size_t)n + 2) * sizeof(uint32_t));
	uint32_t *keys = snap_alloc(((size_t)n + 1) * sizeof(uint32_t));
	uint8_t *seen = snap_calloc(c->n + 1, 1);
	uint32_t ll = 0, sl = 0, kl = 0;
	list[ll++] = s->root;
	sizes[sl++] = UINT32_MAX;
	while (ll) {
		uint32_t v = list[--ll], r = row[v];
		uint32_t from = s->dom_first[v], to = s->dom_first[v + 1];
		if (r != SNAP_NONE && !seen[r]) {
			c->rows[r].retained += s->retained[v];
			if (from != to) {
				seen[r] = 1;
				sizes[sl++] = ll;
				keys[kl++] = r;
			}
		}
		for (uint32_t i = from; i < to; i++)
			list[ll++] = s->dom_kids[i];
		while (sl && sizes[sl - 1] == ll) {
			sl--;
			seen[keys[--kl]] = 0;
		}
	}
	free(list);
	free(sizes);
	free(keys);
	free(seen);
}

static const struct snapshot *sort_snap;
static int cmp_id(const void *a, const void *b)
{
	uint32_t x = sort_snap->n_id[*(const uint32_t *)a],
		 y = sort_snap->n_id[*(const uint32_t *)b];
	return (x > y) - (x < y);
}

static void keep_node_lists(struct snapshot *s, struct snap_census *c, const uint32_t *row)
{
	uint32_t *fill = snap_calloc(c->n + 1, sizeof(uint32_t));
	for (size_t i = 0; i < c->n; i++)
		c->rows[i].nodes = snap_alloc((size_t)c->rows[i].count * sizeof(uint32_t) + 4);
	for (uint32_t n = 0; n < s->node_count; n++)
		if (row[n] != SNAP_NONE)
			c->rows[row[n]].nodes[fill[row[n]]++] = n;
	sort_snap = s;
	for (size_t i = 0; i < c->n; i++) {
		c->rows[i].n_nodes = fill[i];
		qsort(c->rows[i].nodes, fill[i], sizeof(uint32_t), cmp_id);
	}
	free(fill);
}

int snap_census(struct snapshot *s, uint32_t min_id, uint32_t max_id, int keep_nodes,
		struct snap_census *out)
{
	struct builder b = {.s = s, .c = out};
	int filtered = min_id < max_id;
	memset(out, 0, sizeof(*out));
	if (!s->analyzed)
		return util_error("snap_census: snapshot not analysed");
	b.by_cls = snap_calloc(s->str_count + 1, sizeof(uint32_t));
	uint32_t *row = snap_alloc((size_t)s->node_count * sizeof(uint32_t));
	for (uint32_t n = 0; n < s->node_count; n++) {
		row[n] = SNAP_NONE;
		if (!s->n_self[n] || (filtered && (s->n_id[n] <= min_id || s->n_id[n] > max_id)))
			continue;
		uint32_t r = row_of(&b, n);
		struct snap_class *c = &out->rows[r];
		row[n] = r;
		c->count++;
		c->self += s->n_self[n];
		c->raw_self += s->n_self_raw[n];
		if (s->distance[n] < c->distance)
			c->distance = s->distance[n];
		uint64_t w = s->retained ? s->retained[n] : s->n_self[n];
		uint64_t best = c->sample == SNAP_NONE ? 0
				: s->retained	       ? s->retained[c->sample]
						       : s->n_self[c->sample];
		if (c->sample == SNAP_NONE || w > best)
			c->sample = n;
	}
	if (s->dominated)
		class_retained(s, out, row);
	if (keep_nodes)
		keep_node_lists(s, out, row);
	free(row);
	free(b.by_cls);
	free(b.by_loc);
	util_buf_free(&b.key);
	return 0;
}

static int cmp_retained(const void *a, const void *b)
{
	const struct snap_class *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained < y->retained ? 1 : -1;
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	return strcmp(x->key, y->key);
}

void snap_census_sort_retained(struct snap_census *c)
{
	if (c->n)
		qsort(c->rows, c->n, sizeof(*c->rows), cmp_retained);
}

struct snap_class *snap_census_find(struct snap_census *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->rows[i].key, key))
			return &c->rows[i];
	return NULL;
}

void snap_census_free(struct snap_census *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->rows[i].key);
		free(c->rows[i].nodes);
	}
	free(c->rows);
	memset(c, 0, sizeof(*c));
}
