/*
 * stack.c — `nodescope stack PID`: the JavaScript and native stacks of a running
 * node process, like `py-spy dump`. The process is paused (ptrace, no signal)
 * while ::jsstack reads the few pages it needs straight from it, then released.
 */
#include "cmd/cmd.h"
#include "image/image.h"
#include "prompt/prompt.h"
#include "util/util.h"
#include "v8/v8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void stack_usage(FILE *out)
{
	fputs("usage: nodescope stack [-v] [-n LINES] [-a | -t TID] [--json] PID\n\n"
	      "Prints the JavaScript and native stack of a running node process. The\n"
	      "process is paused (ptrace, no signal) only while the stack is read — tens of\n"
	      "milliseconds, whatever the heap size — and is never written to. Options are\n"
	      "those of ::jsstack:\n"
	      "  -v        file, executing line and column, this and arguments\n"
	      "  -n LINES  source lines around the executing line with -v (default 0)\n"
	      "  -a        every thread;  -t TID  one thread\n"
	      "  --json    JSON output\n",
	      out);
}

/* Builds "::jsstack ARGS..." from our argv, minus the pid and --json. */
static char *jsstack_line(int argc, char **argv, const char **pid_arg, int *json)
{
	struct util_buf b = {0};
	util_buf_adds(&b, "::jsstack");
	int default_n = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			*json = 1;
			continue;
		}
		if (argv[i][0] != '-' && !*pid_arg && (i == 1 || strcmp(argv[i - 1], "-n")) &&
		    (i == 1 || strcmp(argv[i - 1], "-t"))) {
			*pid_arg = argv[i];
			continue;
		}
		if (!strncmp(argv[i], "-n", 2))
			default_n = 0;
		util_buf_printf(&b, " %s", argv[i]);
	}
	if (default_n)
		util_buf_adds(&b, " -n0");
	return b.data;
}

int cmd_stack(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			stack_usage(stdout);
			return 0;
		}
	const char *pid_arg = NULL;
	int json = 0;
	char *line = jsstack_line(argc, argv, &pid_arg, &json);
	char *end = NULL;
	long pid = pid_arg ? strtol(pid_arg, &end, 10) : 0;
	if (!pid_arg || *end || pid <= 0) {
		stack_usage(stderr);
		free(line);
		return 2;
	}
	struct img *img = NULL;
	struct v8 *v8 = NULL;
	int rc = 1;
	if (img_open_pid_lazy(&img, (pid_t)pid) < 0 || v8_open(&v8, img) < 0) {
		fprintf(stderr, "nodescope: %s\n", util_last_error());
	} else {
		struct prompt p = {img, v8, json, 0};
		rc = prompt_run_line(&p, line);
		rc = rc == DCMD_USAGE ? 2 : rc ? 1 : 0;
	}
	v8_close(v8);
	img_close(img); /* releases the process */
	free(line);
	return rc;
}
