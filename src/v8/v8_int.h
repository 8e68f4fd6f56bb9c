/*
 * v8_int.h — the definition of struct v8, shared by the files of the v8 layer
 * and by nothing else (everything outside goes through v8.h).
 */
#ifndef NODESCOPE_V8_INT_H
#define NODESCOPE_V8_INT_H

#include "v8/v8.h"

struct v8 {
	struct img *img;
	char version[64];
	int major, minor, build, patch;
	/* v8dbg_* symbols: "class_CLASS__FIELD" (type dropped), "type_NAME",
	 * "frametype_NAME" and the rest by their name without "v8dbg_"; each value
	 * stored as (int64 + 1) in the entry's value pointer (0 = absent). */
	struct util_map meta;
	/* Reverse table of instance types (index: type, value: name or NULL). */
	const char **type_names;
	size_t ntype_names;
	/* Frame type value -> name. */
	const char *frame_names[64];
	struct v8_layout L;
	struct v8_types T;
	/* Embedded builtins blob in the binary (link address) and its size. */
	uint64_t blob_code, blob_size;
	/* Meta maps (maps of maps) seen so far: the read-only space and each native
	 * context have their own. */
	v8_value meta_maps[16];
	int nmeta_maps;
	char warning[256];
	/* interpreter::Bytecodes::kBytecodeSizes, read on first use (optimized.c) */
	uint8_t *bytecode_sizes;
	size_t nbytecodes;
	/* The last script whose source was read (function.c), as UTF-8. */
	v8_value src_script;
	struct util_buf src;
};

/* metadata.c */
int v8_meta_load(struct v8 *v8);
void v8_meta_free(struct v8 *v8);
int v8_version_load(struct v8 *v8);
int v8_symbol_find(struct v8 *v8, const char *name, uint64_t *addr, uint64_t *size);
int v8_symbols_find(struct v8 *v8, const char *prefix, const char *const *names, int n,
		    uint64_t *addrs, uint64_t *sizes);
/* function.c: the raw SourcePosition at code/bytecode offset in a position
 * table's bytes; 1 found, 0 none. */
int v8_position_table_lookup(struct v8 *v8, const uint8_t *bytes, size_t len, int64_t offset,
			     int64_t *raw);
/* layout.c */
int v8_layout_resolve(struct v8 *v8);

#endif
