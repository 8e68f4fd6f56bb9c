/*
 * util — the few things every layer needs: one error message set close to its
 * cause and printed once at the top, checked allocation, a growable byte buffer,
 * and a string-keyed hash table. Prefix: util_.
 */
#ifndef NODESCOPE_UTIL_H
#define NODESCOPE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NODESCOPE_VERSION "0.1.0"

/* Errors: a failing function calls util_error() (which returns -1) and its callers
 * pass the -1 up; the command at the top prints util_last_error() once. */
int util_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *util_last_error(void);
void util_clear_error(void);

/* Allocation that cannot fail: out of memory ends the program with a message. */
void *util_malloc(size_t n);
void *util_calloc(size_t n, size_t size);
void *util_realloc(void *p, size_t n);
char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t n);
char *util_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated. */
struct util_buf {
	char *data;
	size_t len, cap;
};
void util_buf_reserve(struct util_buf *b, size_t extra);
void util_buf_add(struct util_buf *b, const void *p, size_t n);
void util_buf_adds(struct util_buf *b, const char *s);
void util_buf_addc(struct util_buf *b, char c);
void util_buf_printf(struct util_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void util_buf_vprintf(struct util_buf *b, const char *fmt, va_list ap);
void util_buf_reset(struct util_buf *b);
void util_buf_free(struct util_buf *b);

/* A string-keyed open-addressing hash table; keys are copied, values are opaque. */
struct util_map_entry {
	char *key;
	size_t keylen;
	uint64_t hash;
	void *value;
};
struct util_map {
	struct util_map_entry *slots;
	size_t cap, count;
};
uint64_t util_hash(const void *p, size_t n);
/* Returns the entry for key, inserting it with value NULL when absent. */
struct util_map_entry *util_map_upsert(struct util_map *m, const char *key, size_t keylen);
struct util_map_entry *util_map_find(const struct util_map *m, const char *key, size_t keylen);
/* Calls fn for each entry; order is unspecified. */
void util_map_each(struct util_map *m, void (*fn)(struct util_map_entry *e, void *arg), void *arg);
/* Frees keys and slots; values are the caller's (free them first with util_map_each). */
void util_map_free(struct util_map *m);

/* A C++ symbol demangled for stacks ("ns::Cls::fn", no parameters); other names
 * are returned as they are. The result is malloc'd. */
char *util_demangle(const char *raw);

/* True when stderr is a terminal: progress lines are shown only then. */
int util_stderr_is_tty(void);

#endif
