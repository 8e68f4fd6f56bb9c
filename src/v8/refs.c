/*
 * refs.c — who refers to an object. A scan of every live object of the heap
 * walk for tagged slots (after the map word) equal to the target; objects whose
 * words are raw data (strings, byte and double arrays, bytecode, code) are not
 * read. A referrer that is an internal store is traced one level up to the
 * object that owns it, so the answer reads like JavaScript: a property `.name`,
 * an array element `[i]`, a closure variable `name` of function F (the context
 * slot named by its ScopeInfo), a Map key/value or Set entry, a bound argument.
 */
#include "v8/heap_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int v8_refs_build(struct v8_heap *heap, struct v8_refs **out)
{
	struct v8_refs *r = util_calloc(1, sizeof(*r));
	r->heap = heap;
	r->v8 = v8_heap_v8(heap);
	*out = r;
	return 0;
}

void v8_refs_free(struct v8_refs *r)
{
	free(r);
}

/* Objects made only of raw data after the map: no references to look for. */
static int is_raw_kind(struct v8_heap *h, unsigned type)
{
	const struct v8_layout *L = h->L;
	if ((int64_t)type < L->first_nonstring_type)
		return (type & L->str_repr_mask) == (uint64_t)L->str_tag_seq ||
		       (type & L->str_repr_mask) == (uint64_t)L->str_tag_external;
	int t = (int)type;
	return t == h->t_byte_array || t == h->t_fixed_double_array || t == h->t_bytecode_array ||
	       t == h->t_trusted_byte_array || t == h->T->heap_number || t == h->t_free_space ||
	       t == h->t_filler || t == h->T->code;
}

/* A small open-addressing set of tagged values (struct vset, heap_int.h). */

static size_t vslot(uint64_t x, size_t cap)
{
	return (size_t)((x >> 3) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

int vset_has(const struct vset *s, uint64_t x)
{
	uint64_t f = (x >> 3) & 0xffff;
	if (!(s->filter[f >> 6] >> (f & 63) & 1))
		return 0;
	for (size_t i = vslot(x, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (!s->v[i])
			return 0;
		if (s->v[i] == x)
			return 1;
	}
}

int vset_add(struct vset *s, uint64_t x)
{
	if ((s->n + 1) * 2 >= s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *nv = util_calloc(ncap, 8);
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i]) {
				size_t j = vslot(s->v[i], ncap);
				while (nv[j])
					j = (j + 1) & (ncap - 1);
				nv[j] = s->v[i];
			}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	uint64_t f = (x >> 3) & 0xffff;
	s->filter[f >> 6] |= 1ull << (f & 63);
	size_t i = vslot(x, s->cap);
	for (; s->v[i]; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == x)
			return 0;
	s->v[i] = x;
	s->n++;
	return 1;
}

/* The scan: calls fn(from, slot, target) for each slot of a live object equal
 * to a member of targets. */
struct scan {
	const struct vset *targets;
	ref_fn fn;
	void *arg;
};

static int scan_cb(struct v8_heap *h, const struct v8_heap_obj *o, void *arg)
{
	struct scan *s = arg;
	if (is_raw_kind(h, o->type))
		return 0;
	size_t n = o->size / 8;
	for (size_t i = 1; i < n; i++) {
		uint64_t w = o->words[i];
		if ((w & 3) == 1 && vset_has(s->targets, w))
			s->fn(h, o, i, w, s->arg);
	}
	return 0;
}

int refs_scan(struct v8_heap *h, const struct vset *targets, ref_fn fn, void *arg)
{
	struct scan s = {targets, fn, arg};
	return v8_heap_each(h, "references", scan_cb, &s);
}

/* Raw referrers. */
struct raw {
	struct v8_ref *refs;
	size_t n, cap;
};

static void raw_cb(struct v8_heap *h, const struct v8_heap_obj *o, size_t slot, uint64_t target,
		   void *arg)
{
	(void)h;
	(void)target;
	struct raw *r = arg;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->refs = util_realloc(r->refs, r->cap * sizeof(*r->refs));
	}
	struct v8_ref *ref = &r->refs[r->n++];
	memset(ref, 0, sizeof(*ref));
	ref->from = o->obj;
	ref->via = o->obj;
	snprintf(ref->how, sizeof(ref->how), "+%zu", slot * 8);
}

static int raw_referrers(struct v8_refs *r, v8_value target, struct v8_ref **out, size_t *n)
{
	struct vset t = {0};
	vset_add(&t, target);
	struct raw acc = {0};
	int rc = refs_scan(r->heap, &t, raw_cb, &acc);
	free(t.v);
	if (rc < 0) {
		free(acc.refs);
		return -1;
	}
	*out = acc.refs;
	*n = acc.n;
	return 0;
}

/* Describing one edge: how obj refers to target. */
struct find_prop {
	v8_value target;
	struct util_buf *out;
	int found;
};

static int prop_cb(struct v8 *v8, v8_value key, v8_value value, int is_accessor, void *arg)
{
	(void)is_accessor;
	struct find_prop *f = arg;
	if (value != f->target)
		return 0;
	util_buf_adds(f->out, ".");
	if (v8_name(v8, key, f->out) < 0) {
		util_clear_error();
		util_buf_adds(f->out, "?");
	}
	f->found = 1;
	return 1;
}

static int elem_cb(struct v8 *v8, int64_t index, const struct v8_elem *e, void *arg)
{
	(void)v8;
	struct find_prop *f = arg;
	if (e->is_double || e->v != f->target)
		return 0;
	util_buf_printf(f->out, "[%lld]", (long long)index);
	f->found = 1;
	return 1;
}

/* The name of context-local slot `slot` (word index) of a Context, from its
 * ScopeInfo's inline local names. */
static int context_var_name(struct v8 *v8, v8_value ctx, size_t slot, struct util_buf *out)
{
	const struct v8_layout *L = v8_layout(v8);
	int64_t idx = (int64_t)slot - 2; /* after map and length */
	int64_t local = idx - L->ctx_min_slots;
	v8_value si, cnt, name;
	if (local < 0 || v8_fixed_get(v8, ctx, L->ctx_scope_info_idx, &si) < 0 ||
	    v8_field(v8, si, 8 + 2 * 8, &cnt) < 0 || !v8_is_smi(cnt) || local >= v8_smi(cnt) ||
	    v8_smi(cnt) >= L->scope_inlined_names_max ||
	    v8_field(v8, si, 8 + (L->scope_first_var + local) * 8, &name) < 0 ||
	    v8_name(v8, name, out) < 0) {
		util_clear_error();
		return -1;
	}
	return 0;
}

int refs_describe_edge(struct v8 *v8, v8_value from, size_t slot, v8_value target,
		       struct util_buf *out)
{
	const struct v8_types *T = v8_types(v8);
	const struct v8_layout *L = v8_layout(v8);
	unsigned type = 0;
	if (v8_type(v8, from, &type) < 0) {
		util_clear_error();
		util_buf_printf(out, "+%zu", slot * 8);
		return 0;
	}
	if ((int)type >= T->first_js_receiver) {
		struct find_prop f = {target, out, 0};
		v8_object_each(v8, from, prop_cb, &f);
		if (!f.found)
			v8_elements_each(v8, from, 1 << 24, elem_cb, &f);
		util_clear_error();
		if (f.found)
			return 0;
		if ((int)type == T->js_bound_function)
			util_buf_printf(out, "<bound function slot +%zu>", slot * 8);
		else if ((int64_t)(slot * 8) == L->obj_properties)
			util_buf_adds(out, "<properties>");
		else if ((int64_t)(slot * 8) == L->obj_elements)
			util_buf_adds(out, "<elements>");
		else
			util_buf_printf(out, "<internal +%zu>", slot * 8);
		return 0;
	}
	if (T->first_context >= 0 && (int)type >= T->first_context &&
	    (int)type <= T->last_context) {
		util_buf_adds(out, "closure variable ");
		size_t before = out->len;
		if (context_var_name(v8, from, slot, out) < 0) {
			out->len = before;
			util_buf_printf(out, "<context slot %zu>", slot - 2);
		}
		return 0;
	}
	if ((int64_t)type >= L->first_nonstring_type && slot >= 2)
		util_buf_printf(out, "[%zu]", slot - 2);
	else
		util_buf_printf(out, "+%zu", slot * 8);
	return 0;
}

/* Resolving internal referrers to the JS object that owns them. */
struct owners {
	struct v8_ref *refs;
	size_t n;
	struct vset vias;
	/* for each ref: the owner found (0 none) and the owner's slot; for a
	 * context, the names of up to a few functions that close over it */
	v8_value *owner;
	size_t *owner_slot;
	struct util_buf *fn_names;
	int *nfn;
};

#define MAX_CLOSURE_NAMES 12

static void owner_cb(struct v8_heap *h, const struct v8_heap_obj *o, size_t slot, uint64_t target,
		     void *arg)
{
	struct owners *w = arg;
	const struct v8_types *T = h->T;
	int is_fn = o->type == (unsigned)T->js_function ||
		    (T->first_js_function >= 0 && (int)o->type >= T->first_js_function &&
		     (int)o->type <= T->last_js_function);
	/* owners are JS objects (elements, properties, Map tables, bound args) or
	 * functions (their context) */
	if ((int)o->type < T->first_js_receiver && !is_fn)
		return;
	for (size_t i = 0; i < w->n; i++) {
		if (w->refs[i].via != target)
			continue;
		if (is_fn && w->nfn[i] <= MAX_CLOSURE_NAMES) {
			struct v8_funcinfo fi;
			if (w->nfn[i] == MAX_CLOSURE_NAMES)
				util_buf_adds(&w->fn_names[i], ", ...");
			else if (v8_funcinfo(h->v8, o->obj, &fi) == 0) {
				util_buf_printf(&w->fn_names[i], "%s%s()", w->nfn[i] ? ", " : "",
						fi.name[0] ? fi.name : "<anonymous>");
				v8_funcinfo_free(&fi);
			}
			util_clear_error();
			w->nfn[i]++;
		}
		if (!w->owner[i]) {
			w->owner[i] = o->obj;
			w->owner_slot[i] = slot;
		}
	}
}

/* A slot of an OrderedHashMap/Set (a FixedArray: element count, deleted count,
 * bucket count, the buckets, then entries of key, value, chain for a Map or
 * key, chain for a Set; ordered-hash-table.h): "Map key", "Map value (key
 * ...)", "Set entry". */
void refs_map_entry(struct v8 *v8, v8_value table, size_t slot, int is_map, struct util_buf *b)
{
	v8_value nb, key;
	int64_t e = (int64_t)slot - 2, per = is_map ? 3 : 2;
	if (v8_fixed_get(v8, table, 2, &nb) < 0 || !v8_is_smi(nb) || e < 3 + v8_smi(nb)) {
		util_clear_error();
		util_buf_adds(b, is_map ? "Map entry" : "Set entry");
		return;
	}
	int64_t k = (e - 3 - v8_smi(nb)) % per;
	if (!is_map)
		util_buf_adds(b, "Set entry");
	else if (k == 0)
		util_buf_adds(b, "Map key");
	else {
		util_buf_adds(b, "Map value (key ");
		if (v8_fixed_get(v8, table, e - 1, &key) < 0 || v8_describe(v8, key, b) < 0)
			util_clear_error();
		util_buf_adds(b, ")");
	}
}

static void describe_ref(struct v8 *v8, struct v8_ref *ref, v8_value target, size_t slot,
			 v8_value owner, const char *fn_names)
{
	struct util_buf b = {0};
	const struct v8_types *T = v8_types(v8);
	unsigned vt = 0, ot = 0;
	v8_type(v8, ref->via, &vt);
	if (owner)
		v8_type(v8, owner, &ot);
	util_clear_error();
	int via_is_ctx =
	    T->first_context >= 0 && (int)vt >= T->first_context && (int)vt <= T->last_context;
	if (owner && via_is_ctx) {
		/* a closure variable: name it, and the function that closes over it */
		refs_describe_edge(v8, ref->via, slot, target, &b);
		if (fn_names && *fn_names)
			util_buf_printf(&b, " of %s", fn_names);
		ref->from = owner;
	} else if (owner && ((int)ot == T->js_map || (int)ot == T->js_set)) {
		/* OrderedHashMap/Set: entries after the header; keys and values alternate
		 * for a Map (entry = key, value, chain) */
		refs_map_entry(v8, ref->via, slot, (int)ot == T->js_map, &b);
		ref->from = owner;
	} else if (owner && (int)ot == T->js_bound_function) {
		util_buf_printf(&b, "bound argument [%zu]", slot >= 2 ? slot - 2 : 0);
		ref->from = owner;
	} else if (owner) {
		/* elements or property store of a JS object */
		struct find_prop f = {target, &b, 0};
		v8_object_each(v8, owner, prop_cb, &f);
		if (!f.found)
			v8_elements_each(v8, owner, 1 << 24, elem_cb, &f);
		util_clear_error();
		if (!f.found)
			util_buf_printf(&b, "[%zu] of its store 0x%llx", slot >= 2 ? slot - 2 : 0,
					(unsigned long long)ref->via);
		ref->from = owner;
	} else {
		refs_describe_edge(v8, ref->via, slot, target, &b);
	}
	snprintf(ref->how, sizeof(ref->how), "%s", b.data ? b.data : "?");
	util_buf_free(&b);
}

int v8_refs_describe(struct v8_refs *r, v8_value target, struct v8_ref **out, size_t *n)
{
	struct v8_ref *refs;
	size_t nrefs;
	if (!v8_heap_is_object(r->heap, target))
		return util_error("0x%llx is not the start of a live heap object",
				  (unsigned long long)target);
	if (raw_referrers(r, target, &refs, &nrefs) < 0)
		return -1;
	struct owners w = {refs,
			   nrefs,
			   {0},
			   util_calloc(nrefs + 1, sizeof(v8_value)),
			   util_calloc(nrefs + 1, sizeof(size_t)),
			   util_calloc(nrefs + 1, sizeof(struct util_buf)),
			   util_calloc(nrefs + 1, sizeof(int))};
	size_t *slots = util_calloc(nrefs + 1, sizeof(size_t));
	const struct v8_types *T = v8_types(r->v8);
	for (size_t i = 0; i < nrefs; i++) {
		slots[i] = (size_t)strtoull(refs[i].how + 1, NULL, 10) / 8;
		unsigned t = 0;
		if (v8_type(r->v8, refs[i].via, &t) == 0 && (int)t < T->first_js_receiver)
			vset_add(&w.vias, refs[i].via);
		util_clear_error();
	}
	int rc = 0;
	if (w.vias.n && refs_scan(r->heap, &w.vias, owner_cb, &w) < 0) {
		rc = -1;
	}
	for (size_t i = 0; i < nrefs && rc == 0; i++)
		describe_ref(r->v8, &refs[i], target, slots[i], w.owner[i], w.fn_names[i].data);
	for (size_t i = 0; i < nrefs; i++)
		util_buf_free(&w.fn_names[i]);
	free(w.fn_names);
	free(w.nfn);
	free(w.vias.v);
	free(w.owner);
	free(w.owner_slot);
	free(slots);
	if (rc < 0) {
		free(refs);
		return -1;
	}
	*out = refs;
	*n = nrefs;
	return 0;
}
