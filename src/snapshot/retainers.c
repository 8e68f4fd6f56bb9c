/*
 * retainers.c — retaining paths, by DevTools' Retainers-view rules: a
 * retainer is an incoming edge that is not weak, not invisible and not from the
 * root; retainers are ranked by the retainer's distance, so following the
 * closest retainer from an object leads back to a user root (`global`) along a
 * shortest path. One path is given per distinct direct retainer, shortest first.
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

uint32_t snap_find_id(const struct snapshot *s, uint32_t id)
{
	for (uint32_t n = 0; n < s->node_count; n++)
		if (s->n_id[n] == id)
			return n;
	return SNAP_NONE;
}

static int counts(const struct snapshot *s, uint32_t ri)
{
	int t = s->e_type[s->ret_edge[ri]];
	return t != s->et_weak && t != s->et_invisible && s->ret_node[ri] != s->root;
}

/* The root edge leading to a root child, for the first hop of a path. */
static uint64_t root_edge(const struct snapshot *s, uint32_t child)
{
	for (uint32_t e = s->first_edge[s->root]; e < s->first_edge[s->root + 1]; e++)
		if (s->e_to[e] == child)
			return e;
	return UINT64_MAX;
}

/* Closest retainer of n by distance; ties go to the first in retainer order. */
static uint32_t closest(const struct snapshot *s, uint32_t n)
{
	uint32_t best = SNAP_NONE;
	for (uint32_t ri = s->ret_first[n]; ri < s->ret_first[n + 1]; ri++) {
		if (!counts(s, ri) || s->distance[s->ret_node[ri]] < 0)
			continue;
		if (best == SNAP_NONE ||
		    s->distance[s->ret_node[ri]] < s->distance[s->ret_node[best]])
			best = ri;
	}
	return best;
}

static int path_from(const struct snapshot *s, uint32_t start_ri, uint32_t target,
		     struct snap_path *p)
{
	uint32_t cap = 16, len = 0;
	uint32_t *nodes = util_malloc(cap * sizeof(uint32_t));
	uint64_t *edges = util_malloc(cap * sizeof(uint64_t));
	/* built backwards: target, its retainer, ... */
	nodes[len] = target;
	edges[len] = s->ret_edge[start_ri];
	len++;
	uint32_t n = s->ret_node[start_ri];
	for (uint32_t steps = 0; steps <= s->node_count; steps++) {
		if (len + 2 >= cap) {
			cap *= 2;
			nodes = util_realloc(nodes, cap * sizeof(uint32_t));
			edges = util_realloc(edges, cap * sizeof(uint64_t));
		}
		nodes[len] = n;
		int32_t d = s->distance[n];
		if (d == 1 || d == SNAP_BASE_SYSTEM_DISTANCE + 1) {
			edges[len++] = root_edge(s, n);
			nodes[len] = s->root;
			edges[len++] = UINT64_MAX;
			break;
		}
		if (n == target) { /* a cycle back to the object: not a path from a root */
			free(nodes);
			free(edges);
			return -1;
		}
		uint32_t ri = closest(s, n);
		if (ri == SNAP_NONE || s->distance[s->ret_node[ri]] >= d) {
			edges[len++] = UINT64_MAX; /* no way further up */
			break;
		}
		edges[len++] = s->ret_edge[ri];
		n = s->ret_node[ri];
	}
	/* reverse into root-first order: edges[i] goes from nodes[i] to nodes[i+1] */
	p->len = len;
	p->nodes = util_malloc(len * sizeof(uint32_t));
	p->edges = util_malloc(len * sizeof(uint64_t));
	for (uint32_t i = 0; i < len; i++)
		p->nodes[i] = nodes[len - 1 - i];
	/* edges[k] (backward) connects nodes[k+1] -> nodes[k]; forward index len-2-k */
	for (uint32_t k = 0; k + 1 < len; k++)
		p->edges[len - 2 - k] = edges[k];
	p->edges[len - 1] = UINT64_MAX;
	free(nodes);
	free(edges);
	return 0;
}

static const struct snapshot *sort_snap;
static int cmp_retainer(const void *a, const void *b)
{
	int32_t x = sort_snap->distance[sort_snap->ret_node[*(const uint32_t *)a]];
	int32_t y = sort_snap->distance[sort_snap->ret_node[*(const uint32_t *)b]];
	if (x != y)
		return (x > y) - (x < y);
	return (*(const uint32_t *)a > *(const uint32_t *)b) -
	       (*(const uint32_t *)a < *(const uint32_t *)b);
}

int snap_retaining_paths(struct snapshot *s, uint32_t target, uint32_t max_paths,
			 struct snap_path **paths, uint32_t *n_paths)
{
	*paths = NULL;
	*n_paths = 0;
	if (!s->analyzed)
		return util_error("snap_retaining_paths: snapshot not analysed");
	if (target == s->root || !max_paths)
		return 0;
	uint32_t total = 0, n = 0;
	uint32_t *cand = util_malloc(((size_t)s->ret_first[target + 1] - s->ret_first[target] + 1) *
				     sizeof(uint32_t));
	for (uint32_t ri = s->ret_first[target]; ri < s->ret_first[target + 1]; ri++)
		if (counts(s, ri) && s->distance[s->ret_node[ri]] >= 0)
			cand[total++] = ri;
	sort_snap = s;
	qsort(cand, total, sizeof(uint32_t), cmp_retainer);
	struct snap_path *out = util_calloc((size_t)max_paths, sizeof(*out));
	uint8_t *used = util_calloc(s->node_count, 1);
	for (uint32_t i = 0; i < total && n < max_paths; i++) {
		if (used[s->ret_node[cand[i]]])
			continue;
		used[s->ret_node[cand[i]]] = 1;
		if (path_from(s, cand[i], target, &out[n]) == 0)
			n++;
	}
	free(used);
	free(cand);
	*n_paths = n;
	*paths = out;
	return 0;
}

void snap_paths_free(struct snap_path *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(p[i].nodes);
		free(p[i].edges);
	}
	free(p);
}
