/*
 * flame.c — `nodescope flame [FOLDED|-] > out.svg` and
 * `nodescope flame --diff BEFORE AFTER > diff.svg`: folded stacks in, an
 * interactive SVG flame graph out.
 */
#include "cmd/cmd.h"
#include "output/output.h"
#include "profile/perfscript.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fputs("usage: nodescope flame [OPTIONS] [FOLDED|-] > flame.svg\n"
	      "       nodescope flame [OPTIONS] --diff BEFORE AFTER > diff.svg\n"
	      "\n"
	      "Draws folded stacks (\"a;b;c count\" lines, from `nodescope fold` or any\n"
	      "stackcollapse script) as a self-contained interactive SVG: hover for details,\n"
	      "click to zoom, Search (Ctrl-F) for a regexp, ic (Ctrl-I) for case; zoom and\n"
	      "search are kept in the URL.\n"
	      "\n"
	      "  --title TEXT        heading (default: Flame Graph)\n"
	      "  --subtitle TEXT     second heading\n"
	      "  --width PX          image width (default 1200)\n"
	      "  --height PX         frame height (default 16)\n"
	      "  --minwidth N[%]     merge frames narrower than N px, or N%% of the total (default 0.1)\n"
	      "  --countname TEXT    unit of the counts (default: samples)\n"
	      "  --reverse           merge stacks from the leaf (who calls the hot functions)\n"
	      "  --inverted          icicle graph: root at the top\n"
	      "  --hash              colour shade from the function name (same function, same colour)\n"
	      "  --colors PALETTE    node (default: your JS, node_modules, Node internals, V8,\n"
	      "                      native C++, GC, kernel) or hot (flamegraph.pl's)\n"
	      "  --diff BEFORE AFTER differential graph of two folded files: widths from AFTER,\n"
	      "                      red = share of the total grew, blue = shrank\n"
	      "  --negate            with --diff: widths from BEFORE, colours swapped\n"
	      "  -h, --help          this text\n",
	      out);
}

struct flame_args {
	struct out_flame_opts o;
	const char *inputs[2];
	int ninputs;
};

static int parse_minwidth(const char *v, struct out_flame_opts *o)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || d < 0 || (*end && strcmp(end, "%")))
		return util_error("--minwidth wants a number of px or a percentage, not '%s'", v);
	o->minwidth = d;
	o->minwidth_percent = *end == '%';
	return 0;
}

static int parse_int(const char *opt, const char *v, int lo, int hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end || n < lo || n > hi)
		return util_error("%s wants a number from %d to %d, not '%s'", opt, lo, hi, v);
	*out = (int)n;
	return 0;
}

static int parse_args(int argc, char **argv, struct flame_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = !strcmp(s, "--title") || !strcmp(s, "--subtitle") || !strcmp(s, "--width") ||
			    !strcmp(s, "--height") || !strcmp(s, "--minwidth") ||
			    !strcmp(s, "--countname") || !strcmp(s, "--colors");
		if (takes && !v)
			return util_error("%s needs a value", s);
		if (!strcmp(s, "-h") || !strcmp(s, "--help"))
			return 1;
		else if (!strcmp(s, "--title"))
			a->o.title = v;
		else if (!strcmp(s, "--subtitle"))
			a->o.subtitle = v;
		else if (!strcmp(s, "--countname"))
			a->o.countname = v;
		else if (!strcmp(s, "--width")) {
			if (parse_int(s, v, 100, 100000, &a->o.width) < 0)
				return -1;
		} else if (!strcmp(s, "--height")) {
			if (parse_int(s, v, 6, 200, &a->o.frame_height) < 0)
				return -1;
		} else if (!strcmp(s, "--minwidth")) {
			if (parse_minwidth(v, &a->o) < 0)
				return -1;
		} else if (!strcmp(s, "--colors")) {
			if (!strcmp(v, "node"))
				a->o.palette = OUT_PALETTE_NODE;
			else if (!strcmp(v, "hot"))
				a->o.palette = OUT_PALETTE_HOT;
			else
				return util_error("unknown palette '%s' (node, hot)", v);
		} else if (!strcmp(s, "--reverse"))
			a->o.reverse = 1;
		else if (!strcmp(s, "--inverted"))
			a->o.inverted = 1;
		else if (!strcmp(s, "--hash"))
			a->o.hash = 1;
		else if (!strcmp(s, "--diff"))
			a->o.diff = 1;
		else if (!strcmp(s, "--negate"))
			a->o.negate = 1;
		else if (s[0] == '-' && s[1])
			return util_error("unknown option '%s'", s);
		else if (a->ninputs == 2)
			return util_error("too many input files");
		else
			a->inputs[a->ninputs++] = s;
		if (takes)
			i++;
	}
	if (a->o.diff && a->ninputs != 2)
		return util_error("--diff needs two folded files: BEFORE AFTER");
	if (!a->o.diff && a->ninputs > 1)
		return util_error("one input file (or --diff BEFORE AFTER)");
	if (a->o.negate && !a->o.diff)
		return util_error("--negate goes with --diff");
	return 0;
}

struct load_ctx {
	struct prof_stacks *s;
	int set;
	const char *path;
	uint64_t line, bad;
};

static int load_line(void *arg, const char *line, size_t len)
{
	struct load_ctx *c = arg;
	c->line++;
	if (!len || line[0] == '#')
		return 0;
	if (prof_stacks_add_folded_set(c->s, line, len, c->set) == 0)
		return 0;
	if (++c->bad > 100 && c->bad * 2 > c->line)
		return util_error("%s: not folded stacks (line %llu)", c->path,
				  (unsigned long long)c->line);
	return 0;
}

/* Reads one folded file (or stdin for NULL / "-") into count set `set`. */
static int load(struct prof_stacks *s, const char *path, int set)
{
	int fd = 0;
	const char *name = path && strcmp(path, "-") ? path : "stdin";
	if (path && strcmp(path, "-") && (fd = open(path, O_RDONLY)) < 0)
		return util_error("%s: %s", path, strerror(errno));
	struct load_ctx c = {s, set, name, 0, 0};
	int rc = prof_lines_read(fd, load_line, &c, 1u << 24);
	if (fd > 0)
		close(fd);
	if (rc < 0)
		return rc;
	if (!prof_stacks_total_set(s, set))
		return util_error("%s: no folded stacks (lines like \"a;b;c 12\")", name);
	if (c.bad)
		fprintf(stderr, "nodescope flame: %s: skipped %llu lines that are not folded stacks\n",
			name, (unsigned long long)c.bad);
	return 0;
}

int cmd_flame(int argc, char **argv)
{
	struct flame_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		if (rc > 0) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "nodescope flame: %s\n", util_last_error());
		return 2;
	}
	struct prof_stacks *s = prof_stacks_new();
	rc = load(s, a.inputs[0], 0);
	if (rc == 0 && a.o.diff)
		rc = load(s, a.inputs[1], 1);
	if (rc == 0 && !a.o.diff && !a.o.countname && prof_stacks_total(s) < 100)
		fprintf(stderr, "nodescope flame: only %llu samples: the graph may mislead\n",
			(unsigned long long)prof_stacks_total(s));
	if (rc == 0)
		rc = out_flame_svg(s, &a.o, stdout);
	if (rc == 0 && fflush(stdout))
		rc = util_error("write: output error");
	if (rc < 0)
		fprintf(stderr, "nodescope flame: %s\n", util_last_error());
	prof_stacks_free(s);
	return rc < 0 ? 1 : 0;
}
