/*
 * dcmd_jsconstructor.c — ADDR::jsconstructor: the name of the constructor of the
 * object at ADDR (as JavaScript sees it: obj.__proto__.constructor, else the
 * map's constructor); -v adds the constructor function's address, which pipes
 * into ::jssource and ::jsfunction.
 */
#include "prompt/prompt.h"
#include "v8/inspect.h"

#include <getopt.h>

static int jsconstructor_run(struct dcmd_ctx *ctx)
{
	int verbose = 0, c;
	optind = 0;
	opterr = 0;
	while ((c = getopt(ctx->argc, ctx->argv, "+v")) != -1) {
		if (c != 'v')
			return DCMD_USAGE;
		verbose = 1;
	}
	if (optind != ctx->argc)
		return DCMD_USAGE;
	if (!ctx->has_addr)
		return util_error("::jsconstructor needs an address: ADDR::jsconstructor");
	if (!ctx->v8)
		return util_error("the binary's V8 could not be read");
	struct v8 *v8 = ctx->v8;
	v8_value fn;
	if (!v8_is_js_receiver(v8, ctx->addr))
		return util_error("0x%llx is not a JavaScript object",
				  (unsigned long long)ctx->addr);
	struct util_buf name = {0};
	util_buf_adds(&name, "");
	if (v8_constructor_of(v8, ctx->addr, &fn, &name) < 0) {
		util_buf_free(&name);
		return -1;
	}
	if (verbose && fn)
		fprintf(ctx->out, "%s (JSFunction: 0x%llx)\n", name.data, (unsigned long long)fn);
	else
		fprintf(ctx->out, "%s\n", name.data);
	util_buf_free(&name);
	return 0;
}

const struct dcmd dcmd_jsconstructor = {
    "jsconstructor",
    "[-v]",
    "print the constructor of a JavaScript object",
    "Prints the name of the object's constructor; -v adds the constructor\n"
    "function's address (ADDR::jsconstructor -v, then FN::jssource).",
    jsconstructor_run,
};
