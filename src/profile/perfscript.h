/*
 * perfscript.h — reading `perf script` text (perfscript.c) and folding it into a
 * stack trie (fold.c, fold_node.c). Internal to the profile layer and its
 * commands; the trie itself is in profile.h.
 */
#ifndef NODESCOPE_PERFSCRIPT_H
#define NODESCOPE_PERFSCRIPT_H

#include "profile/profile.h"
#include "util/util.h"

/* A sample header such as "node  5878/5878  1702.592228:  1001001 cpu-clock:".
 * Pointers point into the line. tid_len is 0 when the line has only one id. */
struct prof_ps_header {
	const char *comm, *pid, *tid, *period, *event;
	size_t comm_len, pid_len, tid_len, period_len, event_len;
	int has_event;
};
/* 1 when line is a sample header (stackcollapse-perf.pl's rules), else 0. */
int prof_ps_parse_header(const char *line, size_t len, struct prof_ps_header *h);

/* A stack frame such as "    7ff2 JS:^parse /a.js:17:20+0x97 (/tmp/perf-5878.map)". */
struct prof_ps_frame {
	const char *pc, *sym, *mod;
	size_t pc_len, sym_len, mod_len;
};
/* 1 when line is a stack frame line, else 0. */
int prof_ps_parse_frame(const char *line, size_t len, struct prof_ps_frame *f);

/* Calls fn for each line read from fd (without its '\n'), in constant memory;
 * stops at fn's first negative return. Lines longer than max_line are an error. */
int prof_lines_read(int fd, int (*fn)(void *arg, const char *line, size_t len), void *arg,
		    uint64_t max_line);

/* ---- folding ---- */

struct prof_fold_opts {
	int compat;          /* byte-identical to stackcollapse-perf.pl */
	int pid, tid;        /* root frame comm-PID or comm-PID/TID */
	int kernel, jit;     /* annotations _[k] and _[j] (compat); node mode always marks kernel */
	int addrs;           /* [unknown <pc>] for unresolved frames */
	int period;          /* weight by the sample period (always in compat mode) */
	const char *event_filter; /* NULL = the first event seen */
};

struct prof_fold_stats {
	uint64_t lines, samples, kept_samples, frames, bad_lines;
	uint64_t trampoline_samples; /* samples with Builtins_InterpreterEntryTrampoline */
	uint64_t unknown_jit_samples, regexp_unknown_samples, truncated_samples;
	uint64_t named_jit_frames;   /* frames named from a perf map */
	uint64_t filtered_samples;   /* samples of another event type */
	char first_bad[128];
	char event[64];
};

struct prof_fold;
struct prof_fold *prof_fold_new(struct prof_stacks *s, const struct prof_fold_opts *o);
/* Feeds one line (without '\n'). */
int prof_fold_line(struct prof_fold *f, const char *line, size_t len);
/* Ends the input: flushes the last sample (node mode) and names the placeholder
 * frames by what the whole input showed. */
int prof_fold_finish(struct prof_fold *f);
const struct prof_fold_stats *prof_fold_stats(const struct prof_fold *f);
void prof_fold_free(struct prof_fold *f);
/* Reads all of fd through a new folder into s. */
int prof_fold_fd(struct prof_stacks *s, const struct prof_fold_opts *o, int fd,
		 struct prof_fold_stats *stats);

#endif

/* ---- internal to fold*.c: one output frame, and the frame namers ---- */

enum prof_frame_kind {
	PROF_FK_PLAIN,
	PROF_FK_HOLE,           /* [unknown] in module [unknown] */
	PROF_FK_UNKNOWN_JIT,    /* [unknown] in /tmp/perf-PID.map: JIT code without a name */
	PROF_FK_TRAMPOLINE,     /* Builtins_InterpreterEntryTrampoline */
	PROF_FK_REGEXP_BUILTIN, /* Builtins_RegExp*: calls compiled regexp code */
	PROF_FK_ENTRY,          /* a thread's first frame: _start, start_thread, ... */
	PROF_FK_JIT_NAMED,      /* named from a perf map */
};

struct prof_fold_frame {
	uint32_t name;
	uint8_t tier, kind;
};

struct prof_frame_vec {
	struct prof_fold_frame *v;
	size_t n, cap;
};
void prof_frame_vec_push(struct prof_frame_vec *fv, uint32_t name, uint8_t tier, uint8_t kind);

/* Names the frame of one perf script line as stackcollapse-perf.pl does, pushing
 * 0..n frames (a "a->b" inline chain gives several) in leaf-last order of the
 * line. *cacheable is cleared when the result depends on more than the text
 * after the pc. */
void prof_fold_compat_frame(struct prof_stacks *s, const struct prof_fold_opts *o,
			    const struct prof_ps_frame *fr, int java, struct util_buf *scratch,
			    struct prof_frame_vec *out, int *cacheable);
/* The Node-aware namer: one frame per line. */
void prof_fold_node_frame(struct prof_stacks *s, const struct prof_fold_opts *o,
			  const struct prof_ps_frame *fr, struct util_buf *scratch,
			  struct prof_frame_vec *out, int *cacheable);

/* Placeholder and label names of the Node-aware mode. */
struct prof_node_labels {
	uint32_t interpreted, unknown_jit, regexp_unknown, truncated;
};
void prof_node_labels_init(struct prof_stacks *s, struct prof_node_labels *l);
/* Turns the leaf-first frames of one sample into root-first ids and tiers after
 * the root frame; updates the stats. Returns the number written to ids. */
size_t prof_node_assemble(const struct prof_node_labels *l, const struct prof_fold_frame *leaf_first,
			  size_t n, uint32_t *ids, uint8_t *tiers, struct prof_fold_stats *st);
