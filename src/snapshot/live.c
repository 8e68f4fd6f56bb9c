/*
 * live.c — `heap snapshot PID`. (in progress)
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

int snap_live_capture(int pid, const char *out_path, int verbose)
{
	(void)pid;
	(void)out_path;
	(void)verbose;
	return util_error("not implemented yet");
}
