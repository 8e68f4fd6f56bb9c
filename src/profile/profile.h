/*
 * profile — CPU profiles as aggregated call stacks: `perf script` parsing and
 * folding (perfscript*.c), the stack trie every output is rendered from
 * (stacks.c), and sampling a live process with perf_event_open plus its
 * symbolization (sample*.c, symbolize*.c). Prefix: prof_.
 */
#ifndef NODESCOPE_PROFILE_H
#define NODESCOPE_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Aggregated stacks: a trie of frames (root first), each node with the number of
 * samples whose stack ends there. Frame names are interned. */
struct prof_stacks;
struct prof_stacks *prof_stacks_new(void);
void prof_stacks_free(struct prof_stacks *s);
/* Adds count samples of the stack frames[0] (outermost) .. frames[n-1] (leaf). */
void prof_stacks_add(struct prof_stacks *s, const char *const *frames, size_t n, uint64_t count);
/* Adds one folded line "a;b;c 12" (no newline needed); -1 when it is not one. */
int prof_stacks_add_folded(struct prof_stacks *s, const char *line, size_t len);
uint64_t prof_stacks_total(const struct prof_stacks *s);
/* Writes "a;b;c count" lines sorted like stackcollapse-perf.pl's output. */
int prof_stacks_write_folded(const struct prof_stacks *s, FILE *out);

#endif
