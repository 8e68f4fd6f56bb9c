/*
 * dcmd_quit.c — ::quit (also ::q): leaves the prompt. The prompt itself notices
 * the dcmd by name; running it does nothing else.
 */
#include "prompt/prompt.h"

static int quit_run(struct dcmd_ctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct dcmd dcmd_quit = {
    "quit", "", "leave the prompt (also ::q, $q or end of input)", NULL, quit_run,
};
