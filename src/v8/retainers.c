/*
 * retainers.c — shortest paths from a GC root to an object. A breadth-first
 * search backwards from the target: each level is one scan of the heap for the
 * objects that refer to the current frontier (refs.c), until the frontier meets
 * a root: the JS global object, or an object that memory outside the V8 heap
 * points to (a thread's stack — frames and handle scopes — or the C++ heap:
 * persistent handles, node's module cache and timers are held that way). The
 * path is then read forwards, each step described as refs.c describes an edge.
 */
#include "v8/heap_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVELS 32
#define MAX_FRONTIER (1u << 20)

/* parent links: obj -> (the object it refers to on the way to the target, slot) */
struct link {
	uint64_t obj, to;
	size_t slot;
};
struct links {
	struct link *v;
	size_t cap, n;
};

static size_t lslot(uint64_t x, size_t cap)
{
	return (size_t)((x >> 3) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

static struct link *links_find(struct links *l, uint64_t obj)
{
	if (!l->cap)
		return NULL;
	for (size_t i = lslot(obj, l->cap);; i = (i + 1) & (l->cap - 1)) {
		if (!l->v[i].obj)
			return NULL;
		if (l->v[i].obj == obj)
			return &l->v[i];
	}
}

static int links_add(struct links *l, uint64_t obj, uint64_t to, size_t slot)
{
	if ((l->n + 1) * 2 >= l->cap) {
		struct links n = {util_calloc(l->cap ? l->cap * 2 : 1024, sizeof(struct link)),
				  l->cap ? l->cap * 2 : 1024, 0};
		for (size_t i = 0; i < l->cap; i++)
			if (l->v[i].obj)
				links_add(&n, l->v[i].obj, l->v[i].to, l->v[i].slot);
		free(l->v);
		*l = n;
	}
	size_t i = lslot(obj, l->cap);
	for (; l->v[i].obj; i = (i + 1) & (l->cap - 1))
		if (l->v[i].obj == obj)
			return 0;
	l->v[i] = (struct link){obj, to, slot};
	l->n++;
	return 1;
}

/* Roots held from outside the V8 heap: every tagged-looking word of the image's
 * memory outside V8 pages that points into a page, with where it was seen. */
struct native_root {
	uint64_t value, where;
};
struct natives {
	struct vset set, stack; /* all native references; those from live stack ranges */
	int stack_only;		/* phase 1: only the global object and stacks are roots */
	struct native_root *v;
	size_t n, cap;
};

static int in_pages(struct v8_heap *h, uint64_t a)
{
	size_t lo = 0, hi = h->npages;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (h->pages[mid].base > a)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo && a < h->pages[lo - 1].area_end;
}

/* The live part of a thread's stack holding addr: [sp, end of its region). */
static int on_live_stack(struct v8_heap *h, uint64_t addr)
{
	size_t nth = img_thread_count(h->img);
	for (size_t i = 0; i < nth; i++) {
		const struct img_thread *th = img_thread_at(h->img, i);
		const struct img_region *r = img_region_find(h->img, th->regs[IMG_REG_SP]);
		if (r && addr >= th->regs[IMG_REG_SP] && addr < r->end)
			return 1;
	}
	return 0;
}

static void natives_collect(struct v8_heap *h, struct natives *nr)
{
	uint64_t lo = h->pages[0].base, hi = h->pages[h->npages - 1].area_end;
	size_t nreg = img_region_count(h->img);
	for (size_t i = 0; i < nreg; i++) {
		const struct img_region *r = img_region_at(h->img, i);
		if (!r->data || !(r->prot & 2) || in_pages(h, r->start))
			continue;
		const uint64_t *w = (const uint64_t *)r->data;
		size_t n = r->data_len / 8;
		for (size_t k = 0; k < n; k++) {
			uint64_t v = w[k];
			if ((v & 3) != 1 || v < lo || v >= hi || !in_pages(h, v) ||
			    vset_has(&nr->set, v))
				continue;
			vset_add(&nr->set, v);
			if (on_live_stack(h, r->start + k * 8))
				vset_add(&nr->stack, v);
			if (nr->n == nr->cap) {
				nr->cap = nr->cap ? nr->cap * 2 : 1024;
				nr->v = util_realloc(nr->v, nr->cap * sizeof(*nr->v));
			}
			nr->v[nr->n++] = (struct native_root){v, r->start + k * 8};
		}
	}
}

/* The stack frame holding a stack address: frame i spans [sp_i, sp_i+1). */
struct frame_find {
	uint64_t where;
	struct v8_frame prev;
	int have_prev, found;
	char name[160];
};

static void frame_label(struct v8 *v8, const struct v8_frame *f, char *out, size_t len)
{
	struct v8_funcinfo fi;
	if (v8_frame_is_js(f->kind) && f->function && v8_funcinfo(v8, f->function, &fi) == 0) {
		snprintf(out, len, "%s()", fi.name[0] ? fi.name : "<anonymous>");
		v8_funcinfo_free(&fi);
	} else {
		snprintf(out, len, "%.150s",
			 f->symbol[0] ? f->symbol : v8_frame_kind_name(f->kind));
	}
	util_clear_error();
}

static int frame_cb(struct v8 *v8, const struct v8_frame *f, void *arg)
{
	struct frame_find *ff = arg;
	if (ff->have_prev && ff->where >= ff->prev.sp && ff->where < f->sp) {
		frame_label(v8, &ff->prev, ff->name, sizeof(ff->name));
		ff->found = 1;
		return 1;
	}
	ff->prev = *f;
	ff->have_prev = 1;
	return 0;
}

static void root_name(struct v8_heap *h, struct natives *nr, uint64_t obj, char *out, size_t len)
{
	unsigned t;
	if (v8_type(h->v8, obj, &t) == 0 && (int)t == h->T->js_global_object) {
		snprintf(out, len, "global object");
		return;
	}
	util_clear_error();
	uint64_t where = 0;
	for (size_t i = 0; i < nr->n; i++)
		if (nr->v[i].value == obj && (!where || on_live_stack(h, nr->v[i].where)))
			where = nr->v[i].where;
	size_t nth = img_thread_count(h->img);
	for (size_t i = 0; i < nth; i++) {
		const struct img_thread *th = img_thread_at(h->img, i);
		const struct img_region *r = img_region_find(h->img, th->regs[IMG_REG_SP]);
		if (r && where >= th->regs[IMG_REG_SP] && where < r->end) {
			struct frame_find ff;
			memset(&ff, 0, sizeof(ff));
			ff.where = where;
			if (v8_walk_stack(h->v8, th, 256, frame_cb, &ff) < 0)
				util_clear_error();
			if (ff.found)
				snprintf(out, len,
					 "stack of thread %zu (tid %d), frame of %.100s, at 0x%llx",
					 i + 1, (int)th->tid, ff.name, (unsigned long long)where);
			else
				snprintf(out, len, "stack of thread %zu (tid %d) at 0x%llx", i + 1,
					 (int)th->tid, (unsigned long long)where);
			return;
		}
	}
	snprintf(out, len, "native handle at 0x%llx (C++ heap: persistent or handle scope)",
		 (unsigned long long)where);
}

static int is_root(struct v8_heap *h, struct natives *nr, uint64_t obj)
{
	unsigned t;
	if (vset_has(nr->stack_only ? &nr->stack : &nr->set, obj))
		return 1;
	if (v8_type(h->v8, obj, &t) == 0 && (int)t == h->T->js_global_object)
		return 1;
	util_clear_error();
	return 0;
}

struct level {
	struct links *links;
	struct vset *next;
};

static void level_cb(struct v8_heap *h, const struct v8_heap_obj *o, size_t slot, uint64_t target,
		     void *arg)
{
	(void)h;
	struct level *lv = arg;
	if (lv->next->n >= MAX_FRONTIER)
		return;
	if (links_add(lv->links, o->obj, target, slot))
		vset_add(lv->next, o->obj);
}

static int build_path(struct v8_heap *h, struct natives *nr, struct links *links, uint64_t root,
		      uint64_t target, struct v8_path *p)
{
	memset(p, 0, sizeof(*p));
	root_name(h, nr, root, p->root, sizeof(p->root));
	size_t cap = 16;
	p->steps = util_calloc(cap, sizeof(*p->steps));
	uint64_t cur = root;
	for (int guard = 0; guard <= MAX_LEVELS + 1; guard++) {
		if (p->nsteps == cap) {
			cap *= 2;
			p->steps = util_realloc(p->steps, cap * sizeof(*p->steps));
		}
		struct v8_path_step *s = &p->steps[p->nsteps++];
		memset(s, 0, sizeof(*s));
		s->obj = cur;
		if (cur == target)
			return 0;
		struct link *l = links_find(links, cur);
		if (!l)
			return util_error("retainers: broken path");
		struct util_buf b = {0};
		s->slot = l->slot;
		refs_describe_edge(h->v8, cur, l->slot, l->to, &b);
		snprintf(s->edge, sizeof(s->edge), "%s", b.data ? b.data : "?");
		util_buf_free(&b);
		cur = l->to;
	}
	return util_error("retainers: path too long");
}

static int search(struct v8_heap *h, struct natives *nr, uint64_t target, size_t max_paths,
		  struct v8_path *out, size_t *np);

int v8_retainers(struct v8_refs *r, v8_value target, size_t max_paths, struct v8_path **paths,
		 size_t *npaths)
{
	struct v8_heap *h = r->heap;
	*paths = NULL;
	*npaths = 0;
	if (!v8_heap_is_object(h, target))
		return util_error("0x%llx is not the start of a live heap object",
				  (unsigned long long)target);
	struct natives nr = {0};
	natives_collect(h, &nr);
	int rc = 0;
	size_t n = 0;
	struct v8_path *out = util_calloc(max_paths ? max_paths : 1, sizeof(*out));
	/* first the global object and the stacks; then any native reference (the
	 * C++ heap also holds stale words, so those paths are the fallback) */
	for (nr.stack_only = 1; nr.stack_only >= 0 && !n && rc == 0; nr.stack_only--)
		rc = search(h, &nr, target, max_paths, out, &n);
	free(nr.set.v);
	free(nr.stack.v);
	free(nr.v);
	if (rc < 0 || !n) {
		v8_paths_free(out, n);
		return rc < 0 ? -1 : 0;
	}
	*paths = out;
	*npaths = n;
	return 0;
}

static int search(struct v8_heap *h, struct natives *nr_, uint64_t target, size_t max_paths,
		  struct v8_path *out, size_t *np)
{
	struct natives *nrp = nr_;
	size_t n = 0;
	struct links links = {0};
	struct vset frontier = {0};
	vset_add(&frontier, target);
	links_add(&links, target, 0, 0);
	int rc = 0;
	for (int level = 0; level <= MAX_LEVELS && frontier.n && !n; level++) {
		for (size_t i = 0; i < frontier.cap && n < max_paths; i++)
			if (frontier.v[i] && is_root(h, nrp, frontier.v[i]))
				if (build_path(h, nrp, &links, frontier.v[i], target, &out[n]) == 0)
					n++;
		if (n)
			break;
		struct vset next = {0};
		struct level lv = {&links, &next};
		if (refs_scan(h, &frontier, level_cb, &lv) < 0) {
			free(next.v);
			rc = -1;
			break;
		}
		free(frontier.v);
		frontier = next;
	}
	free(frontier.v);
	free(links.v);
	*np = n;
	return rc;
}

void v8_paths_free(struct v8_path *paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i].steps);
	free(paths);
}

/* A global variable: the global object holds a PropertyCell per property
 * (property-cell.tq: map, name, details, value, ...); its name is the cell's
 * first Name field. 1 when the name was appended. */
static int global_cell_name(struct v8 *v8, v8_value cell, struct util_buf *out)
{
	int t = v8_meta_type(v8, "PROPERTY_CELL_TYPE");
	if (t < 0 || !v8_is_type(v8, cell, t))
		return 0;
	for (int i = 1; i <= 3; i++) {
		v8_value v;
		size_t before = out->len;
		if (v8_field(v8, cell, i * 8, &v) == 0 && v8_is_heap(v) &&
		    (v8_is_string(v8, v) || v8_is_type(v8, v, v8_types(v8)->symbol))) {
			util_buf_adds(out, ".");
			if (v8_name(v8, v, out) == 0)
				return 1;
			out->len = before;
			out->data[before] = 0;
		}
	}
	util_clear_error();
	return 0;
}

void v8_path_format(struct v8 *v8, const struct v8_path *p, struct util_buf *out)
{
	util_buf_printf(out, "root: %s\n", p->root);
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct v8_path_step *s = &p->steps[i];
		util_buf_adds(out, i + 1 == p->nsteps ? "  -> " : "     ");
		size_t before = out->len;
		if (v8_describe(v8, s->obj, out) < 0) {
			util_clear_error();
			out->len = before;
			util_buf_printf(out, "0x%llx", (unsigned long long)s->obj);
		}
		if (i + 1 < p->nsteps) {
			util_buf_printf(out, "  %s", s->edge);
			/* an internal store (elements, a Map's table) reads better folded
			 * into its owner: "<elements>[849]" */
			unsigned t, ot = 0;
			if (s->edge[0] == '<' && i + 2 < p->nsteps &&
			    v8_type(v8, p->steps[i + 1].obj, &t) == 0 &&
			    (int)t < v8_types(v8)->first_js_receiver) {
				v8_type(v8, s->obj, &ot);
				const struct v8_types *T = v8_types(v8);
				if ((int)ot == T->js_global_object) {
					size_t at = out->len - strlen(s->edge);
					struct util_buf name = {0};
					/* global -> its dictionary -> a PropertyCell -> value */
					if (i + 3 < p->nsteps &&
					    global_cell_name(v8, p->steps[i + 2].obj, &name)) {
						out->len = at;
						out->data[at] = 0;
						util_buf_adds(out, name.data);
						i++;
					} else {
						util_buf_adds(out, p->steps[i + 1].edge);
					}
					util_buf_free(&name);
				} else if ((int)ot == T->js_map || (int)ot == T->js_set) {
					out->len -= strlen(s->edge);
					out->data[out->len] = 0;
					refs_map_entry(v8, p->steps[i + 1].obj,
						       p->steps[i + 1].slot, (int)ot == T->js_map,
						       out);
				} else {
					/* "<internal +32>" (a function's context) says less
					 * than the context slot's name that follows */
					if (!strncmp(s->edge, "<internal", 9)) {
						out->len -= strlen(s->edge);
						out->data[out->len] = 0;
					}
					util_buf_adds(out, p->steps[i + 1].edge);
				}
				i++;
			}
			util_clear_error();
			util_buf_adds(out, "\n");
		} else
			util_buf_adds(out, "\n");
	}
}
