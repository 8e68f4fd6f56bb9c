/*
 * dcmd_jsstack.c — ::jsstack: the JavaScript and native frames of a thread, in
 * the style of mdb_v8 (`js:` / `native:` lines), with -v the script, the
 * executing line and column, `this` and the arguments of each JS frame and -n
 * lines of source around the executing line; --json for scripts.
 */
#include "output/output_formats.h"
#include "prompt/prompt.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define JSSTACK_MAX_FRAMES 20000 /* physical frames walked per thread */
#define JSSTACK_MAX_ARGS 32

struct jsstack_opts {
	int verbose, source_lines, internal, json;
};

struct jsstack_state {
	struct dcmd_ctx *ctx;
	struct jsstack_opts o;
	int elided;		/* internal frames not shown since the last line */
	char elided_kinds[128]; /* their kinds, for the elision line */
	int nframes;		/* frames printed (json: for commas) */
	int walked;		/* physical frames seen */
};

/* Where a JS frame is: the executing position when the bytecode offset and the
 * source-position table give it, else the function's definition. */
struct frame_pos {
	int line, col, pos;
	const char *how; /* "executing", "function start", NULL when unknown */
};

static void frame_position(struct v8 *v8, const struct v8_jsframe *lf, const struct v8_funcinfo *fi,
			   struct frame_pos *fp)
{
	fp->line = fp->col = fp->pos = -1;
	fp->how = NULL;
	if (lf->position >= 0 && fi->script &&
	    v8_script_line_col(v8, fi->script, lf->position, &fp->line, &fp->col) == 0) {
		fp->pos = lf->position;
		fp->how = "executing";
	} else if (fi->start_pos >= 0 && fi->script &&
		   v8_script_line_col(v8, fi->script, fi->start_pos, &fp->line, &fp->col) == 0) {
		fp->pos = fi->start_pos;
		fp->how = "function start";
	}
	util_clear_error();
}

static const char *logical_kind(const struct v8_frame *f, const struct v8_jsframe *lf)
{
	if (f->kind != V8_FRAME_OPTIMIZED && f->kind != V8_FRAME_MAGLEV)
		return v8_frame_kind_name(f->kind);
	if (lf->inlined)
		return lf->optimized_kind == 1 ? "inlined (maglev)" : "inlined (turbofan)";
	return lf->optimized_kind == 1	 ? "optimized (maglev)"
	       : lf->optimized_kind == 2 ? "optimized (turbofan)"
					 : "optimized";
}

static void describe_value(struct v8 *v8, v8_value v, struct util_buf *b)
{
	size_t start = b->len;
	if (v8_describe(v8, v, b) < 0) {
		util_buf_printf(b, "0x%llx (%s)", (unsigned long long)v, util_last_error());
		util_clear_error();
		return;
	}
	/* strings and numbers print their value: add the address for piping */
	if (v8_is_heap(v) && strncmp(b->data + start, "0x", 2) != 0 && !v8_is_undefined(v8, v)) {
		char *desc = util_strdup(b->data + start);
		int is_oddball = !strcmp(desc, "null") || !strcmp(desc, "true") ||
				 !strcmp(desc, "false") || !strcmp(desc, "<the hole>");
		if (!is_oddball) {
			b->len = start;
			util_buf_printf(b, "0x%llx %s", (unsigned long long)v, desc);
		}
		free(desc);
	}
}

static void flush_elided(struct jsstack_state *s)
{
	if (!s->elided || s->o.json)
		return;
	fprintf(s->ctx->out, "        (%d internal frame%s elided: %s)\n", s->elided,
		s->elided == 1 ? "" : "s", s->elided_kinds);
	s->elided = 0;
	s->elided_kinds[0] = 0;
}

static int frame_argc(const struct v8_frame *f, const struct v8_funcinfo *fi)
{
	int n = fi->formal_params >= 0 ? fi->formal_params : 0;
	if (f->argc > n)
		n = f->argc; /* extra arguments passed beyond the formal parameters */
	return n > JSSTACK_MAX_ARGS ? JSSTACK_MAX_ARGS : n;
}

static void print_js_verbose(struct jsstack_state *s, const struct v8_frame *f,
			     const struct v8_jsframe *lf, const struct v8_funcinfo *fi)
{
	struct v8 *v8 = s->ctx->v8;
	FILE *out = s->ctx->out;
	struct frame_pos fp;
	struct util_buf b = {0};
	frame_position(v8, lf, fi, &fp);
	fprintf(out, "        kind: %s\n", logical_kind(f, lf));
	fprintf(out, "        file: %s\n",
		fi->script_name[0]	      ? fi->script_name
		: f->kind == V8_FRAME_BUILTIN ? "<V8 builtin>"
					      : "<unknown>");
	if (fp.how && !strcmp(fp.how, "executing"))
		fprintf(out, "        posn: line %d, column %d (executing)\n", fp.line, fp.col);
	else if (fp.how)
		fprintf(out, "        posn: line %d, column %d (function start: %s)\n", fp.line,
			fp.col,
			f->kind == V8_FRAME_INTERPRETED
			    ? "source positions not collected"
			    : "the executing position of this frame kind is not available");
	else
		fprintf(out, "        posn: unknown\n");
	if (lf->inlined) {
		fputs("        this, args: not on the stack (inlined)\n", out);
	} else {
		util_buf_adds(&b, "");
		describe_value(v8, f->receiver, &b);
		fprintf(out, "        this: %s\n", b.data);
		int n = frame_argc(f, fi);
		for (int i = 0; i < n; i++) {
			v8_value a;
			b.len = 0;
			b.data[0] = 0;
			if (v8_frame_arg(v8, f, i, &a) < 0) {
				util_clear_error();
				break;
			}
			describe_value(v8, a, &b);
			fprintf(out, "        arg%d: %s\n", i + 1, b.data);
		}
	}
	if (s->o.source_lines > 0 && fp.line > 0) {
		b.len = 0;
		util_buf_adds(&b, "");
		int first = fp.line - s->o.source_lines;
		if (v8_script_lines(v8, fi->script, first < 1 ? 1 : first,
				    fp.line + s->o.source_lines, fp.line, &b) == 0)
			fprintf(out, "%s", b.data);
		util_clear_error();
	}
	util_buf_free(&b);
}

static void json_value(struct v8 *v8, FILE *out, v8_value v)
{
	struct util_buf b = {0};
	util_buf_adds(&b, "");
	describe_value(v8, v, &b);
	fprintf(out, "{\"value\":\"0x%llx\",\"desc\":", (unsigned long long)v);
	out_fmt_json_string(out, b.data);
	fputc('}', out);
	util_buf_free(&b);
}

static void print_js_json(struct jsstack_state *s, const struct v8_frame *f,
			  const struct v8_jsframe *lf, const struct v8_funcinfo *fi,
			  const char *name)
{
	struct v8 *v8 = s->ctx->v8;
	FILE *out = s->ctx->out;
	struct frame_pos fp;
	frame_position(v8, lf, fi, &fp);
	fprintf(out,
		"{\"type\":\"js\",\"kind\":\"%s\",\"inlined\":%s,\"name\":", logical_kind(f, lf),
		lf->inlined ? "true" : "false");
	out_fmt_json_string(out, name);
	fputs(",\"inferred_name\":", out);
	out_fmt_json_string(out, fi->inferred);
	fprintf(out, ",\"function\":\"0x%llx\",\"fp\":\"0x%llx\",\"pc\":\"0x%llx\",\"file\":",
		(unsigned long long)lf->function, (unsigned long long)f->fp,
		(unsigned long long)f->pc);
	out_fmt_json_string(out, fi->script_name);
	if (fp.how)
		fprintf(out, ",\"line\":%d,\"column\":%d,\"position\":%d,\"position_kind\":\"%s\"",
			fp.line, fp.col, fp.pos, fp.how);
	if (lf->inlined) {
		fputc('}', out);
		return;
	}
	fputs(",\"this\":", out);
	json_value(v8, out, f->receiver);
	fputs(",\"args\":[", out);
	int n = frame_argc(f, fi);
	for (int i = 0; i < n; i++) {
		v8_value a;
		if (v8_frame_arg(v8, f, i, &a) < 0) {
			util_clear_error();
			break;
		}
		if (i)
			fputc(',', out);
		json_value(v8, out, a);
	}
	fputs("]}", out);
}

static void print_logical(struct jsstack_state *s, const struct v8_frame *f,
			  const struct v8_jsframe *lf)
{
	struct v8 *v8 = s->ctx->v8;
	FILE *out = s->ctx->out;
	struct v8_funcinfo fi;
	struct util_buf name = {0};
	util_buf_adds(&name, "");
	int ok = v8_funcinfo(v8, lf->function, &fi) == 0;
	if (ok)
		v8_funcinfo_display(&fi, &name);
	else {
		util_buf_printf(&name, "<unreadable function 0x%llx: %s>",
				(unsigned long long)lf->function, util_last_error());
		util_clear_error();
	}
	if (s->o.json) {
		if (s->nframes++)
			fputc(',', out);
		if (ok)
			print_js_json(s, f, lf, &fi, name.data);
		else
			fputs("{\"type\":\"js\",\"name\":null}", out);
	} else {
		if (s->o.internal)
			fprintf(out, "%016llx js:     %s%s\n", (unsigned long long)f->fp, name.data,
				lf->inlined ? " (inlined)" : "");
		else
			fprintf(out, "js:     %s%s\n", name.data, lf->inlined ? " (inlined)" : "");
		if (ok && s->o.verbose)
			print_js_verbose(s, f, lf, &fi);
	}
	if (ok)
		v8_funcinfo_free(&fi);
	util_buf_free(&name);
}

static void print_js(struct jsstack_state *s, const struct v8_frame *f)
{
	struct v8_jsframe lf[64];
	int n = v8_frame_expand(s->ctx->v8, f, lf, 64);
	for (int i = 0; i < n; i++)
		print_logical(s, f, &lf[i]);
}

static void print_native(struct jsstack_state *s, const struct v8_frame *f, const char *label)
{
	FILE *out = s->ctx->out;
	char where[700];
	if (f->symbol[0])
		snprintf(where, sizeof(where), "%s+0x%llx", f->symbol,
			 (unsigned long long)f->sym_offset);
	else if (f->module)
		snprintf(where, sizeof(where), "%s+0x%llx", f->module,
			 (unsigned long long)f->sym_offset);
	else
		snprintf(where, sizeof(where), "0x%llx", (unsigned long long)f->pc);
	if (s->o.json) {
		fprintf(out, "{\"type\":\"%s\",\"kind\":\"%s\",\"symbol\":", label,
			v8_frame_kind_name(f->kind));
		out_fmt_json_string(out, where);
		fprintf(out, ",\"pc\":\"0x%llx\",\"fp\":\"0x%llx\"}", (unsigned long long)f->pc,
			(unsigned long long)f->fp);
	} else if (s->o.internal) {
		fprintf(out, "%016llx %s: %*s%s", (unsigned long long)f->fp, label,
			(int)(6 - strlen(label)), "", where);
		if (f->kind != V8_FRAME_NATIVE)
			fprintf(out, " <%s frame>", v8_frame_kind_name(f->kind));
		fputc('\n', out);
	} else {
		fprintf(out, "native: %s\n", where);
	}
}

static int on_frame(struct v8 *v8, const struct v8_frame *f, void *arg)
{
	struct jsstack_state *s = arg;
	(void)v8;
	s->walked++;
	int shown = f->kind == V8_FRAME_NATIVE || v8_frame_is_js(f->kind) || s->o.internal;
	if (!shown && !s->o.json) {
		const char *k = v8_frame_kind_name(f->kind);
		size_t used = strlen(s->elided_kinds);
		if (used + strlen(k) + 3 < sizeof(s->elided_kinds))
			snprintf(s->elided_kinds + used, sizeof(s->elided_kinds) - used, "%s%s",
				 used ? ", " : "", k);
		s->elided++;
		return 0;
	}
	flush_elided(s);
	if (v8_frame_is_js(f->kind) && f->function) {
		print_js(s, f);
		return 0;
	}
	if (s->o.json && s->nframes++)
		fputc(',', s->ctx->out);
	print_native(s, f, f->kind == V8_FRAME_NATIVE ? "native" : "v8");
	return 0;
}

static int walk_thread(struct jsstack_state *s, const struct img_thread *t, int header)
{
	/* the thread that got the fatal signal (gcore cores have none) */
	int first = t == img_thread_at(s->ctx->img, 0) && t->signal;
	FILE *out = s->ctx->out;
	if (s->o.json) {
		fprintf(out, "{\"tid\":%d,\"signal\":%d,\"frames\":[", (int)t->tid,
			first ? t->signal : 0);
	} else if (header) {
		fprintf(out, "thread %d%s:\n", (int)t->tid, first ? " (received the signal)" : "");
	}
	s->nframes = 0;
	s->walked = 0;
	s->elided = 0;
	s->elided_kinds[0] = 0;
	int rc = v8_walk_stack(s->ctx->v8, t, JSSTACK_MAX_FRAMES, on_frame, s);
	flush_elided(s);
	if (rc == 0 && s->walked >= JSSTACK_MAX_FRAMES && !s->o.json)
		fprintf(out, "        (stack cut after %d frames)\n", JSSTACK_MAX_FRAMES);
	if (s->o.json)
		fputs("]}", out);
	return rc;
}

static int parse_opts(struct dcmd_ctx *ctx, struct jsstack_opts *o, int *all, long *tid)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'}, {0, 0, 0, 0}};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(ctx->argc, ctx->argv, "+van:t:i", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'v':
			o->verbose = 1;
			break;
		case 'a':
			*all = 1;
			break;
		case 'i':
			o->internal = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'n':
			o->source_lines = (int)strtol(optarg, &end, 10);
			if (*end || o->source_lines < 0 || o->source_lines > 1000)
				return DCMD_USAGE;
			break;
		case 't':
			*tid = strtol(optarg, &end, 10);
			if (*end || *tid <= 0)
				return DCMD_USAGE;
			break;
		default:
			return DCMD_USAGE;
		}
	}
	return optind < ctx->argc ? DCMD_USAGE : 0;
}

static int jsstack_run(struct dcmd_ctx *ctx)
{
	struct jsstack_state s = {ctx, {0, 5, 0, ctx->json}, 0, "", 0, 0};
	int all = 0;
	long tid = 0;
	int rc = parse_opts(ctx, &s.o, &all, &tid);
	if (rc)
		return rc;
	if (!ctx->v8)
		return util_error("::jsstack needs the V8 metadata, which could not be read");
	size_t n = img_thread_count(ctx->img);
	if (n == 0)
		return util_error("the core has no threads");
	const struct img_thread *one = img_thread_at(ctx->img, 0);
	if (tid && !(one = img_thread_by_tid(ctx->img, (pid_t)tid)))
		return util_error("no thread %ld in the core", tid);
	if (s.o.json)
		fputs("{\"threads\":[", ctx->out);
	if (all) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			if (i)
				fputs(s.o.json ? "," : "\n", ctx->out);
			rc = walk_thread(&s, img_thread_at(ctx->img, i), 1);
		}
	} else {
		rc = walk_thread(&s, one, 0);
	}
	if (s.o.json)
		fputs("]}\n", ctx->out);
	return rc;
}

const struct dcmd dcmd_jsstack = {
    "jsstack",
    "[-av] [-i] [-n lines] [-t tid] [--json]",
    "print the JavaScript and native stack of a thread",
    "  Prints the stack of the thread that received the fatal signal, innermost frame\n"
    "  first: `js:` lines name JavaScript functions (anonymous ones with the name V8\n"
    "  inferred: <anonymous> (as Foo.bar)), `native:` lines name C/C++ code. V8's\n"
    "  internal frames (entry, exit, construct, stub, ...) are elided and counted.\n"
    "  An optimized frame is expanded into the functions inlined into it, marked\n"
    "  (inlined). The executing position comes from the bytecode offset (interpreted),\n"
    "  the baseline code's offset table (Sparkplug) or the optimized code's position\n"
    "  table (Maglev, TurboFan), through the function's source-position table.\n"
    "    -v        for each JS frame: its kind (interpreted, baseline, optimized (maglev\n"
    "              or turbofan), inlined, builtin), the script, the executing line and\n"
    "              column, `this` and the arguments (as many as the function declares,\n"
    "              more if more were passed)\n"
    "    -n lines  with -v, lines of source around the executing line (default 5; -n0 none)\n"
    "    -t tid    another thread\n"
    "    -a        every thread\n"
    "    -i        show V8's internal frames and every frame's frame pointer\n"
    "    --json    one JSON document: {threads: [{tid, frames: [...]}]}",
    jsstack_run,
};
