/*
 * dcmd_jssource.c — ADDR::jssource [-n LINES]: the source of the function at
 * ADDR (a bound function shows its target's), numbered, from its script, with
 * LINES lines of context before and after (default 0).
 */
#include "prompt/prompt.h"
#include "v8/inspect.h"

#include <getopt.h>
#include <stdlib.h>

static int jssource_run(struct dcmd_ctx *ctx)
{
	long lines = 0;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt(ctx->argc, ctx->argv, "+n:")) != -1) {
		char *end;
		if (c != 'n')
			return DCMD_USAGE;
		lines = strtol(optarg, &end, 10);
		if (*end || lines < 0 || lines > 10000)
			return DCMD_USAGE;
	}
	if (optind != ctx->argc)
		return DCMD_USAGE;
	if (!ctx->has_addr)
		return util_error("::jssource needs a function's address: ADDR::jssource");
	if (!ctx->v8)
		return util_error("the binary's V8 could not be read");
	struct util_buf out = {0};
	int rc = v8_source_text(ctx->v8, ctx->addr, (int)lines, &out);
	if (rc == 0)
		fputs(out.data ? out.data : "", ctx->out);
	util_buf_free(&out);
	return rc;
}

const struct dcmd dcmd_jssource = {
    "jssource",
    "[-n lines]",
    "print the source of a JavaScript function",
    "Prints the function's lines from its script, numbered, with -n lines of\n"
    "context before and after. Functions come from ::jsconstructor -v,\n"
    "::jsfunctions, ::jsstack -v or ::jsprint -a.",
    jssource_run,
};
