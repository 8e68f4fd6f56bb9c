/*
 * reader.h — the snapshot layer's private byte reader and JSON primitives
 * (reader.c), shared by parse.c. Not part of the layer's interface.
 *
 * The reader streams a file through a fixed buffer (or reads a buffer in
 * memory), so memory never depends on the size of the JSON text; offsets are
 * 64-bit so files over 4 GB work.
 */
#ifndef NODESCOPE_SNAPSHOT_READER_H
#define NODESCOPE_SNAPSHOT_READER_H

#include "snapshot/snapshot.h"
#include "util/util.h"

struct snap_rd {
	int fd; /* -1: the buffer is the whole input */
	char *buf;
	size_t pos, len, cap;
	uint64_t base; /* input offset of buf[0] */
	int eof, err;
	int positional; /* pread at base + len: a second reader sharing the descriptor */
	const char *name;
	struct snapshot *s;
	uint64_t next_report;
	uint64_t *publish; /* a second reader publishes its offset here ... */
	uint64_t *other;   /* ... and the first one shows the larger of the two */
};

void snap_rd_report(struct snap_rd *r);

/* A JSON value of the snapshot header (small: "snapshot":{meta,...}). */
enum snap_jv_kind { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };
struct snap_jv {
	enum snap_jv_kind kind;
	double num;
	char *str;
	struct snap_jv *items;
	char **keys; /* JV_OBJ */
	size_t n;
};

void snap_rd_fill(struct snap_rd *r, size_t need);
int snap_rd_peek(struct snap_rd *r);
void snap_rd_skip_ws(struct snap_rd *r);
int snap_rd_expect(struct snap_rd *r, char c, const char *what);
uint64_t snap_rd_offset(const struct snap_rd *r);
int snap_rd_fail(struct snap_rd *r, const char *what);
/* Reads a JSON string, unescaped to UTF-8, appended to out (with a NUL after it). */
int snap_rd_string(struct snap_rd *r, struct util_buf *out, size_t max_len);
int snap_rd_skip_value(struct snap_rd *r);
int snap_rd_value(struct snap_rd *r, struct snap_jv *v, int depth);
/* Reads an array of unsigned integers, handing them to fn in chunks. */
typedef int (*snap_rd_sink)(void *ctx, const uint64_t *vals, size_t n);
int snap_rd_uint_array(struct snap_rd *r, snap_rd_sink fn, void *ctx, const char *what);

void snap_jv_free(struct snap_jv *v);
const struct snap_jv *snap_jv_get(const struct snap_jv *obj, const char *key);

#endif
