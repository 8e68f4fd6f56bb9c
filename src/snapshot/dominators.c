/*
 * dominators.c — the dominator tree and retained sizes, as DevTools computes
 * them (HeapSnapshot.calculateDominatorsAndRetainedSizes): the simple
 * Lengauer–Tarjan algorithm over essential edges, with an iterative DFS and an
 * iterative path compression (no recursion, so deep heaps cannot overflow the
 * stack); nodes reached only through non-essential edges are hung under the
 * root, first those with only non-essential retainers (DFS-ed from there), then
 * any left (cycles of garbage) one by one. Retained size = own size plus that
 * of every dominated node. Vertices are numbered 1..N, 0 means "none".
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

struct lt {
	const struct snapshot *s;
	uint32_t *parent, *ancestor, *vertex, *label, *semi, *dom, *next_edge, *stack;
	uint32_t *bucket_head, *bucket_next;
	uint32_t n;
};

static int is_essential(const struct snapshot *s, uint32_t e)
{
	return s->essential[e >> 3] & (1u << (e & 7));
}

static void dfs(struct lt *t, uint32_t root)
{
	const struct snapshot *s = t->s;
	t->next_edge[root - 1] = s->first_edge[root - 1];
	uint32_t v = root;
	while (v) {
		if (!t->semi[v]) {
			t->semi[v] = ++t->n;
			t->vertex[t->n] = t->label[v] = v;
		}
		uint32_t next = t->parent[v], vo = v - 1;
		for (; t->next_edge[vo] < s->first_edge[vo + 1]; t->next_edge[vo]++) {
			uint32_t e = t->next_edge[vo];
			if (!is_essential(s, e))
				continue;
			uint32_t w = s->e_to[e] + 1;
			if (!t->semi[w]) {
				t->parent[w] = v;
				t->next_edge[w - 1] = s->first_edge[w - 1];
				next = w;
				break;
			}
		}
		v = next;
	}
}

static void compress(struct lt *t, uint32_t v)
{
	uint32_t sp = 0;
	while (t->ancestor[t->ancestor[v]]) {
		t->stack[++sp] = v;
		v = t->ancestor[v];
	}
	while (sp) {
		uint32_t w = t->stack[sp--];
		if (t->semi[t->label[t->ancestor[w]]] < t->semi[t->label[w]])
			t->label[w] = t->label[t->ancestor[w]];
		t->ancestor[w] = t->ancestor[t->ancestor[w]];
	}
}

static uint32_t eval(struct lt *t, uint32_t v)
{
	if (!t->ancestor[v])
		return v;
	compress(t, v);
	return t->label[v];
}

static int only_weak_retainers(const struct snapshot *s, uint32_t ord)
{
	for (uint32_t i = s->ret_first[ord]; i < s->ret_first[ord + 1]; i++)
		if (is_essential(s, s->ret_edge[i]))
			return 0;
	return 1;
}

static void number_unreached(struct lt *t, uint32_t r)
{
	const struct snapshot *s = t->s;
	uint32_t count = s->node_count;
	if (t->n < count)
		for (uint32_t v = 1; v <= count; v++)
			if (!t->semi[v] && only_weak_retainers(s, v - 1)) {
				t->parent[v] = r;
				dfs(t, v);
			}
	if (t->n < count)
		for (uint32_t v = 1; v <= count; v++)
			if (!t->semi[v]) {
				t->parent[v] = r;
				t->semi[v] = ++t->n;
				t->vertex[t->n] = t->label[v] = v;
			}
}

static void main_loop(struct lt *t, uint32_t r)
{
	const struct snapshot *s = t->s;
	for (uint32_t i = t->n; i >= 2; i--) {
		uint32_t w = t->vertex[i], wo = w - 1;
		int orphan = 1;
		for (uint32_t ri = s->ret_first[wo]; ri < s->ret_first[wo + 1]; ri++) {
			if (!is_essential(s, s->ret_edge[ri]))
				continue;
			orphan = 0;
			uint32_t u = eval(t, s->ret_node[ri] + 1);
			if (t->semi[u] < t->semi[w])
				t->semi[w] = t->semi[u];
		}
		if (orphan)
			t->semi[w] = t->semi[r];
		uint32_t b = t->vertex[t->semi[w]];
		t->bucket_next[w] = t->bucket_head[b];
		t->bucket_head[b] = w;
		t->ancestor[w] = t->parent[w]; /* link */
		uint32_t p = t->parent[w];
		for (uint32_t v = t->bucket_head[p]; v; v = t->bucket_next[v]) {
			uint32_t u = eval(t, v);
			t->dom[v] = t->semi[u] < t->semi[v] ? u : p;
		}
		t->bucket_head[p] = 0;
	}
	t->dom[0] = t->dom[r] = r;
	for (uint32_t i = 2; i <= t->n; i++) {
		uint32_t w = t->vertex[i];
		if (t->dom[w] != t->vertex[t->semi[w]])
			t->dom[w] = t->dom[t->dom[w]];
	}
}

/* buildDominatedNodes: the dominator tree's children lists. */
static void dominated_nodes(struct snapshot *s)
{
	uint32_t n = s->node_count;
	s->dom_first = snap_calloc((size_t)n + 1, sizeof(uint32_t));
	s->dom_kids = snap_alloc((size_t)n * sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++)
		if (i != s->root)
			s->dom_first[s->dom[i]]++;
	uint32_t sum = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = s->dom_first[i];
		s->dom_first[i] = sum;
		sum += c;
	}
	s->dom_first[n] = sum;
	uint32_t *fill = snap_alloc(((size_t)n + 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++)
		fill[i] = s->dom_first[i + 1];
	for (uint32_t i = 0; i < n; i++)
		if (i != s->root)
			s->dom_kids[--fill[s->dom[i]]] = i;
	free(fill);
}

/* The dominator tree (s->dom) and the DFS order the retained sizes need. */
int snap_dominator_tree(struct snapshot *s)
{
	uint32_t count = s->node_count;
	size_t len = (size_t)count + 1;
	struct lt t = {.s = s};
	uint32_t **arrays[] = {&t.parent, &t.ancestor,	&t.label,	&t.semi,
			       &t.dom,	  &t.next_edge, &t.bucket_head, &t.bucket_next};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		*arrays[i] = snap_calloc(len, sizeof(uint32_t));
	t.vertex = snap_calloc(len, sizeof(uint32_t));
	uint32_t r = s->root + 1;
	dfs(&t, r);
	number_unreached(&t, r);
	t.stack = t.next_edge; /* the DFS is over: its edge cursors become compress's stack */
	main_loop(&t, r);
	s->dom = snap_alloc((size_t)count * sizeof(uint32_t));
	for (uint32_t i = 0; i < count; i++)
		s->dom[i] = t.dom[i + 1] - 1;
	for (uint32_t i = 1; i <= t.n; i++)
		t.vertex[i - 1] = t.vertex[i] - 1; /* DFS order, as node ordinals */
	s->dfs_order = t.vertex;
	s->dfs_count = t.n;
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		free(*arrays[i]);
	return 0;
}

/* Retained size: own (folded) size plus that of every dominated node, summed
 * up the tree in reverse DFS order; then the tree's children lists. */
void snap_retained_sizes(struct snapshot *s)
{
	uint32_t count = s->node_count;
	s->retained = snap_alloc((size_t)count * sizeof(uint64_t));
	memcpy(s->retained, s->n_self, (size_t)count * sizeof(uint64_t));
	for (uint32_t i = s->dfs_count; i > 1; i--) {
		uint32_t o = s->dfs_order[i - 1];
		s->retained[s->dom[o]] += s->retained[o];
	}
	free(s->dfs_order);
	s->dfs_order = NULL;
	dominated_nodes(s);
}

int snap_dominators(struct snapshot *s)
{
	if (snap_dominator_tree(s))
		return -1;
	snap_retained_sizes(s);
	return 0;
}

/* A max-heap of node ordinals by retained size. */
struct rheap {
	const struct snapshot *s;
	uint32_t *v;
	size_t n, cap;
};

static int bigger(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return s->retained[a] > s->retained[b] || (s->retained[a] == s->retained[b] && a < b);
}

static void rheap_push(struct rheap *h, uint32_t x)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->v = util_realloc(h->v, h->cap * sizeof(uint32_t));
	}
	size_t i = h->n++;
	while (i && bigger(h->s, x, h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = x;
}

static uint32_t rheap_pop(struct rheap *h)
{
	uint32_t top = h->v[0], x = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		uint32_t best = x;
		if (l < h->n && bigger(h->s, h->v[l], best))
			m = l, best = h->v[l];
		if (r < h->n && bigger(h->s, h->v[r], best))
			m = r;
		if (m == i)
			break;
		h->v[i] = h->v[m];
		i = m;
	}
	if (h->n)
		h->v[i] = x;
	return top;
}

static const struct snapshot *kid_snap;
static int cmp_kids(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return bigger(kid_snap, x, y) ? -1 : bigger(kid_snap, y, x) ? 1 : 0;
}

/* The biggest retained subtrees: the `want` nodes reached first when the
 * dominator tree is expanded from the root biggest-first, in tree order (each
 * node's kept children by decreasing retained size), with their depth. */
uint32_t snap_top_subtrees(struct snapshot *s, uint32_t want, uint32_t **nodes, uint32_t **depth)
{
	struct rheap h = {.s = s};
	uint8_t *kept = util_calloc(s->node_count, 1);
	uint32_t count = 0;
	for (uint32_t i = s->dom_first[s->root]; i < s->dom_first[s->root + 1]; i++)
		rheap_push(&h, s->dom_kids[i]);
	while (count < want && h.n) {
		uint32_t v = rheap_pop(&h);
		kept[v] = 1;
		count++;
		for (uint32_t i = s->dom_first[v]; i < s->dom_first[v + 1]; i++)
			rheap_push(&h, s->dom_kids[i]);
	}
	free(h.v);
	/* tree order: an explicit stack of (node, depth); kids pushed smallest first */
	*nodes = util_malloc(((size_t)count + 1) * sizeof(uint32_t));
	*depth = util_malloc(((size_t)count + 1) * sizeof(uint32_t));
	uint32_t *stack = util_malloc(((size_t)count + 1) * sizeof(uint32_t));
	uint32_t *sdepth = util_malloc(((size_t)count + 1) * sizeof(uint32_t));
	uint32_t *kids = util_malloc(((size_t)count + 1) * sizeof(uint32_t));
	uint32_t sp = 0, out = 0;
	kid_snap = s;
	for (int pass = 0; pass == 0 || sp; pass = 1) {
		uint32_t v = s->root, d = 0;
		if (pass) {
			v = stack[--sp];
			d = sdepth[sp];
			(*nodes)[out] = v;
			(*depth)[out++] = d;
		}
		uint32_t nk = 0;
		for (uint32_t i = s->dom_first[v]; i < s->dom_first[v + 1]; i++)
			if (kept[s->dom_kids[i]])
				kids[nk++] = s->dom_kids[i];
		qsort(kids, nk, sizeof(uint32_t), cmp_kids);
		while (nk) {
			stack[sp] = kids[--nk];
			sdepth[sp++] = pass ? d + 1 : 0;
		}
	}
	free(stack);
	free(sdepth);
	free(kids);
	free(kept);
	return out;
}
