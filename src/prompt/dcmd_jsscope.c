/*
 * dcmd_jsscope.c — ADDR::jsscope: the closure of the function at ADDR, i.e.
 * every variable it can see through its context chain, scope by scope from the
 * innermost, each with its value described on one line as ::jsstack does.
 */
#include "prompt/prompt.h"
#include "v8/inspect.h"

struct scope_print {
	FILE *out;
	v8_value last_ctx;
	int n;
};

static int print_var(struct v8 *v8, const struct v8_scope_var *var, void *arg)
{
	struct scope_print *s = arg;
	if (var->context != s->last_ctx) {
		fprintf(s->out, "%s scope (context 0x%llx):\n", var->scope,
			(unsigned long long)var->context);
		s->last_ctx = var->context;
	}
	struct util_buf d = {0};
	if (v8_describe(v8, var->value, &d) < 0) {
		util_buf_reset(&d);
		util_buf_printf(&d, "0x%llx (%s)", (unsigned long long)var->value,
				util_last_error());
		util_clear_error();
	}
	fprintf(s->out, "    %s: %s\n", var->name, d.data ? d.data : "");
	util_buf_free(&d);
	s->n++;
	return 0;
}

static int jsscope_run(struct dcmd_ctx *ctx)
{
	if (ctx->argc != 1)
		return DCMD_USAGE;
	if (!ctx->has_addr)
		return util_error("::jsscope needs a function's address: ADDR::jsscope");
	if (!ctx->v8)
		return util_error("the binary's V8 could not be read");
	struct scope_print s = {ctx->out, 0, 0};
	int rc = v8_closure_each(ctx->v8, ctx->addr, print_var, &s);
	if (rc == 0 && s.n == 0)
		fprintf(ctx->out, "(no variables: the function captures nothing)\n");
	return rc < 0 ? -1 : 0;
}

const struct dcmd dcmd_jsscope = {
    "jsscope",
    "",
    "print the variables a function's closure can see",
    "Walks the function's context chain from its own scope outwards and prints\n"
    "each context-allocated variable with its value (the names come from each\n"
    "scope's ScopeInfo). Variables the function does not capture live on the\n"
    "stack and are not in the closure.",
    jsscope_run,
};

/* mdb_v8's name for the same command. */
const struct dcmd dcmd_jsclosure = {
    "jsclosure", "",	      "print the variables a function's closure can see (as ::jsscope)",
    NULL,	 jsscope_run,
};
