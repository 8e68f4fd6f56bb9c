/*
 * elffile.c — ELF files on disk (the node binary, shared objects, the core itself),
 * mapped read-only once and handed to libelf. Owns build-id and link-address
 * lookups; knows nothing of processes.
 */
#include "image/image_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int img_file_open(const char *path, struct img_file **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return util_error("%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return util_error("%s: not a regular file", path);
	}
	if (st.st_size < 64) {
		close(fd);
		return util_error("%s: not an ELF file (too short: %lld bytes)", path,
				  (long long)st.st_size);
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return util_error("%s: mmap: %s", path, strerror(errno));
	}
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory(map, (size_t)st.st_size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64) {
		if (elf)
			elf_end(elf);
		munmap(map, (size_t)st.st_size);
		close(fd);
		return util_error("%s: not a 64-bit ELF file", path);
	}
	struct img_file *f = util_calloc(1, sizeof(*f));
	f->path = util_strdup(path);
	f->fd = fd;
	f->map = map;
	f->size = (size_t)st.st_size;
	f->elf = elf;
	*out = f;
	return 0;
}

void img_file_close(struct img_file *f)
{
	if (!f)
		return;
	elf_end(f->elf);
	munmap((void *)f->map, f->size);
	close(f->fd);
	free(f->path);
	free(f);
}

/* Finds NT_GNU_BUILD_ID in one note buffer. */
static size_t build_id_in_notes(Elf_Data *data, uint8_t *out, size_t cap)
{
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off, next;
	while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp(name, "GNU", 4)) {
			size_t n = nh.n_descsz < cap ? nh.n_descsz : cap;
			memcpy(out, (const uint8_t *)data->d_buf + desc_off, n);
			return n;
		}
		off = next;
	}
	return 0;
}

size_t img_file_build_id(struct img_file *f, uint8_t *out, size_t cap)
{
	size_t phnum;
	if (elf_getphdrnum(f->elf, &phnum) != 0)
		return 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		Elf_Data *d = elf_getdata_rawchunk(f->elf, (int64_t)ph.p_offset, ph.p_filesz,
						   ELF_T_NHDR);
		size_t n = d ? build_id_in_notes(d, out, cap) : 0;
		if (n)
			return n;
	}
	return 0;
}

int img_file_base_vaddr(struct img_file *f, uint64_t *out)
{
	size_t phnum;
	if (elf_getphdrnum(f->elf, &phnum) != 0)
		return util_error("%s: no program headers", f->path);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(f->elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			*out = ph.p_vaddr - ph.p_offset;
			return 0;
		}
	}
	return util_error("%s: no loadable segment", f->path);
}

const uint8_t *img_file_vaddr_ptr(struct img_file *f, uint64_t vaddr, size_t *avail)
{
	size_t phnum;
	if (elf_getphdrnum(f->elf, &phnum) != 0)
		return NULL;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr >= ph.p_vaddr + ph.p_filesz)
			continue;
		uint64_t off = ph.p_offset + (vaddr - ph.p_vaddr);
		if (off >= f->size)
			return NULL;
		uint64_t left = ph.p_vaddr + ph.p_filesz - vaddr;
		*avail = (size_t)(left < f->size - off ? left : f->size - off);
		return f->map + off;
	}
	return NULL;
}

int img_file_offset_vaddr(struct img_file *f, uint64_t off, uint64_t *vaddr, int *prot)
{
	size_t phnum;
	if (elf_getphdrnum(f->elf, &phnum) != 0)
		return -1;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (off < ph.p_offset || off >= ph.p_offset + ph.p_filesz)
			continue;
		*vaddr = ph.p_vaddr + (off - ph.p_offset);
		if (prot)
			*prot = ((ph.p_flags & PF_R) ? 1 : 0) | ((ph.p_flags & PF_W) ? 2 : 0) |
				((ph.p_flags & PF_X) ? 4 : 0);
		return 0;
	}
	return -1;
}
