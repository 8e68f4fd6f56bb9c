/*
 * dcmd_v8type.c — ADDR::v8type: the V8 instance type of a heap object and a
 * one-line description of the value (mdb_v8's ::v8type).
 */
#include "prompt/prompt.h"

static int v8type_run(struct dcmd_ctx *ctx)
{
	if (!ctx->has_addr || ctx->argc != 1)
		return DCMD_USAGE;
	if (!ctx->v8)
		return util_error("::v8type needs the V8 metadata, which could not be read");
	v8_value v = ctx->addr;
	struct util_buf b = {0};
	util_buf_adds(&b, "");
	if (v8_is_smi(v)) {
		fprintf(ctx->out, "0x%llx: Smi: %lld\n", (unsigned long long)v,
			(long long)v8_smi(v));
		util_buf_free(&b);
		return 0;
	}
	unsigned type;
	if (v8_type(ctx->v8, v, &type) < 0 || v8_describe(ctx->v8, v, &b) < 0) {
		util_buf_free(&b);
		return -1;
	}
	const char *name = v8_type_name(ctx->v8, type);
	fprintf(ctx->out, "0x%llx: %s: %s\n", (unsigned long long)v, name ? name : "?", b.data);
	util_buf_free(&b);
	return 0;
}

const struct dcmd dcmd_v8type = {
    "v8type",
    "",
    "print the V8 instance type and a description of a value",
    "  ADDR::v8type prints the instance type of the heap object at ADDR (a tagged\n"
    "  pointer, as ::jsstack prints them) and a one-line description of it. A Smi\n"
    "  prints its value. An address that is not a V8 heap object is an error.",
    v8type_run,
};
