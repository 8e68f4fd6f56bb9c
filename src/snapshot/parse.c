/*
 * parse.c — .heapsnapshot text to compact arrays, in one streaming pass.
 *
 * The layout is taken from snapshot.meta (node_fields, node_types, edge_fields,
 * edge_types, location_fields), never from fixed positions, because it drifts
 * between V8 versions. Sections are found by name, like DevTools' loader does.
 * Nodes become struct-of-arrays by ordinal, edges get their target as a node
 * ordinal, strings are unescaped into one blob with 64-bit offsets. Everything
 * the text claims (counts, indexes, types) is checked before anyone uses it.
 */
#include "snapshot/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum role { R_OTHER, R_TYPE, R_NAME, R_ID, R_SELF, R_EDGES, R_TO, R_DETACH };

struct loader {
	struct snapshot *s;
	struct snap_rd *r;
	enum snap_load_mode mode;
	int have_meta, have_nodes, have_edges, have_strings;
	/* schema */
	uint32_t node_fields, edge_fields, loc_fields;
	enum role node_role[64], edge_role[8];
	int loc_node, loc_script, loc_line, loc_col;
	int off[8]; /* field offset of each role (R_TYPE..R_DETACH), -1 if absent */
	int deferred; /* second thread: node count unknown yet, checked after the join */
	int split;    /* may read the sections after "nodes" in a second thread */
	uint64_t hdr_node_count, hdr_edge_count, hdr_root_index;
	int has_node_count, has_edge_count, has_detachedness;
	/* array fill state */
	uint32_t field;	   /* next field within the current record */
	uint64_t values;   /* values read in the current section */
	uint32_t cap;	   /* capacity of node / location arrays */
	uint64_t ecap;	   /* capacity of edge arrays */
	uint64_t edge_sum; /* running sum of node edge_count */
	uint32_t loc[4];
};

static int find_name(const struct snap_jv *arr, const char *name)
{
	if (!arr || arr->kind != JV_ARR)
		return -1;
	for (size_t i = 0; i < arr->n; i++)
		if (arr->items[i].kind == JV_STR && !strcmp(arr->items[i].str, name))
			return (int)i;
	return -1;
}

static int type_list(struct loader *L, const struct snap_jv *types, int field, char ***out,
		     uint32_t *n, const char *what)
{
	if (!types || types->kind != JV_ARR || field < 0 || (size_t)field >= types->n ||
	    types->items[field].kind != JV_ARR)
		return util_error("%s: snapshot.meta has no %s type list", L->s->path, what);
	const struct snap_jv *t = &types->items[field];
	if (t->n > 250)
		return util_error("%s: snapshot.meta has too many %s types", L->s->path, what);
	for (size_t i = 0; i < t->n; i++)
		if (t->items[i].kind != JV_STR)
			return util_error("%s: snapshot.meta: %s type %zu is not a string",
					  L->s->path, what, i);
	*out = util_calloc(t->n + 1, sizeof(char *));
	for (size_t i = 0; i < t->n; i++)
		(*out)[i] = util_strdup(t->items[i].str);
	*n = (uint32_t)t->n;
	return 0;
}

static int type_index(char **types, uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(types[i], name))
			return (int)i;
	return -1;
}

static int fields(struct loader *L, const struct snap_jv *f, const char *what, uint32_t *count)
{
	if (!f || f->kind != JV_ARR || f->n == 0 || f->n > 64)
		return util_error("%s: snapshot.meta has no usable %s", L->s->path, what);
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].kind != JV_STR)
			return util_error("%s: snapshot.meta: %s must be strings", L->s->path,
					  what);
	*count = (uint32_t)f->n;
	return 0;
}

static int node_schema(struct loader *L, const struct snap_jv *meta)
{
	struct snapshot *s = L->s;
	const struct snap_jv *nf = snap_jv_get(meta, "node_fields");
	if (fields(L, nf, "node_fields", &L->node_fields))
		return -1;
	static const struct {
		const char *name;
		enum role role;
	} need[] = {{"type", R_TYPE},
		    {"name", R_NAME},
		    {"id", R_ID},
		    {"self_size", R_SELF},
		    {"edge_count", R_EDGES}};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int at = find_name(nf, need[i].name);
		if (at < 0)
			return util_error("%s: snapshot.meta.node_fields lacks \"%s\"", s->path,
					  need[i].name);
		L->node_role[at] = need[i].role;
	}
	int det = find_name(nf, "detachedness");
	if (det >= 0)
		L->node_role[det] = R_DETACH;
	L->has_detachedness = det >= 0;
	if (type_list(L, snap_jv_get(meta, "node_types"), find_name(nf, "type"), &s->node_types,
		      &s->n_node_types, "node"))
		return -1;
	s->nt_hidden = type_index(s->node_types, s->n_node_types, "hidden");
	s->nt_array = type_index(s->node_types, s->n_node_types, "array");
	s->nt_string = type_index(s->node_types, s->n_node_types, "string");
	s->nt_object = type_index(s->node_types, s->n_node_types, "object");
	s->nt_code = type_index(s->node_types, s->n_node_types, "code");
	s->nt_closure = type_index(s->node_types, s->n_node_types, "closure");
	s->nt_regexp = type_index(s->node_types, s->n_node_types, "regexp");
	s->nt_number = type_index(s->node_types, s->n_node_types, "number");
	s->nt_native = type_index(s->node_types, s->n_node_types, "native");
	s->nt_synthetic = type_index(s->node_types, s->n_node_types, "synthetic");
	s->nt_cons_string = type_index(s->node_types, s->n_node_types, "concatenated string");
	s->nt_sliced_string = type_index(s->node_types, s->n_node_types, "sliced string");
	return 0;
}

static int edge_schema(struct loader *L, const struct snap_jv *meta)
{
	struct snapshot *s = L->s;
	const struct snap_jv *ef = snap_jv_get(meta, "edge_fields");
	if (fields(L, ef, "edge_fields", &L->edge_fields))
		return -1;
	if (L->edge_fields > 8)
		return util_error("%s: snapshot.meta has too many edge_fields", s->path);
	static const struct {
		const char *name;
		enum role role;
	} need[] = {{"type", R_TYPE}, {"name_or_index", R_NAME}, {"to_node", R_TO}};
	for (size_t i = 0; i < 3; i++) {
		int at = find_name(ef, need[i].name);
		if (at < 0)
			return util_error("%s: snapshot.meta.edge_fields lacks \"%s\"", s->path,
					  need[i].name);
		L->edge_role[at] = need[i].role;
	}
	char **t;
	uint32_t n;
	if (type_list(L, snap_jv_get(meta, "edge_types"), find_name(ef, "type"), &t, &n, "edge"))
		return -1;
	/* DevTools appends an "invisible" edge type that V8 never writes. */
	s->edge_types = util_realloc(t, (n + 2) * sizeof(char *));
	s->edge_types[n] = util_strdup("invisible");
	s->edge_types[n + 1] = NULL;
	s->n_edge_types = n + 1;
	s->et_context = type_index(s->edge_types, s->n_edge_types, "context");
	s->et_element = type_index(s->edge_types, s->n_edge_types, "element");
	s->et_property = type_index(s->edge_types, s->n_edge_types, "property");
	s->et_internal = type_index(s->edge_types, s->n_edge_types, "internal");
	s->et_hidden = type_index(s->edge_types, s->n_edge_types, "hidden");
	s->et_shortcut = type_index(s->edge_types, s->n_edge_types, "shortcut");
	s->et_weak = type_index(s->edge_types, s->n_edge_types, "weak");
	s->et_invisible = (int)n;
	return 0;
}

static int header_number(const struct snap_jv *h, const char *key, uint64_t *out)
{
	const struct snap_jv *v = snap_jv_get(h, key);
	if (!v)
		return 0;
	if (v->kind != JV_NUM || v->num < 0 || v->num > 1e18 || v->num != (double)(uint64_t)v->num)
		return -1;
	*out = (uint64_t)v->num;
	return 1;
}

static int header(struct loader *L)
{
	struct snapshot *s = L->s;
	struct snap_jv h;
	int rc = snap_rd_value(L->r, &h, 0);
	const struct snap_jv *meta = snap_jv_get(&h, "meta");
	if (rc)
		goto out;
	rc = -1;
	if (!meta || meta->kind != JV_OBJ) {
		util_error("%s: the \"snapshot\" header has no \"meta\" object", s->path);
		goto out;
	}
	if (node_schema(L, meta) || edge_schema(L, meta))
		goto out;
	const struct snap_jv *lf = snap_jv_get(meta, "location_fields");
	L->loc_node = find_name(lf, "object_index");
	L->loc_script = find_name(lf, "script_id");
	L->loc_line = find_name(lf, "line");
	L->loc_col = find_name(lf, "column");
	L->loc_fields = lf && lf->kind == JV_ARR ? (uint32_t)lf->n : 0;
	if (L->loc_fields > 64 || (L->loc_fields && (L->loc_node < 0 || L->loc_script < 0 ||
						     L->loc_line < 0 || L->loc_col < 0)))
		L->loc_fields = 0; /* an unknown location layout: ignore locations */
	int a = header_number(&h, "node_count", &L->hdr_node_count);
	int b = header_number(&h, "edge_count", &L->hdr_edge_count);
	int c = header_number(&h, "root_index", &L->hdr_root_index);
	int d = header_number(&h, "extra_native_bytes", &s->extra_native_bytes);
	if (a < 0 || b < 0 || c < 0 || d < 0) {
		util_error("%s: bad number in the \"snapshot\" header", s->path);
		goto out;
	}
	L->has_node_count = a;
	L->has_edge_count = b;
	L->have_meta = 1;
	rc = 0;
out:
	snap_jv_free(&h);
	return rc;
}

/* Capacity hint for a section: what the header says, but never more than the
 * bytes left in the file could hold (each value needs at least two bytes), so a
 * lying header cannot make us allocate without bound. */
static uint64_t hint(struct loader *L, uint64_t claimed, uint64_t per_record)
{
	uint64_t left =
	    L->s->file_size > snap_rd_offset(L->r) ? L->s->file_size - snap_rd_offset(L->r) : 0;
	uint64_t max = left / (2 * per_record) + 1;
	if (claimed > max)
		claimed = max;
	return claimed < 16 ? 16 : claimed;
}

static void *grow(void *p, size_t n)
{
	return p ? util_realloc(p, n) : snap_alloc(n);
}

static void grow_nodes(struct snapshot *s, struct loader *L, uint64_t want)
{
	if (want <= L->cap)
		return;
	uint64_t cap = L->cap ? (uint64_t)L->cap * 2 : 16;
	if (cap < want)
		cap = want;
	if (cap > UINT32_MAX - 2)
		cap = UINT32_MAX - 2;
	s->n_type = grow(s->n_type, cap);
	s->n_name = grow(s->n_name, cap * sizeof(uint32_t));
	s->n_id = grow(s->n_id, cap * sizeof(uint32_t));
	s->n_self = grow(s->n_self, cap * sizeof(uint64_t));
	s->first_edge = grow(s->first_edge, (cap + 1) * sizeof(uint32_t));
	if (L->has_detachedness)
		s->n_detached = grow(s->n_detached, cap);
	L->cap = (uint32_t)cap;
}

static void role_offsets(struct loader *L, const enum role *roles, uint32_t count)
{
	for (int k = 0; k < 8; k++)
		L->off[k] = -1;
	for (uint32_t k = 0; k < count; k++)
		if (roles[k] != R_OTHER)
			L->off[roles[k]] = (int)k;
}

/* Whole node records at once: the common case inside a chunk. */
static int node_records(struct loader *L, const uint64_t *v, size_t n, size_t *used)
{
	struct snapshot *s = L->s;
	const uint32_t F = L->node_fields;
	const int ot = L->off[R_TYPE], on = L->off[R_NAME], oi = L->off[R_ID], os = L->off[R_SELF],
		  oe = L->off[R_EDGES], od = L->off[R_DETACH];
	size_t i = 0;
	for (; i + F <= n; i += F) {
		const uint64_t *rec = v + i;
		uint32_t at = s->node_count;
		if (at >= UINT32_MAX - 3)
			return snap_rd_fail(L->r, "too many nodes");
		if (at >= L->cap)
			grow_nodes(s, L, (uint64_t)at + 1);
		if (rec[ot] >= s->n_node_types)
			return snap_rd_fail(L->r, "node type out of range");
		if ((rec[on] | rec[oi]) > UINT32_MAX)
			return snap_rd_fail(L->r, "node name or id out of range");
		s->n_type[at] = (uint8_t)rec[ot];
		s->n_name[at] = (uint32_t)rec[on];
		s->n_id[at] = (uint32_t)rec[oi];
		if ((rec[oi] & 1) && rec[oi] > s->max_js_id)
			s->max_js_id = (uint32_t)rec[oi];
		s->n_self[at] = rec[os];
		s->first_edge[at] = (uint32_t)L->edge_sum;
		L->edge_sum += rec[oe];
		if (L->edge_sum >= UINT32_MAX)
			return snap_rd_fail(L->r, "too many edges");
		if (od >= 0)
			s->n_detached[at] = (uint8_t)(rec[od] & 3);
		s->node_count++;
	}
	*used = i;
	return 0;
}

static int node_sink(void *ctx, const uint64_t *v, size_t n)
{
	struct loader *L = ctx;
	struct snapshot *s = L->s;
	for (size_t i = 0; i < n; i++) {
		if (L->field == 0 && n - i >= L->node_fields) {
			size_t used = 0;
			if (node_records(L, v + i, n - i, &used))
				return -1;
			i += used;
			if (i >= n)
				break;
		}
		uint32_t k = L->field;
		uint32_t at = s->node_count;
		if (k == 0) {
			if (at >= UINT32_MAX - 3)
				return snap_rd_fail(L->r, "too many nodes");
			grow_nodes(s, L, (uint64_t)at + 1);
		}
		switch (L->node_role[k]) {
		case R_TYPE:
			if (v[i] >= s->n_node_types)
				return snap_rd_fail(L->r, "node type out of range");
			s->n_type[at] = (uint8_t)v[i];
			break;
		case R_NAME:
			if (v[i] > UINT32_MAX)
				return snap_rd_fail(L->r, "node name index out of range");
			s->n_name[at] = (uint32_t)v[i];
			break;
		case R_ID:
			if (v[i] > UINT32_MAX)
				return snap_rd_fail(L->r, "node id out of range");
			s->n_id[at] = (uint32_t)v[i];
			if ((v[i] & 1) && v[i] > s->max_js_id)
				s->max_js_id = (uint32_t)v[i];
			break;
		case R_SELF:
			s->n_self[at] = v[i];
			break;
		case R_DETACH:
			s->n_detached[at] = (uint8_t)(v[i] & 3);
			break;
		case R_EDGES:
			s->first_edge[at] = (uint32_t)L->edge_sum;
			L->edge_sum += v[i];
			if (L->edge_sum >= UINT32_MAX)
				return snap_rd_fail(L->r, "too many edges");
			break;
		default:
			break;
		}
		if (++L->field == L->node_fields) {
			L->field = 0;
			s->node_count++;
		}
	}
	return 0;
}

static int nodes(struct loader *L)
{
	struct snapshot *s = L->s;
	if (!L->have_meta)
		return util_error("%s: \"nodes\" comes before the \"snapshot\" meta", s->path);
	if (L->have_nodes)
		return util_error("%s: two \"nodes\" sections", s->path);
	grow_nodes(s, L, hint(L, L->hdr_node_count, L->node_fields));
	role_offsets(L, L->node_role, L->node_fields);
	L->field = 0;
	if (snap_rd_uint_array(L->r, node_sink, L, "expected the nodes array"))
		return -1;
	if (L->field)
		return util_error("%s: the nodes array has %llu values, not a multiple of %u "
				  "node_fields",
				  s->path,
				  (unsigned long long)s->node_count * L->node_fields + L->field,
				  L->node_fields);
	if (L->has_node_count && L->hdr_node_count != s->node_count)
		return util_error(
		    "%s: snapshot.node_count is %llu but the nodes array has %u nodes", s->path,
		    (unsigned long long)L->hdr_node_count, s->node_count);
	if (!s->node_count)
		return util_error("%s: the snapshot has no nodes", s->path);
	s->first_edge[s->node_count] = (uint32_t)L->edge_sum;
	L->have_nodes = 1;
	return 0;
}

static void grow_edges(struct snapshot *s, struct loader *L, uint64_t want)
{
	if (want <= L->ecap)
		return;
	uint64_t cap = L->ecap ? L->ecap * 2 : 16;
	if (cap < want)
		cap = want;
	s->e_type = grow(s->e_type, cap);
	s->e_name = grow(s->e_name, cap * sizeof(uint32_t));
	s->e_to = grow(s->e_to, cap * sizeof(uint32_t));
	L->ecap = cap;
}

/* Whole edge records at once. */
static int edge_records(struct loader *L, const uint64_t *v, size_t n, size_t *used)
{
	struct snapshot *s = L->s;
	const uint32_t F = L->edge_fields, NF = L->node_fields;
	const int ot = L->off[R_TYPE], on = L->off[R_NAME], oto = L->off[R_TO];
	const uint64_t limit = L->deferred ? (uint64_t)UINT32_MAX * NF : (uint64_t)s->node_count * NF;
	size_t i = 0;
	for (; i + F <= n; i += F) {
		const uint64_t *rec = v + i;
		uint64_t at = s->edge_count;
		if (at >= L->edge_sum && !L->deferred)
			return snap_rd_fail(L->r, "more edges than the nodes' edge_count say");
		if (at >= UINT32_MAX - 1)
			return snap_rd_fail(L->r, "too many edges");
		if (at >= L->ecap)
			grow_edges(s, L, at + 1);
		if (rec[ot] >= s->n_edge_types - 1)
			return snap_rd_fail(L->r, "edge type out of range");
		if (rec[on] > UINT32_MAX)
			return snap_rd_fail(L->r, "edge name out of range");
		if (rec[oto] >= limit || rec[oto] % NF)
			return snap_rd_fail(L->r, "edge points outside the nodes array");
		s->e_type[at] = (uint8_t)rec[ot];
		s->e_name[at] = (uint32_t)rec[on];
		s->e_to[at] = (uint32_t)(rec[oto] / NF);
		s->edge_count++;
	}
	*used = i;
	return 0;
}

static int edge_sink(void *ctx, const uint64_t *v, size_t n)
{
	struct loader *L = ctx;
	struct snapshot *s = L->s;
	for (size_t i = 0; i < n; i++) {
		if (L->field == 0 && n - i >= L->edge_fields) {
			size_t used = 0;
			if (edge_records(L, v + i, n - i, &used))
				return -1;
			i += used;
			if (i >= n)
				break;
		}
		uint64_t at = s->edge_count;
		if (L->field == 0) {
			if ((at >= L->edge_sum && !L->deferred) || at >= UINT32_MAX - 1)
				return snap_rd_fail(L->r,
						    "more edges than the nodes' edge_count say");
			grow_edges(s, L, at + 1);
		}
		switch (L->edge_role[L->field]) {
		case R_TYPE:
			if (v[i] >= s->n_edge_types - 1)
				return snap_rd_fail(L->r, "edge type out of range");
			s->e_type[at] = (uint8_t)v[i];
			break;
		case R_NAME:
			if (v[i] > UINT32_MAX)
				return snap_rd_fail(L->r, "edge name out of range");
			s->e_name[at] = (uint32_t)v[i];
			break;
		case R_TO:
			if (v[i] % L->node_fields ||
			    v[i] / L->node_fields >= (L->deferred ? UINT32_MAX : s->node_count))
				return snap_rd_fail(L->r, "edge points outside the nodes array");
			s->e_to[at] = (uint32_t)(v[i] / L->node_fields);
			break;
		default:
			break;
		}
		if (++L->field == L->edge_fields) {
			L->field = 0;
			s->edge_count++;
		}
	}
	return 0;
}

static int edges(struct loader *L)
{
	struct snapshot *s = L->s;
	if (!L->have_nodes)
		return util_error("%s: \"edges\" comes before \"nodes\"", s->path);
	if (L->have_edges)
		return util_error("%s: two \"edges\" sections", s->path);
	grow_edges(s, L, hint(L, L->deferred ? L->hdr_edge_count : L->edge_sum, L->edge_fields));
	role_offsets(L, L->edge_role, L->edge_fields);
	L->field = 0;
	if (snap_rd_uint_array(L->r, edge_sink, L, "expected the edges array"))
		return -1;
	if (L->field || (!L->deferred && s->edge_count != L->edge_sum))
		return util_error("%s: the edges array holds %llu edges but the nodes' edge_count "
				  "add up to %llu",
				  s->path, (unsigned long long)s->edge_count,
				  (unsigned long long)L->edge_sum);
	if (L->has_edge_count && L->hdr_edge_count != s->edge_count)
		return util_error("%s: snapshot.edge_count is %llu but the edges array has %llu",
				  s->path, (unsigned long long)L->hdr_edge_count,
				  (unsigned long long)s->edge_count);
	L->have_edges = 1;
	return 0;
}

static int loc_sink(void *ctx, const uint64_t *v, size_t n)
{
	struct loader *L = ctx;
	struct snapshot *s = L->s;
	for (size_t i = 0; i < n; i++) {
		int k = (int)L->field;
		uint32_t val = v[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)v[i];
		if (k == L->loc_node)
			L->loc[0] = val;
		else if (k == L->loc_script)
			L->loc[1] = val;
		else if (k == L->loc_line)
			L->loc[2] = val;
		else if (k == L->loc_col)
			L->loc[3] = val;
		if (++L->field < L->loc_fields)
			continue;
		L->field = 0;
		if (L->loc[0] % L->node_fields ||
		    (!L->deferred && L->loc[0] / L->node_fields >= s->node_count))
			return snap_rd_fail(L->r, "location points outside the nodes array");
		if (s->loc_count == L->cap) {
			L->cap = L->cap ? L->cap * 2 : 64;
			s->locs = util_realloc(s->locs, (size_t)L->cap * sizeof(*s->locs));
		}
		s->locs[s->loc_count++] = (struct snap_location){L->loc[0] / L->node_fields,
								 L->loc[1], L->loc[2], L->loc[3]};
	}
	return 0;
}

static int cmp_loc(const void *a, const void *b)
{
	const struct snap_location *x = a, *y = b;
	return (x->node > y->node) - (x->node < y->node);
}

static int locations(struct loader *L)
{
	if (!L->have_nodes || !L->loc_fields)
		return snap_rd_skip_value(L->r);
	L->field = 0;
	L->cap = 0;
	if (snap_rd_uint_array(L->r, loc_sink, L, "expected the locations array"))
		return -1;
	if (L->field)
		return util_error("%s: the locations array is not a multiple of location_fields",
				  L->s->path);
	uint32_t i = 1; /* V8 writes them in node order: sort only when not */
	while (i < L->s->loc_count && L->s->locs[i - 1].node <= L->s->locs[i].node)
		i++;
	if (i < L->s->loc_count)
		qsort(L->s->locs, L->s->loc_count, sizeof(*L->s->locs), cmp_loc);
	return 0;
}

static int strings(struct loader *L)
{
	struct snapshot *s = L->s;
	struct snap_rd *r = L->r;
	struct util_buf b = {0};
	if (L->have_strings)
		return util_error("%s: two \"strings\" sections", s->path);
	if (snap_rd_expect(r, '[', "expected the strings array"))
		return -1;
	snap_rd_skip_ws(r);
	if (snap_rd_peek(r) == ']') {
		r->pos++;
	} else {
		for (;;) {
			if (s->str_count + 2 >= s->str_cap) {
				if (s->str_cap >= UINT32_MAX / 2) {
					util_buf_free(&b);
					return snap_rd_fail(r, "too many strings");
				}
				s->str_cap = s->str_cap ? s->str_cap * 2 : 1024;
				s->str_off =
				    util_realloc(s->str_off, (size_t)s->str_cap * sizeof(uint64_t));
			}
			s->str_off[s->str_count++] = b.len;
			if (snap_rd_string(r, &b, SIZE_MAX / 2)) {
				util_buf_free(&b);
				return -1;
			}
			util_buf_addc(&b, 0);
			snap_rd_skip_ws(r);
			int c = snap_rd_peek(r);
			r->pos++;
			if (c == ']')
				break;
			if (c != ',') {
				r->pos--;
				util_buf_free(&b);
				return snap_rd_fail(r, "expected ',' in the strings array");
			}
		}
	}
	if (!s->str_off)
		s->str_off = util_malloc(sizeof(uint64_t));
	s->str_off[s->str_count] = b.len;
	s->strs = b.data ? b.data : util_calloc(1, 1);
	s->strs_len = b.len;
	s->strs_cap = b.cap;
	L->have_strings = 1;
	return 0;
}

static int section(struct loader *L, const char *key)
{
	if (!strcmp(key, "snapshot"))
		return L->have_meta ? util_error("%s: two \"snapshot\" headers", L->s->path)
				    : header(L);
	if (!strcmp(key, "nodes"))
		return nodes(L);
	if (L->mode == SNAP_LOAD_FULL) {
		if (!strcmp(key, "edges"))
			return edges(L);
		if (!strcmp(key, "locations"))
			return locations(L);
		if (!strcmp(key, "strings"))
			return strings(L);
	}
	return snap_rd_skip_value(L->r);
}

/* Checks the indexes that could only be checked once every section was read. */
static int validate(struct loader *L)
{
	struct snapshot *s = L->s;
	if (!L->have_meta || !L->have_nodes)
		return util_error("%s: not a heap snapshot (no \"%s\" section)", s->path,
				  L->have_meta ? "nodes" : "snapshot");
	if (L->hdr_root_index % L->node_fields ||
	    L->hdr_root_index / L->node_fields >= s->node_count)
		return util_error("%s: snapshot.root_index is outside the nodes array", s->path);
	s->root = (uint32_t)(L->hdr_root_index / L->node_fields);
	if (L->mode != SNAP_LOAD_FULL)
		return 0;
	if (!L->have_edges || !L->have_strings)
		return util_error("%s: not a heap snapshot (no \"%s\" section)", s->path,
				  L->have_edges ? "strings" : "edges");
	for (uint32_t i = 0; i < s->node_count; i++)
		if (s->n_name[i] >= s->str_count)
			return util_error("%s: node %u names string %u of %u", s->path, i,
					  s->n_name[i], s->str_count);
	for (uint64_t e = 0; e < s->edge_count; e++) {
		int t = s->e_type[e];
		if (t != s->et_element && t != s->et_hidden && s->e_name[e] >= s->str_count)
			return util_error("%s: edge %llu names string %u of %u", s->path,
					  (unsigned long long)e, s->e_name[e], s->str_count);
	}
	return 0;
}

static int split_after_nodes(struct loader *L);

/* "key": value pairs up to the closing brace. after_value: the reader stands
 * after a value (a ',' or the '}' comes next), else right after the '{'. */
static int sections(struct loader *L, int after_value)
{
	struct snap_rd *r = L->r;
	struct util_buf key = {0};
	int rc = -1;
	snap_rd_skip_ws(r);
	if (!after_value && snap_rd_peek(r) == '}') {
		r->pos++;
		rc = 0;
		goto out;
	}
	for (;; after_value = 1) {
		if (after_value) {
			snap_rd_skip_ws(r);
			int c = snap_rd_peek(r);
			r->pos++;
			if (c == '}') {
				rc = 0;
				break;
			}
			if (c != ',') {
				r->pos--;
				snap_rd_fail(r, "expected ',' between sections");
				goto out;
			}
		}
		util_buf_reset(&key);
		if (snap_rd_string(r, &key, 4096) || snap_rd_expect(r, ':', "expected ':'"))
			goto out;
		if (L->split && L->have_meta && !L->have_nodes && key.data && !strcmp(key.data, "nodes")) {
			rc = split_after_nodes(L); /* the second thread read the rest */
			goto out;
		}
		if (section(L, key.data ? key.data : ""))
			goto out;
		if (L->mode == SNAP_LOAD_NODES_ONLY && L->have_nodes) {
			rc = 0; /* the rest is not needed */
			break;
		}
	}
out:
	util_buf_free(&key);
	return rc;
}

/* The second reader: skips the nodes array (digits and commas only) and reads
 * every section after it, while the first thread parses the nodes. */
struct split {
	struct loader L;
	struct snap_rd r;
	int rc, done;
	uint64_t offset; /* how far the second reader got, for the progress line */
	char err[1024];
};

static void *after_nodes_thread(void *arg)
{
	struct split *sp = arg;
	struct snap_rd *r = &sp->r;
	sp->rc = -1;
	if (!snap_rd_expect(r, '[', "expected the nodes array")) {
		for (;;) {
			snap_rd_fill(r, 1);
			if (r->pos >= r->len) {
				snap_rd_fail(r, "unterminated nodes array");
				break;
			}
			const char *b = memchr(r->buf + r->pos, ']', r->len - r->pos);
			if (b) {
				r->pos = (size_t)(b - r->buf) + 1;
				sp->rc = sections(&sp->L, 1);
				break;
			}
			r->pos = r->len;
		}
	}
	if (sp->rc)
		snprintf(sp->err, sizeof(sp->err), "%s", util_last_error());
	__atomic_store_n(&sp->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Checks what the second thread could not know: the node count. */
static int check_after_split(struct loader *L)
{
	struct snapshot *s = L->s;
	if (L->have_edges && s->edge_count != L->edge_sum)
		return util_error("%s: the edges array holds %llu edges but the nodes' edge_count "
				  "add up to %llu",
				  s->path, (unsigned long long)s->edge_count,
				  (unsigned long long)L->edge_sum);
	for (uint64_t e = 0; e < s->edge_count; e++)
		if (s->e_to[e] >= s->node_count)
			return util_error("%s: edge %llu points outside the nodes array", s->path,
					  (unsigned long long)e);
	for (uint32_t i = 0; i < s->loc_count; i++)
		if (s->locs[i].node >= s->node_count)
			return util_error("%s: a location points outside the nodes array", s->path);
	return 0;
}

static int split_after_nodes(struct loader *L)
{
	struct split *sp = util_calloc(1, sizeof(*sp));
	pthread_t t;
	int rc = -1;
	sp->L = *L;
	sp->L.r = &sp->r;
	sp->L.deferred = 1;
	sp->L.have_nodes = 1;
	sp->L.split = 0;
	sp->r.name = L->r->name;
	sp->r.publish = &sp->offset;
	sp->r.fd = L->r->fd; /* the same file, read with pread from the nodes on */
	sp->r.positional = 1;
	sp->r.base = snap_rd_offset(L->r);
	sp->r.cap = 1 << 20;
	sp->r.buf = util_malloc(sp->r.cap);
	int threaded = pthread_create(&t, NULL, after_nodes_thread, sp) == 0;
	if (!threaded) { /* no second thread: the ordinary way */
		free(sp->r.buf);
		free(sp);
		L->split = 0;
		return section(L, "nodes") ? -1 : sections(L, 1);
	}
	L->r->other = &sp->offset;
	int a = nodes(L);
	while (L->s->progress && !__atomic_load_n(&sp->done, __ATOMIC_ACQUIRE)) {
		snap_rd_report(L->r);
		usleep(100000);
	}
	pthread_join(t, NULL);
	L->r->other = NULL;
	free(sp->r.buf);
	if (a == 0 && sp->rc)
		util_error("%s", sp->err);
	if (a == 0 && sp->rc == 0) {
		L->have_edges = sp->L.have_edges;
		L->have_strings = sp->L.have_strings;
		rc = check_after_split(L);
	}
	free(sp);
	return rc;
}

static int parse(struct loader *L)
{
	struct snap_rd *r = L->r;
	int rc = -1;
	snap_progress(L->s, "parsing");
	if (!snap_rd_expect(r, '{', "expected '{' at the start") && !sections(L, 0))
		rc = validate(L);
	if (L->s->progress)
		fputs("\r\033[K", stderr);
	return rc;
}

static void init(struct snapshot *s, struct loader *L, struct snap_rd *r, const char *path,
		 enum snap_load_mode mode)
{
	memset(s, 0, sizeof(*s));
	memset(L, 0, sizeof(*L));
	s->path = util_strdup(path);
	L->s = s;
	L->r = r;
	L->mode = mode;
	r->s = s;
	r->name = s->path;
}

int snap_load(struct snapshot *s, const char *path, enum snap_load_mode mode)
{
	struct loader L;
	struct snap_rd r = {0};
	struct stat st;
	init(s, &L, &r, path, mode);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return util_error("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return util_error("%s: is a directory", path);
	}
	s->file_size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : UINT64_MAX / 4;
	s->progress = util_stderr_is_tty() && S_ISREG(st.st_mode) && st.st_size > (100 << 20);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	const char *split = getenv("NODESCOPE_SPLIT_PARSE"); /* "always" / "never", for tests */
	L.split = mode == SNAP_LOAD_FULL && S_ISREG(st.st_mode) &&
		  (split ? !strcmp(split, "always") : st.st_size >= (16 << 20));
	r.fd = fd;
	r.cap = 1 << 20;
	r.buf = util_malloc(r.cap);
	int rc = parse(&L);
	free(r.buf);
	close(fd);
	return rc;
}

int snap_load_mem(struct snapshot *s, const char *data, size_t len, enum snap_load_mode mode)
{
	struct loader L;
	struct snap_rd r = {0};
	init(s, &L, &r, "<memory>", mode);
	s->file_size = len;
	r.fd = -1;
	r.buf = (char *)data; /* never written: eof is set, so nothing refills it */
	r.len = len;
	r.cap = len;
	r.eof = 1;
	return parse(&L);
}

void snap_free(struct snapshot *s)
{
	for (uint32_t i = 0; s->node_types && s->node_types[i]; i++)
		free(s->node_types[i]);
	for (uint32_t i = 0; s->edge_types && s->edge_types[i]; i++)
		free(s->edge_types[i]);
	void *p[] = {s->path,	   s->node_types, s->edge_types, s->n_type,	s->n_name,
		     s->n_id,	   s->n_detached, s->n_self,	 s->n_self_raw, s->first_edge,
		     s->e_type,	   s->e_name,	  s->e_to,	 s->strs,	s->str_off,
		     s->locs,	   s->ret_first,  s->ret_edge,	 s->ret_node,	s->flags,
		     s->essential, s->distance,	  s->dom,	 s->dfs_order,	s->retained,
		     s->dom_first, s->dom_kids,	  s->cls};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		free(p[i]);
	memset(s, 0, sizeof(*s));
}
