/*
 * v8.c — opening and closing the V8 view of an image: metadata, version, layout.
 */
#include "v8/v8_int.h"

#include <stdlib.h>
#include <string.h>

int v8_open(struct v8 **out, struct img *img)
{
	struct v8 *v8 = util_calloc(1, sizeof(*v8));
	v8->img = img;
	*out = NULL;
	if (v8_meta_load(v8) < 0 || v8_version_load(v8) < 0 || v8_layout_resolve(v8) < 0) {
		v8_close(v8);
		return -1;
	}
	uint64_t size;
	if (img_symbol_lookup(img, "v8_Default_embedded_blob_code_", &v8->blob_code, &size) == 0) {
		uint32_t sz = 0;
		uint64_t szaddr, szsize;
		if (img_symbol_lookup(img, "v8_Default_embedded_blob_code_size_", &szaddr, &szsize) ==
			    0 &&
		    img_read_u32(img, szaddr, &sz) == 0)
			v8->blob_size = sz;
	}
	*out = v8;
	return 0;
}

void v8_close(struct v8 *v8)
{
	if (!v8)
		return;
	v8_meta_free(v8);
	free(v8);
}

struct img *v8_img(const struct v8 *v8) { return v8->img; }
const char *v8_version(const struct v8 *v8) { return v8->version; }

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

const struct v8_layout *v8_layout(const struct v8 *v8) { return &v8->L; }
const struct v8_types *v8_types(const struct v8 *v8) { return &v8->T; }
