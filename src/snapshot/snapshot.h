/*
 * snapshot — the V8 .heapsnapshot graph: a streaming parser driven by
 * snapshot.meta, and the analyses Chrome DevTools runs on it (edge indexes,
 * retainers, page ownership, essential edges, shallow-size folding, distances,
 * Lengauer–Tarjan dominators, retained sizes, class names with interface
 * inference, per-class aggregates), plus comparison of snapshots and retainer
 * paths. Prefix: snap_. This header is the only door into the layer.
 *
 * Numbers follow devtools-frontend's HeapSnapshot.ts (front_end/entrypoints/
 * heap_snapshot_worker) so that counts, shallow and retained sizes and distances
 * equal what the DevTools Memory panel (and memlab, which reuses the same logic)
 * show for the same file.
 */
#ifndef NODESCOPE_SNAPSHOT_H
#define NODESCOPE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SNAP_NONE UINT32_MAX
/* DevTools: distance of nodes reached only from the root, and of unreachable ones. */
#define SNAP_BASE_SYSTEM_DISTANCE 100000000
#define SNAP_NO_DISTANCE (-5)

/* Node flags (struct snapshot.flags). */
#define SNAP_FLAG_PAGE 1u /* reachable from a user global over non-weak edges */

/* What snap_load should parse: everything, or only the nodes section (enough
 * for id ranges in a three-snapshot comparison). */
enum snap_load_mode { SNAP_LOAD_FULL, SNAP_LOAD_NODES_ONLY };

struct snap_location {
	uint32_t node; /* node ordinal */
	uint32_t script, line, column;
};

struct snapshot {
	char *path;
	uint64_t file_size;
	int progress; /* show progress lines on stderr */

	/* schema, from snapshot.meta */
	char **node_types;
	uint32_t n_node_types;
	char **edge_types; /* DevTools appends "invisible"; so do we */
	uint32_t n_edge_types;
	int nt_hidden, nt_array, nt_string, nt_object, nt_code, nt_closure, nt_regexp;
	int nt_number, nt_native, nt_synthetic, nt_cons_string, nt_sliced_string;
	int et_context, et_element, et_property, et_internal, et_hidden, et_shortcut, et_weak,
	    et_invisible;

	/* nodes, by ordinal (node index in the file / node field count) */
	uint32_t node_count;
	uint32_t root; /* ordinal of the root (snapshot.root_index / fields) */
	uint64_t extra_native_bytes;
	uint8_t *n_type;
	uint32_t *n_name; /* string index */
	uint32_t *n_id;
	uint64_t *n_self;     /* shallow size; after snap_analyze, DevTools' folded size */
	uint64_t *n_self_raw; /* shallow size as written by V8 */
	uint8_t *n_detached;  /* DOM link state 0 unknown, 1 attached, 2 detached; may be NULL */
	uint32_t *first_edge; /* node_count + 1 edge ordinals */
	uint32_t max_js_id;   /* largest odd id */

	/* edges, by ordinal, grouped by source node */
	uint64_t edge_count;
	uint8_t *e_type;
	uint32_t *e_name; /* string index, or element/hidden index */
	uint32_t *e_to;	  /* target node ordinal */

	/* strings, unescaped to UTF-8, NUL-terminated; more are appended for class names */
	char *strs;
	size_t strs_len, strs_cap;
	uint64_t *str_off; /* str_count + 1 offsets into strs */
	uint32_t str_count, str_cap;

	/* locations, sorted by node ordinal */
	struct snap_location *locs;
	uint32_t loc_count;

	/* derived by snap_analyze */
	uint32_t *ret_first; /* node_count + 1 */
	uint32_t *ret_edge;  /* edge ordinals, grouped by target */
	uint32_t *ret_node;  /* source node ordinal of ret_edge[i] */
	uint8_t *flags;
	uint8_t *essential; /* bit per edge: used for dominators */
	int32_t *distance;
	uint32_t *dom;	     /* immediate dominator ordinal */
	uint64_t *retained;  /* retained size */
	uint32_t *dom_first; /* node_count + 1: children in the dominator tree */
	uint32_t *dom_kids;
	uint32_t *cls;	     /* class name string index per node */
	uint32_t *dfs_order; /* between snap_dominator_tree and snap_retained_sizes */
	uint32_t dfs_count;
	int analyzed;
	int dominated; /* dominators and retained sizes computed */
};

/* alloc.c — big arrays (huge pages when large); free() them. */
void *snap_alloc(size_t n);
void *snap_calloc(size_t n, size_t size);

/* parse.c */
int snap_load(struct snapshot *s, const char *path, enum snap_load_mode mode);
/* Parses a snapshot held in memory (tests, fuzzing). */
int snap_load_mem(struct snapshot *s, const char *data, size_t len, enum snap_load_mode mode);
void snap_free(struct snapshot *s);

/* strings.c */
static inline const char *snap_str(const struct snapshot *s, uint32_t i)
{
	return s->strs + s->str_off[i];
}
uint32_t snap_add_string(struct snapshot *s, const char *p, size_t n);
/* Appends `name` as JSON-escaped text (no quotes) to out. */
void snap_json_escape(FILE *out, const char *p);
const char *snap_node_type(const struct snapshot *s, uint32_t n);
const char *snap_edge_type(const struct snapshot *s, uint64_t e);
/* Edge name as DevTools shows it ("[3]" for elements, ".x" for properties, ...). */
char *snap_edge_label(const struct snapshot *s, uint64_t e);
/* Name of a node as DevTools shows it (cons strings joined, plain objects as
 * "{a, b, …}"); the caller frees it. */
char *snap_node_display_name(const struct snapshot *s, uint32_t n);
/* WeakMap ephemeron edge name: returns 1 and the table id and the offset of the
 * duplicated part when the name has DevTools' pattern. */
int snap_weakmap_edge(const char *name, uint32_t *table_id, size_t *dup_off);

/* graph.c — derived indexes and DevTools' passes; snap_analyze runs them all.
 * want_dominators = 0 skips dominators and retained sizes. */
int snap_analyze(struct snapshot *s, int want_dominators);
void snap_progress(const struct snapshot *s, const char *phase);
int snap_build_retainers(struct snapshot *s);
void snap_propagate_dom_state(struct snapshot *s);
void snap_mark_page_owned(struct snapshot *s);
void snap_essential_edges(struct snapshot *s);
void snap_fold_shallow_sizes(struct snapshot *s);
void snap_distances(struct snapshot *s);

/* dominators.c */
int snap_dominators(struct snapshot *s);
int snap_dominator_tree(struct snapshot *s);
void snap_retained_sizes(struct snapshot *s);
uint32_t snap_top_subtrees(struct snapshot *s, uint32_t want, uint32_t **nodes, uint32_t **depth);

/* classes.c — DevTools class names (with inferred interfaces for plain objects). */
struct snap_iface_list;
struct snap_iface_list *snap_infer_interfaces(struct snapshot *s);
void snap_apply_interfaces(struct snapshot *s, const struct snap_iface_list *l);
void snap_iface_list_free(struct snap_iface_list *l);
void snap_class_names(struct snapshot *s);

/* census.c — the Summary view: one row per class key. */
struct snap_class {
	char *key;	  /* durable class key: ",Name" or "script,line,col,Name" */
	const char *name; /* class name (points into the snapshot's strings) */
	uint32_t cls;	  /* class name string index */
	uint64_t count, self, retained;
	uint64_t raw_self; /* shallow sizes as V8 wrote them (memlab's numbers) */
	int32_t distance;  /* minimum distance */
	uint32_t sample;   /* a node ordinal of this class (largest retained) */
	uint32_t *nodes;   /* node ordinals, sorted by id (when asked for) */
	uint32_t n_nodes;
};
struct snap_census {
	struct snap_class *rows;
	size_t n;
};
/* Aggregates nodes with non-zero shallow size and, if min_id < max_id, an id in
 * (min_id, max_id] (DevTools' "objects allocated between" filter).
 * keep_nodes stores each row's node ordinals sorted by id. */
int snap_census(struct snapshot *s, uint32_t min_id, uint32_t max_id, int keep_nodes,
		struct snap_census *out);
void snap_census_sort_retained(struct snap_census *c);
struct snap_class *snap_census_find(struct snap_census *c, const char *key);
void snap_census_free(struct snap_census *c);
uint64_t snap_total_size(const struct snapshot *s);

/* diff.c — DevTools' Comparison: per class key, new / deleted objects by id. */
struct snap_diff_row {
	char *key;
	char *name;
	uint64_t added, removed;
	uint64_t added_size, removed_size;
	uint32_t sample_id; /* one added object (if any), else one removed */
};
struct snap_diff {
	struct snap_diff_row *rows;
	size_t n;
	uint64_t base_objects, matched; /* objects of the base, and those found again by id */
};
int snap_diff(struct snap_census *base, struct snapshot *sb, struct snap_census *cur,
	      struct snapshot *sc, struct snap_diff *out);
void snap_diff_free(struct snap_diff *d);

/* retainers.c — retaining paths, DevTools' rules. */
struct snap_path {
	uint32_t *nodes; /* from a user root (or GC root) down to the target */
	uint64_t *edges; /* edges[i] goes from nodes[i] to nodes[i+1] */
	uint32_t len;	 /* number of nodes */
};
uint32_t snap_find_id(const struct snapshot *s, uint32_t id);
/* Up to max_paths paths to `target`, shortest first, one per distinct direct retainer. */
int snap_retaining_paths(struct snapshot *s, uint32_t target, uint32_t max_paths,
			 struct snap_path **paths, uint32_t *n_paths);
void snap_paths_free(struct snap_path *p, uint32_t n);

/* live.c — `heap snapshot PID`: SIGUSR1, the inspector on loopback, and
 * HeapProfiler.takeHeapSnapshot streamed to a file. */
struct snap_live_opts {
	const char *const *paths; /* one snapshot per path, in one inspector session */
	int n_paths;
	long interval_ms; /* wait between snapshots */
	int verbose;
};
int snap_live_capture(int pid, const struct snap_live_opts *o);

#endif
