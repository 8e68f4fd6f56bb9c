/*
 * record.h — the parts of the profile layer that sample a live process:
 * perf_event_open sampling of every thread (sample.c), launching or checking the
 * target (sample_target.c), symbolization of kernel, ELF, JIT and remapped-builtin
 * addresses (symbolize*.c, perfmap.c), and the recording that ties them together
 * and hands a finished profile to the writers (sample_recording.c).
 */
#ifndef NODESCOPE_PROFILE_RECORD_H
#define NODESCOPE_PROFILE_RECORD_H

#include "output/output_formats.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- target process (sample_target.c) ---- */

/* 0 when pid names a live process we may look at, else -1 with a message. */
int prof_target_check(pid_t pid);
/* 1 while the process exists and is not a zombie. */
int prof_target_alive(pid_t pid);
/* A launched command: forked, waiting before exec until released. */
struct prof_launch {
	pid_t pid;
	int go_fd, err_fd;
};
int prof_target_launch(char *const *argv, struct prof_launch *l);
/* Lets the child exec; -1 with a message when exec failed. */
int prof_target_release(struct prof_launch *l);
/* Gives up on a child never released: it exits and is reaped. */
void prof_target_abandon(struct prof_launch *l);
/* Reads /proc/PID/task/TID/comm into buf (the thread's name); "?" when gone. */
void prof_target_comm(pid_t pid, pid_t tid, char *buf, size_t len);

/* ---- sampler (sample.c) ---- */

struct prof_sampler;
/* One sample as read from the ring buffer: ips is the kernel's callchain with
 * its PERF_CONTEXT_* markers, leaf first. Valid only during the callback. */
struct prof_raw_sample {
	uint32_t pid, tid;
	uint64_t time_ns;
	uint64_t nips;
	const uint64_t *ips;
	/* With a stack copy: frame and stack pointer, and the copied stack from sp. */
	uint64_t bp, sp;
	const unsigned char *stack;
	uint64_t stack_len;
};
/* Opens cpu-clock sampling events at hz on every thread of pid (and, by
 * inheritance, threads created later). With on_exec the events start when pid
 * calls exec (for a launched command). stack_bytes > 0 also copies that much
 * of the user stack with the frame and stack pointers into each sample. */
int prof_sampler_open(struct prof_sampler **out, pid_t pid, unsigned hz, int on_exec,
		      unsigned stack_bytes);
/* Waits up to timeout_ms for data; 0 on timeout or data, -1 on error. */
int prof_sampler_wait(struct prof_sampler *s, int timeout_ms);
typedef void (*prof_sample_fn)(const struct prof_raw_sample *rs, void *arg);
/* Reads every complete record from the ring buffers. */
void prof_sampler_drain(struct prof_sampler *s, prof_sample_fn fn, void *arg);
void prof_sampler_disable(struct prof_sampler *s);
uint64_t prof_sampler_lost(const struct prof_sampler *s);
size_t prof_sampler_threads(const struct prof_sampler *s);
/* 1 when only user space could be sampled (perf_event_paranoid 2, no
 * CAP_PERFMON): kernel frames are missing. */
int prof_sampler_user_only(const struct prof_sampler *s);
/* The most frames a call chain may hold: longer ones lose their outer end. */
unsigned prof_sampler_max_stack(const struct prof_sampler *s);
void prof_sampler_close(struct prof_sampler *s);

/* ---- symbolization (symbolize*.c, perfmap.c) ---- */

/* Labels for what has no name, the same as `nodescope fold` writes. */
#define PROF_LABEL_JIT_NO_MAP "[unknown: JIT code, no perf map]"
#define PROF_LABEL_JIT_NOT_IN_MAP "[unknown: JIT code not in perf map]"
#define PROF_LABEL_REGEXP "[unknown: regexp code, not in perf map]"
#define PROF_LABEL_TRUNCATED "[unknown: truncated stack]"
#define PROF_LABEL_INTERPRETED "[interpreted JS]"

struct prof_frame_info {
	const char *name; /* display name (';' never appears in it) */
	const char *function, *file;
	uint32_t line, col;
	enum out_frame_kind kind;
	uint8_t tiers; /* PROF_TIER_* of the V8 code, 0 when not JIT code */
};

struct prof_symbolizer;
struct prof_symbolizer *prof_symbolizer_new(pid_t pid);
/* Re-reads /proc/PID/maps while the process lives: opens new ELF files, finds
 * the perf map and V8's embedded builtins. Cheap enough to call every second. */
void prof_symbolizer_refresh(struct prof_symbolizer *s);
/* Names a user-space address (return addresses are looked up at pc-1) or a
 * kernel address. The result lives as long as the symbolizer. */
void prof_symbolize_user(struct prof_symbolizer *s, uint64_t pc, int is_return,
			 struct prof_frame_info *fi);
void prof_symbolize_kernel(struct prof_symbolizer *s, uint64_t pc, struct prof_frame_info *fi);
/* Offset of JSFunction::shared in the process's node (v8dbg metadata); 0 when known. */
int prof_symbolizer_js_shared_offset(struct prof_symbolizer *s, int64_t *off);
/* What the recording could not name, for the final warnings. */
struct prof_symbolizer_stats {
	int have_perf_map; /* a perf map file was found */
	const char *perf_map_path;
	size_t perf_map_entries;
	int blob_remapped_anon; /* embedded builtins found in anonymous memory */
	uint64_t blob_base;	/* where */
};
void prof_symbolizer_stats(const struct prof_symbolizer *s, struct prof_symbolizer_stats *st);
void prof_symbolizer_free(struct prof_symbolizer *s);

/* One symbolizer per process (symbolize_set.c): the target and its children. */
struct prof_symset;
struct prof_symset *prof_symset_new(void);
/* The symbolizer of pid, made (from /proc/PID/maps) on first request. */
struct prof_symbolizer *prof_symset_get(struct prof_symset *set, pid_t pid);
void prof_symset_refresh(struct prof_symset *set);
size_t prof_symset_count(const struct prof_symset *set);
struct prof_symbolizer *prof_symset_at(const struct prof_symset *set, size_t i);
void prof_symset_free(struct prof_symset *set);

/* ---- perf map (perfmap.c) ---- */

struct prof_perfmap;
/* Parses a /tmp/perf-PID.map text from fd (read to its end); lines that are not
 * "START SIZE NAME" are skipped. */
struct prof_perfmap *prof_perfmap_read_fd(int fd);
/* The name of the last entry covering addr, or NULL. */
const char *prof_perfmap_lookup(const struct prof_perfmap *m, uint64_t addr);
size_t prof_perfmap_count(const struct prof_perfmap *m);
void prof_perfmap_free(struct prof_perfmap *m);
/* Turns a V8 code name ("JS:*fib /a.js:3:13", "LazyCompile:~f a.js:1:2",
 * "Builtin:X", "RegExp:...") into a display name with the JIT tier dropped,
 * filling fi; strings are written to buf (which fi then points into). */
void prof_jit_frame(const char *raw, char *buf, size_t buflen, struct prof_frame_info *fi);

/* ---- ELF symbol tables (symbolize_elf.c), used by the symbolizer ---- */

struct prof_elf;
/* Takes ownership of fd. NULL (with a message) when it is not a readable ELF. */
struct prof_elf *prof_elf_open(int fd, const char *path);
void prof_elf_close(struct prof_elf *e);
const char *prof_elf_basename(const struct prof_elf *e);
/* File offset to link-time address through the PT_LOAD segments. */
int prof_elf_offset_to_vaddr(const struct prof_elf *e, uint64_t off, uint64_t *vaddr);
/* The function containing vaddr, demangled without its parameter list; NULL
 * when no symbol covers it. */
const char *prof_elf_symbol(struct prof_elf *e, uint64_t vaddr);
/* The 32-bit value of a data symbol (V8's v8dbg_* constants): 0 when found. */
int prof_elf_data_int(struct prof_elf *e, const char *name, int64_t *v);
/* V8's embedded builtins blob in this file (node), by its symbols: 0 when found. */
int prof_elf_embedded_blob(struct prof_elf *e, uint64_t *vaddr, uint64_t *size);
/* Reads len bytes of the file at link address vaddr. */
int prof_elf_read_vaddr(const struct prof_elf *e, uint64_t vaddr, void *buf, size_t len);

/* ---- kernel symbols (symbolize_kernel.c) ---- */

struct prof_ksyms;
struct prof_ksyms *prof_ksyms_load(void); /* /proc/kallsyms; NULL when unreadable */
const char *prof_ksyms_lookup(const struct prof_ksyms *k, uint64_t addr);
void prof_ksyms_free(struct prof_ksyms *k);

/* ---- hash index (sample_index.c) ---- */

/* Maps a key's hash to a value (0 .. 2^32-2); keys live in the caller's arrays
 * and eq(value, arg) says whether value's key is the one sought. */
struct prof_index {
	uint64_t *hash;
	uint32_t *val; /* value + 1; 0 = empty slot */
	size_t cap, count;
};
/* Returns the value for the key, or stores and returns new_value (*inserted = 1). */
uint32_t prof_index_get(struct prof_index *x, uint64_t hash,
			int (*eq)(uint32_t value, const void *arg), const void *arg,
			uint32_t new_value, int *inserted);
void prof_index_free(struct prof_index *x);

/* ---- recording (sample_recording.c) ---- */

struct prof_recording;
/* max_stack: chains this long were cut by the kernel, and get marked so. The
 * recording asks syms for a process's symbolizer when it first sees it. */
struct prof_recording *prof_recording_new(unsigned hz, unsigned max_stack,
					  struct prof_symset *syms);
/* Adds one raw sample (kept unsymbolized until prof_recording_finish). */
void prof_recording_add(struct prof_recording *r, const struct prof_raw_sample *rs);
/* Processes seen in the samples. */
size_t prof_recording_processes(const struct prof_recording *r);
/* Called after each drain of the sampler: forgets what was read from the
 * processes' memory (objects move between drains). */
void prof_recording_drained(struct prof_recording *r);
uint64_t prof_recording_samples(const struct prof_recording *r);
/* Symbolizes every distinct stack with sym and builds the profile. */
/* Names a SharedFunctionInfo (read, while recording, from the JSFunction seen
 * in a frame's function slot: SFIs live in old space and do not move) of
 * process pid, filling fi with strings that live as long as the resolver's
 * owner; 0 when named. */
typedef int (*prof_js_resolver)(void *arg, pid_t pid, uint64_t function,
				struct prof_frame_info *fi);
/* With resolve (may be NULL), JS frames left unnamed are named from the heap. */
void prof_recording_finish(struct prof_recording *r, uint64_t start_ns, uint64_t end_ns,
			   uint64_t wall_start_ns, const char *name, prof_js_resolver resolve,
			   void *arg);
const struct out_profile *prof_recording_profile(const struct prof_recording *r);
void prof_recording_free(struct prof_recording *r);

#endif
