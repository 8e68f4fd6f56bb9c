/*
 * core.c — `nodescope core`. (Not built yet.)
 */
#include "cmd/cmd.h"

#include <stdio.h>

int cmd_core(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("nodescope core: not implemented yet\n", stderr);
	return 1;
}
