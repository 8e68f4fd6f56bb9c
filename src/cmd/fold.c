/*
 * fold.c — `nodescope fold [FILE|-]`: `perf script` text in, folded stacks
 * ("frame;frame;frame count") out. Node-aware by default; --compat writes
 * exactly what stackcollapse-perf.pl writes. Hints about missing node flags go
 * to stderr.
 */
#include "cmd/cmd.h"
#include "output/output.h"
#include "profile/perfscript.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fputs("usage: nodescope fold [OPTIONS] [FILE|-]  > out.folded\n"
	      "\n"
	      "Folds `perf script` output (a file, or stdin) into one line per distinct\n"
	      "stack: \"frame;frame;frame count\", outermost frame first, for `nodescope flame`\n"
	      "or flamegraph.pl.\n"
	      "\n"
	      "Default (Node-aware): one frame per JS function whatever its JIT tier (the tiers\n"
	      "seen are kept as a suffix: _[~^+*] = Ignition, Sparkplug, Maglev, TurboFan),\n"
	      "runs of Builtins_InterpreterEntryTrampoline shown as one [interpreted JS] frame,\n"
	      "[unknown] frames labelled by cause, kernel frames marked _[k], counts in samples.\n"
	      "\n"
	      "  --compat            byte-identical to FlameGraph's stackcollapse-perf.pl\n"
	      "  --pid               root frame is comm-PID (needs perf script -F comm,pid,tid,...)\n"
	      "  --tid               root frame is comm-PID/TID\n"
	      "  --kernel            annotate kernel frames with _[k] (compat)\n"
	      "  --jit               annotate perf-map (JIT) frames with _[j] (compat)\n"
	      "  --all               --kernel and --jit\n"
	      "  --addrs             keep the address of unresolved frames: [unknown <pc>]\n"
	      "  --event-filter=EV   keep samples of event EV (default: the first event seen)\n"
	      "  --period            weight samples by their period, as --compat does\n"
	      "  --json              JSON instead of folded lines: {unit, total, stacks: [{frames, count}]}\n"
	      "  -q, --quiet         no hints on stderr\n"
	      "  -h, --help          this text\n",
	      out);
}

struct fold_args {
	struct prof_fold_opts o;
	const char *path;
	int quiet, json;
};

static int parse_args(int argc, char **argv, struct fold_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--compat"))
			a->o.compat = 1;
		else if (!strcmp(s, "--pid"))
			a->o.pid = 1;
		else if (!strcmp(s, "--tid"))
			a->o.tid = 1;
		else if (!strcmp(s, "--kernel"))
			a->o.kernel = 1;
		else if (!strcmp(s, "--jit"))
			a->o.jit = 1;
		else if (!strcmp(s, "--all"))
			a->o.kernel = a->o.jit = 1;
		else if (!strcmp(s, "--addrs"))
			a->o.addrs = 1;
		else if (!strcmp(s, "--period"))
			a->o.period = 1;
		else if (!strcmp(s, "--json"))
			a->json = 1;
		else if (!strcmp(s, "-q") || !strcmp(s, "--quiet"))
			a->quiet = 1;
		else if (!strncmp(s, "--event-filter=", 15))
			a->o.event_filter = s + 15;
		else if (!strcmp(s, "--event-filter") && i + 1 < argc)
			a->o.event_filter = argv[++i];
		else if (!strcmp(s, "-h") || !strcmp(s, "--help"))
			return 1;
		else if (s[0] == '-' && s[1])
			return util_error("unknown option '%s'", s);
		else if (a->path)
			return util_error("more than one input file");
		else
			a->path = s;
	}
	return 0;
}

static void percent_hint(uint64_t n, uint64_t total, double min, const char *what)
{
	if (!total || n * 100.0 / (double)total < min)
		return;
	fprintf(stderr, "nodescope fold: %.1f%% of samples %s\n", n * 100.0 / (double)total, what);
}

static void print_hints(const struct prof_fold_stats *st)
{
	uint64_t t = st->kept_samples;
	percent_hint(st->trampoline_samples, t, 1.0,
		     "run interpreted JS, shown as [interpreted JS]: start node with "
		     "--interpreted-frames-native-stack to name those functions");
	if (!st->named_jit_frames)
		percent_hint(st->unknown_jit_samples, t, 0.1,
			     "are in JIT code without names: start node with --perf-basic-prof "
			     "(perf script needs /tmp/perf-PID.map)");
	percent_hint(st->regexp_unknown_samples, t, 0.1,
		     "run regexp code missing from the perf map (--perf-basic-prof-only-functions "
		     "leaves it out): use --perf-basic-prof");
	percent_hint(st->truncated_samples, t, 5.0,
		     "have truncated stacks (the frame-pointer walk stopped in code built "
		     "without frame pointers)");
	if (st->bad_lines)
		fprintf(stderr, "nodescope fold: skipped %llu unrecognised lines (first: \"%s\")\n",
			(unsigned long long)st->bad_lines, st->first_bad);
}

int cmd_fold(int argc, char **argv)
{
	struct fold_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		if (rc > 0) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "nodescope fold: %s\n", util_last_error());
		usage(stderr);
		return 2;
	}
	int fd = 0;
	if (a.path && strcmp(a.path, "-") && (fd = open(a.path, O_RDONLY)) < 0) {
		fprintf(stderr, "nodescope fold: %s: %s\n", a.path, strerror(errno));
		return 1;
	}
	struct prof_stacks *s = prof_stacks_new();
	struct prof_fold_stats st;
	rc = prof_fold_fd(s, &a.o, fd, &st);
	if (fd > 0)
		close(fd);
	if (rc == 0 && a.json)
		rc = out_stacks_json(s, a.o.compat || a.o.period ? "period" : "samples", stdout);
	else if (rc == 0)
		rc = prof_stacks_write_folded(s, stdout);
	if (rc == 0 && fflush(stdout))
		rc = util_error("write: output error");
	if (rc < 0)
		fprintf(stderr, "nodescope fold: %s\n", util_last_error());
	else if (!a.quiet && !a.o.compat)
		print_hints(&st);
	prof_stacks_free(s);
	return rc < 0 ? 1 : 0;
}
