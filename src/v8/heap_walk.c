/*
 * heap_walk.c — visits every live object of the V8 heap exactly once.
 *
 * Pages come from heap_walk_pages.c (from-space pages already dropped). Each
 * page is walked from its area start, object by object, by size
 * (heap_walk_size.c): FreeSpace blocks and fillers are stepped over, so the dead
 * data that sweeping left inside them is never read as objects, and the part of
 * the current linear allocation area that holds no objects yet is skipped
 * (heap_walk_lab.c). An object start is always checked: its first word must be
 * a map. This finds objects that nothing points to, unlike a scan of pointer
 * values.
 */
#include "v8/heap_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int heap_find_labs(struct v8_heap *h);

static const char *space_names[V8_SPACE_COUNT] = {
    "read-only",
    "new",
    "old",
    "code",
    "map",
    "trusted",
    "shared",
    "large-object",
    "new-large-object",
    "code-large-object",
    "other",
};

const char *v8_space_name(enum v8_space s)
{
	return s < V8_SPACE_COUNT ? space_names[s] : "?";
}

/* NODESCOPE_HEAP_DEBUG=1 reports resynchronisations; =0xPAGE also lists the
 * objects of that page. */
static long long debug_enabled(void)
{
	const char *e = getenv("NODESCOPE_HEAP_DEBUG");
	if (!e || !*e || !strcmp(e, "0"))
		return 0;
	long long v = strtoll(e, NULL, 0);
	return v > 1 ? v : 1;
}

int v8_heap_open(struct v8 *v8, struct v8_heap **out)
{
	struct v8_heap *h = util_calloc(1, sizeof(*h));
	h->v8 = v8;
	h->img = v8_img(v8);
	h->L = v8_layout(v8);
	h->T = v8_types(v8);
	heap_size_init(h);
	if (heap_find_pages(h) < 0) {
		v8_heap_close(h);
		return -1;
	}
	heap_find_labs(h);
	*out = h;
	return 0;
}

void v8_heap_close(struct v8_heap *h)
{
	if (!h)
		return;
	free(h->pages);
	heap_maps_free(h);
	free(h);
}

struct v8 *v8_heap_v8(const struct v8_heap *h)
{
	return h->v8;
}

const struct v8_heap_stats *v8_heap_stats(const struct v8_heap *h)
{
	return &h->stats;
}

/* An object may start at addr: the end of the page's objects, the start of the
 * empty allocation area, or a word that is a map. */
static int boundary_ok(struct v8_heap *h, const struct heap_page *pg, uint64_t addr)
{
	if (addr == pg->area_end || (pg->lab_top && addr == pg->lab_top))
		return 1;
	if (addr > pg->area_end || (addr & 7))
		return 0;
	const uint64_t *w = (const uint64_t *)(pg->data + (addr - pg->area_start));
	return heap_map_info(h, w[0]) != NULL;
}

/* The size of the object at addr when it is followed by a valid boundary. Kinds
 * we cannot size are guessed (heap_walk_size.c), a guess being kept only when
 * the object after it is valid and sized in turn (depth levels deep). */
static uint32_t size_at(struct v8_heap *h, const struct heap_page *pg, uint64_t addr, int depth)
{
	if (addr >= pg->area_end)
		return 0;
	const uint64_t *w = (const uint64_t *)(pg->data + (addr - pg->area_start));
	size_t avail = (pg->area_end - addr) / 8;
	struct heap_mapinfo *mi = heap_map_info(h, w[0]);
	if (!mi)
		return 0;
	uint32_t s = heap_object_size(h, mi, w, avail);
	if (s)
		return boundary_ok(h, pg, addr + s) ? s : 0;
	/* a copy: the recursive size_at below may grow the map cache and free mi */
	struct heap_mapinfo guess = *mi;
	for (int i = 0; depth > 0 && i < 3; i++) {
		s = heap_object_size_guess(h, &guess, i, w, avail);
		if (!s)
			continue;
		uint64_t next = addr + s;
		if (next == pg->area_end || (pg->lab_top && next == pg->lab_top) ||
		    size_at(h, pg, next, depth - 1))
			return s;
	}
	return 0;
}

/* After an object we could not size: the next address holding a map whose
 * object is sized and followed by a boundary. */
static uint64_t resync(struct v8_heap *h, const struct heap_page *pg, uint64_t addr)
{
	for (; addr < pg->area_end; addr += 8) {
		if (pg->lab_top && addr == pg->lab_top)
			return addr;
		if (size_at(h, pg, addr, 1))
			return addr;
	}
	return pg->area_end;
}

struct progress {
	const char *label;
	int enabled;
	struct timespec start, last;
	uint64_t done, total;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_tick(struct progress *p, uint64_t bytes)
{
	p->done += bytes;
	if (!p->enabled)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->start, &now) < 1.0 || since(&p->last, &now) < 0.2)
		return;
	p->last = now;
	fprintf(stderr, "\r%s: %3d%% of %llu MB", p->label,
		(int)(p->total ? p->done * 100 / p->total : 100),
		(unsigned long long)(p->total >> 20));
}

static void progress_end(struct progress *p)
{
	struct timespec now;
	if (!p->enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->start, &now) >= 1.0)
		fprintf(stderr, "\r%s: done, %llu MB in %.1f s\n", p->label,
			(unsigned long long)(p->total >> 20), since(&p->start, &now));
}

static int walk_page(struct v8_heap *h, struct heap_page *pg, v8_heap_obj_fn fn, void *arg,
		     long long debug)
{
	uint64_t cur = pg->area_start, last_map = 0;
	struct heap_mapinfo *last_mi = NULL;
	const uint64_t *base = (const uint64_t *)pg->data;
	h->stats.pages[pg->space]++;
	while (cur < pg->area_end) {
		if (pg->lab_top && cur == pg->lab_top && pg->lab_limit > cur) {
			cur = pg->lab_limit;
			continue;
		}
		const uint64_t *w = base + (cur - pg->area_start) / 8;
		size_t avail = (pg->area_end - cur) / 8;
		/* runs of objects of one map are common: keep the last lookup */
		if (w[0] != last_map) {
			last_map = w[0];
			last_mi = heap_map_info(h, w[0]);
		}
		struct heap_mapinfo *mi = last_mi;
		uint32_t size = !mi ? 0
				: mi->inst_size && mi->inst_size <= avail * 8
				    ? mi->inst_size
				    : heap_object_size(h, mi, w, avail);
		if (mi && !size)
			size = size_at(h, pg, cur, 2);
		if (!size) {
			uint64_t next = resync(h, pg, cur + 8);
			h->stats.resyncs++;
			if (debug)
				fprintf(stderr,
					"heap: resync at 0x%llx (page 0x%llx %s, word 0x%llx type "
					"%d) -> +%llu\n",
					(unsigned long long)cur, (unsigned long long)pg->base,
					v8_space_name(pg->space), (unsigned long long)w[0],
					mi ? (int)mi->type : -1, (unsigned long long)(next - cur));
			cur = next;
			continue;
		}
		if (debug > 1 && pg->base == (uint64_t)debug)
			fprintf(stderr, "heap: obj 0x%llx type %u size %u\n",
				(unsigned long long)cur, mi->type, size);
		if ((int)mi->type != h->t_free_space && (int)mi->type != h->t_filler) {
			struct v8_heap_obj o = {cur + 1, w[0], mi->type, size, pg->space, w};
			h->stats.objects[pg->space]++;
			h->stats.bytes[pg->space] += size;
			int r = fn(h, &o, arg);
			if (r)
				return r;
		}
		cur += size;
	}
	return 0;
}

/* After a page of a big heap is walked, let the kernel drop the core file's
 * pages we touched from this process (they are re-read on demand): the census of
 * a 4 GB core then needs far less than 4 GB of resident memory. Only a hint. */
#define RELEASE_ABOVE (1ull << 30)
static void release_page(const struct heap_page *pg)
{
	uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)pg->data + ps - 1) & ~(ps - 1);
	uintptr_t e = ((uintptr_t)pg->data + (pg->area_end - pg->area_start)) & ~(ps - 1);
	if (e > a)
		madvise((void *)a, e - a, MADV_DONTNEED);
}

int v8_heap_each(struct v8_heap *h, const char *label, v8_heap_obj_fn fn, void *arg)
{
	struct progress p = {label, label && util_stderr_is_tty(), {0, 0}, {0, 0}, 0, 0};
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	p.last = p.start;
	for (size_t i = 0; i < h->npages; i++)
		p.total += h->pages[i].area_end - h->pages[i].area_start;
	/* per-walk figures start again; page-discovery figures stay */
	memset(&h->stats.pages, 0, sizeof(h->stats.pages));
	memset(&h->stats.objects, 0, sizeof(h->stats.objects));
	memset(&h->stats.bytes, 0, sizeof(h->stats.bytes));
	h->stats.resyncs = 0;
	long long debug = debug_enabled();
	for (size_t i = 0; i < h->npages; i++) {
		if (h->pages[i].unused)
			continue;
		int r = walk_page(h, &h->pages[i], fn, arg, debug);
		if (r) {
			progress_end(&p);
			return r;
		}
		progress_tick(&p, h->pages[i].area_end - h->pages[i].area_start);
		if (p.total > RELEASE_ABOVE)
			release_page(&h->pages[i]);
	}
	progress_end(&p);
	return 0;
}

struct simple_walk {
	v8_heap_fn fn;
	void *arg;
};

static int simple_cb(struct v8_heap *h, const struct v8_heap_obj *o, void *arg)
{
	struct simple_walk *s = arg;
	return s->fn(h->v8, o->obj, o->type, s->arg);
}

int v8_heap_walk(struct v8 *v8, v8_heap_fn fn, void *arg)
{
	struct v8_heap *h;
	if (v8_heap_open(v8, &h) < 0)
		return -1;
	struct simple_walk s = {fn, arg};
	int r = v8_heap_each(h, NULL, simple_cb, &s);
	v8_heap_close(h);
	return r;
}

/* The page whose object area holds addr, by binary search; end_inclusive also
 * accepts addr == area_end (an allocation area's top may sit there). */
struct heap_page *heap_page_of(struct v8_heap *h, uint64_t addr, int end_inclusive)
{
	size_t lo = 0, hi = h->npages;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (h->pages[mid].base > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (!lo)
		return NULL;
	struct heap_page *pg = &h->pages[lo - 1];
	return addr >= pg->area_start && (addr < pg->area_end || (end_inclusive && addr == pg->area_end))
		   ? pg
		   : NULL;
}

int v8_heap_is_object(struct v8_heap *h, v8_value v)
{
	if (!v8_is_heap(v))
		return 0;
	uint64_t addr = v8_addr(v);
	struct heap_page *pg = heap_page_of(h, addr, 0);
	if (!pg)
		return 0;
	/* walk the page up to addr */
	uint64_t cur = pg->area_start;
	const uint64_t *base = (const uint64_t *)pg->data;
	while (cur < addr) {
		if (pg->lab_top && cur == pg->lab_top && pg->lab_limit > cur) {
			cur = pg->lab_limit;
			continue;
		}
		const uint64_t *w = base + (cur - pg->area_start) / 8;
		size_t avail = (pg->area_end - cur) / 8;
		struct heap_mapinfo *mi = heap_map_info(h, w[0]);
		uint32_t size = mi ? heap_object_size(h, mi, w, avail) : 0;
		if (mi && !size)
			size = size_at(h, pg, cur, 2);
		cur = size ? cur + size : resync(h, pg, cur + 8);
	}
	if (cur != addr)
		return 0;
	const uint64_t *w = base + (cur - pg->area_start) / 8;
	struct heap_mapinfo *mi = heap_map_info(h, w[0]);
	return mi && (int)mi->type != h->t_free_space && (int)mi->type != h->t_filler;
}
