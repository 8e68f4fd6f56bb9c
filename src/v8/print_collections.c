/*
 * print_collections.c — Map and Set for ::jsprint: their entries, read from the
 * OrderedHashMap/OrderedHashSet behind JSMap/JSSet (ordered-hash-table.h: a
 * FixedArray holding element count, deleted count and bucket count, then the
 * buckets, then entries of [key, (value,) chain] in insertion order; deleted
 * entries have the hole as key). The table's shape is checked against its
 * length before any entry is read. WeakMap and WeakSet keep an
 * EphemeronHashTable instead (hash-table.h: element count, deleted count,
 * capacity, then [key, value] entries; empty keys are undefined, deleted ones
 * the hole), printed in its hash order.
 */
#include "v8/print_int.h"

#include <stdio.h>

enum { OHT_ELEMENTS, OHT_DELETED, OHT_BUCKETS, OHT_START };

struct table {
	v8_value t;
	int64_t used;	/* entries in use, deleted ones included */
	int64_t live;	/* live entries */
	int64_t first;	/* index of the first entry */
	int entry_size; /* slots per entry: key (+ value) + chain */
};

static int table_open(struct pr *p, v8_value coll, int is_map, struct table *tb)
{
	int64_t len, v[3];
	if (v8_field(p->v8, coll, p->K->collection_table, &tb->t) < 0 ||
	    v8_fixed_length(p->v8, tb->t, &len) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		v8_value s;
		if (v8_fixed_get(p->v8, tb->t, i, &s) < 0)
			return -1;
		if (!v8_is_smi(s))
			return util_error("hash table 0x%llx: header slot %d is not a Smi",
					  (unsigned long long)tb->t, i);
		v[i] = v8_smi(s);
	}
	int64_t buckets = v[OHT_BUCKETS];
	tb->entry_size = is_map ? 3 : 2;
	/* capacity = 2 * buckets (kLoadFactor); the length must match exactly */
	if (buckets <= 0 || (buckets & (buckets - 1)) || buckets > (1 << 28) ||
	    len != OHT_START + buckets + 2 * buckets * tb->entry_size || v[OHT_ELEMENTS] < 0 ||
	    v[OHT_DELETED] < 0 || v[OHT_ELEMENTS] + v[OHT_DELETED] > 2 * buckets)
		return util_error("hash table 0x%llx has an inconsistent shape (length %lld, "
				  "%lld buckets)",
				  (unsigned long long)tb->t, (long long)len, (long long)buckets);
	tb->live = v[OHT_ELEMENTS];
	tb->used = v[OHT_ELEMENTS] + v[OHT_DELETED];
	tb->first = OHT_START + buckets;
	return 0;
}

/* Entry separator: human entries are entries of the open container; JSON ones
 * are items of the "entries" array inside it. */
static void sep(struct pr *p, int *n)
{
	if (!p->o->json)
		pr_item(p);
	else if ((*n)++ > 0)
		util_buf_addc(p->out, ',');
}

static void entries(struct pr *p, const struct table *tb, int is_map)
{
	int n = 0;
	for (int64_t i = 0; i < tb->used && !p->stopped; i++) {
		int64_t at = tb->first + i * tb->entry_size;
		v8_value key, val = 0;
		if (v8_fixed_get(p->v8, tb->t, at, &key) < 0 ||
		    (is_map && v8_fixed_get(p->v8, tb->t, at + 1, &val) < 0)) {
			sep(p, &n);
			pr_unreadable(p);
			return;
		}
		if (v8_is_the_hole(p->v8, key))
			continue; /* deleted */
		sep(p, &n);
		if (!is_map) {
			pr_value(p, key);
			continue;
		}
		if (p->o->json) {
			util_buf_addc(p->out, '[');
			pr_value(p, key);
			util_buf_addc(p->out, ',');
			pr_value(p, val);
			util_buf_addc(p->out, ']');
		} else {
			pr_value(p, key);
			pr_text(p, " => ");
			pr_value(p, val);
		}
	}
}

static void pr_map_or_set(struct pr *p, v8_value v, int is_map)
{
	const char *kind = is_map ? "Map" : "Set";
	struct table tb;
	if (!p->K->known) {
		struct util_buf t = {0};
		v8_kinds_unknown(p->v8, kind, &t);
		pr_leaf(p, v, kind, t.data);
		util_buf_free(&t);
		return;
	}
	if (table_open(p, v, is_map, &tb) < 0) {
		pr_unreadable(p);
		return;
	}
	char label[48];
	snprintf(label, sizeof(label), "%s(%lld)", kind, (long long)tb.live);
	if (!pr_may_open(p, v, label))
		return;
	pr_open(p, v, label, kind, '{');
	if (p->o->json) {
		pr_key(p, "size", 1);
		util_buf_printf(p->out, "%lld", (long long)tb.live);
		pr_key(p, "entries", 1);
		util_buf_addc(p->out, '[');
		entries(p, &tb, is_map);
		util_buf_addc(p->out, ']');
	} else {
		entries(p, &tb, is_map);
	}
	pr_close(p, '}');
}

static int weak_table(struct pr *p, v8_value v, v8_value *t, int64_t *live, int64_t *cap)
{
	int64_t len, n[3];
	if (v8_field(p->v8, v, p->K->collection_table, t) < 0 ||
	    v8_fixed_length(p->v8, *t, &len) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		v8_value s;
		if (v8_fixed_get(p->v8, *t, i, &s) < 0)
			return -1;
		n[i] = v8_is_smi(s) ? v8_smi(s) : -1;
	}
	*live = n[0];
	*cap = n[2];
	if (*cap <= 0 || (*cap & (*cap - 1)) || *cap > (1 << 28) || len != 3 + 2 * *cap ||
	    *live < 0 || *live > *cap)
		return util_error("hash table 0x%llx has an inconsistent shape (length %lld, "
				  "capacity %lld)",
				  (unsigned long long)*t, (long long)len, (long long)*cap);
	return 0;
}

static void pr_weak(struct pr *p, v8_value v, int is_map)
{
	const char *kind = is_map ? "WeakMap" : "WeakSet";
	v8_value t;
	int64_t live, cap;
	int n = 0;
	if (weak_table(p, v, &t, &live, &cap) < 0) {
		pr_unreadable(p);
		return;
	}
	char label[48];
	snprintf(label, sizeof(label), "%s(%lld)", kind, (long long)live);
	if (!pr_may_open(p, v, label))
		return;
	pr_open(p, v, label, kind, '{');
	if (p->o->json) {
		pr_key(p, "entries", 1);
		util_buf_addc(p->out, '[');
	}
	for (int64_t i = 0; i < cap && !p->stopped; i++) {
		v8_value key, val;
		if (v8_fixed_get(p->v8, t, 3 + 2 * i, &key) < 0 ||
		    v8_fixed_get(p->v8, t, 4 + 2 * i, &val) < 0) {
			sep(p, &n);
			pr_unreadable(p);
			break;
		}
		if (v8_is_undefined(p->v8, key) || v8_is_the_hole(p->v8, key))
			continue;
		sep(p, &n);
		if (p->o->json && is_map)
			util_buf_addc(p->out, '[');
		pr_value(p, key);
		if (is_map) {
			pr_text(p, p->o->json ? "," : " => ");
			pr_value(p, val);
			if (p->o->json)
				util_buf_addc(p->out, ']');
		}
	}
	if (p->o->json)
		util_buf_addc(p->out, ']');
	pr_close(p, '}');
}

int pr_collection(struct pr *p, v8_value v, unsigned type)
{
	const struct v8_types *T = v8_types(p->v8);
	if ((int)type == T->js_map)
		pr_map_or_set(p, v, 1);
	else if ((int)type == T->js_set)
		pr_map_or_set(p, v, 0);
	else if (p->K->known && (int)type == v8_meta_type(p->v8, "JS_WEAK_MAP_TYPE"))
		pr_weak(p, v, 1);
	else if (p->K->known && (int)type == v8_meta_type(p->v8, "JS_WEAK_SET_TYPE"))
		pr_weak(p, v, 0);
	else
		return 0;
	return 1;
}
