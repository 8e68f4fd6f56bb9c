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

/* ---- Below: additions for the folder, the renderers and diffs. ---- */

/* JIT tiers of a JavaScript frame (V8's perf-map markers), kept per trie node as
 * a mask when the tiers of one function are merged into one frame. In folded
 * text the mask is written as a suffix "_[^*]" after the frame name. */
enum {
	PROF_TIER_INTERP = 1,   /* '~' Ignition */
	PROF_TIER_BASELINE = 2, /* '^' Sparkplug */
	PROF_TIER_MAGLEV = 4,   /* '+' Maglev */
	PROF_TIER_TURBOFAN = 8, /* '*' TurboFan */
};
/* Mask of the tier marker c, 0 when c is not one. */
unsigned prof_tier_of(char c);
/* Writes the marker characters of mask to buf (at least 5 bytes), returns length. */
size_t prof_tier_chars(unsigned mask, char *buf);

/* One trie node. Node 0 is the root ("all"); counts come in two sets so that a
 * differential graph can hold both profiles: [0] is the default (and "after"
 * in a diff is [1]). total = samples through the node, self = ending there. */
struct prof_node {
	uint32_t name; /* interned name id */
	uint32_t parent, first_child, next_sibling; /* 0 = none (the root is nobody's child) */
	uint64_t total[2], self[2];
	uint8_t tiers;
};
#define PROF_ROOT 0u

/* Interns a frame name; ids are stable for the life of s. */
uint32_t prof_stacks_intern(struct prof_stacks *s, const char *name, size_t len);
const char *prof_stacks_name_of(const struct prof_stacks *s, uint32_t name_id, size_t *len);
/* Renames an interned name (used to relabel placeholder frames at the end). */
void prof_stacks_rename(struct prof_stacks *s, uint32_t name_id, const char *name);
/* Adds a stack of interned names (outermost first) with optional tier masks
 * (NULL = none) to count set `set` (0 or 1). */
void prof_stacks_add_ids(struct prof_stacks *s, const uint32_t *names, const uint8_t *tiers,
			 size_t n, uint64_t count, int set);
/* Like prof_stacks_add_folded, into count set `set`. */
int prof_stacks_add_folded_set(struct prof_stacks *s, const char *line, size_t len, int set);
uint64_t prof_stacks_total_set(const struct prof_stacks *s, int set);

size_t prof_stacks_node_count(const struct prof_stacks *s);
const struct prof_node *prof_stacks_node(const struct prof_stacks *s, uint32_t id);
/* Orders every node's children by name (bytes), as flamegraph.pl draws them. */
void prof_stacks_sort_children(struct prof_stacks *s);
/* A new trie with every stack reversed (leaf first): "who calls this". */
struct prof_stacks *prof_stacks_reversed(const struct prof_stacks *s);
/* Number of distinct stacks (nodes where some sample ends). */
size_t prof_stacks_distinct(const struct prof_stacks *s);

/* A fast non-cryptographic hash of bytes (used by the trie and the folder). */
uint64_t prof_hash(const void *p, size_t n);

#endif
