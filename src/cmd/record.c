/*
 * record.c — `nodescope record`. (Not built yet.)
 */
#include "cmd/cmd.h"

#include <stdio.h>

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("nodescope record: not implemented yet\n", stderr);
	return 1;
}
