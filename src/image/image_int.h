/*
 * image_int.h — the image layer's private structures, shared by its files only.
 * Nothing outside src/image/ includes this.
 */
#ifndef NODESCOPE_IMAGE_INT_H
#define NODESCOPE_IMAGE_INT_H

#include "image/image.h"
#include "util/util.h"

#include <gelf.h>
#include <libelf.h>

/* A file mapped read-only in our address space, with its libelf handle. */
struct img_file {
	char *path;
	int fd;
	const uint8_t *map;
	size_t size;
	Elf *elf;
};

struct img_sym {
	uint64_t addr, size; /* link-time address */
	const char *name;    /* raw name, inside the ELF string table */
	int is_func;
};

/* An ELF object mapped into the image (the node binary, a shared object). */
struct img_module {
	char *path;
	const char *short_name;
	uint64_t start, end; /* run-time extent of its mappings */
	uint64_t bias;	     /* run-time address minus link-time address */
	int loaded;	     /* 1 once file/symbols were attempted */
	struct img_file *file;
	struct img_sym *syms;
	size_t nsyms;
	struct util_map by_name; /* raw name -> struct img_sym * (main binary only) */
	void *cfi;		 /* Dwarf_CFI * of .eh_frame, lazily */
	uint64_t offset0_start;	 /* run-time start of the mapping of file offset 0 */
	long alias_of;		 /* >= 0: a view of modules[alias_of] at another address */
};

/* An NT_FILE entry. */
struct img_filemap {
	uint64_t start, end, offset;
	const char *path;
};

struct img {
	struct img_file *core;
	struct img_region *regions;
	size_t nregions, cap_regions;
	struct img_thread *threads;
	size_t nthreads;
	struct img_filemap *filemaps;
	size_t nfilemaps;
	char *filemap_strings;
	struct img_module *modules;
	size_t nmodules;
	struct img_module *main;
	char command[96];
	uint8_t **owned; /* memory copied from a live process (mmap'd), unmapped with */
	size_t *owned_len; /* the image */
	size_t nowned;
	pid_t pid;
	int memfd;		/* live: /proc/PID/mem, for lazy regions */
	struct img_stopped *stopped; /* live, lazy: threads to release on close */
	uint8_t *auxv; /* raw NT_AUXV contents, for writing cores */
	size_t auxv_len;
	uint64_t auxv_entry;
};

/* elffile.c */
/* The link address of file offset off (through the PT_LOAD holding it), or -1. */
int img_file_offset_vaddr(struct img_file *f, uint64_t off, uint64_t *vaddr, int *prot);
int img_file_open(const char *path, struct img_file **out);
void img_file_close(struct img_file *f);
/* The GNU build-id of the file (bytes, length) or 0 when it has none. */
size_t img_file_build_id(struct img_file *f, uint8_t *out, size_t cap);
/* The first PT_LOAD's p_vaddr - p_offset, i.e. the link address of file offset 0. */
int img_file_base_vaddr(struct img_file *f, uint64_t *out);
/* A pointer into the file for link address vaddr, with how many bytes follow in
 * the same PT_LOAD's file contents; NULL when vaddr is not file-backed. */
const uint8_t *img_file_vaddr_ptr(struct img_file *f, uint64_t vaddr, size_t *avail);

/* regions.c */
void img_add_region(struct img *img, const struct img_region *r);
void img_sort_regions(struct img *img);

/* modules.c */
struct img_module *img_module_for_addr(struct img *img, uint64_t addr);
/* The link-time address in m's file of run-time addr (through the NT_FILE entry
 * that maps it, so a second mapping of the same file resolves too). */
uint64_t img_module_link_addr(struct img *img, struct img_module *m, uint64_t addr);
int img_module_load(struct img_module *m);
void img_modules_free(struct img *img);
struct img_module *img_main_module_new(struct img *img, const char *path);
int img_modules_from_filemaps(struct img *img);

/* core.c. img_add_thread takes registers in struct user_regs_struct order. */
void img_add_thread(struct img *img, pid_t tid, int signal, const unsigned long long *user_regs);
void img_add_file_backed(struct img *img, uint64_t start, uint64_t end, int prot);
/* parse returns the number of program headers, or -1. */
int img_core_parse(struct img *img);
int img_core_setup_binary(struct img *img, const char *binary, int force, size_t phnum);

/* live.c */
void img_live_release(struct img *img);

/* unwind.c */
void img_unwind_free_module(struct img_module *m);

#endif
