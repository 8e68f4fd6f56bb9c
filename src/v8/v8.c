/*
 * v8.c — opening and closing the V8 view of an image: metadata, version, layout.
 */
#include "v8/v8_int.h"

#include <stdlib.h>
#include <string.h>

/* The region of the binary that holds the blob at its link address. */
static const struct img_region *blob_home(struct v8 *v8)
{
	const struct img_region *r = img_region_find(v8->img, v8->blob_code);
	return r && r->path && !strcmp(r->path, img_binary_path(v8->img)) ? r : NULL;
}

/* True when the first bytes at a and b are readable and equal (a copy of the
 * blob dumped by gcore starts like the blob in the binary). */
static int same_bytes(struct v8 *v8, uint64_t a, uint64_t b)
{
	uint8_t x[256], y[256];
	int same = img_read(v8->img, a, x, sizeof(x)) == 0 &&
		   img_read(v8->img, b, y, sizeof(y)) == 0 && memcmp(x, y, sizeof(x)) == 0;
	util_clear_error();
	return same;
}

/* V8 copies its embedded builtins elsewhere at run time (--short-builtin-calls):
 * Node 20 maps the binary's pages again at another address, Node 22+ copies them
 * into anonymous memory that the kernel does not dump. JS frames return into the
 * copy, so the copy is made to read (and symbolize) as the blob in the binary. */
static void v8_alias_builtins(struct v8 *v8)
{
	struct {
		uint64_t start, len, link;
	} todo[8];
	int n = 0;
	if (!v8->blob_code || !v8->blob_size)
		return;
	/* Collect first: aliasing reshapes the region list. */
	const struct img_region *home = blob_home(v8);
	for (size_t i = 0; i < img_region_count(v8->img) && n < 8; i++) {
		const struct img_region *r = img_region_at(v8->img, i);
		uint64_t len = r->end - r->start;
		if (!(r->prot & 4) || r == home)
			continue;
		if (r->path && home && !strcmp(r->path, home->path)) {
			/* a second file mapping: where would these file pages be linked? */
			uint64_t link = home->start + (r->file_offset - home->file_offset);
			if (link <= v8->blob_code && v8->blob_code < link + len)
				todo[n].start = r->start, todo[n].len = len, todo[n++].link = link;
		} else if (!r->path && len >= v8->blob_size && len <= v8->blob_size + (4u << 20) &&
			   (!r->data || same_bytes(v8, r->start, v8->blob_code))) {
			todo[n].start = r->start, todo[n].len = v8->blob_size,
			todo[n++].link = v8->blob_code;
		}
	}
	for (int i = 0; i < n; i++)
		img_alias_binary(v8->img, todo[i].start, todo[i].len, todo[i].link);
	util_clear_error();
}

static int blob_end(const char *name, uint64_t addr, uint64_t size, void *arg)
{
	uint64_t *end = arg;
	(void)name;
	if (addr + size > *end)
		*end = addr + size;
	return 0;
}

/* The embedded builtins blob: its start symbol, and its size from
 * v8_Default_embedded_blob_code_size_ or else from the last Builtins_ symbol. */
static void blob_locate(struct v8 *v8)
{
	static const char *const names[2] = {"v8_Default_embedded_blob_code_",
					     "v8_Default_embedded_blob_code_size_"};
	uint64_t addrs[2], end = 0;
	uint32_t sz = 0;
	v8_symbols_find(v8, names[0], names, 2, addrs, NULL);
	v8->blob_code = addrs[0];
	if (!v8->blob_code) {
		util_clear_error();
		return;
	}
	if (addrs[1] && img_read_u32(v8->img, addrs[1], &sz) == 0 && sz) {
		v8->blob_size = sz;
		return;
	}
	util_clear_error();
	img_symbol_each(v8->img, "Builtins_", blob_end, &end);
	if (end > v8->blob_code)
		v8->blob_size = end - v8->blob_code;
}

int v8_open(struct v8 **out, struct img *img)
{
	struct v8 *v8 = util_calloc(1, sizeof(*v8));
	v8->img = img;
	*out = NULL;
	if (v8_meta_load(v8) < 0 || v8_version_load(v8) < 0 || v8_layout_resolve(v8) < 0) {
		v8_close(v8);
		return -1;
	}
	blob_locate(v8);
	if (img_core_path(img))
		v8_alias_builtins(v8);
	*out = v8;
	return 0;
}

void v8_close(struct v8 *v8)
{
	if (!v8)
		return;
	v8_meta_free(v8);
	free(v8->bytecode_sizes);
	util_buf_free(&v8->src);
	free(v8);
}

struct img *v8_img(const struct v8 *v8)
{
	return v8->img;
}
const char *v8_version(const struct v8 *v8)
{
	return v8->version;
}

void v8_version_numbers(const struct v8 *v8, int *major, int *minor, int *build, int *patch)
{
	if (major)
		*major = v8->major;
	if (minor)
		*minor = v8->minor;
	if (build)
		*build = v8->build;
	if (patch)
		*patch = v8->patch;
}

const struct v8_layout *v8_layout(const struct v8 *v8)
{
	return &v8->L;
}
const struct v8_types *v8_types(const struct v8 *v8)
{
	return &v8->T;
}
