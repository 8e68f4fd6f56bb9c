/*
 * corewrite.c — writes an image as an ELF core file for `nodescope core`: PT_NOTE with NT_PRSTATUS per thread, NT_PRPSINFO and NT_FILE,
 * and a PT_LOAD per region. Regions whose bytes come from a file (read-only file
 * mappings) are written with p_filesz 0, as the kernel does; readers take them
 * from the file named in NT_FILE. Used by `nodescope gcore` on a live snapshot.
 * (gdb 13 and lldb 14 open these cores but do not yet find the shared libraries
 * in them; that is left for later.)
 */
#include "image/image_int.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif

/* struct user_regs_struct index of DWARF registers 0..16 (as in core.c). */
static const int user_from_dwarf[IMG_NREGS] = {10, 12, 11, 5, 13, 14, 4, 19, 9,
					       8,  7,  6,  3, 2,  1,  0, 16};

static void add_note(struct util_buf *b, uint32_t type, const void *desc, size_t n)
{
	Elf64_Nhdr nh = {.n_namesz = 5, .n_descsz = (uint32_t)n, .n_type = type};
	util_buf_add(b, &nh, sizeof(nh));
	util_buf_add(b, "CORE\0\0\0", 8); /* name padded to 4 */
	util_buf_add(b, desc, n);
	static const char pad[4];
	if (n % 4)
		util_buf_add(b, pad, 4 - n % 4);
}

static void add_prstatus(struct util_buf *b, const struct img_thread *t)
{
	struct elf_prstatus st;
	memset(&st, 0, sizeof(st));
	st.pr_pid = t->tid;
	st.pr_cursig = (short)t->signal;
	unsigned long long *g = (unsigned long long *)&st.pr_reg;
	memcpy(g, t->user_regs, sizeof(t->user_regs));
	for (int i = 0; i < IMG_NREGS; i++)
		g[user_from_dwarf[i]] = t->regs[i];
	add_note(b, NT_PRSTATUS, &st, sizeof(st));
}

static void add_prpsinfo(struct util_buf *b, const struct img *img)
{
	struct elf_prpsinfo ps;
	memset(&ps, 0, sizeof(ps));
	ps.pr_pid = img->pid;
	/* Both fields are fixed-size and need no terminator when full. */
	size_t argslen = strlen(img->command);
	memcpy(ps.pr_psargs, img->command,
	       argslen < sizeof(ps.pr_psargs) ? argslen : sizeof(ps.pr_psargs) - 1);
	size_t cmdlen = strcspn(img->command, " ");
	const char *base = memrchr(img->command, '/', cmdlen);
	base = base ? base + 1 : img->command;
	size_t n = cmdlen - (size_t)(base - img->command);
	memcpy(ps.pr_fname, base, n < sizeof(ps.pr_fname) ? n : sizeof(ps.pr_fname) - 1);
	add_note(b, NT_PRPSINFO, &ps, sizeof(ps));
}

/* NT_FILE names files by their paths inside the process (no /proc/PID/root). */
static const char *inner_path(const char *p)
{
	if (strncmp(p, "/proc/", 6))
		return p;
	const char *root = strstr(p, "/root/");
	return root ? root + 5 : p;
}

static void add_nt_file(struct util_buf *b, const struct img *img)
{
	struct util_buf d = {0};
	uint64_t hdr[2] = {img->nfilemaps, 4096};
	util_buf_add(&d, hdr, sizeof(hdr));
	for (size_t i = 0; i < img->nfilemaps; i++) {
		uint64_t e[3] = {img->filemaps[i].start, img->filemaps[i].end,
				 img->filemaps[i].offset / 4096};
		util_buf_add(&d, e, sizeof(e));
	}
	for (size_t i = 0; i < img->nfilemaps; i++) {
		util_buf_adds(&d, inner_path(img->filemaps[i].path));
		util_buf_addc(&d, 0);
	}
	add_note(b, NT_FILE, d.data, d.len);
	util_buf_free(&d);
}

static int write_all(int fd, const void *p, size_t n, const char *path)
{
	const uint8_t *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return util_error("%s: write: %s", path, strerror(errno));
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Whether the region's bytes are our own copy (written) or come from a file. */
static int region_is_copied(const struct img *img, const struct img_region *r)
{
	for (size_t i = 0; i < img->nowned; i++)
		if (r->data == img->owned[i])
			return 1;
	return 0;
}

int img_write_core(struct img *img, const char *path)
{
	struct util_buf notes = {0};
	for (size_t i = 0; i < img->nthreads; i++)
		add_prstatus(&notes, &img->threads[i]);
	add_prpsinfo(&notes, img);
	if (img->auxv_len)
		add_note(&notes, NT_AUXV, img->auxv, img->auxv_len);
	add_nt_file(&notes, img);
	size_t nph = 1 + img->nregions;
	uint64_t off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
	Elf64_Phdr *ph = util_calloc(nph, sizeof(*ph));
	ph[0] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = off, .p_filesz = notes.len, .p_align = 4};
	off = (off + notes.len + 4095) & ~4095ULL;
	for (size_t i = 0; i < img->nregions; i++) {
		const struct img_region *r = &img->regions[i];
		uint64_t filesz = region_is_copied(img, r) ? r->data_len : 0;
		/* Like the kernel, keep the ELF header page of each mapped file: debuggers
		 * find the program headers and the build-id there. */
		if (!filesz && r->path && r->file_offset == 0 && r->data && r->data_len >= 4096)
			filesz = 4096;
		ph[i + 1] = (Elf64_Phdr){.p_type = PT_LOAD,
					 .p_flags = (uint32_t)(((r->prot & 1) ? PF_R : 0) |
							       ((r->prot & 2) ? PF_W : 0) |
							       ((r->prot & 4) ? PF_X : 0)),
					 .p_offset = filesz ? off : 0,
					 .p_vaddr = r->start,
					 .p_filesz = filesz,
					 .p_memsz = r->end - r->start,
					 .p_align = 4096};
		off += filesz;
	}
	Elf64_Ehdr eh = {.e_type = ET_CORE,
			 .e_machine = EM_X86_64,
			 .e_version = EV_CURRENT,
			 .e_phoff = sizeof(Elf64_Ehdr),
			 .e_ehsize = sizeof(Elf64_Ehdr),
			 .e_phentsize = sizeof(Elf64_Phdr),
			 .e_phnum = (uint16_t)(nph < PN_XNUM ? nph : PN_XNUM)};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	int rc = -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		util_error("%s: %s", path, strerror(errno));
		goto out;
	}
	if (nph >= PN_XNUM) {
		util_error("%s: too many regions (%zu) for one core", path, nph);
		goto out;
	}
	if (write_all(fd, &eh, sizeof(eh), path) < 0 ||
	    write_all(fd, ph, nph * sizeof(*ph), path) < 0 ||
	    write_all(fd, notes.data, notes.len, path) < 0)
		goto out;
	for (size_t i = 0; i < img->nregions; i++) {
		if (!ph[i + 1].p_filesz)
			continue;
		if (lseek(fd, (off_t)ph[i + 1].p_offset, SEEK_SET) < 0 ||
		    write_all(fd, img->regions[i].data, ph[i + 1].p_filesz, path) < 0)
			goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = util_error("%s: %s", path, strerror(errno));
	free(ph);
	util_buf_free(&notes);
	return rc;
}
