/*
 * dcmd_jsarray.c — ADDR::jsarray [-i]: the elements of the array at ADDR, one
 * tagged value per line (heap objects by address), so that they pipe into other
 * dcmds: `ARR::jsarray | ::jsprint ! grep name | sort | uniq -c`. Holes are
 * skipped; -i puts the index first (then the lines do not pipe).
 */
#include "prompt/prompt.h"
#include "v8/inspect.h"

#include <getopt.h>

struct jsarray {
	FILE *out;
	int index;
};

static int print_element(struct v8 *v8, int64_t index, const struct v8_elem *e, void *arg)
{
	struct jsarray *a = arg;
	(void)v8;
	if (a->index)
		fprintf(a->out, "%lld ", (long long)index);
	if (e->is_double)
		fprintf(a->out, "%.17g\n", e->d);
	else
		fprintf(a->out, "0x%llx\n", (unsigned long long)e->v);
	return 0;
}

static int jsarray_run(struct dcmd_ctx *ctx)
{
	struct jsarray a = {ctx->out, 0};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt(ctx->argc, ctx->argv, "+i")) != -1) {
		if (c != 'i')
			return DCMD_USAGE;
		a.index = 1;
	}
	if (optind != ctx->argc)
		return DCMD_USAGE;
	if (!ctx->has_addr)
		return util_error("::jsarray needs an array's address: ADDR::jsarray");
	if (!ctx->v8)
		return util_error("the binary's V8 could not be read");
	if (!v8_is_js_receiver(ctx->v8, ctx->addr))
		return util_error("0x%llx is not a JavaScript object",
				  (unsigned long long)ctx->addr);
	return v8_elements_each(ctx->v8, ctx->addr, 0, print_element, &a) < 0 ? -1 : 0;
}

const struct dcmd dcmd_jsarray = {
    "jsarray",
    "[-i]",
    "print the elements of an array, one per line (for pipes)",
    "Prints each element of the array (or of any object's indexed elements) as\n"
    "a tagged value, heap objects by address, so they can be piped into\n"
    "::jsprint and other dcmds. -i prefixes each with its index.",
    jsarray_run,
};
