/*
 * diff.c — DevTools' Comparison view (calculateSnapshotDiff): for each class
 * key, merge the id-sorted instances of the base and the current snapshot;
 * ids only in the current one are new, ids only in the base are deleted. Sizes
 * are the (folded) shallow sizes each snapshot shows. V8 keeps object ids
 * stable across snapshots of one process, so equal ids are the same object.
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const struct snap_class empty_class;

static void diff_class(const struct snap_class *a, const struct snapshot *sa,
		       const struct snap_class *b, const struct snapshot *sb,
		       struct snap_diff_row *out, uint64_t *matched)
{
	uint32_t i = 0, j = 0;
	memset(out, 0, sizeof(*out));
	out->sample_id = 0;
	while (i < a->n_nodes || j < b->n_nodes) {
		uint32_t ia = i < a->n_nodes ? sa->n_id[a->nodes[i]] : UINT32_MAX;
		uint32_t ib = j < b->n_nodes ? sb->n_id[b->nodes[j]] : UINT32_MAX;
		int take_a = i < a->n_nodes && (j >= b->n_nodes || ia < ib);
		int take_b = j < b->n_nodes && (i >= a->n_nodes || ib < ia);
		if (take_a) {
			out->removed++;
			out->removed_size += sa->n_self[a->nodes[i]];
			if (!out->sample_id)
				out->sample_id = ia;
			i++;
		} else if (take_b) {
			out->added++;
			out->added_size += sb->n_self[b->nodes[j]];
			out->sample_id = ib; /* the newest added object */
			j++;
		} else {
			i++;
			j++;
			(*matched)++;
		}
	}
}

int snap_diff(struct snap_census *base, struct snapshot *sa, struct snap_census *cur,
	      struct snapshot *sb, struct snap_diff *out)
{
	size_t cap = base->n + cur->n + 1;
	memset(out, 0, sizeof(*out));
	out->rows = util_calloc(cap, sizeof(*out->rows));
	struct util_map cur_keys = {0};
	for (size_t k = 0; k < cur->n; k++)
		util_map_upsert(&cur_keys, cur->rows[k].key, strlen(cur->rows[k].key))->value =
		    &cur->rows[k];
	for (size_t k = 0; k < base->n; k++) {
		struct util_map_entry *me =
		    util_map_find(&cur_keys, base->rows[k].key, strlen(base->rows[k].key));
		const struct snap_class *b = me ? me->value : &empty_class;
		struct snap_diff_row *r = &out->rows[out->n];
		out->base_objects += base->rows[k].n_nodes;
		diff_class(&base->rows[k], sa, b, sb, r, &out->matched);
		if (me)
			me->value = NULL; /* matched */
		if (!r->added && !r->removed)
			continue;
		r->key = util_strdup(base->rows[k].key);
		r->name = util_strdup(me ? snap_str(sb, b->cls) : snap_str(sa, base->rows[k].cls));
		out->n++;
	}
	for (size_t k = 0; k < cur->n; k++) {
		struct util_map_entry *me =
		    util_map_find(&cur_keys, cur->rows[k].key, strlen(cur->rows[k].key));
		if (!me || !me->value)
			continue;
		struct snap_diff_row *r = &out->rows[out->n];
		diff_class(&empty_class, sa, &cur->rows[k], sb, r, &out->matched);
		if (!r->added && !r->removed)
			continue;
		r->key = util_strdup(cur->rows[k].key);
		r->name = util_strdup(snap_str(sb, cur->rows[k].cls));
		out->n++;
	}
	util_map_free(&cur_keys);
	return 0;
}

void snap_diff_free(struct snap_diff *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->rows[i].key);
		free(d->rows[i].name);
	}
	free(d->rows);
	memset(d, 0, sizeof(*d));
}
