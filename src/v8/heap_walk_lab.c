/*
 * heap_walk_lab.c — finds the main thread's linear allocation areas (LABs):
 * the [top, limit) ranges of the new and old spaces where V8 bump-allocates
 * next. They hold no objects yet but whatever was there before (copies from an
 * earlier cycle, dead objects), which a walk must not count.
 *
 * V8 keeps them as two consecutive LinearAllocationArea {start, top, limit}:
 * IsolateData::new_allocation_info_ and old_allocation_info_
 * (src/execution/isolate-data.h, V8 11.x-14.x; in 10.2 the same pair sits in the
 * isolate just before the Heap). IsolateData is at the start of the Isolate,
 * which also holds the Heap whose address every page header carries, so the
 * pair is searched for near that address (found at heap - 53..62 KiB in Node
 * 20-26 and heap - 72 bytes in Node 18). A candidate must be: start <= top <=
 * limit, all three inside one page's object area, the first in a new-space page
 * and the second in an old-space page (or all zero when there is none).
 */
#include "v8/heap_int.h"

int heap_find_labs(struct v8_heap *h);

#define SEARCH_BELOW (256u << 10)
#define SEARCH_ABOVE (64u << 10)

/* A LinearAllocationArea at w: the page it lies in, or NULL. */
static struct heap_page *lab_page(struct v8_heap *h, const uint64_t *w, enum v8_space want,
				  uint64_t heap)
{
	uint64_t s = w[0], t = w[1], l = w[2];
	if (!s || s > t || t > l || ((s | t | l) & 7))
		return NULL;
	struct heap_page *pg = heap_page_of(h, s, 1);
	if (!pg || pg->space != want || pg->heap != heap || t > pg->area_end || l > pg->area_end)
		return NULL;
	return pg;
}

static void set_lab(struct heap_page *pg, const uint64_t *w)
{
	if (pg && w[1] < w[2]) {
		pg->lab_top = w[1];
		pg->lab_limit = w[2];
	}
}

/* The to-space pages after the one V8 allocates in are not used in this cycle
 * and hold what an earlier cycle left (evacuated objects, forwarding words):
 * follow the semispace's page list from the allocation page and mark them. */
static void mark_unused_to_pages(struct v8_heap *h, struct heap_page *lab)
{
	uint64_t meta = lab->meta;
	for (size_t guard = 0; guard < h->npages && h->off_list_next; guard++) {
		const uint64_t *next = img_ptr(h->img, meta + (uint64_t)h->off_list_next, 8);
		if (!next || !*next)
			return;
		struct heap_page *pg = NULL;
		for (size_t i = 0; i < h->npages && !pg; i++)
			if (h->pages[i].meta == *next && h->pages[i].space == V8_SPACE_NEW)
				pg = &h->pages[i];
		if (!pg || pg == lab || pg->unused)
			return;
		pg->unused = 1;
		h->stats.pages_unused++;
		meta = pg->meta;
	}
}

static int find_for_heap(struct v8_heap *h, uint64_t heap)
{
	uint64_t lo = heap > SEARCH_BELOW ? heap - SEARCH_BELOW : 0;
	for (uint64_t a = lo & ~7ull; a < heap + SEARCH_ABOVE; a += 8) {
		const uint64_t *w = img_ptr(h->img, a, 48);
		if (!w)
			continue;
		struct heap_page *np = lab_page(h, w, V8_SPACE_NEW, heap);
		if (!np)
			continue;
		struct heap_page *op = lab_page(h, w + 3, V8_SPACE_OLD, heap);
		if (!op && (w[3] | w[4] | w[5]))
			continue;
		set_lab(np, w);
		set_lab(op, w + 3);
		mark_unused_to_pages(h, np);
		h->stats.lab_gaps += (np->lab_top != 0) + (op && op->lab_top);
		return 0;
	}
	return -1;
}

int heap_find_labs(struct v8_heap *h)
{
	int found = 0;
	uint64_t done[16];
	size_t ndone = 0;
	for (size_t i = 0; i < h->npages && ndone < 16; i++) {
		uint64_t heap = h->pages[i].heap;
		int seen = !heap;
		for (size_t j = 0; j < ndone && !seen; j++)
			seen = done[j] == heap;
		if (seen)
			continue;
		done[ndone++] = heap;
		found += find_for_heap(h, heap) == 0;
	}
	return found ? 0 : -1;
}
