/*
 * fold.c — `nodescope fold`. (Not built yet.)
 */
#include "cmd/cmd.h"

#include <stdio.h>

int cmd_fold(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("nodescope fold: not implemented yet\n", stderr);
	return 1;
}
