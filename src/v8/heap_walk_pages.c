/*
 * heap_walk_pages.c — finds the V8 pages (MemoryChunks) of an image. V8 puts
 * every heap page at a 256 KiB-aligned address (MemoryChunk::kAlignment =
 * 1 << kPageSizeBits, kPageSizeBits = 18 on x64) with a header at its start;
 * large-object pages too. We try that header at every aligned address of the
 * memory the image holds and keep the ones whose fields agree with each other.
 *
 * The header layout is not in the v8dbg metadata, so it is one row per V8
 * version below, each citing the V8 source it comes from, and checked on real
 * cores of the Node.js line named in the row.
 */
#include "v8/heap_int.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_ALIGN (1ull << 18)

/* Where a page's facts are. When meta_indirect, the chunk header holds only the
 * flags and a pointer (at off_meta) to a MemoryChunkMetadata object in the C++
 * heap, and the other offsets are into that object. */
struct chunk_layout {
	int major, minor; /* first V8 version the row applies to */
	const char *node;
	int meta_indirect, off_flags, off_meta;
	int off_size, off_heap, off_area_start, off_area_end, off_owner;
	uint64_t from_page;   /* MemoryChunk flag: a page of the new space's from-semispace */
	int free_space_words; /* FreeSpace's size field counts tagged words, not bytes */
	int off_list_next;    /* the page list's next link (heap::ListNode), same base */
	/* AllocationSpace enum (src/common/globals.h) value -> our space. */
	enum v8_space space_of_id[16];
};

#define S_RO V8_SPACE_RO
#define S_NEW V8_SPACE_NEW
#define S_OLD V8_SPACE_OLD
#define S_CODE V8_SPACE_CODE
#define S_MAP V8_SPACE_MAP
#define S_TR V8_SPACE_TRUSTED
#define S_SH V8_SPACE_SHARED
#define S_LO V8_SPACE_LO
#define S_NLO V8_SPACE_NEW_LO
#define S_CLO V8_SPACE_CODE_LO
#define S_X V8_SPACE_OTHER

/* clang-format off */
static const struct chunk_layout chunk_layouts[] = {
	/* V8 10.2 (Node 18): src/heap/basic-memory-chunk.h — size_t size_ (0),
	 * uintptr_t flags_ (8), Heap* heap_ (16), area_start_ (24), area_end_ (32),
	 * allocated_bytes_, wasted_memory_, high_water_mark_, owner_ (64); enum Flag
	 * FROM_PAGE = 1u << 3. MemoryChunk::list_node_ (next, prev) at 232 (found on
	 * cores: the to-space pages link to each other there; 264 in 11.3 to 14.6,
	 * from the metadata in 13+). globals.h AllocationSpace: RO_SPACE, OLD_SPACE,
	 * CODE_SPACE, MAP_SPACE, LO_SPACE, CODE_LO_SPACE, NEW_LO_SPACE, NEW_SPACE. */
	{10, 0, "18", 0, 8, 0, 0, 16, 24, 32, 64, 1u << 3, 0, 232,
	 {S_RO, S_OLD, S_CODE, S_MAP, S_LO, S_CLO, S_NLO, S_NEW, S_X, S_X, S_X, S_X, S_X, S_X, S_X, S_X}},
	/* V8 11.3 (Node 20): basic-memory-chunk.h, same fields as 10.2; globals.h
	 * AllocationSpace: RO_SPACE, NEW_SPACE, OLD_SPACE, CODE_SPACE, SHARED_SPACE,
	 * NEW_LO_SPACE, LO_SPACE, CODE_LO_SPACE, SHARED_LO_SPACE. */
	{11, 0, "20", 0, 8, 0, 0, 16, 24, 32, 64, 1u << 3, 0, 264,
	 {S_RO, S_NEW, S_OLD, S_CODE, S_SH, S_NLO, S_LO, S_CLO, S_SH, S_X, S_X, S_X, S_X, S_X, S_X, S_X}},
	/* V8 12.4 (Node 22): memory-chunk-header.h + basic-memory-chunk.h — the
	 * MemoryChunkHeader (main_thread_flags_ 0, chunk address 8) is followed by
	 * size_ (16), heap_ (24), area_start_ (32), area_end_ (40), allocated_bytes_,
	 * wasted_memory_, high_water_mark_, owner_ (72). globals.h: RO, NEW, OLD, CODE,
	 * SHARED, TRUSTED, NEW_LO, LO, CODE_LO, SHARED_LO, TRUSTED_LO. */
	{12, 0, "22", 0, 0, 0, 16, 24, 32, 40, 72, 1u << 3, 0, 264,
	 {S_RO, S_NEW, S_OLD, S_CODE, S_SH, S_TR, S_NLO, S_LO, S_CLO, S_SH, S_LO, S_X, S_X, S_X, S_X, S_X}},
	/* V8 13.x (Node 24) and 14.x (Node 26): memory-chunk.h — MemoryChunk holds
	 * main_thread_flags_ (0) and MemoryChunkMetadata* metadata_ (8, no sandbox);
	 * memory-chunk-metadata.h: VirtualMemory reservation_ (3 words),
	 * allocated_bytes_ (24), wasted_memory_, high_water_mark_, size_ (48),
	 * area_end_ (56), heap_ (64), area_start_ (72), owner_ (80). globals.h: RO,
	 * NEW, OLD, CODE, SHARED, TRUSTED, SHARED_TRUSTED, NEW_LO, LO, CODE_LO,
	 * SHARED_LO, SHARED_TRUSTED_LO, TRUSTED_LO. free-space.h: the size is kept
	 * in tagged words (seen: 0x7ffe on a fresh 0x3fff0-byte page area). */
	{13, 0, "24, 26", 1, 0, 8, 48, 64, 72, 56, 80, 1u << 3, 1, 264,
	 {S_RO, S_NEW, S_OLD, S_CODE, S_SH, S_TR, S_TR, S_NLO, S_LO, S_CLO, S_SH, S_TR, S_LO, S_X, S_X, S_X}},
};
/* clang-format on */

static const struct chunk_layout *layout_for(struct v8 *v8)
{
	int major, minor, build, patch;
	v8_version_numbers(v8, &major, &minor, &build, &patch);
	const struct chunk_layout *best = NULL;
	for (size_t i = 0; i < sizeof(chunk_layouts) / sizeof(chunk_layouts[0]); i++) {
		const struct chunk_layout *c = &chunk_layouts[i];
		if (c->major < major || (c->major == major && c->minor <= minor))
			best = c;
	}
	return best;
}

static int read_u64(struct v8_heap *h, uint64_t addr, uint64_t *v)
{
	const void *p = img_ptr(h->img, addr, 8);
	if (!p)
		return -1;
	memcpy(v, p, 8);
	return 0;
}

/* Reads the header at base with layout c; 0 when it is a consistent V8 page. */
static int read_header(struct v8_heap *h, const struct chunk_layout *c, uint64_t base,
		       struct heap_page *pg)
{
	uint64_t meta = base, size, heap, as, ae, owner, flags;
	if (read_u64(h, base + c->off_flags, &flags) < 0)
		return -1;
	if (c->meta_indirect && (read_u64(h, base + c->off_meta, &meta) < 0 || (meta & 7) || !meta))
		return -1;
	if (read_u64(h, meta + c->off_size, &size) < 0 ||
	    read_u64(h, meta + c->off_heap, &heap) < 0 ||
	    read_u64(h, meta + c->off_area_start, &as) < 0 ||
	    read_u64(h, meta + c->off_area_end, &ae) < 0 ||
	    read_u64(h, meta + c->off_owner, &owner) < 0)
		return -1;
	if (size < 0x1000 || size > (1ull << 34) || (size & 0xfff) || as <= base ||
	    as > base + 0x4000 || (as & 7) || ae < as || ae > base + size || (ae & 7))
		return -1;
	if ((heap == 0) != (owner == 0) || (heap & 7) || (owner & 7))
		return -1;
	memset(pg, 0, sizeof(*pg));
	pg->base = base;
	pg->meta = meta;
	pg->area_start = as;
	pg->area_end = ae;
	pg->flags = flags;
	pg->heap = heap;
	pg->owner = owner;
	pg->space = V8_SPACE_RO;
	if (owner) {
		const uint32_t *id =
		    img_ptr(h->img, owner + 16, 4); /* BaseSpace: vtable, heap_, id_ */
		if (!id || *id >= 16)
			return -1;
		pg->space = c->space_of_id[*id];
	}
	return 0;
}

static int add_page(struct v8_heap *h, const struct heap_page *pg, size_t *cap)
{
	if (h->npages == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		h->pages = util_realloc(h->pages, *cap * sizeof(*h->pages));
	}
	h->pages[h->npages++] = *pg;
	return 0;
}

static int page_cmp(const void *a, const void *b)
{
	const struct heap_page *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

int heap_find_pages(struct v8_heap *h)
{
	const struct chunk_layout *c = layout_for(h->v8);
	if (!c)
		return util_error("heap: V8 %s is older than any page layout this build knows",
				  v8_version(h->v8));
	h->free_space_words = c->free_space_words;
	h->off_list_next = c->off_list_next;
	size_t cap = 0, nreg = img_region_count(h->img);
	for (size_t i = 0; i < nreg; i++) {
		const struct img_region *r = img_region_at(h->img, i);
		if (!r->data || r->path)
			continue; /* V8 pages are anonymous memory */
		uint64_t end = r->start + r->data_len;
		for (uint64_t a = (r->start + PAGE_ALIGN - 1) & ~(PAGE_ALIGN - 1); a + 64 <= end;
		     a += PAGE_ALIGN) {
			struct heap_page pg;
			if (read_header(h, c, a, &pg) < 0)
				continue;
			if (pg.space == V8_SPACE_NEW && (pg.flags & c->from_page)) {
				h->stats.pages_skipped_from++;
				continue;
			}
			pg.data = pg.area_end > pg.area_start
				      ? img_ptr(h->img, pg.area_start, pg.area_end - pg.area_start)
				      : img_ptr(h->img, pg.base, 8);
			if (!pg.data && pg.area_end > pg.area_start) {
				/* only the start of the page was dumped (Node 26 keeps just
				 * the used part of read-only pages mapped): walk that part */
				const struct img_region *ar =
				    img_region_find(h->img, pg.area_start);
				uint64_t have = ar && ar->data ? ar->start + ar->data_len : 0;
				if (have > pg.area_start + 8 && have < pg.area_end) {
					pg.area_end = have & ~7ull;
					pg.data = img_ptr(h->img, pg.area_start,
							  pg.area_end - pg.area_start);
					h->stats.pages_partial += pg.data != NULL;
				}
			}
			if (!pg.data) {
				h->stats.pages_missing++;
				continue;
			}
			add_page(h, &pg, &cap);
			/* a large page: the aligned addresses inside it are object data */
			while (a + PAGE_ALIGN < pg.area_end)
				a += PAGE_ALIGN;
		}
	}
	if (!h->npages)
		return util_error("heap: no V8 heap pages found in the core (V8 %s)",
				  v8_version(h->v8));
	qsort(h->pages, h->npages, sizeof(*h->pages), page_cmp);
	return 0;
}
