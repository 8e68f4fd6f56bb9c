/*
 * dcmd_jsfunction.c — ADDR::jsfunction: the name of the function at ADDR and
 * where it was defined (file and line); for a bound function its target, this
 * and bound arguments.
 */
#include "prompt/prompt.h"
#include "v8/inspect.h"

static int jsfunction_run(struct dcmd_ctx *ctx)
{
	if (ctx->argc != 1)
		return DCMD_USAGE;
	if (!ctx->has_addr)
		return util_error("::jsfunction needs a function's address: ADDR::jsfunction");
	if (!ctx->v8)
		return util_error("the binary's V8 could not be read");
	struct util_buf out = {0};
	int rc = v8_function_text(ctx->v8, ctx->addr, &out);
	if (rc == 0)
		fputs(out.data ? out.data : "", ctx->out);
	util_buf_free(&out);
	return rc;
}

const struct dcmd dcmd_jsfunction = {
    "jsfunction",
    "",
    "print a function's name and where it was defined",
    "Prints the function's name, file and line of its definition and its shared\n"
    "function info; for a bound function, the target, this and the bound\n"
    "arguments.",
    jsfunction_run,
};
