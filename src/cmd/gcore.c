/*
 * gcore.c — `nodescope gcore [-o FILE] PID`: a core dump of a running node
 * process. The process is stopped only while its private memory is copied
 * (present pages only), then released; the core is written afterwards. gdb's
 * gcore keeps the process stopped while it writes and reads PROT_NONE
 * reservations, which raises the target's RSS by hundreds of MB.
 */
#include "cmd/cmd.h"
#include "image/image.h"
#include "util/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void gcore_usage(FILE *out)
{
	fputs("usage: nodescope gcore [-o FILE] PID\n\n"
	      "Writes a core dump of a running process to FILE (default core.PID), mode\n"
	      "0600. The process is paused only while its resident private memory is\n"
	      "copied (pages never touched are skipped; the copy runs at memory-copy\n"
	      "speed, see bench/RESULTS.md), then keeps running while the file is\n"
	      "written; it is never written to and its RSS does not grow. Open the core\n"
	      "with `nodescope core FILE`.\n",
	      out);
}

int cmd_gcore(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
	const char *out = NULL;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else {
			gcore_usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	char *end = NULL;
	long pid = optind == argc - 1 ? strtol(argv[optind], &end, 10) : 0;
	if (pid <= 0 || *end) {
		gcore_usage(stderr);
		return 2;
	}
	char *path = out ? util_strdup(out) : util_asprintf("core.%ld", pid);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct img *img = NULL;
	int rc = 1;
	if (img_open_pid(&img, (pid_t)pid) < 0 || img_write_core(img, path) < 0) {
		fprintf(stderr, "nodescope: %s\n", util_last_error());
	} else {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "nodescope: wrote %s (%zu threads) in %.2f s\n", path,
			img_thread_count(img),
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		rc = 0;
	}
	img_close(img);
	free(path);
	return rc;
}
