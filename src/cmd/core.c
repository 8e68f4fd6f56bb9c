/*
 * core.c — `nodescope core CORE [NODE_BINARY]`: opens a core dump of a node
 * process and runs mdb-like commands on it, at a prompt or given with -c.
 */
#include "cmd/cmd.h"
#include "image/image.h"
#include "prompt/prompt.h"
#include "util/util.h"
#include "v8/v8.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void core_usage(FILE *out)
{
	fputs("usage: nodescope core [--force] [--json] [-c CMD]... CORE [NODE_BINARY]\n\n"
	      "Opens the core dump of a node process at an mdb-like prompt (line editing,\n"
	      "history in ~/.nodescope_history). NODE_BINARY defaults to the executable the\n"
	      "core names; it must be the very binary that produced the core (same build-id).\n\n"
	      "  -c CMD     run CMD and exit (repeatable; e.g. -c ::jsstack -c '::jsstack -v')\n"
	      "  --json     dcmds that print data print JSON\n"
	      "  --force    open even when NODE_BINARY's build-id differs from the core's\n"
	      "  -h, --help this text\n\n"
	      "At the prompt, ::help lists the dcmds; ::quit leaves. Commands are\n"
	      "[ADDR]::dcmd [args], and `CMD | ::dcmd` or `CMD ! shell` pipe them.\n",
	      out);
}

struct core_args {
	const char *core, *binary;
	int force, json;
	char **cmds;
	int ncmds;
};

static int parse_args(int argc, char **argv, struct core_args *a)
{
	static const struct option longopts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	a->cmds = util_calloc((size_t)argc + 1, sizeof(*a->cmds));
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->cmds[a->ncmds++] = optarg;
			break;
		case 'f':
			a->force = 1;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'h':
			return 1;
		default:
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2)
		return 2;
	a->core = argv[optind];
	a->binary = argc - optind == 2 ? argv[optind + 1] : NULL;
	return 0;
}

static int run_commands(struct prompt *p, struct core_args *a)
{
	int status = 0;
	for (int i = 0; i < a->ncmds && !p->quit; i++) {
		int rc = prompt_run_line(p, a->cmds[i]);
		if (rc == DCMD_USAGE)
			return 2;
		if (rc)
			status = 1;
	}
	return status;
}

int cmd_core(int argc, char **argv)
{
	struct core_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc == 2) {
		fputs("usage: nodescope core [--force] [--json] [-c CMD]... CORE [NODE_BINARY] "
		      "(--help for more)\n",
		      stderr);
		free(a.cmds);
		return 2;
	}
	if (rc) {
		core_usage(stdout);
		free(a.cmds);
		return rc == 1 ? 0 : 2;
	}
	struct img *img = NULL;
	struct v8 *v8 = NULL;
	if (img_open_core(&img, a.core, a.binary, a.force) < 0) {
		fprintf(stderr, "nodescope: %s\n", util_last_error());
		free(a.cmds);
		return 1;
	}
	if (v8_open(&v8, img) < 0) {
		fprintf(stderr, "nodescope: %s\n", util_last_error());
		img_close(img);
		free(a.cmds);
		return 1;
	}
	struct prompt p = {img, v8, a.json, 0};
	if (a.ncmds)
		rc = run_commands(&p, &a);
	else
		rc = prompt_loop(&p);
	v8_close(v8);
	img_close(img);
	free(a.cmds);
	return rc;
}
