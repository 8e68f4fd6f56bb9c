/*
 * dcmd_jsfunctions.c — ::jsfunctions [-n NAME] [-s FILE] [--json]: one row per
 * function definition found in the heap: a closure's address (for ::jssource,
 * ::jsscope), how many closures of it exist, its name and file:line.
 */
#include "output/output_formats.h"
#include "prompt/prompt.h"
#include "v8/inspect.h"

#include <getopt.h>
#include <string.h>

static void print_json(FILE *out, const struct v8_function_def *d, size_t n)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		fprintf(
		    out,
		    "%s{\"function\":\"0x%llx\",\"shared\":\"0x%llx\",\"closures\":%zu,\"name\":",
		    i ? "," : "", (unsigned long long)d[i].example, (unsigned long long)d[i].sfi,
		    d[i].closures);
		out_fmt_json_string(out, d[i].name);
		fputs(",\"where\":", out);
		out_fmt_json_string(out, d[i].where);
		fputc('}', out);
	}
	fputs("]\n", out);
}

static void print_table(FILE *out, const struct v8_function_def *d, size_t n)
{
	fprintf(out, "%18s %8s %-40s %s\n", "FUNC", "#FUNCS", "NAME", "FROM");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%18llx %8zu %-40s %s\n", (unsigned long long)d[i].example,
			d[i].closures, d[i].name, d[i].where);
}

static int jsfunctions_run(struct dcmd_ctx *ctx)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'}, {0, 0, 0, 0}};
	const char *name = NULL, *file = NULL;
	int json = ctx->json, c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(ctx->argc, ctx->argv, "+n:s:", longopts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 's')
			file = optarg;
		else if (c == 'j')
			json = 1;
		else
			return DCMD_USAGE;
	}
	if (optind != ctx->argc || ctx->has_addr)
		return DCMD_USAGE;
	if (!ctx->v8)
		return util_error("the binary's V8 could not be read");
	struct v8_function_def *defs;
	size_t n;
	if (v8_functions(ctx->v8, name, file, &defs, &n) < 0)
		return -1;
	if (json)
		print_json(ctx->out, defs, n);
	else
		print_table(ctx->out, defs, n);
	v8_functions_free(defs, n);
	return 0;
}

const struct dcmd dcmd_jsfunctions = {
    "jsfunctions",
    "[-n name] [-s file] [--json]",
    "list function definitions and how many closures each has",
    "Walks the heap and prints one row per function definition: one closure's\n"
    "address (FUNC, for ::jssource and ::jsscope), the number of closures\n"
    "(#FUNCS), the name and where it is defined. -n and -s keep the rows whose\n"
    "name or file contains the given text. A count that grows between two cores\n"
    "points at closures being leaked.",
    jsfunctions_run,
};
