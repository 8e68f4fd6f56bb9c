/*
 * dcmd_findjsobjects.c — ::findjsobjects, the heap census in mdb_v8's form:
 * one row per group (constructor + property names; arrays, strings and other
 * built-in kinds as rows of their own) with a representative OBJECT, #OBJECTS,
 * #PROPS and CONSTRUCTOR: PROPS. ADDR::findjsobjects lists every object of
 * ADDR's group; ADDR::findjsobjects -r is ::jsrefs. Also owns the session's
 * heap cache (the heap, its census and its reverse index are computed once per
 * core and kept until the prompt ends), shared with ::jsrefs and ::jsretainers.
 */
#include "output/output_formats.h"
#include "prompt/prompt.h"
#include "v8/heap.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* The session cache: one core per process, so one slot. */
struct heap_session {
	struct v8 *v8;
	struct v8_heap *heap;
	struct v8_census *census;
	struct v8_refs *refs;
};
static struct heap_session session;

static void session_free(void)
{
	v8_refs_free(session.refs);
	v8_census_free(session.census);
	v8_heap_close(session.heap);
	memset(&session, 0, sizeof(session));
}

struct heap_session *dcmd_heap_session(struct dcmd_ctx *ctx, int census, int refs);
struct heap_session *dcmd_heap_session(struct dcmd_ctx *ctx, int census, int refs)
{
	if (!ctx->v8) {
		util_error("no V8 heap: the binary's V8 metadata could not be read");
		return NULL;
	}
	if (session.v8 != ctx->v8) {
		if (session.v8)
			session_free();
		else
			atexit(session_free);
		if (v8_heap_open(ctx->v8, &session.heap) < 0)
			return NULL;
		session.v8 = ctx->v8;
	}
	if (census && !session.census && v8_census_build(session.heap, &session.census) < 0)
		return NULL;
	if (refs && !session.refs && v8_refs_build(session.heap, &session.refs) < 0)
		return NULL;
	return &session;
}

int dcmd_jsrefs_print(struct dcmd_ctx *ctx, struct heap_session *s, uint64_t addr);

struct fjo_opts {
	const char *cons, *prop, *sort;
	int verbose, refs, json;
};

static int has_prop(const char *props, const char *want)
{
	size_t n = strlen(want);
	for (const char *p = props; (p = strstr(p, want)); p += n) {
		int start = p == props || (p >= props + 2 && p[-2] == ',' && p[-1] == ' ');
		int end = p[n] == 0 || p[n] == ',';
		if (start && end)
			return 1;
	}
	return 0;
}

static struct fjo_opts *sort_opts;

static int cmp_groups(const void *a, const void *b)
{
	const struct v8_census_group *x = *(const struct v8_census_group *const *)a;
	const struct v8_census_group *y = *(const struct v8_census_group *const *)b;
	const char *s = sort_opts->sort ? sort_opts->sort : "count";
	if (!strcmp(s, "bytes") && x->bytes != y->bytes)
		return x->bytes < y->bytes ? -1 : 1;
	if (!strcmp(s, "name")) {
		int c = strcmp(x->key, y->key);
		if (c)
			return c;
	}
	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void print_row(struct dcmd_ctx *ctx, const struct fjo_opts *o,
		      const struct v8_census_group *g, int first)
{
	if (o->json) {
		fprintf(ctx->out,
			"%s\n  {\"object\": \"0x%llx\", \"count\": %zu, \"bytes\": %llu, "
			"\"nprops\": %d, \"constructor\": ",
			first ? "" : ",", (unsigned long long)g->rep, g->count,
			(unsigned long long)g->bytes, g->nprops);
		out_fmt_json_string(ctx->out, g->ctor);
		fprintf(ctx->out, ", \"props\": ");
		out_fmt_json_string(ctx->out, g->props);
		fprintf(ctx->out, "}");
		return;
	}
	fprintf(ctx->out, "%16llx %8zu %8d %s%s%s\n", (unsigned long long)g->rep, g->count,
		g->nprops < 0 ? 0 : g->nprops, g->ctor, g->is_object ? ": " : "", g->props);
}

static void print_stats(struct dcmd_ctx *ctx, struct heap_session *s)
{
	const struct v8_heap_stats *st = v8_heap_stats(s->heap);
	size_t objects;
	uint64_t bytes;
	v8_census_totals(s->census, &objects, &bytes);
	fprintf(ctx->out, "%zu objects, %llu bytes, %zu groups\n", objects,
		(unsigned long long)bytes, v8_census_count(s->census));
	for (int i = 0; i < V8_SPACE_COUNT; i++)
		if (st->pages[i])
			fprintf(ctx->out, "  %-18s %5zu pages %9zu objects %12llu bytes\n",
				v8_space_name(i), st->pages[i], st->objects[i],
				(unsigned long long)st->bytes[i]);
	fprintf(ctx->out,
		"  from-space pages skipped: %zu (+%zu unused to-space), pages not in the core: "
		"%zu (partly: %zu), "
		"allocation areas skipped: %zu, objects sized by resynchronising: %zu\n",
		st->pages_skipped_from, st->pages_unused, st->pages_missing, st->pages_partial,
		st->lab_gaps, st->resyncs);
}

static int list_group(struct dcmd_ctx *ctx, struct heap_session *s, uint64_t addr, int json)
{
	long g = v8_census_group_of(s->census, addr);
	if (g < 0)
		return util_error("findjsobjects: 0x%llx is not the start of a live heap object",
				  (unsigned long long)addr);
	v8_value *objs;
	size_t n;
	if (v8_census_members(s->census, (size_t)g, &objs, &n) < 0)
		return -1;
	if (json)
		fprintf(ctx->out, "[");
	for (size_t i = 0; i < n; i++) {
		if (json)
			fprintf(ctx->out, "%s\"0x%llx\"", i ? ", " : "",
				(unsigned long long)objs[i]);
		else
			fprintf(ctx->out, "%llx\n", (unsigned long long)objs[i]);
	}
	if (json)
		fprintf(ctx->out, "]\n");
	free(objs);
	return 0;
}

static int parse(struct dcmd_ctx *ctx, struct fjo_opts *o)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"sort", required_argument, NULL, 's'},
						 {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof(*o));
	o->json = ctx->json;
	optind = 0;
	int c;
	while ((c = getopt_long(ctx->argc, ctx->argv, "c:p:s:vrj", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->cons = optarg;
			break;
		case 'p':
			o->prop = optarg;
			break;
		case 's':
			o->sort = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'r':
			o->refs = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		default:
			return DCMD_USAGE;
		}
	}
	if (optind < ctx->argc)
		return DCMD_USAGE;
	if (o->sort && strcmp(o->sort, "count") && strcmp(o->sort, "bytes") &&
	    strcmp(o->sort, "name"))
		return DCMD_USAGE;
	return 0;
}

static int fjo_run(struct dcmd_ctx *ctx)
{
	struct fjo_opts o;
	int r = parse(ctx, &o);
	if (r)
		return r;
	if (o.refs && !ctx->has_addr)
		return DCMD_USAGE;
	struct heap_session *s = dcmd_heap_session(ctx, !o.refs, o.refs);
	if (!s)
		return -1;
	if (o.refs)
		return dcmd_jsrefs_print(ctx, s, ctx->addr);
	if (ctx->has_addr)
		return list_group(ctx, s, ctx->addr, o.json);
	size_t n = v8_census_count(s->census), k = 0;
	const struct v8_census_group **rows = util_calloc(n ? n : 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		const struct v8_census_group *g = v8_census_at(s->census, i);
		if (o.cons && strcmp(g->ctor, o.cons))
			continue;
		if (o.prop && !has_prop(g->props, o.prop))
			continue;
		rows[k++] = g;
	}
	sort_opts = &o;
	qsort(rows, k, sizeof(*rows), cmp_groups);
	if (o.json)
		fprintf(ctx->out, "[");
	else if (!ctx->piped)
		fprintf(ctx->out, "%16s %8s %8s %s\n", "OBJECT", "#OBJECTS", "#PROPS",
			"CONSTRUCTOR: PROPS");
	for (size_t i = 0; i < k; i++)
		print_row(ctx, &o, rows[i], i == 0);
	if (o.json)
		fprintf(ctx->out, "\n]\n");
	free(rows);
	if (o.verbose && !o.json)
		print_stats(ctx, s);
	return 0;
}

const struct dcmd dcmd_findjsobjects = {
    "findjsobjects",
    "[-c CONS] [-p PROP] [-s count|bytes|name] [-v] [-r] [--json]",
    "heap census: JS objects grouped by constructor and properties",
    "Walks every V8 page of the core (new, old, large-object, code, ... spaces) and\n"
    "groups the live objects: JS objects by constructor and own property names,\n"
    "arrays, functions, strings and other built-in kinds as rows of their own.\n"
    "Columns: OBJECT (a representative), #OBJECTS, #PROPS, CONSTRUCTOR: PROPS.\n"
    "Sorted by count (-s bytes|name to change). -c CONS / -p PROP keep the groups\n"
    "of that constructor / with that property. -v adds totals per space.\n"
    "ADDR::findjsobjects lists every object of ADDR's group; ADDR::findjsobjects -r\n"
    "lists the objects that refer to ADDR (as ::jsrefs). Computed once per core.",
    fjo_run,
};
