/*
 * metadata.c — reads the v8dbg_* postmortem symbols of the node binary and the
 * V8 version. Class fields are keyed by class and field with the type suffix
 * dropped (Node 22 renamed half the field symbols only in their suffix, e.g.
 * __DescriptorArray -> __Tagged_DescriptorArray_); instance types are read as
 * 16-bit values; frame types by name. Everything else (offsets, masks, tags)
 * by its plain name. Nothing here knows what a value means: layout.c does.
 */
#include "v8/v8_int.h"

#include <stdlib.h>
#include <string.h>

#define META_PREFIX "v8dbg_"

/* "class_Map__instance_type__uint16_t" -> "class_Map__instance_type". Returns
 * the key length to use. Class and field names never contain "__". */
static size_t meta_key_len(const char *name)
{
	if (strncmp(name, "class_", 6) != 0)
		return strlen(name);
	const char *sep = strstr(name + 6, "__");
	if (!sep)
		return strlen(name);
	const char *type = strstr(sep + 2, "__");
	return type ? (size_t)(type - name) : strlen(name);
}

static void meta_put(struct v8 *v8, const char *key, size_t len, int64_t val)
{
	struct util_map_entry *e = util_map_upsert(&v8->meta, key, len);
	if (!e->value) /* the first spelling wins; duplicates agree in practice */
		e->value = (void *)(intptr_t)(val + 1);
}

static int meta_get(const struct v8 *v8, const char *key, int64_t *val)
{
	struct util_map_entry *e = util_map_find(&v8->meta, key, strlen(key));
	if (!e)
		return -1;
	*val = (int64_t)(intptr_t)e->value - 1;
	return 0;
}

struct meta_walk {
	struct v8 *v8;
	int count, errors;
};

static int meta_symbol(const char *name, uint64_t addr, uint64_t size, void *arg)
{
	struct meta_walk *w = arg;
	const char *n = name + strlen(META_PREFIX);
	uint32_t raw;
	/* parent_ symbols carry no value (and are size 0 in some builds). */
	if (!strncmp(n, "parent_", 7))
		return 0;
	if (size != 0 && size != 4 && size != 8)
		return 0;
	if (img_read_u32(w->v8->img, addr, &raw) < 0) {
		w->errors++;
		return 0;
	}
	int64_t val = (int32_t)raw;
	if (!strncmp(n, "type_", 5)) {
		/* type_CLASS__NAME_TYPE -> type_NAME_TYPE; instance types are uint16. */
		const char *t = strstr(n + 5, "__");
		const char *tname = t ? t + 2 : n + 5;
		char key[256];
		int len = snprintf(key, sizeof(key), "type_%s", tname);
		if (len > 0 && (size_t)len < sizeof(key))
			meta_put(w->v8, key, (size_t)len, val & 0xffff);
	} else {
		meta_put(w->v8, n, meta_key_len(n), val);
	}
	w->count++;
	return 0;
}

static void names_add_type(struct util_map_entry *e, void *arg)
{
	struct v8 *v8 = arg;
	if (strncmp(e->key, "type_", 5) != 0)
		return;
	size_t t = (size_t)((intptr_t)e->value - 1);
	if (t < v8->ntype_names)
		v8->type_names[t] = e->key + 5;
}

static void names_add_frame(struct util_map_entry *e, void *arg)
{
	struct v8 *v8 = arg;
	if (strncmp(e->key, "frametype_", 10) != 0)
		return;
	intptr_t t = (intptr_t)e->value - 1;
	if (t >= 0 && t < 64)
		v8->frame_names[t] = e->key + 10;
}

int v8_meta_load(struct v8 *v8)
{
	struct meta_walk w = {v8, 0, 0};
	if (img_symbol_each(v8->img, META_PREFIX, meta_symbol, &w) < 0)
		return -1;
	if (w.count < 50)
		return util_error("%s has no V8 postmortem metadata (v8dbg_* symbols: %d found); "
				  "is it a node binary?",
				  img_binary_path(v8->img), w.count);
	v8->ntype_names = 0x10000;
	v8->type_names = util_calloc(v8->ntype_names, sizeof(*v8->type_names));
	util_map_each(&v8->meta, names_add_type, v8);
	util_map_each(&v8->meta, names_add_frame, v8);
	return 0;
}

void v8_meta_free(struct v8 *v8)
{
	util_map_free(&v8->meta);
	free(v8->type_names);
	v8->type_names = NULL;
}

struct sym_find {
	const char *const *names;
	uint64_t *addrs, *sizes;
	int n, found;
};

static int sym_find_some(const char *name, uint64_t addr, uint64_t size, void *arg)
{
	struct sym_find *f = arg;
	for (int i = 0; i < f->n; i++)
		if (!f->addrs[i] && !strcmp(name, f->names[i])) {
			f->addrs[i] = addr;
			if (f->sizes)
				f->sizes[i] = size;
			f->found++;
		}
	return f->found == f->n;
}

/* Looks up n symbols that share a prefix in one scan of the symbol table
 * (img_symbol_each): the handful of names the layer needs do not justify hashing
 * the binary's 300k symbols. Missing ones get address 0; returns how many were
 * found. */
int v8_symbols_find(struct v8 *v8, const char *prefix, const char *const *names, int n,
		    uint64_t *addrs, uint64_t *sizes)
{
	struct sym_find f = {names, addrs, sizes, n, 0};
	memset(addrs, 0, (size_t)n * sizeof(*addrs));
	if (img_symbol_each(v8->img, prefix, sym_find_some, &f) < 0)
		return -1;
	return f.found;
}

int v8_symbol_find(struct v8 *v8, const char *name, uint64_t *addr, uint64_t *size)
{
	uint64_t s = 0;
	if (v8_symbols_find(v8, name, &name, 1, addr, &s) < 1)
		return util_error("symbol %s not found in %s", name, img_binary_path(v8->img));
	if (size)
		*size = s;
	return 0;
}

/* The version lives in v8::internal::Version's static ints. */
int v8_version_load(struct v8 *v8)
{
	static const char *const syms[4] = {
	    "_ZN2v88internal7Version6major_E", "_ZN2v88internal7Version6minor_E",
	    "_ZN2v88internal7Version6build_E", "_ZN2v88internal7Version6patch_E"};
	int *dst[4] = {&v8->major, &v8->minor, &v8->build, &v8->patch};
	uint64_t addrs[4];
	v8_symbols_find(v8, "_ZN2v88internal7Version6", syms, 4, addrs, NULL);
	for (int i = 0; i < 4; i++) {
		uint32_t val;
		if (!addrs[i] || img_read_u32(v8->img, addrs[i], &val) < 0)
			return util_error("%s: cannot read the V8 version (symbol %s)",
					  img_binary_path(v8->img), syms[i]);
		*dst[i] = (int)val;
	}
	snprintf(v8->version, sizeof(v8->version), "%d.%d.%d.%d", v8->major, v8->minor, v8->build,
		 v8->patch);
	return 0;
}

int v8_meta_field(const struct v8 *v8, const char *cls, const char *field, int64_t *off)
{
	char key[256];
	snprintf(key, sizeof(key), "class_%s__%s", cls, field);
	return meta_get(v8, key, off);
}

int v8_meta_const(const struct v8 *v8, const char *name, int64_t *val)
{
	return meta_get(v8, name, val);
}

int v8_meta_type(const struct v8 *v8, const char *type_name)
{
	char key[256];
	int64_t val;
	snprintf(key, sizeof(key), "type_%s", type_name);
	return meta_get(v8, key, &val) < 0 ? -1 : (int)val;
}

int v8_meta_frametype(const struct v8 *v8, const char *name)
{
	char key[256];
	int64_t val;
	snprintf(key, sizeof(key), "frametype_%s", name);
	return meta_get(v8, key, &val) < 0 ? -1 : (int)val;
}

const char *v8_type_name(const struct v8 *v8, unsigned type)
{
	return type < v8->ntype_names ? v8->type_names[type] : NULL;
}
