/*
 * record.c — `nodescope record`: samples a running process (-p PID) or a
 * command it starts (-- COMMAND...) with perf_event_open, until the duration
 * ends, Ctrl-C/SIGTERM, or the target exits, then symbolizes and writes the
 * profile in the format the output file's name asks for.
 */
#include "cmd/cmd.h"
#include "image/image.h"
#include "output/output.h"
#include "output/output_formats.h"
#include "profile/profile.h"
#include "profile/record.h"
#include "util/util.h"
#include "v8/v8.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum format { FMT_FOLDED, FMT_SVG, FMT_SPEEDSCOPE, FMT_PPROF, FMT_CPUPROFILE };

/* User stack copied per sample with --js-names: enough for the frames of most
 * stacks (the research notes measured 16 KiB too short in under 1% of samples). */
#define JS_STACK_BYTES 16384

struct options {
	pid_t pid;
	char **command; /* after "--" */
	unsigned hz;
	double seconds; /* 0: until stopped */
	const char *out;
	char *write_path; /* where the data goes: out, or out.folded in place of an SVG */
	enum format format;
	int perf_map_flag; /* add --perf-basic-prof to a launched node's NODE_OPTIONS */
	int js_names;	   /* name JS functions without a perf map from the heap */
	int quiet;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fputs(
	    "usage: nodescope record [-p PID | -- COMMAND [ARGS...]] [-F HZ] [-d SECONDS] -o OUT\n"
	    "\n"
	    "Samples the CPU of every thread of a process with perf_event_open (kernel and\n"
	    "user call stacks, no perf binary needed) until SECONDS pass, Ctrl-C, or the\n"
	    "process exits; the process keeps running. Names JavaScript functions from\n"
	    "/tmp/perf-PID.map, which node writes when started with --perf-basic-prof.\n"
	    "\n"
	    "  -p PID         sample a running process\n"
	    "  -- COMMAND...  start COMMAND and sample it and the processes it starts\n"
	    "                 (--perf-basic-prof --interpreted-frames-native-stack are\n"
	    "                 added to NODE_OPTIONS); when -d ends\n"
	    "                 first it is sent SIGTERM\n"
	    "  -F HZ          samples per second per thread (default 99, at most 10000)\n"
	    "  -d SECONDS     how long to sample (default: until Ctrl-C or exit)\n"
	    "  -o OUT         output file; its name picks the format:\n"
	    "                   *.folded            folded stacks (flamegraph.pl input); '-' = "
	    "stdout\n"
	    "                   *.svg               flame graph\n"
	    "                   *.speedscope.json   speedscope\n"
	    "                   *.pb.gz, *.pprof    pprof profile.proto, gzipped (go tool pprof)\n"
	    "                   *.cpuprofile        Chrome DevTools / VS Code\n"
	    "  --no-perf-map  do not add --perf-basic-prof to a launched node\n"
	    "  --js-names     name JavaScript functions that have no perf-map entry (a\n"
	    "                 process started without --perf-basic-prof, interpreted\n"
	    "                 frames) from its heap: samples carry a copy of the stack,\n"
	    "                 and at the end the process is paused while its memory is\n"
	    "                 copied (about a second per GB of heap)\n"
	    "  -q             no progress on stderr\n"
	    "\n"
	    "Needs root, or CAP_PERFMON, or kernel.perf_event_paranoid <= 1 for your own "
	    "processes.\n",
	    f);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int pick_format(const char *out, enum format *f)
{
	if (!strcmp(out, "-") || ends_with(out, ".folded") || ends_with(out, ".txt"))
		*f = FMT_FOLDED;
	else if (ends_with(out, ".svg"))
		*f = FMT_SVG;
	else if (ends_with(out, ".speedscope.json"))
		*f = FMT_SPEEDSCOPE;
	else if (ends_with(out, ".pb.gz") || ends_with(out, ".pprof") || ends_with(out, ".pb"))
		*f = FMT_PPROF;
	else if (ends_with(out, ".cpuprofile"))
		*f = FMT_CPUPROFILE;
	else
		return -1;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(s, &end, 10);
	if (!*s || *end || errno || x == 0 || x > max || *s == '-')
		return -1;
	*v = x;
	return 0;
}

static int bad_usage(const char *msg, const char *arg)
{
	if (arg)
		fprintf(stderr, "nodescope record: %s: '%s'\n", msg, arg);
	else
		fprintf(stderr, "nodescope record: %s\n", msg);
	fputs("usage: nodescope record [-p PID | -- COMMAND...] [-F HZ] [-d SECONDS] -o OUT (see "
	      "--help)\n",
	      stderr);
	return 2;
}

/* Returns 0 to go on, or the exit status (with usage printed). */
static int parse_args(int argc, char **argv, struct options *o, int *exit_now)
{
	*exit_now = 0;
	o->hz = 99;
	o->perf_map_flag = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long v;
		if (!strcmp(a, "--")) {
			if (i + 1 >= argc)
				return bad_usage("'--' must be followed by a command", NULL);
			o->command = argv + i + 1;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			*exit_now = 1;
			return 0;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = 1;
		} else if (!strcmp(a, "--js-names")) {
			o->js_names = 1;
		} else if (!strcmp(a, "--no-perf-map")) {
			o->perf_map_flag = 0;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pid")) {
			if (!val || parse_uint(val, 0x7fffffff, &v))
				return bad_usage("-p needs a process id", val);
			o->pid = (pid_t)v;
			i++;
		} else if (!strcmp(a, "-F") || !strcmp(a, "--freq")) {
			if (!val || parse_uint(val, 10000, &v))
				return bad_usage("-F needs a rate from 1 to 10000 Hz", val);
			o->hz = (unsigned)v;
			i++;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--duration")) {
			char *end;
			double d = val ? strtod(val, &end) : 0;
			if (!val || *end || !(d > 0) || d > 1e7)
				return bad_usage("-d needs a positive number of seconds", val);
			o->seconds = d;
			i++;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (!val)
				return bad_usage("-o needs a file name", NULL);
			o->out = val;
			i++;
		} else {
			return bad_usage("unknown option", a);
		}
	}
	if (!o->pid == !o->command)
		return bad_usage(o->pid ? "give either -p PID or -- COMMAND, not both"
					: "give -p PID or -- COMMAND",
				 NULL);
	if (!o->out)
		return bad_usage("-o OUT is required", NULL);
	if (pick_format(o->out, &o->format))
		return bad_usage("cannot tell the format from the output name (use .folded, .svg, "
				 ".speedscope.json, .pb.gz or .cpuprofile)",
				 o->out);
	return 0;
}

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The command gets --perf-basic-prof in NODE_OPTIONS, so JS frames have names:
 * node itself, or node started by a wrapper (sh, npm) that passes the
 * environment on; other programs ignore it. */
static void add_perf_map_flag(char **command, int quiet)
{
	const char *cur = getenv("NODE_OPTIONS");
	if (cur && strstr(cur, "--perf-basic-prof"))
		return;
	for (char **a = command + 1; *a && **a == '-'; a++)
		if (strstr(*a, "--perf-basic-prof") || strstr(*a, "--perf-prof"))
			return;
	/* Interpreted functions get their own trampoline copy, so they have
	 * names too (not one shared Builtins_InterpreterEntryTrampoline). */
	const char *interp = cur && strstr(cur, "--interpreted-frames-native-stack")
				 ? ""
				 : " --interpreted-frames-native-stack";
	char *v = util_asprintf("%s%s--perf-basic-prof%s", cur ? cur : "", cur && *cur ? " " : "",
				interp);
	setenv("NODE_OPTIONS", v, 1);
	free(v);
	if (!quiet)
		fprintf(
		    stderr,
		    "nodescope record: adding --perf-basic-prof%s to NODE_OPTIONS so JavaScript "
		    "frames get names (--no-perf-map to skip)\n",
		    interp);
}

struct session {
	struct options *o;
	pid_t pid;
	int launched, child_done, child_status;
	int is_node;	/* the executable's name says node */
	char name[200]; /* "node server.js (pid 42)" */
	struct prof_sampler *sampler;
	struct prof_symset *syms; /* the target's, and its children's */
	struct prof_recording *rec;
	uint64_t start_ns, wall_start_ns, end_ns, lost;
	const char *stop_reason;
};

static void on_sample(const struct prof_raw_sample *rs, void *arg)
{
	prof_recording_add(arg, rs);
}

static int target_gone(struct session *ss)
{
	if (ss->launched) {
		if (ss->child_done)
			return 1;
		int st;
		if (waitpid(ss->pid, &st, WNOHANG) == ss->pid) {
			ss->child_done = 1;
			ss->child_status = st;
			return 1;
		}
		return 0;
	}
	return !prof_target_alive(ss->pid);
}

static void progress(struct session *ss, int final)
{
	if (ss->o->quiet || (!final && !util_stderr_is_tty()))
		return;
	uint64_t now = final && ss->end_ns ? ss->end_ns : now_ns(CLOCK_MONOTONIC);
	double secs = (double)(now - ss->start_ns) / 1e9;
	fprintf(stderr, "\rnodescope record: %.1f s, %llu samples%s", secs,
		(unsigned long long)prof_recording_samples(ss->rec), final ? "" : "   ");
	if (final || !util_stderr_is_tty())
		fputc('\n', stderr);
}

/* Samples until the duration ends, a signal comes, or the target exits. */
static void sample_loop(struct session *ss)
{
	uint64_t deadline =
	    ss->o->seconds > 0 ? ss->start_ns + (uint64_t)(ss->o->seconds * 1e9) : 0;
	uint64_t next_refresh = ss->start_ns + 200000000ull,
		 next_progress = ss->start_ns + 1000000000ull;
	for (;;) {
		prof_sampler_wait(ss->sampler, 100);
		prof_sampler_drain(ss->sampler, on_sample, ss->rec);
		prof_recording_drained(ss->rec);
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		if (stop_signal) {
			ss->stop_reason = stop_signal == SIGINT ? "interrupted" : "signalled";
			break;
		}
		if (deadline && now >= deadline) {
			ss->stop_reason = "duration reached";
			break;
		}
		if (target_gone(ss)) {
			ss->stop_reason = "the process exited";
			break;
		}
		if (now >= next_refresh) {
			/* New libraries, the perf map and the builtins copy appear as it runs. */
			prof_symset_refresh(ss->syms);
			next_refresh = now + 1000000000ull;
		}
		if (now >= next_progress) {
			progress(ss, 0);
			next_progress = now + 1000000000ull;
		}
	}
	ss->end_ns = now_ns(CLOCK_MONOTONIC);
	prof_symset_refresh(ss->syms);
	prof_sampler_disable(ss->sampler);
	prof_sampler_drain(ss->sampler, on_sample, ss->rec);
}

/* Waits up to ms for the launched child to exit; 1 when it did. */
static int wait_child(struct session *ss, int ms)
{
	for (int t = 0; t <= ms; t += 20) {
		if (target_gone(ss))
			return 1;
		usleep(20000);
	}
	return 0;
}

/* What to do with a command we started once sampling stops: on Ctrl-C the
 * terminal already sent it SIGINT; otherwise it is sent SIGTERM. */
static void stop_child(struct session *ss)
{
	if (!ss->launched || target_gone(ss))
		return;
	if (stop_signal == SIGINT && wait_child(ss, 1000))
		return;
	kill(ss->pid, stop_signal == SIGINT || !stop_signal ? SIGTERM : stop_signal);
	if (!wait_child(ss, 3000) && !ss->o->quiet)
		fprintf(stderr, "nodescope record: the command (pid %d) is still running\n",
			(int)ss->pid);
}

/* Names of JS functions read from the target's heap (--js-names): a copy of
 * the process taken once (image layer, the process paused only while copied),
 * read with the v8 layer, each function pointer resolved once. */
struct js_names {
	pid_t pid;
	struct img *img;
	struct v8 *v8;
	int tried, quiet;
	struct util_map cache; /* "pid:addr" -> struct prof_frame_info (or (void*)1: failed) */
	struct util_map strings;
};

static const char *js_intern(struct js_names *j, const char *s)
{
	return s ? util_map_upsert(&j->strings, s, strlen(s))->key : NULL;
}

static int js_open(struct js_names *j)
{
	if (j->tried)
		return j->v8 ? 0 : -1;
	j->tried = 1;
	if (!j->quiet)
		fprintf(stderr,
			"nodescope record: pausing pid %d to copy its memory and name JavaScript "
			"functions\n",
			(int)j->pid);
	/* One retry: a thread starting or ending while the process is stopped can
	 * make the copy fail. */
	int opened = prof_target_alive(j->pid) && img_open_pid(&j->img, j->pid) == 0;
	if (!opened && prof_target_alive(j->pid)) {
		usleep(100000);
		opened = img_open_pid(&j->img, j->pid) == 0;
	}
	if (!opened || v8_open(&j->v8, j->img) < 0) {
		fprintf(stderr,
			"nodescope record: warning: cannot name JavaScript functions from the "
			"heap: %s\n",
			prof_target_alive(j->pid) ? util_last_error() : "the process has exited");
		return -1;
	}
	return 0;
}

static void js_describe(struct js_names *j, const struct v8_funcinfo *info,
			struct prof_frame_info *fi)
{
	const char *fn = info->name && info->name[0]	       ? info->name
			 : info->inferred && info->inferred[0] ? info->inferred
							       : "(anonymous)";
	int line = 0, col = 0;
	if (info->script && info->start_pos >= 0 &&
	    v8_script_line_col(j->v8, info->script, info->start_pos, &line, &col) < 0)
		line = col = 0;
	const char *file = info->script_name && info->script_name[0] ? info->script_name : NULL;
	char *name;
	if (file && line)
		name = util_asprintf("%s %s:%d:%d", fn, file, line, col);
	else if (file)
		name = util_asprintf("%s %s", fn, file);
	else
		name = util_strdup(fn);
	for (char *c = name; *c; c++)
		if (*c == ';' || (unsigned char)*c < 0x20)
			*c = *c == ';' ? ':' : '?';
	memset(fi, 0, sizeof(*fi));
	fi->name = js_intern(j, name);
	fi->function = js_intern(j, fn);
	fi->file = js_intern(j, file);
	fi->line = (uint32_t)line;
	fi->col = (uint32_t)col;
	fi->kind = OUT_FRAME_JS;
	free(name);
}

static int js_resolve(void *arg, pid_t pid, uint64_t function, struct prof_frame_info *fi)
{
	struct js_names *j = arg;
	if (pid != j->pid)
		return -1; /* only the target's heap is read */
	char key[48];
	snprintf(key, sizeof(key), "%d:%llx", (int)pid, (unsigned long long)function);
	struct util_map_entry *e = util_map_upsert(&j->cache, key, strlen(key));
	if (!e->value) {
		struct v8_funcinfo info;
		e->value = (void *)1;
		if (js_open(j) == 0 && v8_funcinfo(j->v8, (v8_value)function, &info) == 0) {
			struct prof_frame_info *named = util_malloc(sizeof(*named));
			js_describe(j, &info, named);
			e->value = named;
			v8_funcinfo_free(&info);
		}
	}
	if (e->value == (void *)1)
		return -1;
	*fi = *(struct prof_frame_info *)e->value;
	return 0;
}

static void js_free_value(struct util_map_entry *e, void *arg)
{
	(void)arg;
	if (e->value != (void *)1)
		free(e->value);
}

static void js_names_free(struct js_names *j)
{
	util_map_each(&j->cache, js_free_value, NULL);
	util_map_free(&j->cache);
	util_map_free(&j->strings);
	v8_close(j->v8);
	img_close(j->img);
}

/* The stack trie of a profile: tiers of JS frames kept as fold does ("_[^*]"). */
static struct prof_stacks *build_stacks(const struct out_profile *p)
{
	struct prof_stacks *st = prof_stacks_new();
	uint64_t *counts = util_calloc(p->nstacks ? p->nstacks : 1, sizeof(uint64_t));
	uint32_t *ids = util_malloc((p->nframes ? p->nframes : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < p->nframes; i++)
		ids[i] = prof_stacks_intern(st, p->frames[i].name, strlen(p->frames[i].name));
	for (size_t i = 0; i < p->nsamples; i++)
		counts[p->samples[i].stack]++;
	uint32_t *names = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct out_stack *s = &p->stacks[i];
		if (!counts[i])
			continue;
		if (s->n > cap) {
			cap = s->n;
			names = util_realloc(names, cap * sizeof(*names));
		}
		for (uint32_t j = 0; j < s->n; j++)
			names[j] = ids[s->frames[j]];
		prof_stacks_add_ids(st, names, s->tiers, s->n, counts[i], 0);
	}
	free(names);
	free(ids);
	free(counts);
	return st;
}

static int write_flame(struct session *ss, const struct out_profile *p, int svg, FILE *out)
{
	struct prof_stacks *st = build_stacks(p);
	int rc;
	if (svg) {
		char title[256], sub[256];
		snprintf(title, sizeof(title), "nodescope record: %s", p->name ? p->name : "");
		snprintf(sub, sizeof(sub), "%zu samples at %u Hz over %.1f s, all threads",
			 p->nsamples, ss->o->hz, (double)(p->end_ns - p->start_ns) / 1e9);
		struct out_flame_opts o = {
		    .title = title, .subtitle = sub, .palette = OUT_PALETTE_NODE, .hash = 1};
		prof_stacks_sort_children(st);
		rc = out_flame_svg(st, &o, out);
	} else {
		rc = prof_stacks_write_folded(st, out);
	}
	prof_stacks_free(st);
	return rc;
}

static int write_output(struct session *ss, FILE *out)
{
	const struct out_profile *p = prof_recording_profile(ss->rec);
	switch (ss->o->format) {
	case FMT_FOLDED:
		return write_flame(ss, p, 0, out);
	case FMT_SVG:
		return write_flame(ss, p, 1, out);
	case FMT_SPEEDSCOPE:
		return out_speedscope_write(p, out);
	case FMT_PPROF:
		return out_pprof_write(p, out);
	case FMT_CPUPROFILE:
		return out_cpuprofile_write(p, out);
	}
	return -1;
}

/* The leaf frame most samples end in, as a hint on stderr. */
static void report_top(const struct out_profile *p, FILE *f)
{
	if (!p->nsamples)
		return;
	uint64_t *self = util_calloc(p->nframes ? p->nframes : 1, sizeof(uint64_t));
	for (size_t i = 0; i < p->nsamples; i++) {
		/* The user-space function on top: the kernel frames above it are
		 * interrupts and system calls it made. */
		const struct out_stack *s = &p->stacks[p->samples[i].stack];
		uint32_t top = s->n;
		while (top > 1 && p->frames[s->frames[top - 1]].kind == OUT_FRAME_KERNEL)
			top--;
		if (top)
			self[s->frames[top - 1]]++;
	}
	size_t best = 0;
	for (size_t i = 1; i < p->nframes; i++)
		if (self[i] > self[best])
			best = i;
	fprintf(f, "nodescope record: hottest user-space function: %s (%.1f%% of samples)\n",
		p->frames[best].name, 100.0 * (double)self[best] / (double)p->nsamples);
	free(self);
}

/* Warns when JavaScript frames could not be named, and says how to fix it. */
static void warn_names(struct session *ss)
{
	const struct out_profile *p = prof_recording_profile(ss->rec);
	/* Over every process sampled: a wrapper (sh, npm) may have started node. */
	struct prof_symbolizer_stats st = {0}, one;
	for (size_t i = 0; i < prof_symset_count(ss->syms); i++) {
		prof_symbolizer_stats(prof_symset_at(ss->syms, i), &one);
		if (one.have_perf_map && !st.have_perf_map) {
			st.have_perf_map = 1;
			st.perf_map_path = one.perf_map_path;
		}
		if (one.blob_remapped_anon && !st.blob_remapped_anon) {
			st.blob_remapped_anon = 1;
			st.blob_base = one.blob_base;
		}
	}
	uint64_t unnamed = 0, interpreted = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct out_stack *s = &p->stacks[p->samples[i].stack];
		int u = 0, in = 0;
		for (uint32_t j = 0; j < s->n; j++) {
			const char *name = p->frames[s->frames[j]].name;
			u |= !strncmp(name, "[unknown: JIT code", 18) ||
			     !strcmp(name, PROF_LABEL_REGEXP);
			in |= !strcmp(name, PROF_LABEL_INTERPRETED);
		}
		unnamed += u;
		interpreted += in;
	}
	double pct = p->nsamples ? 100.0 * (double)unnamed / (double)p->nsamples : 0;
	double ipct = p->nsamples ? 100.0 * (double)interpreted / (double)p->nsamples : 0;
	if (st.blob_remapped_anon && !ss->o->quiet)
		fprintf(stderr,
			"nodescope record: V8's embedded builtins were found copied into anonymous "
			"memory at "
			"0x%llx and named from the binary's symbols\n",
			(unsigned long long)st.blob_base);
	if (ss->o->js_names) {
		if (pct >= 5)
			fprintf(stderr,
				"nodescope record: warning: %.1f%% of samples have JIT code that "
				"neither a perf "
				"map nor the heap could name\n",
				pct);
	} else if (!st.have_perf_map && (ss->is_node || unnamed)) {
		fprintf(
		    stderr,
		    "nodescope record: warning: no /tmp/perf-%d.map: the process was not started "
		    "with --perf-basic-prof, so JavaScript functions have no names (%.1f%% of "
		    "samples show " PROF_LABEL_JIT_NO_MAP "). Record again with --js-names to name "
		    "them from its heap, or restart it with `node --perf-basic-prof ...` (or "
		    "NODE_OPTIONS=--perf-basic-prof).\n",
		    (int)ss->pid, pct);
	} else if (pct >= 5) {
		fprintf(
		    stderr,
		    "nodescope record: warning: %.1f%% of samples have JIT code that %s does not "
		    "name (started with --perf-basic-prof-only-functions? use --perf-basic-prof, "
		    "or record with --js-names)\n",
		    pct, st.perf_map_path);
	}
	if (!ss->o->js_names && ipct >= 5 && !ss->o->quiet)
		fprintf(
		    stderr,
		    "nodescope record: note: %.1f%% of samples run interpreted JavaScript, shown "
		    "as " PROF_LABEL_INTERPRETED ": record with --js-names, or start node with "
		    "--interpreted-frames-native-stack, "
		    "to name those functions\n",
		    ipct);
}

static int open_output(const char *path, FILE **out)
{
	if (!strcmp(path, "-")) {
		*out = stdout;
		return 0;
	}
	*out = fopen(path, "we");
	if (!*out) {
		fprintf(stderr, "nodescope record: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static int start_target(struct session *ss, struct prof_launch *l)
{
	struct options *o = ss->o;
	if (!o->command) {
		if (prof_target_check(o->pid) != 0)
			return -1;
		ss->pid = o->pid;
		return prof_sampler_open(&ss->sampler, ss->pid, o->hz, 0,
					 o->js_names ? JS_STACK_BYTES : 0);
	}
	if (o->perf_map_flag)
		add_perf_map_flag(o->command, o->quiet);
	if (prof_target_launch(o->command, l) != 0)
		return -1;
	ss->pid = l->pid;
	ss->launched = 1;
	if (prof_sampler_open(&ss->sampler, ss->pid, o->hz, 1, o->js_names ? JS_STACK_BYTES : 0) !=
	    0) {
		prof_target_abandon(l);
		ss->child_done = 1;
		return -1;
	}
	if (prof_target_release(l) != 0) {
		waitpid(ss->pid, NULL, 0);
		ss->child_done = 1;
		return -1;
	}
	return 0;
}

/* "node server.js (pid 42)" from /proc/PID/cmdline, for titles. */
static void describe_process(pid_t pid, char *buf, size_t len)
{
	char path[64], cmd[160];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(cmd, 1, sizeof(cmd) - 1, f) : 0;
	if (f)
		fclose(f);
	cmd[n] = 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	const char *start = cmd;
	const char *space = strchr(cmd, ' ');
	const char *slash = memrchr(cmd, '/', space ? (size_t)(space - cmd) : strlen(cmd));
	if (slash)
		start = slash + 1; /* basename of the program */
	snprintf(buf, len, "%s (pid %d)", *start ? start : "process", (int)pid);
}

static int paranoid_level(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v = 2;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 2;
		fclose(f);
	}
	return v;
}

static int exe_is_node(pid_t pid)
{
	char path[64], exe[4096];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = 0;
	const char *base = strrchr(exe, '/');
	return strstr(base ? base + 1 : exe, "node") != NULL;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int finish(struct session *ss, FILE *out)
{
	struct options *o = ss->o;
	struct js_names js = {.pid = ss->pid, .quiet = o->quiet};
	prof_recording_finish(ss->rec, ss->start_ns, ss->end_ns, ss->wall_start_ns, ss->name,
			      o->js_names ? js_resolve : NULL, &js);
	const struct out_profile *p = prof_recording_profile(ss->rec);
	if (!o->quiet) {
		progress(ss, 1);
		fprintf(stderr,
			"nodescope record: stopped (%s): %zu samples from %zu thread(s) of %zu "
			"process(es), %llu lost\n",
			ss->stop_reason ? ss->stop_reason : "?", p->nsamples, p->nthreads,
			prof_recording_processes(ss->rec), (unsigned long long)ss->lost);
		report_top(p, stderr);
	}
	if (ss->lost)
		fprintf(stderr,
			"nodescope record: warning: %llu samples were lost (the ring buffer filled "
			"up): use a "
			"lower -F\n",
			(unsigned long long)ss->lost);
	warn_names(ss);
	int rc = 0;
	if (write_output(ss, out) != 0 || fflush(out) != 0) {
		fprintf(stderr, "nodescope record: writing %s: %s\n", o->write_path,
			util_last_error());
		rc = 1;
	} else if (!o->quiet && strcmp(o->write_path, "-")) {
		fprintf(stderr, "nodescope record: wrote %s\n", o->write_path);
	}
	if (!rc && !p->nsamples && !o->quiet)
		fputs("nodescope record: no samples: the process did not run on a CPU while "
		      "recording\n",
		      stderr);
	js_names_free(&js); /* the profile's JS names live in js until written */
	return rc;
}

int cmd_record(int argc, char **argv)
{
	struct options o = {0};
	int exit_now;
	int rc = parse_args(argc, argv, &o, &exit_now);
	if (rc || exit_now)
		return rc;
	o.write_path = util_strdup(o.out);
	FILE *out;
	if (open_output(o.write_path, &out)) {
		free(o.write_path);
		return 1;
	}
	struct session ss = {.o = &o};
	struct prof_launch l = {0};
	stop_signal = 0;
	install_signals();
	if (start_target(&ss, &l) != 0) {
		fprintf(stderr, "nodescope record: %s\n", util_last_error());
		if (out != stdout) {
			fclose(out);
			unlink(o.write_path);
		}
		prof_sampler_close(ss.sampler);
		free(o.write_path);
		return 1;
	}
	if (prof_sampler_user_only(ss.sampler) && !o.quiet)
		fprintf(stderr,
			"nodescope record: note: sampling user space only: "
			"kernel.perf_event_paranoid=%d "
			"allows kernel call chains only to root or CAP_PERFMON\n",
			paranoid_level());
	ss.start_ns = now_ns(CLOCK_MONOTONIC);
	ss.wall_start_ns = now_ns(CLOCK_REALTIME);
	ss.syms = prof_symset_new();
	prof_symset_get(ss.syms, ss.pid);
	ss.is_node = exe_is_node(ss.pid);
	describe_process(ss.pid, ss.name, sizeof(ss.name));
	ss.rec = prof_recording_new(o.hz, prof_sampler_max_stack(ss.sampler), ss.syms);
	if (!o.quiet)
		fprintf(stderr, "nodescope record: sampling pid %d (%zu thread(s)) at %u Hz%s\n",
			(int)ss.pid, prof_sampler_threads(ss.sampler), o.hz,
			o.seconds > 0 ? "" : "; Ctrl-C to stop");
	sample_loop(&ss);
	ss.lost = prof_sampler_lost(ss.sampler);
	prof_sampler_close(ss.sampler);
	ss.sampler = NULL;
	/* Symbolize (and read the heap for --js-names) while a launched command
	 * still runs, then stop it. */
	rc = finish(&ss, out);
	stop_child(&ss);
	if (out != stdout && fclose(out) != 0 && !rc) {
		fprintf(stderr, "nodescope record: writing %s: %s\n", o.write_path,
			strerror(errno));
		rc = 1;
	}
	if (rc && out != stdout)
		unlink(o.write_path); /* no half-written profile */
	prof_recording_free(ss.rec);
	prof_symset_free(ss.syms);
	free(o.write_path);
	return rc;
}
