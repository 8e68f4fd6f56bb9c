/*
 * dcmd_jsprint.c — ADDR::jsprint: prints the JavaScript value at ADDR as nested
 * JSON-like text (mdb_v8's format), or one member of it (MEMBER.PATH), or strict
 * JSON with --json (one line per value, so piped runs give JSON lines).
 */
#include "prompt/prompt.h"
#include "v8/inspect.h"

#include <getopt.h>
#include <stdlib.h>

static int parse_count(const char *s, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == 0 || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int jsprint_run(struct dcmd_ctx *ctx)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'}, {0, 0, 0, 0}};
	struct v8_print_opts o = {.depth = V8_PRINT_DEFAULT_DEPTH, .json = ctx->json};
	long n;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(ctx->argc, ctx->argv, "+ad:N:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.addresses = 1;
			break;
		case 'd':
			if (parse_count(optarg, 1000, &n) < 0)
				return DCMD_USAGE;
			o.depth = (int)n;
			break;
		case 'N':
			if (parse_count(optarg, 1L << 30, &n) < 0 || n == 0)
				return DCMD_USAGE;
			o.max_string = (size_t)n;
			break;
		case 'j':
			o.json = 1;
			break;
		default:
			return DCMD_USAGE;
		}
	}
	if (optind < ctx->argc - 1)
		return DCMD_USAGE;
	if (!ctx->has_addr)
		return util_error("::jsprint needs an address: ADDR::jsprint");
	if (!ctx->v8)
		return util_error("the binary's V8 could not be read");
	v8_value v = ctx->addr;
	if (optind < ctx->argc && v8_member_path(ctx->v8, v, ctx->argv[optind], &v) < 0)
		return -1;
	struct util_buf out = {0};
	int rc = v8_print(ctx->v8, v, &o, &out);
	if (rc == 0)
		fputs(out.data, ctx->out);
	util_buf_free(&out);
	return rc;
}

const struct dcmd dcmd_jsprint = {
    "jsprint",
    "[-a] [-d depth] [-N strlen] [--json] [member.path]",
    "print a JavaScript value (nested to a depth)",
    "Prints the value at ADDR: objects and arrays nested to -d levels (default 2;\n"
    "deeper ones print as [...]), cycles as [Circular ADDR]; Map, Set, Date, RegExp,\n"
    "Error (with its stack), Promise, ArrayBuffer, typed arrays and Buffer, BigInt,\n"
    "Symbol, boxed primitives, arguments, proxies and bound functions show what they\n"
    "hold. -a puts each object's address before it; -N cuts strings after that many\n"
    "characters; member.path (e.g. headers.host or items.0) prints one member.\n"
    "Example: every object like the representative REP (from ::findjsobjects -p\n"
    "filename), counted by file name:\n"
    "  REP::findjsobjects | ::jsprint ! grep filename | sort | uniq -c",
    jsprint_run,
};
