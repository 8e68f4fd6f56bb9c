/*
 * output_formats.h — writers for sampled CPU profiles in the formats other tools
 * read: speedscope's JSON, pprof's profile.proto (gzipped), and Chrome DevTools'
 * .cpuprofile. They take a plain description of the profile (frames, distinct
 * stacks, time-ordered samples) so they depend on no other layer. Prefix: out_.
 */
#ifndef NODESCOPE_OUTPUT_FORMATS_H
#define NODESCOPE_OUTPUT_FORMATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One function as shown to the user. file is NULL for native code; line and col
 * are 1-based, 0 when unknown. kind says where the code comes from. */
enum out_frame_kind { OUT_FRAME_NATIVE, OUT_FRAME_JS, OUT_FRAME_KERNEL, OUT_FRAME_OTHER };
struct out_frame {
	const char *name;     /* full display name, e.g. "fib /app/x.js:3:13" */
	const char *function; /* function name alone, e.g. "fib" */
	const char *file;
	uint32_t line, col;
	enum out_frame_kind kind;
};

/* A distinct call stack: frame indices, outermost first, and for each frame the
 * JIT tiers its code ran in (profile.h's PROF_TIER_* mask, 0 for none). */
struct out_stack {
	const uint32_t *frames;
	const uint8_t *tiers;
	uint32_t n;
};

struct out_thread {
	const char *name; /* the thread's comm, e.g. "node" */
	uint32_t tid;
};

/* One sample: which stack, on which thread, at what time (ns, monotonic). */
struct out_sample {
	uint32_t stack, thread;
	uint64_t time_ns;
};

struct out_profile {
	const char *name; /* e.g. "node hot.js (pid 1234)" */
	const struct out_frame *frames;
	size_t nframes;
	const struct out_stack *stacks;
	size_t nstacks;
	const struct out_thread *threads;
	size_t nthreads;
	const struct out_sample *samples; /* sorted by time_ns */
	size_t nsamples;
	uint64_t period_ns;	   /* nominal time per sample (1e9 / Hz) */
	uint64_t start_ns, end_ns; /* monotonic clock, recording start and end */
	uint64_t wall_start_ns;	   /* realtime clock at start_ns (pprof time_nanos) */
};

/* Each returns 0, or -1 with util_error() set (a write error). */
int out_speedscope_write(const struct out_profile *p, FILE *out);
int out_pprof_write(const struct out_profile *p, FILE *out); /* gzip-compressed */
int out_cpuprofile_write(const struct out_profile *p, FILE *out);

/* Writes s as a JSON string literal (quotes included). */
void out_fmt_json_string(FILE *out, const char *s);

#endif
