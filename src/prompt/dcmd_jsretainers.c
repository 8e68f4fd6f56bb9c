/*
 * dcmd_jsretainers.c — ADDR::jsretainers (or ::jsretainers ADDR): the shortest
 * paths from a GC root (the global object, a thread's stack, a native handle)
 * to ADDR, one step per line, each line saying how it holds the next.
 */
#include "output/output_formats.h"
#include "prompt/prompt.h"
#include "v8/heap.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct heap_session {
	struct v8 *v8;
	struct v8_heap *heap;
	struct v8_census *census;
	struct v8_refs *refs;
};
struct heap_session *dcmd_heap_session(struct dcmd_ctx *ctx, int census, int refs);

static void print_json(struct dcmd_ctx *ctx, const struct v8_path *paths, size_t n)
{
	fprintf(ctx->out, "[");
	for (size_t i = 0; i < n; i++) {
		fprintf(ctx->out, "%s\n  {\"root\": ", i ? "," : "");
		out_fmt_json_string(ctx->out, paths[i].root);
		fprintf(ctx->out, ", \"steps\": [");
		for (size_t k = 0; k < paths[i].nsteps; k++) {
			fprintf(ctx->out, "%s{\"object\": \"0x%llx\", \"edge\": ", k ? ", " : "",
				(unsigned long long)paths[i].steps[k].obj);
			out_fmt_json_string(ctx->out, k + 1 < paths[i].nsteps ? paths[i].steps[k].edge : "");
			fprintf(ctx->out, "}");
		}
		fprintf(ctx->out, "]}");
	}
	fprintf(ctx->out, "%s]\n", n ? "\n" : "");
}

static int jsretainers_run(struct dcmd_ctx *ctx)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {NULL, 0, NULL, 0}};
	optind = 0;
	int c, npaths = 1, json = ctx->json;
	while ((c = getopt_long(ctx->argc, ctx->argv, "n:", longopts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c != 'n' || (npaths = atoi(optarg)) < 1)
			return DCMD_USAGE;
	}
	if (!ctx->has_addr && optind < ctx->argc) {
		if (prompt_parse_addr(ctx->argv[optind++], &ctx->addr) < 0)
			return DCMD_USAGE;
		ctx->has_addr = 1;
	}
	if (!ctx->has_addr || optind < ctx->argc)
		return DCMD_USAGE;
	struct heap_session *s = dcmd_heap_session(ctx, 0, 1);
	if (!s)
		return -1;
	struct v8_path *paths;
	size_t n;
	if (v8_retainers(s->refs, ctx->addr, (size_t)npaths, &paths, &n) < 0)
		return -1;
	if (json) {
		print_json(ctx, paths, n);
		v8_paths_free(paths, n);
		return 0;
	}
	if (!n) {
		fprintf(ctx->out, "0x%llx: no path from a root found\n",
			(unsigned long long)ctx->addr);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct util_buf b = {0};
		v8_path_format(s->v8, &paths[i], &b);
		fputs(b.data, ctx->out);
		util_buf_free(&b);
	}
	v8_paths_free(paths, n);
	return 0;
}

const struct dcmd dcmd_jsretainers = {
    "jsretainers",
    "[-n PATHS] [--json] [ADDR]",
    "shortest paths from a GC root to ADDR",
    "Searches backwards from ADDR, one heap scan per step, until it meets a root:\n"
    "the global object, a thread's stack (frames, handle scopes) or a native handle\n"
    "in the C++ heap. Prints the path from the root, one object per line with how\n"
    "it holds the next (.property, [index], closure variable x of f(), ...).",
    jsretainers_run,
};
