/*
 * open.c — opening and closing images (a core with its binary, or an ELF file
 * alone) and the small accessors for threads and paths.
 */
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int img_open_core(struct img **out, const char *core_path, const char *binary, int force)
{
	struct img *img = util_calloc(1, sizeof(*img));
	img->memfd = -1;
	int phnum = -1;
	if (img_file_open(core_path, &img->core) < 0 || (phnum = img_core_parse(img)) < 0 ||
	    img_core_setup_binary(img, binary, force, (size_t)phnum) < 0) {
		img_close(img);
		return -1;
	}
	*out = img;
	return 0;
}

/* Each PT_LOAD of the file at its link address; bytes beyond p_filesz are missing. */
static void add_elf_segments(struct img *img, struct img_file *f)
{
	size_t phnum;
	if (elf_getphdrnum(f->elf, &phnum) != 0)
		return;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		size_t have = ph.p_offset < f->size ? f->size - (size_t)ph.p_offset : 0;
		if (have > ph.p_filesz)
			have = (size_t)ph.p_filesz;
		int prot = ((ph.p_flags & PF_R) ? 1 : 0) | ((ph.p_flags & PF_W) ? 2 : 0) |
			   ((ph.p_flags & PF_X) ? 4 : 0);
		struct img_region r = {.start = ph.p_vaddr,
				       .end = ph.p_vaddr + ph.p_memsz,
				       .data = have ? f->map + ph.p_offset : NULL,
				       .data_len = have,
				       .prot = prot,
				       .path = f->path,
				       .file_offset = ph.p_offset};
		img_add_region(img, &r);
	}
	img_sort_regions(img);
}

int img_open_elf(struct img **out, const char *path)
{
	struct img *img = util_calloc(1, sizeof(*img));
	img->memfd = -1;
	struct img_module *m = img_main_module_new(img, path);
	img->main = m;
	if (img_module_load(m) < 0) {
		img_close(img);
		return -1;
	}
	m->start = 0;
	m->end = UINT64_MAX;
	m->bias = 0;
	add_elf_segments(img, m->file);
	*out = img;
	return 0;
}

void img_close(struct img *img)
{
	if (!img)
		return;
	img_live_release(img);
	img_modules_free(img);
	img_file_close(img->core);
	free(img->regions);
	free(img->threads);
	for (size_t i = 0; i < img->nowned; i++)
		munmap(img->owned[i], img->owned_len[i]);
	free(img->owned);
	free(img->owned_len);
	free(img->auxv);
	free(img->filemaps);
	free(img->filemap_strings);
	free(img);
}

size_t img_thread_count(const struct img *img)
{
	return img->nthreads;
}

const struct img_thread *img_thread_at(const struct img *img, size_t i)
{
	return i < img->nthreads ? &img->threads[i] : NULL;
}

const struct img_thread *img_thread_by_tid(const struct img *img, pid_t tid)
{
	for (size_t i = 0; i < img->nthreads; i++)
		if (img->threads[i].tid == tid)
			return &img->threads[i];
	return NULL;
}

const char *img_binary_path(const struct img *img)
{
	return img->main ? img->main->path : NULL;
}

const char *img_core_path(const struct img *img)
{
	return img->core ? img->core->path : NULL;
}

const char *img_command(const struct img *img)
{
	return img->command;
}
