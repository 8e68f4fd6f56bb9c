/*
 * heap.h — the whole V8 heap of an image: every live object in every space
 * (walked page by page), the census that groups JS objects like mdb_v8's
 * ::findjsobjects, reverse references and retaining paths. Part of the v8 layer
 * (prefix v8_), built on v8.h.
 *
 * The walk finds V8 pages (MemoryChunk headers at 256 KiB-aligned addresses),
 * skips new-space from-pages (stale copies) and free-space blocks, and steps
 * over objects by their size, so objects that nothing points to are found and
 * dead data is not (see heap_walk.c).
 */
#ifndef NODESCOPE_V8_HEAP_H
#define NODESCOPE_V8_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "v8/v8.h"

/* Visits every live heap object exactly once, in every space. fn returns
 * non-zero to stop the walk (that value is returned). -1 with util_error() set
 * when the heap cannot be found at all. */
typedef int (*v8_heap_fn)(struct v8 *v8, v8_value obj, unsigned instance_type, void *arg);
int v8_heap_walk(struct v8 *v8, v8_heap_fn fn, void *arg);

/* The heap of an image, found once (pages, map cache); reusable by walks. */
struct v8_heap;
enum v8_space {
	V8_SPACE_RO,
	V8_SPACE_NEW,
	V8_SPACE_OLD,
	V8_SPACE_CODE,
	V8_SPACE_MAP,
	V8_SPACE_TRUSTED,
	V8_SPACE_SHARED,
	V8_SPACE_LO,
	V8_SPACE_NEW_LO,
	V8_SPACE_CODE_LO,
	V8_SPACE_OTHER,
	V8_SPACE_COUNT
};
const char *v8_space_name(enum v8_space s);

int v8_heap_open(struct v8 *v8, struct v8_heap **out);
void v8_heap_close(struct v8_heap *heap);

/* One object as the walk sees it. */
struct v8_heap_obj {
	v8_value obj, map;
	unsigned type;
	uint32_t size; /* bytes */
	enum v8_space space;
	const uint64_t *words; /* the object's words (size / 8 of them), zero-copy */
};
typedef int (*v8_heap_obj_fn)(struct v8_heap *heap, const struct v8_heap_obj *o, void *arg);
/* Visits every live object; progress on stderr when label is given, stderr is
 * a terminal and the walk takes more than a second. */
int v8_heap_each(struct v8_heap *heap, const char *label, v8_heap_obj_fn fn, void *arg);
struct v8 *v8_heap_v8(const struct v8_heap *heap);
/* The object containing addr (tagged or not) when it is a live heap object
 * start; 0 when addr is not the start of an object the walk knows. */
int v8_heap_is_object(struct v8_heap *heap, v8_value v);

/* Statistics of the last walk, per space. */
struct v8_heap_stats {
	size_t pages[V8_SPACE_COUNT], objects[V8_SPACE_COUNT];
	uint64_t bytes[V8_SPACE_COUNT];
	size_t pages_skipped_from, pages_missing; /* from-space; not in the core */
	size_t pages_partial;			  /* only partly in the core */
	size_t pages_unused;			  /* to-space pages after the allocation page */
	size_t resyncs;				  /* objects whose size was guessed */
	size_t lab_gaps;			  /* allocation areas skipped */
};
const struct v8_heap_stats *v8_heap_stats(const struct v8_heap *heap);

/*
 * Census (census.c): JS objects grouped by constructor and own property names,
 * arrays, strings and other built-in kinds as rows of their own. Computed once
 * and kept by the caller for the session.
 */
struct v8_census;
struct v8_census_group {
	v8_value rep;	   /* a representative object */
	size_t count;	   /* objects in the group */
	uint64_t bytes;	   /* their shallow size */
	int nprops;	   /* own named properties (-1: not an object) */
	const char *ctor;  /* "Foo", "Array", "(String)" ... */
	const char *props; /* "a, b, c" or "" */
	const char *key;   /* ctor + props: stable across cores of one binary */
	int is_object;	   /* a JS object group (vs a built-in kind row) */
};
int v8_census_build(struct v8_heap *heap, struct v8_census **out);
void v8_census_free(struct v8_census *c);
size_t v8_census_count(const struct v8_census *c);
const struct v8_census_group *v8_census_at(const struct v8_census *c, size_t i);
/* The group (index) of an object, or -1. */
long v8_census_group_of(struct v8_census *c, v8_value obj);
/* Every object of group i, in address order. */
int v8_census_members(struct v8_census *c, size_t i, v8_value **objs, size_t *n);
/* Total objects and bytes seen. */
void v8_census_totals(const struct v8_census *c, size_t *objects, uint64_t *bytes);

/*
 * Reverse references (refs.c): every object whose fields hold target, with how
 * ("property name", "[i]", closure variable "name" of function F, Map/Set entry,
 * bound argument ...).
 */
struct v8_ref {
	v8_value from; /* the referring object (a JS object when one owns the slot) */
	v8_value via;  /* the internal object holding the slot (elements, context, ...) */
	char how[256]; /* ".name", "[3]", "closure variable x of f()", "Map value (key \"k\")" */
};
/* Builds the reverse index over the whole heap (once), then answers queries. */
struct v8_refs;
int v8_refs_build(struct v8_heap *heap, struct v8_refs **out);
void v8_refs_free(struct v8_refs *r);
/* Referrers described for a person; caller frees *out. */
int v8_refs_describe(struct v8_refs *r, v8_value target, struct v8_ref **out, size_t *n);

/*
 * Retainers (retainers.c): shortest paths from GC roots to a target, each as a
 * chain of (object, edge) steps from the root.
 */
struct v8_path_step {
	v8_value obj;
	size_t slot;	/* the word of obj that holds the next step */
	char edge[256]; /* how obj reaches the next step: ".store", "[9999]", ... */
};
struct v8_path {
	char root[256]; /* "global object", "module cache (require.cache)", "stack of thread 1" */
	struct v8_path_step *steps;
	size_t nsteps; /* the last step is the target itself */
};
int v8_retainers(struct v8_refs *r, v8_value target, size_t max_paths, struct v8_path **paths,
		 size_t *npaths);
void v8_paths_free(struct v8_path *paths, size_t n);
/* Prints a path on one line per step into out. */
void v8_path_format(struct v8 *v8, const struct v8_path *p, struct util_buf *out);

#endif
