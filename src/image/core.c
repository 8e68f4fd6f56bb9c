/*
 * core.c — the ELF core backend: PT_NOTE (NT_PRSTATUS per thread, NT_PRPSINFO,
 * NT_AUXV, NT_FILE) and PT_LOAD segments become the image's threads, file map and
 * regions. Bytes a segment does not hold (p_filesz < p_memsz, a truncated file)
 * are taken from the mapped file on disk when the mapping was read-only, and are
 * otherwise marked missing — never zeros.
 */
#include "image/image_int.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif

/* user_regs_struct index of each DWARF register number 0..16. */
static const int dwarf_from_user_regs[IMG_NREGS] = {10, 12, 11, 5, 13, 14, 4, 19, 9,
						    8,  7,  6,  3, 2,  1,  0, 16};

void img_add_thread(struct img *img, pid_t tid, int signal, const unsigned long long *user_regs)
{
	img->threads = util_realloc(img->threads, (img->nthreads + 1) * sizeof(*img->threads));
	struct img_thread *t = &img->threads[img->nthreads++];
	t->tid = tid;
	t->signal = signal;
	for (int i = 0; i < IMG_NREGS; i++)
		t->regs[i] = user_regs[dwarf_from_user_regs[i]];
	memcpy(t->user_regs, user_regs, sizeof(t->user_regs));
}

static int parse_nt_file(struct img *img, const uint8_t *d, size_t n)
{
	if (n < 16)
		return util_error("core: NT_FILE note is truncated");
	uint64_t count, page;
	memcpy(&count, d, 8);
	memcpy(&page, d + 8, 8);
	if (count > (n - 16) / 24)
		return util_error("core: NT_FILE note is corrupt (%llu entries)",
				  (unsigned long long)count);
	img->filemaps = util_calloc(count, sizeof(*img->filemaps));
	size_t strings = 16 + count * 24;
	img->filemap_strings = util_malloc(n - strings + 1);
	memcpy(img->filemap_strings, d + strings, n - strings);
	img->filemap_strings[n - strings] = 0;
	const char *s = img->filemap_strings, *end = img->filemap_strings + (n - strings);
	for (uint64_t i = 0; i < count && s < end; i++) {
		uint64_t v[3];
		memcpy(v, d + 16 + i * 24, 24);
		img->filemaps[i] = (struct img_filemap){v[0], v[1], v[2] * page, s};
		img->nfilemaps++;
		s += strlen(s) + 1;
	}
	return 0;
}

static void parse_auxv(struct img *img, const uint8_t *d, size_t n)
{
	for (size_t off = 0; off + 16 <= n; off += 16) {
		uint64_t kv[2];
		memcpy(kv, d + off, 16);
		if (kv[0] == AT_ENTRY)
			img->auxv_entry = kv[1];
	}
}

static int parse_notes(struct img *img, Elf_Data *data)
{
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off, next;
	while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;
		if (nh.n_type == NT_PRSTATUS && nh.n_descsz >= sizeof(struct elf_prstatus)) {
			struct elf_prstatus st;
			memcpy(&st, desc, sizeof(st));
			img_add_thread(img, st.pr_pid, st.pr_cursig,
				       (const unsigned long long *)&st.pr_reg);
		} else if (nh.n_type == NT_PRPSINFO && nh.n_descsz >= sizeof(struct elf_prpsinfo)) {
			struct elf_prpsinfo ps;
			memcpy(&ps, desc, sizeof(ps));
			snprintf(img->command, sizeof(img->command), "%.*s",
				 (int)sizeof(ps.pr_psargs), ps.pr_psargs);
		} else if (nh.n_type == NT_AUXV && !img->auxv) {
			parse_auxv(img, desc, nh.n_descsz);
			img->auxv = util_malloc(nh.n_descsz);
			memcpy(img->auxv, desc, nh.n_descsz);
			img->auxv_len = nh.n_descsz;
		} else if (nh.n_type == NT_FILE && !img->filemaps) {
			if (parse_nt_file(img, desc, nh.n_descsz) < 0)
				return -1;
		}
		off = next;
	}
	return 0;
}

static int prot_of(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

static const struct img_filemap *filemap_for(const struct img *img, uint64_t addr)
{
	for (size_t i = 0; i < img->nfilemaps; i++)
		if (addr >= img->filemaps[i].start && addr < img->filemaps[i].end)
			return &img->filemaps[i];
	return NULL;
}

/* Adds [start, end) of memory the image does not hold itself: from the file on
 * disk when it is a read-only mapping of an ELF we can open, else as missing. */
void img_add_file_backed(struct img *img, uint64_t start, uint64_t end, int prot)
{
	while (start < end) {
		const struct img_filemap *fm = filemap_for(img, start);
		uint64_t stop = fm && fm->end < end ? fm->end : end;
		struct img_region r = {.start = start, .end = stop, .prot = prot};
		if (fm) {
			r.path = fm->path;
			r.file_offset = fm->offset + (start - fm->start);
		}
		struct img_module *m = fm && !(prot & PROT_WRITE) ? img_module_for_addr(img, start) : NULL;
		if (m && m->alias_of < 0 && !strcmp(m->path, fm->path) && img_module_load(m) == 0 &&
		    r.file_offset < m->file->size) {
			r.data = m->file->map + r.file_offset;
			size_t left = m->file->size - (size_t)r.file_offset;
			r.data_len = left < stop - start ? left : (size_t)(stop - start);
		}
		img_add_region(img, &r);
		start = stop;
	}
}

static void add_loads(struct img *img, size_t phnum)
{
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(img->core->elf, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		uint64_t have = 0;
		if (ph.p_offset < img->core->size) {
			uint64_t left = img->core->size - ph.p_offset;
			have = ph.p_filesz < left ? ph.p_filesz : left;
		}
		if (have > ph.p_memsz)
			have = ph.p_memsz;
		const struct img_filemap *fm = filemap_for(img, ph.p_vaddr);
		if (have) {
			struct img_region r = {.start = ph.p_vaddr,
					       .end = ph.p_vaddr + have,
					       .data = img->core->map + ph.p_offset,
					       .data_len = (size_t)have,
					       .prot = prot_of(ph.p_flags),
					       .path = fm ? fm->path : NULL,
					       .file_offset = fm ? fm->offset + (ph.p_vaddr - fm->start) : 0};
			img_add_region(img, &r);
		}
		if (have < ph.p_memsz)
			img_add_file_backed(img, ph.p_vaddr + have, ph.p_vaddr + ph.p_memsz, prot_of(ph.p_flags));
	}
}

/* The first region starting above addr, or end when none is below it. */
static uint64_t next_region_start(const struct img *img, uint64_t addr, uint64_t end)
{
	size_t lo = 0, hi = img->nregions;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (img->regions[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < img->nregions && img->regions[lo].start < end ? img->regions[lo].start : end;
}

/* gdb's gcore lists read-only file mappings only in NT_FILE, with no PT_LOAD: they
 * become regions read from the files (the kernel's cores have a PT_LOAD for each). */
static void add_unlisted_filemaps(struct img *img)
{
	struct gap {
		uint64_t start, end;
	} *gaps = NULL;
	size_t ngaps = 0;
	for (size_t i = 0; i < img->nfilemaps; i++) {
		uint64_t addr = img->filemaps[i].start, end = img->filemaps[i].end;
		while (addr < end) {
			const struct img_region *r = img_region_find(img, addr);
			if (r) {
				addr = r->end;
				continue;
			}
			uint64_t stop = next_region_start(img, addr, end);
			gaps = util_realloc(gaps, (ngaps + 1) * sizeof(*gaps));
			gaps[ngaps++] = (struct gap){addr, stop};
			addr = stop;
		}
	}
	for (size_t i = 0; i < ngaps; i++)
		img_add_file_backed(img, gaps[i].start, gaps[i].end, PROT_READ | PROT_EXEC);
	free(gaps);
	img_sort_regions(img);
}

int img_core_parse(struct img *img)
{
	Elf *elf = img->core->elf;
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh))
		return util_error("%s: not an ELF file", img->core->path);
	if (eh.e_type != ET_CORE)
		return util_error("%s: not a core file (an ELF %s)", img->core->path,
				  eh.e_type == ET_EXEC  ? "executable"
				  : eh.e_type == ET_DYN ? "shared object or PIE executable"
							: "object");
	if (eh.e_machine != EM_X86_64)
		return util_error("%s: core of machine type %d; only x86-64 is supported",
				  img->core->path, eh.e_machine);
	size_t phnum = eh.e_phnum; /* from the raw header: libelf hides a cut table */
	if (phnum == PN_XNUM && elf_getphdrnum(elf, &phnum) != 0)
		return util_error("%s: unreadable program header count", img->core->path);
	if (eh.e_phoff + phnum * eh.e_phentsize > img->core->size)
		return util_error("%s: core is truncated (program headers missing)", img->core->path);
	int notes = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset + ph.p_filesz > img->core->size)
			return util_error("%s: core is truncated (notes cut at byte %zu)",
					  img->core->path, img->core->size);
		Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (!d || parse_notes(img, d) < 0)
			return d ? -1 : util_error("%s: unreadable notes", img->core->path);
		notes++;
	}
	if (!notes || !img->nthreads)
		return util_error("%s: core has no thread registers (NT_PRSTATUS)", img->core->path);
	return (int)phnum;
}

/* Path of the executable that made the core: the file mapping holding AT_ENTRY,
 * else the first file mapping. */
static const char *core_executable(const struct img *img)
{
	const struct img_filemap *fm = img->auxv_entry ? filemap_for(img, img->auxv_entry) : NULL;
	if (fm)
		return fm->path;
	return img->nfilemaps ? img->filemaps[0].path : NULL;
}

/* The build-id as the core holds it: parsed from the first page of the executable
 * mapping, using only bytes dumped in the core. 0 when the core lacks them. */
static size_t core_build_id(struct img *img, const char *exe, uint8_t *out, size_t cap)
{
	uint64_t base = 0;
	for (size_t i = 0; i < img->nfilemaps && !base; i++)
		if (!strcmp(img->filemaps[i].path, exe) && img->filemaps[i].offset == 0)
			base = img->filemaps[i].start;
	const struct img_region *r = base ? img_region_find(img, base) : NULL;
	if (!r || !r->data || r->data < img->core->map || r->data >= img->core->map + img->core->size)
		return 0;
	size_t avail = r->data_len - (size_t)(base - r->start);
	const uint8_t *p = r->data + (base - r->start);
	Elf *e = elf_memory((char *)p, avail);
	size_t n = 0;
	if (e && elf_kind(e) == ELF_K_ELF) {
		struct img_file tmp = {.path = (char *)exe, .map = p, .size = avail, .elf = e};
		n = img_file_build_id(&tmp, out, cap);
	}
	if (e)
		elf_end(e);
	return n;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = 0;
}

static int check_build_id(struct img *img, const char *exe, struct img_module *m, int force)
{
	uint8_t want[64], have[64];
	size_t nw = core_build_id(img, exe, want, sizeof(want));
	if (!nw || img_module_load(m) < 0)
		return img_module_load(m) < 0 && !force ? -1 : 0;
	size_t nh = img_file_build_id(m->file, have, sizeof(have));
	if (nh == nw && !memcmp(want, have, nw))
		return 0;
	char ws[129], hs[129];
	hex(want, nw, ws);
	hex(have, nh, hs);
	if (force) {
		fprintf(stderr, "nodescope: warning: %s has build-id %s, the core recorded %s\n",
			m->path, nh ? hs : "(none)", ws);
		return 0;
	}
	return util_error("%s has build-id %s but the core was made by a binary with build-id %s"
			  " (%s): pass the matching node binary, or --force",
			  m->path, nh ? hs : "(none)", ws, exe);
}

int img_core_setup_binary(struct img *img, const char *binary, int force, size_t phnum)
{
	const char *exe = core_executable(img);
	if (!binary && !exe)
		return util_error("%s: the core names no executable (no NT_FILE note); give "
				  "NODE_BINARY",
				  img->core->path);
	const char *path = binary ? binary : exe;
	struct img_module *m = img_main_module_new(img, path);
	/* Mappings of the core's executable belong to the binary we were given. */
	for (size_t i = 0; exe && i < img->nfilemaps; i++)
		if (!strcmp(img->filemaps[i].path, exe))
			img->filemaps[i].path = m->path;
	img_modules_from_filemaps(img);
	/* Regions first from the core alone, so the build-id is checked on dumped bytes. */
	add_loads(img, phnum);
	img_sort_regions(img);
	add_unlisted_filemaps(img);
	if (check_build_id(img, img->main->path, img->main, force) < 0)
		return -1;
	return 0;
}
