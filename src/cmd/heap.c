/*
 * heap.c — `nodescope heap`. (Not built yet.)
 */
#include "cmd/cmd.h"

#include <stdio.h>

int cmd_heap(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("nodescope heap: not implemented yet\n", stderr);
	return 1;
}
