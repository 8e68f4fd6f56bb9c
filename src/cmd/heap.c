/*
 * heap.c — `nodescope heap`: summary, diff, retainers, dominators of
 * .heapsnapshot files, and `heap snapshot PID` to take one from a live process.
 * Parses arguments, calls the snapshot layer, prints tables or --json.
 */
#include "cmd/cmd.h"
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: nodescope heap summary FILE [--top N] [--json]\n"
    "       nodescope heap dominators FILE [--top N] [--json]\n"
    "       nodescope heap diff A B [C] [--top N] [--json]\n"
    "       nodescope heap retainers FILE (@ID | --name CONSTRUCTOR) [--paths N] [--json]\n"
    "       nodescope heap snapshot PID -o FILE [-o FILE2 ... [--interval SECS]]\n"
    "\n"
    "Analyse V8 heap snapshots (.heapsnapshot: v8.writeHeapSnapshot(), "
    "--heapsnapshot-signal,\nChrome DevTools) with the numbers the DevTools Memory "
    "panel shows.\n"
    "\n"
    "  summary     per constructor: count, shallow size, retained size, distance\n"
    "              (DevTools' Summary grouping), biggest retained first\n"
    "  dominators  the objects with the biggest retained sizes, with their immediate\n"
    "              dominator (Lengauer-Tarjan, as DevTools)\n"
    "  diff A B    per constructor: new and deleted objects by id, count and size delta\n"
    "              (DevTools' Comparison)\n"
    "  diff A B C  objects allocated between A and B that are still alive in C, by\n"
    "              constructor, with one sample object each (three-snapshot technique)\n"
    "  retainers   retaining paths from the GC roots to an object (or to the biggest\n"
    "              instance of a constructor), shortest first; weak edges do not retain\n"
    "  snapshot    take a snapshot of a running node process started without flags:\n"
    "              SIGUSR1 opens its inspector on 127.0.0.1, the snapshot is streamed\n"
    "              to FILE (mode 0600), the inspector is closed again. Several -o take\n"
    "              several snapshots SECS apart (default 10) in one inspector session:\n"
    "              V8 renumbers objects when a session ends, so only snapshots of one\n"
    "              session can be compared with `heap diff`\n"
    "\n"
    "options:\n"
    "  --top N     print only the first N rows\n"
    "  --paths N   number of retaining paths (default 3)\n"
    "  --json      machine-readable output\n";

struct opts {
	int json;
	long top;
	long paths;
	const char *name;
	const char *outs[16];
	int n_outs;
	double interval;
	const char *files[3];
	int n_files;
};

static int bad_usage(const char *msg)
{
	fprintf(stderr, "nodescope heap: %s\n", msg);
	fputs("try `nodescope heap --help`\n", stderr);
	return 2;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->top = -1;
	o->paths = 3;
	o->interval = 10;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		long *num = NULL;
		if (!strcmp(a, "--json")) {
			o->json = 1;
			continue;
		}
		if (!strcmp(a, "--top"))
			num = &o->top;
		else if (!strcmp(a, "--paths"))
			num = &o->paths;
		else if (!strcmp(a, "--name"))
			val = &o->name;
		else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (o->n_outs == 16)
				return bad_usage("at most 16 -o FILE");
			val = &o->outs[o->n_outs++];
		} else if (!strcmp(a, "--interval")) {
			char *end;
			if (i + 1 >= argc || (o->interval = strtod(argv[++i], &end)) < 0 || *end)
				return bad_usage("--interval takes seconds");
			continue;
		}
		if (num || val) {
			if (i + 1 >= argc)
				return bad_usage("an option needs a value");
			if (val) {
				*val = argv[++i];
			} else {
				char *end;
				*num = strtol(argv[++i], &end, 10);
				if (*end || *num < 0)
					return bad_usage("--top and --paths take a number");
			}
			continue;
		}
		if (a[0] == '-' && a[1])
			return bad_usage("unknown option");
		if (o->n_files == 3)
			return bad_usage("too many arguments");
		o->files[o->n_files++] = a;
	}
	return 0;
}

static int load(struct snapshot *s, const char *path, enum snap_load_mode mode)
{
	if (snap_load(s, path, mode)) {
		fprintf(stderr, "nodescope heap: %s\n", util_last_error());
		snap_free(s);
		return -1;
	}
	return 0;
}

static size_t limit(const struct opts *o, size_t n)
{
	return o->top >= 0 && (size_t)o->top < n ? (size_t)o->top : n;
}

static void json_str(const char *key, const char *val, const char *after)
{
	printf("\"%s\":\"", key);
	snap_json_escape(stdout, val);
	printf("\"%s", after);
}

static void print_summary(struct snapshot *s, struct snap_census *c, const struct opts *o)
{
	size_t n = limit(o, c->n);
	if (o->json) {
		printf("{");
		json_str("file", s->path, ",");
		printf("\"nodes\":%u,\"edges\":%llu,\"total_size\":%llu,\"classes\":[",
		       s->node_count, (unsigned long long)s->edge_count,
		       (unsigned long long)snap_total_size(s));
		for (size_t i = 0; i < n; i++) {
			struct snap_class *r = &c->rows[i];
			printf("%s\n{", i ? "," : "");
			json_str("name", snap_str(s, r->cls), ",");
			json_str("key", r->key, ",");
			printf("\"count\":%llu,\"self_size\":%llu,\"raw_self_size\":%llu,"
			       "\"retained_size\":%llu,\"distance\":%d,\"sample_id\":%u}",
			       (unsigned long long)r->count, (unsigned long long)r->self,
			       (unsigned long long)r->raw_self, (unsigned long long)r->retained,
			       r->distance, s->n_id[r->sample]);
		}
		printf("]}\n");
		return;
	}
	printf("# %s: %u nodes, %llu edges, total size %llu bytes\n", s->path, s->node_count,
	       (unsigned long long)s->edge_count, (unsigned long long)snap_total_size(s));
	printf("%10s %14s %14s %10s  %s\n", "count", "shallow", "retained", "distance",
	       "constructor");
	for (size_t i = 0; i < n; i++) {
		struct snap_class *r = &c->rows[i];
		printf("%10llu %14llu %14llu %10d  %s\n", (unsigned long long)r->count,
		       (unsigned long long)r->self, (unsigned long long)r->retained, r->distance,
		       snap_str(s, r->cls));
	}
}

static int cmd_summary(const struct opts *o)
{
	struct snapshot s;
	struct snap_census c;
	if (o->n_files != 1)
		return bad_usage("summary takes one FILE");
	if (load(&s, o->files[0], SNAP_LOAD_FULL))
		return 1;
	snap_analyze(&s, 1);
	snap_census(&s, 0, 0, 0, &c);
	snap_census_sort_retained(&c);
	snap_progress(&s, NULL);
	print_summary(&s, &c, o);
	snap_census_free(&c);
	snap_free(&s);
	return 0;
}

static void node_json(const struct snapshot *s, uint32_t v)
{
	char *name = snap_node_display_name(s, v);
	printf("{\"id\":%u,", s->n_id[v]);
	json_str("type", snap_node_type(s, v), ",");
	json_str("name", name, ",");
	json_str("class", snap_str(s, s->cls[v]), ",");
	printf("\"self_size\":%llu,\"retained_size\":%llu,\"distance\":%d",
	       (unsigned long long)s->n_self[v],
	       (unsigned long long)(s->retained ? s->retained[v] : 0), s->distance[v]);
	free(name);
}

static char *short_name(const struct snapshot *s, uint32_t v)
{
	char *name = snap_node_display_name(s, v);
	if (strlen(name) > 60)
		strcpy(name + 57, "...");
	for (char *p = name; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return name;
}

static int cmd_dominators(const struct opts *o)
{
	struct snapshot s;
	if (o->n_files != 1)
		return bad_usage("dominators takes one FILE");
	if (load(&s, o->files[0], SNAP_LOAD_FULL))
		return 1;
	snap_analyze(&s, 1);
	uint32_t *nodes, *depth;
	uint32_t n = snap_top_subtrees(&s, o->top >= 0 ? (uint32_t)o->top : 25, &nodes, &depth);
	if (o->json) {
		printf("{");
		json_str("file", s.path, ",");
		printf("\"total_size\":%llu,\"dominators\":[", (unsigned long long)snap_total_size(&s));
	} else {
		printf("# %s: total size %llu bytes; the biggest retained subtrees of the dominator "
		       "tree\n",
		       s.path, (unsigned long long)snap_total_size(&s));
		printf("%14s %12s %10s  %s\n", "retained", "shallow", "distance", "node");
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = nodes[i];
		if (o->json) {
			printf("%s\n", i ? "," : "");
			node_json(&s, v);
			printf(",\"depth\":%u,\"dominator_id\":%u}", depth[i], s.n_id[s.dom[v]]);
			continue;
		}
		char *name = short_name(&s, v);
		printf("%14llu %12llu %10d  %*s%s%s(%s) @%u\n", (unsigned long long)s.retained[v],
		       (unsigned long long)s.n_self[v], s.distance[v], (int)(2 * depth[i]), "", name,
		       *name ? " " : "", snap_node_type(&s, v), s.n_id[v]);
		free(name);
	}
	if (o->json)
		printf("]}\n");
	free(nodes);
	free(depth);
	snap_free(&s);
	return 0;
}

static void print_path(const struct snapshot *s, const struct snap_path *p, int json)
{
	if (json) {
		printf("[");
		for (uint32_t i = 0; i < p->len; i++) {
			printf("%s", i ? "," : "");
			node_json(s, p->nodes[i]);
			if (i > 0 && p->edges[i - 1] != UINT64_MAX) {
				char *label = snap_edge_label(s, p->edges[i - 1]);
				printf(",");
				json_str("edge_type", snap_edge_type(s, p->edges[i - 1]), ",");
				json_str("edge", label, "");
				free(label);
			}
			printf("}");
		}
		printf("]");
		return;
	}
	for (uint32_t i = 0; i < p->len; i++) {
		uint32_t v = p->nodes[i];
		char *name = short_name(s, v);
		if (i == 0) {
			printf("  %s (%s) @%u\n", v == s->root ? "(root)" : name,
			       snap_node_type(s, v), s->n_id[v]);
		} else if (p->edges[i - 1] == UINT64_MAX) {
			printf("  ...\n  %s (%s) @%u\n", name, snap_node_type(s, v), s->n_id[v]);
		} else {
			char *label = snap_edge_label(s, p->edges[i - 1]);
			printf("  %*s--%s (%s)--> %s (%s) @%u\n", (int)(2 * i - 2), "", label,
			       snap_edge_type(s, p->edges[i - 1]), name, snap_node_type(s, v),
			       s->n_id[v]);
			free(label);
		}
		free(name);
	}
}

static uint32_t pick_target(struct snapshot *s, const struct opts *o)
{
	if (o->name) {
		uint32_t best = SNAP_NONE;
		for (uint32_t v = 0; v < s->node_count; v++)
			if (!strcmp(snap_str(s, s->cls[v]), o->name) &&
			    (best == SNAP_NONE || s->retained[v] > s->retained[best]))
				best = v;
		if (best == SNAP_NONE)
			fprintf(stderr, "nodescope heap: no object of constructor '%s' in %s\n",
				o->name, s->path);
		return best;
	}
	const char *a = o->files[1];
	char *end;
	unsigned long id = strtoul(a[0] == '@' ? a + 1 : a, &end, 10);
	uint32_t v = (*end || id > UINT32_MAX) ? SNAP_NONE : snap_find_id(s, (uint32_t)id);
	if (v == SNAP_NONE)
		fprintf(stderr, "nodescope heap: no object with id %s in %s\n", a, s->path);
	return v;
}

static int cmd_retainers(const struct opts *o)
{
	struct snapshot s;
	if (o->n_files != (o->name ? 1 : 2))
		return bad_usage("retainers takes FILE and @ID, or FILE --name CONSTRUCTOR");
	if (load(&s, o->files[0], SNAP_LOAD_FULL))
		return 1;
	snap_analyze(&s, 1);
	uint32_t v = pick_target(&s, o);
	if (v == SNAP_NONE) {
		snap_free(&s);
		return 1;
	}
	struct snap_path *paths;
	uint32_t n;
	snap_retaining_paths(&s, v, (uint32_t)o->paths, &paths, &n);
	char *name = short_name(&s, v);
	if (o->json) {
		printf("{\"target\":");
		node_json(&s, v);
		printf("},\"paths\":[");
		for (uint32_t i = 0; i < n; i++) {
			printf("%s\n", i ? "," : "");
			print_path(&s, &paths[i], 1);
		}
		printf("]}\n");
	} else {
		printf("# %s (%s) @%u: shallow %llu, retained %llu, distance %d\n", name,
		       snap_node_type(&s, v), s.n_id[v], (unsigned long long)s.n_self[v],
		       (unsigned long long)s.retained[v], s.distance[v]);
		if (!n)
			printf("no retaining path: the object is unreachable (garbage, or held "
			       "only by weak references)\n");
		for (uint32_t i = 0; i < n; i++) {
			printf("path %u (%u edges):\n", i + 1, paths[i].len - 1);
			print_path(&s, &paths[i], 0);
		}
	}
	free(name);
	snap_paths_free(paths, n);
	snap_free(&s);
	return 0;
}

static int cmp_diff(const void *a, const void *b)
{
	const struct snap_diff_row *x = a, *y = b;
	int64_t dx = (int64_t)x->added_size - (int64_t)x->removed_size;
	int64_t dy = (int64_t)y->added_size - (int64_t)y->removed_size;
	if (dx != dy)
		return dx < dy ? 1 : -1;
	int64_t cx = (int64_t)x->added - (int64_t)x->removed,
		cy = (int64_t)y->added - (int64_t)y->removed;
	if (cx != cy)
		return cx < cy ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void print_diff(const char *a, const char *b, struct snap_diff *d, const struct opts *o)
{
	size_t n = limit(o, d->n);
	if (d->n)
		qsort(d->rows, d->n, sizeof(*d->rows), cmp_diff);
	if (o->json) {
		printf("{");
		json_str("base", a, ",");
		json_str("current", b, ",");
		printf("\"classes\":[");
	} else {
		printf("# %s -> %s: objects by id, per constructor\n", a, b);
		printf("%10s %10s %10s %14s %14s %14s  %s\n", "new", "deleted", "delta",
		       "alloc size", "freed size", "size delta", "constructor");
	}
	for (size_t i = 0; i < n; i++) {
		struct snap_diff_row *r = &d->rows[i];
		long long dc = (long long)r->added - (long long)r->removed;
		long long ds = (long long)r->added_size - (long long)r->removed_size;
		if (o->json) {
			printf("%s\n{", i ? "," : "");
			json_str("name", r->name, ",");
			json_str("key", r->key, ",");
			printf("\"new\":%llu,\"deleted\":%llu,\"delta\":%lld,\"alloc_size\":%llu,"
			       "\"freed_size\":%llu,\"size_delta\":%lld,\"sample_id\":%u}",
			       (unsigned long long)r->added, (unsigned long long)r->removed, dc,
			       (unsigned long long)r->added_size,
			       (unsigned long long)r->removed_size, ds, r->sample_id);
		} else {
			printf("%10llu %10llu %+10lld %14llu %14llu %+14lld  %s\n",
			       (unsigned long long)r->added, (unsigned long long)r->removed, dc,
			       (unsigned long long)r->added_size,
			       (unsigned long long)r->removed_size, ds, r->name);
		}
	}
	if (o->json)
		printf("]}\n");
}

static int diff_two(const struct opts *o)
{
	struct snapshot a, b;
	struct snap_census ca, cb;
	struct snap_diff d;
	if (load(&b, o->files[1], SNAP_LOAD_FULL))
		return 1;
	if (load(&a, o->files[0], SNAP_LOAD_FULL)) {
		snap_free(&b);
		return 1;
	}
	snap_analyze(&b, 0);
	snap_analyze(&a, 0);
	/* like DevTools, classify the base with the current snapshot's interfaces */
	struct snap_iface_list *ifaces = snap_infer_interfaces(&b);
	snap_apply_interfaces(&a, ifaces);
	snap_iface_list_free(ifaces);
	snap_census(&a, 0, 0, 1, &ca);
	snap_census(&b, 0, 0, 1, &cb);
	snap_diff(&ca, &a, &cb, &b, &d);
	if (d.base_objects > 1000 && d.matched * 10 < d.base_objects)
		fprintf(stderr,
			"nodescope heap: warning: only %llu of %llu objects of %s are found again by id "
			"in %s; object ids are only comparable between snapshots of one process (and, "
			"through the inspector, of one session)\n",
			(unsigned long long)d.matched, (unsigned long long)d.base_objects, o->files[0],
			o->files[1]);
	print_diff(o->files[0], o->files[1], &d, o);
	snap_diff_free(&d);
	snap_census_free(&ca);
	snap_census_free(&cb);
	snap_free(&a);
	snap_free(&b);
	return 0;
}

/* Objects allocated between A and B (id in (maxJSObjectId(A), maxJSObjectId(B)],
 * DevTools' filter) that are still alive in C. */
static int diff_three(const struct opts *o)
{
	struct snapshot a, b, c;
	struct snap_census cc;
	if (load(&a, o->files[0], SNAP_LOAD_NODES_ONLY))
		return 1;
	uint32_t lo = a.max_js_id;
	snap_free(&a);
	if (load(&b, o->files[1], SNAP_LOAD_NODES_ONLY))
		return 1;
	uint32_t hi = b.max_js_id;
	snap_free(&b);
	if (hi <= lo) {
		fprintf(stderr,
			"nodescope heap: %s is not newer than %s (largest object id %u <= %u); "
			"are they from the same process, in this order?\n",
			o->files[1], o->files[0], hi, lo);
		return 1;
	}
	if (load(&c, o->files[2], SNAP_LOAD_FULL))
		return 1;
	snap_analyze(&c, 1);
	snap_census(&c, lo, hi, 0, &cc);
	snap_census_sort_retained(&cc);
	size_t n = limit(o, cc.n);
	if (o->json) {
		printf("{");
		json_str("file", c.path, ",");
		printf("\"min_id\":%u,\"max_id\":%u,\"classes\":[", lo, hi);
	} else {
		printf("# objects allocated between %s and %s (ids %u..%u) still alive in %s\n",
		       o->files[0], o->files[1], lo + 1, hi, o->files[2]);
		printf("%10s %14s %14s  %-40s %s\n", "count", "shallow", "retained", "constructor",
		       "sample");
	}
	for (size_t i = 0; i < n; i++) {
		struct snap_class *r = &cc.rows[i];
		if (o->json) {
			printf("%s\n{", i ? "," : "");
			json_str("name", snap_str(&c, r->cls), ",");
			json_str("key", r->key, ",");
			printf("\"count\":%llu,\"self_size\":%llu,\"retained_size\":%llu,\"sample_"
			       "id\":%u}",
			       (unsigned long long)r->count, (unsigned long long)r->self,
			       (unsigned long long)r->retained, c.n_id[r->sample]);
		} else {
			printf("%10llu %14llu %14llu  %-40s @%u\n", (unsigned long long)r->count,
			       (unsigned long long)r->self, (unsigned long long)r->retained,
			       snap_str(&c, r->cls), c.n_id[r->sample]);
		}
	}
	if (o->json)
		printf("]}\n");
	snap_census_free(&cc);
	snap_free(&c);
	return 0;
}

static int cmd_snapshot(const struct opts *o)
{
	if (o->n_files != 1 || !o->n_outs)
		return bad_usage("snapshot takes PID and -o FILE");
	char *end;
	long pid = strtol(o->files[0], &end, 10);
	if (*end || pid <= 0)
		return bad_usage("snapshot: PID must be a process id");
	struct snap_live_opts lo = {o->outs, o->n_outs, (long)(o->interval * 1000), 1};
	if (snap_live_capture((int)pid, &lo)) {
		fprintf(stderr, "nodescope heap snapshot: %s\n", util_last_error());
		return 1;
	}
	return 0;
}

int cmd_heap(int argc, char **argv)
{
	struct opts o;
	if (argc < 2)
		return bad_usage(
		    "which heap command? (summary, diff, retainers, dominators, snapshot)");
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	const char *sub = argv[1];
	if (!strcmp(sub, "summary"))
		return cmd_summary(&o);
	if (!strcmp(sub, "dominators"))
		return cmd_dominators(&o);
	if (!strcmp(sub, "retainers"))
		return cmd_retainers(&o);
	if (!strcmp(sub, "snapshot"))
		return cmd_snapshot(&o);
	if (!strcmp(sub, "diff")) {
		if (o.n_files == 2)
			return diff_two(&o);
		if (o.n_files == 3)
			return diff_three(&o);
		return bad_usage("diff takes two or three snapshots");
	}
	return bad_usage("unknown heap command");
}
