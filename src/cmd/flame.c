/*
 * flame.c — `nodescope flame`. (Not built yet.)
 */
#include "cmd/cmd.h"

#include <stdio.h>

int cmd_flame(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("nodescope flame: not implemented yet\n", stderr);
	return 1;
}
