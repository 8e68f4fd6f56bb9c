/*
 * dcmd_jsrefs.c — ADDR::jsrefs (also ADDR::findjsobjects -r): every object that
 * refers to ADDR and how — a property, an array element, a closure variable of
 * a function, a Map/Set entry, a bound argument — one line each:
 * "0x... referred to by 0x...(Constructor).name".
 */
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
int dcmd_jsrefs_print(struct dcmd_ctx *ctx, struct heap_session *s, uint64_t addr);

static void short_desc(struct v8 *v8, v8_value v, struct util_buf *b)
{
	struct util_buf name = {0};
	if (v8_constructor_name(v8, v, &name) == 0 && name.data)
		util_buf_printf(b, "0x%llx (%s)", (unsigned long long)v, name.data);
	else
		util_buf_printf(b, "0x%llx", (unsigned long long)v);
	util_clear_error();
	util_buf_free(&name);
}

int dcmd_jsrefs_print(struct dcmd_ctx *ctx, struct heap_session *s, uint64_t addr)
{
	struct v8_ref *refs;
	size_t n;
	if (v8_refs_describe(s->refs, addr, &refs, &n) < 0)
		return -1;
	if (ctx->json)
		fprintf(ctx->out, "[");
	for (size_t i = 0; i < n; i++) {
		struct util_buf b = {0};
		short_desc(s->v8, refs[i].from, &b);
		if (ctx->json) {
			fprintf(ctx->out,
				"%s\n  {\"target\": \"0x%llx\", \"from\": \"0x%llx\", \"via\": "
				"\"0x%llx\", \"how\": \"",
				i ? "," : "", (unsigned long long)addr,
				(unsigned long long)refs[i].from, (unsigned long long)refs[i].via);
			for (const char *p = refs[i].how; *p; p++)
				fprintf(ctx->out, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
			fprintf(ctx->out, "\"}");
		} else {
			const char *how = refs[i].how;
			fprintf(ctx->out, "%llx referred to by %s%s%s\n", (unsigned long long)addr,
				b.data, how[0] == '.' || how[0] == '[' ? "" : " ", how);
		}
		util_buf_free(&b);
	}
	if (ctx->json)
		fprintf(ctx->out, "%s]\n", n ? "\n" : "");
	free(refs);
	return 0;
}

static int jsrefs_run(struct dcmd_ctx *ctx)
{
	optind = 0;
	int c;
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {NULL, 0, NULL, 0}};
	while ((c = getopt_long(ctx->argc, ctx->argv, "j", longopts, NULL)) != -1) {
		if (c != 'j')
			return DCMD_USAGE;
		ctx->json = 1;
	}
	if (!ctx->has_addr || optind < ctx->argc)
		return DCMD_USAGE;
	struct heap_session *s = dcmd_heap_session(ctx, 0, 1);
	if (!s)
		return -1;
	return dcmd_jsrefs_print(ctx, s, ctx->addr);
}

const struct dcmd dcmd_jsrefs = {
    "jsrefs",
    "[--json]",
    "objects that refer to ADDR, and how",
    "ADDR::jsrefs scans every live heap object for references to ADDR and prints\n"
    "one line per referrer: a property (.name), an array element ([i]), a closure\n"
    "variable of a function, a Map/Set entry, a bound argument. Internal stores\n"
    "(elements, property arrays, contexts, hash tables) are traced to their owner.\n"
    "Same as ADDR::findjsobjects -r.",
    jsrefs_run,
};
