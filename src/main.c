/*
 * main.c — `nodescope COMMAND ...`: finds the subcommand and hands it argv.
 */
#include "cmd/cmd.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"core", cmd_core, "open a core dump at an mdb-like prompt (::jsstack, ::jsprint, ...)"},
	{"stack", cmd_stack, "print the JavaScript stack of a running node process"},
	{"gcore", cmd_gcore, "write a core of a running process with a short pause"},
	{"leak", cmd_leak, "compare successive cores: which objects grow, and what holds them"},
	{"record", cmd_record, "sample a process's CPU with perf_event_open into a flame graph"},
	{"fold", cmd_fold, "fold `perf script` output into stacks (stackcollapse-perf)"},
	{"flame", cmd_flame, "render folded stacks as an interactive SVG flame graph"},
	{"heap", cmd_heap, "analyse .heapsnapshot files: summary, diff, retainers, dominators"},
};

static void usage(FILE *out)
{
	fputs("usage: nodescope COMMAND [ARGS...]\n\n"
	      "Debug Node.js processes on Linux: cores, CPU profiles, heap snapshots.\n\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n`nodescope COMMAND --help` describes each command.\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("nodescope %s\n", NODESCOPE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "nodescope: unknown command '%s'\n", name);
	usage(stderr);
	return 2;
}
