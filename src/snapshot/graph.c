/*
 * graph.c — the passes DevTools' HeapSnapshot.initialize runs over a parsed
 * snapshot, in its order: retainers (reverse edges), page-owned flags,
 * essential edges (which edges may dominate), shallow-size folding of
 * hidden/array objects into their single owner, distances from the user roots,
 * class names, then dominators and retained sizes (dominators.c).
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Progress on a terminal; with NODESCOPE_TIMING set, the time of each phase. */
void snap_progress(const struct snapshot *s, const char *phase)
{
	static double last;
	static const char *last_phase;
	if (getenv("NODESCOPE_TIMING")) {
		double t = now();
		if (last_phase)
			fprintf(stderr, "timing: %-45s %7.3f s\n", last_phase, t - last);
		last = t;
		last_phase = phase;
	}
	if (s->progress && phase) {
		fprintf(stderr, "\r\033[Knodescope: %s", phase);
		fflush(stderr);
	}
}

/* Reverse CSR: for each node, the edges pointing at it (DevTools buildRetainers,
 * which fills each slice from its end, so the order within a slice is by
 * decreasing source ordinal). */
int snap_build_retainers(struct snapshot *s)
{
	uint32_t n = s->node_count;
	uint64_t m = s->edge_count;
	s->ret_first = snap_calloc((size_t)n + 1, sizeof(uint32_t));
	s->ret_edge = snap_alloc((size_t)m * sizeof(uint32_t) + 4);
	s->ret_node = snap_alloc((size_t)m * sizeof(uint32_t) + 4);
	uint32_t *fill = snap_calloc((size_t)n + 1, sizeof(uint32_t));
	for (uint64_t e = 0; e < m; e++)
		s->ret_first[s->e_to[e]]++;
	uint32_t sum = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = s->ret_first[i];
		s->ret_first[i] = sum;
		sum += c;
		fill[i] = sum; /* next free slot, counting down */
	}
	s->ret_first[n] = sum;
	for (uint32_t src = 0; src < n; src++)
		for (uint32_t e = s->first_edge[src]; e < s->first_edge[src + 1]; e++) {
			uint32_t slot = --fill[s->e_to[e]];
			s->ret_edge[slot] = e;
			s->ret_node[slot] = src;
		}
	free(fill);
	return 0;
}

struct dom_state {
	struct snapshot *s;
	uint8_t *visited;
	uint32_t *attached, *detached;
	uint32_t n_att, n_det;
	uint32_t *renamed; /* old name string -> "Detached " name + 1 */
};

static void dom_visit(struct dom_state *d, uint32_t n, uint8_t state)
{
	struct snapshot *s = d->s;
	if (d->visited[n])
		return;
	d->visited[n] = 1;
	if ((int)s->n_type[n] != s->nt_native)
		return;
	s->n_detached[n] = state;
	if (state == 1) {
		d->attached[d->n_att++] = n;
	} else if (state == 2) {
		uint32_t old = s->n_name[n];
		if (!d->renamed[old]) {
			char *name = util_asprintf("Detached %s", snap_str(s, old));
			d->renamed[old] = snap_add_string(s, name, strlen(name)) + 1;
			free(name);
		}
		s->n_name[n] = d->renamed[old] - 1;
		d->detached[d->n_det++] = n;
	}
}

static void dom_children(struct dom_state *d, uint32_t n, uint8_t state)
{
	struct snapshot *s = d->s;
	for (uint32_t e = s->first_edge[n]; e < s->first_edge[n + 1]; e++) {
		int t = s->e_type[e];
		if (t != s->et_hidden && t != s->et_invisible && t != s->et_weak)
			dom_visit(d, s->e_to[e], state);
	}
}

/* propagateDOMState: natives reachable from an attached native are attached;
 * the rest reachable from a detached one are detached and renamed "Detached X"
 * (Node marks some embedder objects this way too). */
void snap_propagate_dom_state(struct snapshot *s)
{
	if (!s->n_detached)
		return;
	struct dom_state d = {.s = s};
	d.visited = snap_calloc(s->node_count, 1);
	d.attached = snap_alloc((size_t)s->node_count * sizeof(uint32_t));
	d.detached = snap_alloc((size_t)s->node_count * sizeof(uint32_t));
	d.renamed = snap_calloc((size_t)s->str_count + 1, sizeof(uint32_t));
	for (uint32_t n = 0; n < s->node_count; n++)
		if (s->n_detached[n])
			dom_visit(&d, n, s->n_detached[n]);
	while (d.n_att)
		dom_children(&d, d.attached[--d.n_att], 1);
	while (d.n_det) {
		uint32_t n = d.detached[--d.n_det];
		if (s->n_detached[n] != 1)
			dom_children(&d, n, 2);
	}
	free(d.visited);
	free(d.attached);
	free(d.detached);
	free(d.renamed);
}

static int is_doc_dom_trees(const struct snapshot *s, uint32_t n)
{
	return (int)s->n_type[n] == s->nt_synthetic &&
	       !strcmp(snap_str(s, s->n_name[n]), "(Document DOM trees)");
}

/* A root child is a user root when it is not synthetic (Node's `global`,
 * a browser's Window), or the synthetic "(Document DOM trees)". */
static int is_user_root(const struct snapshot *s, uint32_t n)
{
	return (int)s->n_type[n] != s->nt_synthetic || is_doc_dom_trees(s, n);
}

/* markPageOwnedNodes: from the root's shortcut targets (and Document DOM
 * trees), over non-weak edges. */
void snap_mark_page_owned(struct snapshot *s)
{
	uint32_t *stack = snap_alloc((size_t)s->node_count * sizeof(uint32_t));
	uint32_t sp = 0, r = s->root;
	s->flags = snap_calloc(s->node_count, 1);
	for (uint32_t e = s->first_edge[r]; e < s->first_edge[r + 1]; e++) {
		uint32_t to = s->e_to[e];
		if ((int)s->e_type[e] == s->et_element) {
			if (!is_doc_dom_trees(s, to))
				continue;
		} else if ((int)s->e_type[e] != s->et_shortcut) {
			continue;
		}
		if (sp < s->node_count)
			stack[sp++] = to;
		s->flags[to] |= SNAP_FLAG_PAGE;
	}
	while (sp) {
		uint32_t n = stack[--sp];
		for (uint32_t e = s->first_edge[n]; e < s->first_edge[n + 1]; e++) {
			uint32_t to = s->e_to[e];
			if ((s->flags[to] & SNAP_FLAG_PAGE) || (int)s->e_type[e] == s->et_weak)
				continue;
			s->flags[to] |= SNAP_FLAG_PAGE;
			stack[sp++] = to;
		}
	}
	free(stack);
}

static int essential(const struct snapshot *s, uint32_t n, uint32_t e, uint8_t *not_weakmap)
{
	int t = s->e_type[e];
	if (t == s->et_internal && !(not_weakmap[s->e_name[e] >> 3] & (1u << (s->e_name[e] & 7)))) {
		uint32_t table;
		size_t off;
		if (!snap_weakmap_edge(snap_str(s, s->e_name[e]), &table, &off))
			not_weakmap[s->e_name[e] >> 3] |= (uint8_t)(1u << (s->e_name[e] & 7));
		else if (s->n_id[n] == table)
			return 0; /* the table's copy of an ephemeron edge */
	}
	if (t == s->et_weak)
		return 0;
	uint32_t to = s->e_to[e];
	if (to == n)
		return 0;
	if (n != s->root) {
		if (t == s->et_shortcut)
			return 0;
		if ((s->flags[to] & SNAP_FLAG_PAGE) && !(s->flags[n] & SNAP_FLAG_PAGE))
			return 0;
	}
	return 1;
}

/* computeIsEssentialEdge for every edge: no weak edges, no self edges, no
 * WeakMap table->value edges, and below the root no shortcuts and no edges from
 * non-page-owned into page-owned objects. */
void snap_essential_edges(struct snapshot *s)
{
	uint8_t *not_weakmap = snap_calloc(s->str_count / 8 + 1, 1);
	s->essential = snap_calloc((size_t)(s->edge_count / 8 + 1), 1);
	for (uint32_t n = 0; n < s->node_count; n++)
		for (uint32_t e = s->first_edge[n]; e < s->first_edge[n + 1]; e++)
			if (essential(s, n, e, not_weakmap))
				s->essential[e >> 3] |= (uint8_t)(1u << (e & 7));
	free(not_weakmap);
}

static int has_user_roots(const struct snapshot *s)
{
	for (uint32_t e = s->first_edge[s->root]; e < s->first_edge[s->root + 1]; e++)
		if (is_user_root(s, s->e_to[e]))
			return 1;
	return 0;
}

/* calculateShallowSizes: each hidden or array object (and native
 * "system / ExternalStringData") reachable from exactly one ordinary object
 * gets its shallow size moved into that owner. */
void snap_fold_shallow_sizes(struct snapshot *s)
{
	const uint32_t unvisited = 0xffffffffu, multiple = 0xfffffffeu;
	uint32_t n = s->node_count;
	s->n_self_raw = snap_alloc((size_t)n * sizeof(uint64_t));
	memcpy(s->n_self_raw, s->n_self, (size_t)n * sizeof(uint64_t));
	if (!has_user_roots(s))
		return;
	uint32_t *owner = snap_alloc((size_t)n * sizeof(uint32_t));
	/* each node is pushed at most twice (first owner, then "multiple") */
	uint32_t *work = snap_alloc((size_t)n * 2 * sizeof(uint32_t) + 4);
	uint64_t sp = 0;
	for (uint32_t i = 0; i < n; i++) {
		int t = s->n_type[i];
		if (t == s->nt_hidden || t == s->nt_array ||
		    (t == s->nt_native &&
		     !strcmp(snap_str(s, s->n_name[i]), "system / ExternalStringData"))) {
			owner[i] = unvisited;
		} else {
			owner[i] = i;
			work[sp++] = i;
		}
	}
	while (sp) {
		uint32_t id = work[--sp], own = owner[id];
		for (uint32_t e = s->first_edge[id]; e < s->first_edge[id + 1]; e++) {
			if ((int)s->e_type[e] == s->et_weak)
				continue;
			uint32_t t = s->e_to[e];
			if (owner[t] == unvisited) {
				owner[t] = own;
				work[sp++] = t;
			} else if (owner[t] != t && owner[t] != own && owner[t] != multiple) {
				owner[t] = multiple;
				work[sp++] = t;
			}
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t o = owner[i];
		if (o == unvisited || o == multiple || o == i)
			continue;
		if ((int)s->n_type[o] == s->nt_synthetic || o == s->root)
			continue;
		s->n_self[o] += s->n_self[i];
		s->n_self[i] = 0;
	}
	free(owner);
	free(work);
}

struct dist_filter {
	uint8_t *not_weakmap;
	struct util_map pending; /* ephemeron edges seen once (their duplicated part) */
};

/* JSHeapSnapshot.calculateDistances' edge filter. */
static int distance_edge_ok(struct snapshot *s, struct dist_filter *f, uint32_t n, uint32_t e)
{
	int nt = s->n_type[n], et = s->e_type[e];
	const char *nname = snap_str(s, s->n_name[n]);
	if (nt == s->nt_hidden && et != s->et_element && et != s->et_hidden &&
	    !strcmp(snap_str(s, s->e_name[e]), "sloppy_function_map") &&
	    !strcmp(nname, "system / NativeContext"))
		return 0;
	if (nt == s->nt_array && !strcmp(nname, "(map descriptors)")) {
		if (et != s->et_element && et != s->et_hidden)
			return 1; /* parseInt(name) is NaN: kept */
		uint32_t i = s->e_name[e];
		return i < 2 || i % 3 != 1;
	}
	if (et == s->et_internal &&
	    !(f->not_weakmap[s->e_name[e] >> 3] & (1u << (s->e_name[e] & 7)))) {
		const char *name = snap_str(s, s->e_name[e]);
		uint32_t table;
		size_t off;
		if (!snap_weakmap_edge(name, &table, &off)) {
			f->not_weakmap[s->e_name[e] >> 3] |= (uint8_t)(1u << (s->e_name[e] & 7));
			return 1;
		}
		struct util_map_entry *me =
		    util_map_upsert(&f->pending, name + off, strlen(name + off));
		if (me->value) {
			me->value = NULL; /* second of the pair: follow it */
			return 1;
		}
		me->value = (void *)1;
		return 0;
	}
	return 1;
}

static void bfs(struct snapshot *s, struct dist_filter *f, uint32_t *queue, uint32_t len)
{
	for (uint32_t qi = 0; qi < len; qi++) {
		uint32_t n = queue[qi];
		int32_t d = s->distance[n] + 1;
		for (uint32_t e = s->first_edge[n]; e < s->first_edge[n + 1]; e++) {
			if ((int)s->e_type[e] == s->et_weak)
				continue;
			uint32_t to = s->e_to[e];
			if (s->distance[to] != SNAP_NO_DISTANCE)
				continue;
			if (!distance_edge_ok(s, f, n, e))
				continue;
			s->distance[to] = d;
			queue[len++] = to;
		}
	}
}

/* calculateDistances: BFS from the user roots at distance 1, then from the
 * root at 100,000,000 for what they do not reach; the rest stays at -5. */
void snap_distances(struct snapshot *s)
{
	struct dist_filter f = {0};
	uint32_t n = s->node_count, len = 0, r = s->root;
	f.not_weakmap = snap_calloc(s->str_count / 8 + 1, 1);
	s->distance = snap_alloc((size_t)n * sizeof(int32_t));
	for (uint32_t i = 0; i < n; i++)
		s->distance[i] = SNAP_NO_DISTANCE;
	uint32_t *queue = snap_alloc(((size_t)n + 1) * sizeof(uint32_t));
	for (uint32_t e = s->first_edge[r]; e < s->first_edge[r + 1]; e++) {
		uint32_t to = s->e_to[e];
		if (is_user_root(s, to) && len < n) {
			s->distance[to] = 1;
			queue[len++] = to;
		}
	}
	int had_user_roots = len > 0;
	bfs(s, &f, queue, len);
	s->distance[r] = had_user_roots ? SNAP_BASE_SYSTEM_DISTANCE : 0;
	queue[0] = r;
	bfs(s, &f, queue, 1);
	free(queue);
	free(f.not_weakmap);
	util_map_free(&f.pending);
}

/* DevTools runs the reverse-edge index and the dominators in a second worker
 * while the first one computes flags, shallow sizes, distances and names; so do
 * we, with a second thread. The two halves touch disjoint arrays: the second
 * thread reads only the edges and writes ret_*, dom and dfs_order. */
struct second {
	struct snapshot *s;
	int phase; /* 0: retainers, 1: dominator tree */
	int rc;
};

static void *second_thread(void *arg)
{
	struct second *w = arg;
	w->rc = w->phase == 0 ? snap_build_retainers(w->s) : snap_dominator_tree(w->s);
	return NULL;
}

static int run_pair(struct second *w, void (*first)(struct snapshot *, int), int arg)
{
	pthread_t t;
	int threaded = pthread_create(&t, NULL, second_thread, w) == 0;
	if (!threaded)
		second_thread(w);
	first(w->s, arg);
	if (threaded)
		pthread_join(t, NULL);
	return w->rc;
}

static void first_half(struct snapshot *s, int unused)
{
	(void)unused;
	snap_progress(s, "propagating DOM state, page-owned objects");
	snap_propagate_dom_state(s);
	snap_mark_page_owned(s);
	snap_progress(s, "essential edges (retainers in parallel)");
	snap_essential_edges(s);
}

static void second_half(struct snapshot *s, int want_dominators)
{
	snap_progress(s, want_dominators
			     ? "shallow sizes, distances, names (dominators in parallel)"
			     : "shallow sizes, distances, names");
	snap_fold_shallow_sizes(s);
	snap_distances(s);
	snap_class_names(s);
}

/* Everything DevTools computes at load; without want_dominators (a comparison
 * needs no retained sizes) the reverse edges and dominators are skipped. */
int snap_analyze(struct snapshot *s, int want_dominators)
{
	struct second w = {.s = s};
	if (!s->analyzed) {
		if (want_dominators ? run_pair(&w, first_half, 0) : (first_half(s, 0), 0))
			return -1;
		w.phase = 1;
		if (want_dominators ? run_pair(&w, second_half, 1) : (second_half(s, 0), 0))
			return -1;
		s->analyzed = 1;
		if (want_dominators) {
			snap_progress(s, "retained sizes");
			snap_retained_sizes(s);
			s->dominated = 1;
		}
	}
	if (want_dominators && !s->dominated) {
		snap_progress(s, "calculating dominators and retained sizes");
		if (snap_build_retainers(s) || snap_dominator_tree(s))
			return -1;
		snap_retained_sizes(s);
		s->dominated = 1;
	}
	snap_progress(s, "census");
	if (s->progress)
		fputs("\r\033[K", stderr);
	return 0;
}
