/*
 * dcmd_help.c — ::help [dcmd]: the list of dcmds, or one dcmd's usage and help.
 */
#include "prompt/prompt.h"

static int dcmd_help_run(struct dcmd_ctx *ctx)
{
	if (ctx->argc > 2)
		return DCMD_USAGE;
	if (ctx->argc == 2) {
		const char *name = ctx->argv[1];
		if (name[0] == ':' && name[1] == ':')
			name += 2;
		const struct dcmd *d = prompt_dcmd_find(name);
		if (!d)
			return util_error("::help: no dcmd named '%s' (::help lists them)", name);
		fprintf(ctx->out, "NAME\n  %s - %s\n\nSYNOPSIS\n  [ADDR]::%s %s\n", d->name,
			d->summary, d->name, d->usage);
		if (d->help)
			fprintf(ctx->out, "\nDESCRIPTION\n%s\n", d->help);
		return 0;
	}
	fputs("Commands are [ADDR]::dcmd [args]; `CMD | ::dcmd` feeds each output line's first\n"
	      "word to the next dcmd as its ADDR; `CMD ! shell-command` pipes the output to a\n"
	      "shell. Addresses are hex.\n\n",
	      ctx->out);
	for (const struct dcmd *const *d = prompt_dcmd_all(); *d; d++)
		fprintf(ctx->out, "  ::%-16s %s\n", (*d)->name, (*d)->summary);
	return 0;
}

const struct dcmd dcmd_help = {
    "help",
    "[dcmd]",
    "list the dcmds, or describe one",
    "  Without an argument, lists every dcmd with a one-line summary. With the name\n"
    "  of a dcmd (with or without the leading ::), prints its synopsis and description.",
    dcmd_help_run,
};
