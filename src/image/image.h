/*
 * image — a process image behind one interface: memory by address, the mappings,
 * the threads with their registers, symbols of the node binary and its shared
 * objects, and one CFI unwinding step. The backend is an ELF core file plus the
 * node binary and the shared objects it mapped (read from disk for the parts the
 * core does not hold), or an ELF file alone (for reading a binary's metadata).
 * This header is the only door into the layer. Prefix: img_.
 *
 * Every read is bounds-checked: memory that the core does not hold (a segment
 * with p_filesz < p_memsz, a mapping never dumped, an unmapped address) is
 * reported as an error, never as zeros.
 */
#ifndef NODESCOPE_IMAGE_H
#define NODESCOPE_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct img;

/* Opens a core. binary may be NULL: it is then found from the core's NT_FILE note
 * (the executable mapping) or its NT_PRPSINFO. A binary whose GNU build-id differs
 * from the one the core recorded is refused unless force is set. */
int img_open_core(struct img **out, const char *core_path, const char *binary, int force);
/* Opens a running process; its threads are stopped with ptrace (never
 * signalled) and their registers read. img_open_pid copies the private memory
 * (present pages only) and releases the threads at once: everything after works
 * on the copy. img_open_pid_lazy keeps the threads stopped and reads memory on
 * demand until img_close releases them: the shortest pause for a quick look.
 * Set NODESCOPE_VERBOSE to see how long the target was paused. */
int img_open_pid(struct img **out, pid_t pid);
int img_open_pid_lazy(struct img **out, pid_t pid);
/* Writes the image as an ELF core (mode 0600) for `nodescope core`: used by
 * `nodescope gcore` on a live snapshot. */
int img_write_core(struct img *img, const char *path);
/* Opens an ELF file alone, its segments at their link addresses (no threads). */
int img_open_elf(struct img **out, const char *path);
void img_close(struct img *img);

/* Memory. img_read fails with a message naming the address when any byte of
 * [addr, addr+len) is not available. */
int img_read(struct img *img, uint64_t addr, void *buf, size_t len);
int img_read_u64(struct img *img, uint64_t addr, uint64_t *v);
int img_read_u32(struct img *img, uint64_t addr, uint32_t *v);
int img_read_u16(struct img *img, uint64_t addr, uint16_t *v);
int img_read_u8(struct img *img, uint64_t addr, uint8_t *v);
/* A pointer to len bytes at addr when they are contiguous in memory that the image
 * holds (no copy), else NULL. Valid until img_close. For fast heap scans. */
const void *img_ptr(struct img *img, uint64_t addr, size_t len);

/* The memory regions of the image, sorted by address. data is NULL when the
 * region's contents are not available (not dumped and not backed by a file we
 * could read); data_len may be shorter than end - start. */
struct img_region {
	uint64_t start, end;
	const uint8_t *data;
	size_t data_len;
	int prot;	  /* PROT_READ | PROT_WRITE | PROT_EXEC, as mapped */
	const char *path; /* backing file from NT_FILE, or NULL for anonymous memory */
	uint64_t file_offset;
	int lazy; /* read from the stopped live process on demand (data is NULL) */
};
size_t img_region_count(const struct img *img);
const struct img_region *img_region_at(const struct img *img, size_t i);
/* The region containing addr, or NULL. */
const struct img_region *img_region_find(const struct img *img, uint64_t addr);

/* Makes [start, start+len) read from the main binary at its link address
 * binary_vaddr, and makes symbol lookups there resolve to the binary's symbols.
 * For code copied at run time from the binary into memory the core does not hold
 * (V8's embedded builtins, remapped into anonymous memory on Node 22+). */
int img_alias_binary(struct img *img, uint64_t start, uint64_t len, uint64_t binary_vaddr);

/* Threads, with the x86-64 general registers in DWARF numbering (0 rax, 1 rdx,
 * 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 rip). The first
 * thread is the one that received the signal (the crashing one). */
#define IMG_NREGS 17
#define IMG_REG_FP 6
#define IMG_REG_SP 7
#define IMG_REG_PC 16
struct img_thread {
	pid_t tid;
	int signal;
	uint64_t regs[IMG_NREGS];
	uint64_t user_regs[27]; /* all of struct user_regs_struct, as the kernel gave it */
};
size_t img_thread_count(const struct img *img);
const struct img_thread *img_thread_at(const struct img *img, size_t i);
const struct img_thread *img_thread_by_tid(const struct img *img, pid_t tid);

/* Files. */
const char *img_binary_path(const struct img *img);
const char *img_core_path(const struct img *img); /* NULL for img_open_elf */
/* The command line the core recorded (NT_PRPSINFO), or "". */
const char *img_command(const struct img *img);

/* Symbols. img_symbol_lookup finds a symbol of the main binary by its raw
 * (mangled) name and gives its run-time address and size. */
int img_symbol_lookup(struct img *img, const char *name, uint64_t *addr, uint64_t *size);
/* Calls fn for each symbol of the main binary whose raw name starts with prefix,
 * with its run-time address; stops early when fn returns non-zero. */
int img_symbol_each(struct img *img, const char *prefix,
		    int (*fn)(const char *name, uint64_t addr, uint64_t size, void *arg), void *arg);
/* Names the code at addr: demangled function name (without parameters), offset
 * into it, and the short name of the module (e.g. "node", "libc.so.6").
 * Returns 0 when found, -1 when no symbol covers addr; module and offset (from
 * the start of the module file) may still be set then, e.g. "libc.so.6+0x86eec". */
struct img_symbol {
	char name[512];
	uint64_t offset;
	uint64_t start, size;
	const char *module;
};
int img_symbol_for_addr(struct img *img, uint64_t addr, struct img_symbol *out);

/* One unwinding step through the DWARF CFI (.eh_frame/.debug_frame) of the module
 * holding regs[IMG_REG_PC]: on success regs holds the caller's registers (those
 * the CFI recovers; others are left as they were) and 1 is returned. 0 when no
 * CFI covers the PC (JIT code, V8 builtins), -1 on a read error. */
int img_unwind_cfi(struct img *img, uint64_t regs[IMG_NREGS]);

#endif
