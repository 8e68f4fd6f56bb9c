/*
 * heap_int.h — the definition of struct v8_heap, shared by heap_walk*.c,
 * census.c, refs.c and retainers.c (everything else goes through heap.h).
 */
#ifndef NODESCOPE_V8_HEAP_INT_H
#define NODESCOPE_V8_HEAP_INT_H

#include "v8/heap.h"

/* One V8 page (MemoryChunk) found in the image. */
struct heap_page {
	uint64_t base, area_start, area_end; /* area_end: end of the object area */
	uint64_t flags, heap, owner;
	uint64_t meta; /* where the header fields are: base, or its MemoryChunkMetadata */
	int unused;    /* a to-space page after the allocation page: nothing live */
	enum v8_space space;
	const uint8_t *data; /* zero-copy view of [area_start, area_end) */
	/* Allocation area [lab_top, lab_limit) inside the page that holds no objects
	 * yet (found from the isolate's LinearAllocationArea); 0 when none. */
	uint64_t lab_top, lab_limit;
};

/* What the walk knows about one map. */
struct heap_mapinfo {
	uint64_t map;	    /* tagged map pointer; 0 = empty slot */
	int valid;	    /* 1 map, 0 not a map */
	unsigned type;	    /* instance type */
	uint32_t inst_size; /* Map::instance_size in bytes, 0 = variable */
	int formula;	    /* how to size a variable-size object (heap_walk_size.c) */
};

struct v8_heap {
	struct v8 *v8;
	struct img *img;
	const struct v8_layout *L;
	const struct v8_types *T;
	struct heap_page *pages;
	size_t npages;
	/* map cache: open addressing on the map address, over entries that never
	 * move (blocks of MAPINFO_BLOCK), so a pointer to one stays valid while the
	 * table grows during a walk */
	struct heap_mapinfo **maps;
	size_t maps_cap, maps_used;
	struct heap_mapinfo **blocks;
	size_t nblocks, block_used;
	/* instance types of variable-size kinds (-1 when the binary has none) */
	int t_free_space, t_filler, t_fixed_array, t_fixed_double_array, t_byte_array,
	    t_bytecode_array;
	int t_weak_fixed_array, t_descriptor_array, t_property_array, t_weak_array_list;
	int t_trusted_fixed_array, t_protected_fixed_array, t_trusted_byte_array;
	int t_protected_weak_fixed_array, t_trusted_weak_fixed_array, t_scope_info;
	int t_feedback_vector, t_code, t_instruction_stream, t_bigint;
	int t_closure_feedback_cell_array, t_object_boilerplate, t_array_list;
	int first_context, last_context;
	int64_t bytecode_header; /* BytecodeArray::data offset */
	int free_space_words;	 /* FreeSpace size in tagged words (V8 >= 13) */
	int off_list_next;	 /* page list next link, from pg->meta */
	struct v8_heap_stats stats;
};

/* heap_walk_pages.c */
int heap_find_pages(struct v8_heap *h);
/* heap_walk_size.c */
void heap_size_init(struct v8_heap *h);
void heap_maps_free(struct v8_heap *h);
struct heap_mapinfo *heap_map_info(struct v8_heap *h, uint64_t map);
/* Size in bytes of the object whose words are w (avail words readable), 0 when
 * it cannot be told from the object alone. */
uint32_t heap_object_size(struct v8_heap *h, struct heap_mapinfo *mi, const uint64_t *w,
			  size_t avail);
/* A guessed size (formula i) for a kind with no known formula; 0 when the kind
 * must not be guessed. */
uint32_t heap_object_size_guess(struct v8_heap *h, struct heap_mapinfo *mi, int i,
				const uint64_t *w, size_t avail);
/* heap_walk.c */
int heap_word_is_map(struct v8_heap *h, uint64_t word);
struct heap_page *heap_page_of(struct v8_heap *h, uint64_t addr, int end_inclusive);

/* refs.c: a set of tagged values, the reverse-reference scan, edge names */
struct vset {
	uint64_t *v;
	size_t cap, n;
	uint64_t filter[1024]; /* one bit per (value >> 3) & 0xffff: fast "no" */
};
int vset_has(const struct vset *s, uint64_t x);
int vset_add(struct vset *s, uint64_t x); /* 1 when x was new */
struct v8_refs {
	struct v8_heap *heap;
	struct v8 *v8;
};
typedef void (*ref_fn)(struct v8_heap *h, const struct v8_heap_obj *o, size_t slot, uint64_t target,
		       void *arg);
int refs_scan(struct v8_heap *h, const struct vset *targets, ref_fn fn, void *arg);
int refs_describe_edge(struct v8 *v8, v8_value from, size_t slot, v8_value target,
		       struct util_buf *out);
/* A slot of a JSMap/JSSet's OrderedHashMap/Set table: "Map key", "Map value
 * (key ...)", "Set entry". */
void refs_map_entry(struct v8 *v8, v8_value table, size_t slot, int is_map, struct util_buf *b);

#endif
