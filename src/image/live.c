/*
 * live.c — the live-process backend: a consistent copy of a running process,
 * taken while its threads are stopped for as short a time as possible. Threads
 * are seized and interrupted with ptrace (never signalled), their registers read,
 * the process's private memory copied through /proc/PID/mem, and every thread
 * released before anything is analysed. Read-only file mappings are read from
 * the files (through /proc/PID/root, so a process in a container works). The
 * target is never written to; catchable signals are blocked while it is stopped
 * so an interrupted nodescope cannot leave it stopped (and the kernel releases
 * tracees if nodescope dies).
 */
#include "image/image_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 4096

struct img_stopped {
	pid_t tids[MAX_THREADS];
	size_t n;
	sigset_t old_mask; /* restored when the threads are released */
	struct timespec since;
};

static int is_stopped(const struct img_stopped *s, pid_t tid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->tids[i] == tid)
			return 1;
	return 0;
}

/* Seizes and interrupts one thread; 0 ok, 1 it vanished, -1 error. */
static int stop_thread(pid_t tid)
{
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0)
		return errno == ESRCH ? 1 : -1;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0) {
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		return errno == ESRCH ? 1 : -1;
	}
	int st;
	if (waitpid(tid, &st, __WALL) < 0)
		return 1;
	return WIFEXITED(st) || WIFSIGNALED(st) ? 1 : 0;
}

/* Stops every thread, listing /proc/PID/task again until no new one appears. */
static int stop_all(pid_t pid, struct img_stopped *s)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	for (int round = 0; round < 5; round++) {
		DIR *d = opendir(path);
		if (!d)
			return util_error("pid %d: %s", pid, strerror(errno));
		int added = 0;
		struct dirent *e;
		while ((e = readdir(d)) && s->n < MAX_THREADS) {
			pid_t tid = (pid_t)atoi(e->d_name);
			if (tid <= 0 || is_stopped(s, tid))
				continue;
			int rc = stop_thread(tid);
			if (rc < 0) {
				int err = errno;
				closedir(d);
				return util_error("pid %d: cannot attach to thread %d: %s%s", pid, tid,
						  strerror(err),
						  err == EPERM ? " (not the process owner, or "
								 "kernel.yama.ptrace_scope forbids it)"
							       : "");
			}
			if (rc == 0) {
				s->tids[s->n++] = tid;
				added = 1;
			}
		}
		closedir(d);
		if (!added)
			break;
	}
	return s->n ? 0 : util_error("pid %d: no thread could be stopped", pid);
}

static void release_all(struct img_stopped *s)
{
	for (size_t i = 0; i < s->n; i++)
		ptrace(PTRACE_DETACH, s->tids[i], NULL, NULL);
	s->n = 0;
}

static int read_threads(struct img *img, pid_t pid, const struct img_stopped *s)
{
	/* The main thread first: it runs the event loop and the JavaScript. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->n; i++) {
			if ((s->tids[i] == pid) != (pass == 0))
				continue;
			struct user_regs_struct regs;
			if (ptrace(PTRACE_GETREGS, s->tids[i], NULL, &regs) < 0)
				return util_error("thread %d: registers: %s", s->tids[i], strerror(errno));
			img_add_thread(img, s->tids[i], 0, (const unsigned long long *)&regs);
		}
	return 0;
}

struct maps_line {
	uint64_t start, end, offset;
	char perms[8];
	char path[512];
};

static int parse_maps_line(const char *line, struct maps_line *m)
{
	unsigned long long start, end, offset;
	unsigned long inode;
	int pathpos = 0;
	m->path[0] = 0;
	if (sscanf(line, "%llx-%llx %7s %llx %*s %lu %n", &start, &end, m->perms, &offset, &inode,
		   &pathpos) < 5)
		return -1;
	m->start = start;
	m->end = end;
	m->offset = offset;
	if (pathpos > 0)
		snprintf(m->path, sizeof(m->path), "%s", line + pathpos);
	m->path[strcspn(m->path, "\n")] = 0;
	return 0;
}

static int prot_of_perms(const char *p)
{
	return (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
	       (p[2] == 'x' ? PROT_EXEC : 0);
}

/* Reads [start, start+len) of the target into buf; returns the bytes read. */
static size_t read_range(int memfd, uint8_t *buf, uint64_t start, size_t len)
{
	size_t have = 0;
	while (have < len) {
		ssize_t n = pread(memfd, buf + have, len - have, (off_t)(start + have));
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	return have;
}

/* Anonymous memory never touched reads as zeros: copy only the pages that are
 * present or swapped (from /proc/PID/pagemap) into a zeroed buffer. Returns the
 * bytes valid in buf (len), or 0 when pagemap cannot be read. */
static size_t read_anonymous(int memfd, int pagemapfd, uint8_t *buf, uint64_t start, size_t len)
{
	const size_t page = 4096, npages = len / page;
	uint64_t entries[512];
	size_t run_start = 0, in_run = 0;
	for (size_t i = 0; i < npages; i += 512) {
		size_t k = npages - i < 512 ? npages - i : 512;
		ssize_t n = pread(pagemapfd, entries, k * 8, (off_t)((start / page + i) * 8));
		if (n != (ssize_t)(k * 8))
			return 0;
		for (size_t j = 0; j < k; j++) {
			int used = (entries[j] >> 62) & 3; /* present or swapped */
			if (used && !in_run) {
				run_start = i + j;
				in_run = 1;
			} else if (!used && in_run) {
				size_t bytes = (i + j - run_start) * page;
				if (read_range(memfd, buf + run_start * page, start + run_start * page, bytes) != bytes)
					return 0;
				in_run = 0;
			}
		}
	}
	if (in_run) {
		size_t bytes = (npages - run_start) * page;
		if (read_range(memfd, buf + run_start * page, start + run_start * page, bytes) != bytes)
			return 0;
	}
	return len;
}

/* Zeroed memory for a copy. Huge pages: a GB copied page by page would cost a
 * quarter of a million page faults while the target waits. */
static uint8_t *alloc_copy(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

static void keep_copy(struct img *img, uint8_t *buf, size_t len)
{
	img->owned = util_realloc(img->owned, (img->nowned + 1) * sizeof(*img->owned));
	img->owned_len = util_realloc(img->owned_len, (img->nowned + 1) * sizeof(*img->owned_len));
	img->owned[img->nowned] = buf;
	img->owned_len[img->nowned++] = len;
}

/* Copies one private mapping of the target; unreadable tails are left out. */
static void copy_private(struct img *img, int memfd, int pagemapfd, const struct maps_line *m,
			 int prot)
{
	size_t len = (size_t)(m->end - m->start);
	uint8_t *buf = alloc_copy(len);
	size_t have = 0;
	if (buf && m->path[0] != '/' && pagemapfd >= 0)
		have = read_anonymous(memfd, pagemapfd, buf, m->start, len);
	if (buf && !have)
		have = read_range(memfd, buf, m->start, len);
	if (buf && !have) {
		munmap(buf, len);
		buf = NULL;
	}
	if (buf)
		keep_copy(img, buf, len);
	struct img_region r = {.start = m->start,
			       .end = m->end,
			       .data = buf,
			       .data_len = buf ? have : 0,
			       .prot = prot,
			       .path = NULL};
	img_add_region(img, &r);
}

/* Reads /proc/PID/maps into filemaps (file paths under /proc/PID/root). */
static int read_filemaps(struct img *img, pid_t pid, struct maps_line **lines, size_t *nlines)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return util_error("pid %d: %s", pid, strerror(errno));
	char buf[1024];
	struct util_buf strings = {0};
	size_t n = 0, cap = 0;
	struct maps_line *ls = NULL;
	while (fgets(buf, sizeof(buf), f)) {
		if (n == cap)
			ls = util_realloc(ls, (cap = cap ? cap * 2 : 256) * sizeof(*ls));
		if (parse_maps_line(buf, &ls[n]) == 0)
			n++;
	}
	fclose(f);
	/* Paths first go into one buffer; filemaps point into it once it stops moving. */
	size_t *offs = util_calloc(n, sizeof(*offs));
	img->filemaps = util_calloc(n, sizeof(*img->filemaps));
	for (size_t i = 0; i < n; i++) {
		if (ls[i].path[0] != '/')
			continue;
		offs[img->nfilemaps] = strings.len;
		util_buf_printf(&strings, "/proc/%d/root%s", pid, ls[i].path);
		util_buf_addc(&strings, 0);
		img->filemaps[img->nfilemaps++] =
		    (struct img_filemap){ls[i].start, ls[i].end, ls[i].offset, NULL};
	}
	img->filemap_strings = strings.data ? strings.data : util_strdup("");
	for (size_t i = 0; i < img->nfilemaps; i++)
		img->filemaps[i].path = img->filemap_strings + offs[i];
	free(offs);
	*lines = ls;
	*nlines = n;
	return 0;
}

static int copyable(const struct maps_line *m, int prot)
{
	/* Reading PROT_NONE reservations would fault pages in; read-only file
	 * mappings come from the files. */
	return (prot & PROT_READ) && strcmp(m->path, "[vvar]") && strcmp(m->path, "[vsyscall]") &&
	       !(m->path[0] == '/' && !(prot & PROT_WRITE));
}

static void copy_memory(struct img *img, pid_t pid, const struct maps_line *ls, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	int pagemapfd = open(path, O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < n; i++)
		if (copyable(&ls[i], prot_of_perms(ls[i].perms)))
			copy_private(img, img->memfd, pagemapfd, &ls[i], prot_of_perms(ls[i].perms));
	if (pagemapfd >= 0)
		close(pagemapfd);
}

/* Lazy mode: private mappings are read from /proc/PID/mem when asked for. */
static void add_lazy(struct img *img, const struct maps_line *ls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int prot = prot_of_perms(ls[i].perms);
		if (!copyable(&ls[i], prot))
			continue;
		struct img_region r = {.start = ls[i].start, .end = ls[i].end, .prot = prot, .lazy = 1};
		img_add_region(img, &r);
	}
}

static void read_command(struct img *img, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(img->command, 1, sizeof(img->command) - 1, f);
	fclose(f);
	for (size_t i = 0; i + 1 < n; i++)
		if (!img->command[i])
			img->command[i] = ' ';
	img->command[n] = 0;
}

static void read_auxv(struct img *img, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	img->auxv = util_malloc(4096);
	img->auxv_len = fread(img->auxv, 1, 4096, f);
	fclose(f);
}

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void report_pause(struct img *img, long ms)
{
	if (!getenv("NODESCOPE_VERBOSE"))
		return;
	size_t bytes = 0;
	for (size_t i = 0; i < img->nowned; i++)
		for (size_t j = 0; j < img->nregions; j++)
			if (img->regions[j].data == img->owned[i])
				bytes += img->regions[j].data_len;
	fprintf(stderr, "nodescope: pid %d was paused for %ld ms (%zu threads, %zu MB copied)\n",
		img->pid, ms, img->nthreads, bytes >> 20);
}

void img_live_release(struct img *img)
{
	struct img_stopped *s = img->stopped;
	if (s) {
		release_all(s);
		long ms = elapsed_ms(&s->since);
		sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
		report_pause(img, ms);
		free(s);
		img->stopped = NULL;
	}
	if (img->memfd >= 0)
		close(img->memfd);
	img->memfd = -1;
}

/* Stops the process, reads registers and mappings, and in copy mode its private
 * memory, releasing it at once; in lazy mode it stays stopped until close. All
 * signals are blocked while it is stopped, so nodescope cannot be interrupted
 * between stopping and releasing it. */
/* Opens /proc/PID/mem and blocks every signal; stops the threads. */
static int stop_process(struct img *img, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	img->memfd = open(path, O_RDONLY | O_CLOEXEC);
	if (img->memfd < 0)
		return util_error("pid %d: %s", pid, strerror(errno));
	struct img_stopped *s = util_calloc(1, sizeof(*s));
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &s->old_mask);
	clock_gettime(CLOCK_MONOTONIC, &s->since);
	img->stopped = s;
	if (stop_all(pid, s) < 0)
		return -1;
	return read_threads(img, pid, s);
}

/* Names the executable and builds the modules and file-backed regions. */
static void add_files(struct img *img, pid_t pid, const struct maps_line *ls, size_t n)
{
	char exe[64], target[512] = "";
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	ssize_t tl = readlink(exe, target, sizeof(target) - 1);
	target[tl > 0 ? tl : 0] = 0;
	const char *main_path = NULL;
	for (size_t i = 0; i < img->nfilemaps && !main_path; i++) {
		const char *p = strstr(img->filemaps[i].path, "/root/");
		if (p && !strcmp(p + 5, target))
			main_path = img->filemaps[i].path;
	}
	img_main_module_new(img, main_path ? main_path : exe);
	img_modules_from_filemaps(img);
	for (size_t i = 0; i < n; i++) {
		int prot = prot_of_perms(ls[i].perms);
		if (ls[i].path[0] == '/' && (prot & PROT_READ) && !(prot & PROT_WRITE))
			img_add_file_backed(img, ls[i].start, ls[i].end, prot);
	}
}

/* Copy mode: stop, read the mappings and copy the private memory, release. */
static int open_copy(struct img *img, pid_t pid, struct maps_line **ls, size_t *n)
{
	int rc = stop_process(img, pid);
	if (rc == 0)
		rc = read_filemaps(img, pid, ls, n);
	if (rc == 0)
		copy_memory(img, pid, *ls, *n);
	img_live_release(img);
	if (rc == 0)
		add_files(img, pid, *ls, *n);
	return rc;
}

/* Lazy mode: everything that does not need the process stopped (the mappings,
 * loading the binaries' symbol tables) is done first, so the pause is only the
 * reading of what the command needs. */
static int open_lazy(struct img *img, pid_t pid, struct maps_line **ls, size_t *n)
{
	if (read_filemaps(img, pid, ls, n) < 0)
		return -1;
	add_files(img, pid, *ls, *n);
	for (size_t i = 0; i < img->nmodules; i++)
		img_module_load(&img->modules[i]);
	util_clear_error();
	if (stop_process(img, pid) < 0)
		return -1;
	add_lazy(img, *ls, *n);
	return 0;
}

static int open_pid(struct img **out, pid_t pid, int lazy)
{
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return util_error("pid %d: no such process", pid);
	struct img *img = util_calloc(1, sizeof(*img));
	img->pid = pid;
	img->memfd = -1;
	struct maps_line *ls = NULL;
	size_t n = 0;
	int rc = lazy ? open_lazy(img, pid, &ls, &n) : open_copy(img, pid, &ls, &n);
	free(ls);
	if (rc < 0) {
		img_close(img);
		return -1;
	}
	read_command(img, pid);
	read_auxv(img, pid);
	img_sort_regions(img);
	*out = img;
	return 0;
}

int img_open_pid(struct img **out, pid_t pid)
{
	return open_pid(out, pid, 0);
}

int img_open_pid_lazy(struct img **out, pid_t pid)
{
	return open_pid(out, pid, 1);
}
