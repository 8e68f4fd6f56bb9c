/*
 * leak.c — `nodescope leak`. (Not built yet.)
 */
#include "cmd/cmd.h"

#include <stdio.h>

int cmd_leak(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("nodescope leak: not implemented yet\n", stderr);
	return 1;
}
