/*
 * regions.c — memory of the image by address: the sorted region table, bounds-
 * checked reads across adjacent regions, zero-copy pointers for scans, and
 * aliases that make copies of the binary's code readable where the core lacks them.
 */
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void img_add_region(struct img *img, const struct img_region *r)
{
	if (img->nregions == img->cap_regions) {
		img->cap_regions = img->cap_regions ? img->cap_regions * 2 : 64;
		img->regions = util_realloc(img->regions, img->cap_regions * sizeof(*img->regions));
	}
	img->regions[img->nregions++] = *r;
}

static int by_start(const void *a, const void *b)
{
	const struct img_region *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void img_sort_regions(struct img *img)
{
	qsort(img->regions, img->nregions, sizeof(*img->regions), by_start);
}

size_t img_region_count(const struct img *img)
{
	return img->nregions;
}

const struct img_region *img_region_at(const struct img *img, size_t i)
{
	return i < img->nregions ? &img->regions[i] : NULL;
}

const struct img_region *img_region_find(const struct img *img, uint64_t addr)
{
	size_t lo = 0, hi = img->nregions;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct img_region *r = &img->regions[mid];
		if (addr < r->start)
			hi = mid;
		else if (addr >= r->end)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/* Copies what one region holds of [addr, addr+len); returns bytes copied or -1. */
static long read_one(const struct img *img, uint64_t addr, void *buf, size_t len)
{
	const struct img_region *r = img_region_find(img, addr);
	if (!r)
		return util_error("address 0x%llx is not mapped in the image",
				  (unsigned long long)addr);
	uint64_t off = addr - r->start;
	if (r->lazy) {
		size_t n = r->end - addr < len ? (size_t)(r->end - addr) : len;
		ssize_t got = pread(img->memfd, buf, n, (off_t)addr);
		if (got <= 0)
			return util_error("address 0x%llx of the live process is not readable",
					  (unsigned long long)addr);
		return (long)got;
	}
	if (!r->data || off >= r->data_len)
		return util_error("address 0x%llx is not in the core (%s not dumped)",
				  (unsigned long long)addr,
				  r->path ? r->path : "anonymous memory");
	size_t n = r->data_len - off < len ? r->data_len - off : len;
	memcpy(buf, r->data + off, n);
	return (long)n;
}

int img_read(struct img *img, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		if (addr + len < addr)
			return util_error("address range at 0x%llx wraps", (unsigned long long)addr);
		long n = read_one(img, addr, out, len);
		if (n < 0)
			return -1;
		addr += (uint64_t)n;
		out += n;
		len -= (size_t)n;
	}
	return 0;
}

int img_read_u64(struct img *img, uint64_t addr, uint64_t *v)
{
	return img_read(img, addr, v, sizeof(*v));
}

int img_read_u32(struct img *img, uint64_t addr, uint32_t *v)
{
	return img_read(img, addr, v, sizeof(*v));
}

int img_read_u16(struct img *img, uint64_t addr, uint16_t *v)
{
	return img_read(img, addr, v, sizeof(*v));
}

int img_read_u8(struct img *img, uint64_t addr, uint8_t *v)
{
	return img_read(img, addr, v, sizeof(*v));
}

const void *img_ptr(struct img *img, uint64_t addr, size_t len)
{
	const struct img_region *r = img_region_find(img, addr);
	if (!r || !r->data)
		return NULL;
	uint64_t off = addr - r->start;
	if (off > r->data_len || r->data_len - off < len)
		return NULL;
	return r->data + off;
}

/* Removes [start, end) from the table, trimming or splitting overlapping regions. */
static void carve(struct img *img, uint64_t start, uint64_t end)
{
	size_t n = img->nregions;
	for (size_t i = 0; i < n; i++) {
		struct img_region r = img->regions[i];
		if (r.end <= start || r.start >= end)
			continue;
		if (r.start < start && r.end > end) {
			struct img_region tail = r;
			tail.start = end;
			uint64_t skip = end - r.start;
			tail.data = r.data && r.data_len > skip ? r.data + skip : NULL;
			tail.data_len = r.data && r.data_len > skip ? r.data_len - skip : 0;
			img_add_region(img, &tail);
		}
		struct img_region *p = &img->regions[i];
		if (r.start < start) {
			p->end = start;
			if (p->data_len > start - r.start)
				p->data_len = start - r.start;
		} else if (r.end > end) {
			uint64_t skip = end - r.start;
			p->start = end;
			p->data = r.data && r.data_len > skip ? r.data + skip : NULL;
			p->data_len = r.data && r.data_len > skip ? r.data_len - skip : 0;
		} else {
			p->start = p->end = 0; /* emptied; dropped below */
		}
	}
	size_t w = 0;
	for (size_t i = 0; i < img->nregions; i++)
		if (img->regions[i].end > img->regions[i].start)
			img->regions[w++] = img->regions[i];
	img->nregions = w;
}

int img_alias_binary(struct img *img, uint64_t start, uint64_t len, uint64_t binary_vaddr)
{
	if (!img->main || img_module_load(img->main) < 0)
		return -1;
	size_t avail = 0;
	const uint8_t *p = img_file_vaddr_ptr(img->main->file, binary_vaddr, &avail);
	if (!p || avail < len)
		return util_error("alias: 0x%llx+%llu is not file-backed in %s",
				  (unsigned long long)binary_vaddr, (unsigned long long)len,
				  img->main->path);
	carve(img, start, start + len);
	struct img_region r = {.start = start,
			       .end = start + len,
			       .data = p,
			       .data_len = (size_t)len,
			       .prot = 5,
			       .path = img->main->path,
			       .file_offset = (uint64_t)(p - img->main->file->map)};
	img_add_region(img, &r);
	img_sort_regions(img);
	/* Symbol lookups in the alias resolve through an extra module view. */
	img->modules = util_realloc(img->modules, (img->nmodules + 1) * sizeof(*img->modules));
	img->main = &img->modules[0];
	struct img_module *m = &img->modules[img->nmodules++];
	memset(m, 0, sizeof(*m));
	m->path = util_strdup(img->main->path);
	m->short_name = strrchr(m->path, '/') ? strrchr(m->path, '/') + 1 : m->path;
	m->start = start;
	m->end = start + len;
	m->bias = start - binary_vaddr;
	m->loaded = 1;
	m->alias_of = 0;
	return 0;
}
