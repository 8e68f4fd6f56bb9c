/*
 * error.c — the one error message of the current operation. Set once where the
 * problem is found, read once by the command that prints it.
 */
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[1024];

int util_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return -1;
}

const char *util_last_error(void)
{
	return last_error[0] ? last_error : "unknown error";
}

void util_clear_error(void)
{
	last_error[0] = 0;
}
