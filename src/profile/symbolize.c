/*
 * symbolize.c — names for the addresses in a live process's call chains. Keeps
 * every executable mapping seen in /proc/PID/maps (so a process that exits
 * mid-recording can still be symbolized) with its ELF file opened at once, and
 * resolves an address, in order, through: the ELF file mapped there (node,
 * libraries, and on Node 20+ the file-backed copy of V8's builtins), V8's
 * builtins copied into anonymous memory, the perf map written by
 * --perf-basic-prof (read through /proc/PID/root with the namespace pid, for
 * containers), and finally a label saying why it has no name.
 */
#include "profile/record.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

struct file_entry {
	char *path;
	dev_t dev;
	ino_t ino;
	struct prof_elf *elf; /* NULL when it could not be opened */
};

struct map_entry {
	uint64_t start, end, pgoff;
	int file;    /* index in files, -1 for anonymous memory */
	int special; /* [vdso] and the like: name in label */
	char label[24];
	int blob_checked;
};

struct prof_symbolizer {
	pid_t pid, nspid;
	struct map_entry *maps; /* newest first */
	size_t nmaps, capmaps;
	struct file_entry *files;
	size_t nfiles;
	int perfmap_fd;
	char *perfmap_path;
	struct prof_perfmap *perfmap;
	int perfmap_loaded;
	struct prof_ksyms *ksyms;
	int ksyms_loaded;
	/* V8's embedded builtins copied into anonymous memory */
	uint64_t blob_base, blob_size, blob_vaddr;
	struct prof_elf *blob_elf;
	int blob_anon;
	struct util_map strings; /* interned names */
	int js_shared_state;	 /* JSFunction::shared offset: 0 unknown, 1 found */
	int64_t js_shared_off;
	struct prof_index cache_ids; /* address -> cache entry */
	struct cached {
		uint64_t addr;
		struct prof_frame_info fi;
	} * cache;
	size_t ncache, capcache;
};

static const char *intern(struct prof_symbolizer *s, const char *str)
{
	if (!str)
		return NULL;
	return util_map_upsert(&s->strings, str, strlen(str))->key;
}

static pid_t read_nspid(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	pid_t ns = pid;
	if (!f)
		return ns;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		/* The last field is the pid in the innermost namespace. */
		char *tok = strtok(line + 6, " \t\n");
		while (tok) {
			ns = (pid_t)atoi(tok);
			tok = strtok(NULL, " \t\n");
		}
	}
	fclose(f);
	return ns;
}

struct prof_symbolizer *prof_symbolizer_new(pid_t pid)
{
	struct prof_symbolizer *s = util_calloc(1, sizeof(*s));
	s->pid = pid;
	s->nspid = read_nspid(pid);
	s->perfmap_fd = -1;
	prof_symbolizer_refresh(s);
	return s;
}

/* Opens the file of a mapping: through map_files (works for deleted files and
 * other mount namespaces), then through the process's root, then by path. */
static int open_mapped(pid_t pid, uint64_t start, uint64_t end, const char *path)
{
	char p[4200];
	snprintf(p, sizeof(p), "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)start,
		 (unsigned long long)end);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	snprintf(p, sizeof(p), "/proc/%d/root%s", (int)pid, path);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC);
}

static int file_index(struct prof_symbolizer *s, const char *path, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i].path, path))
			return (int)i;
	s->files = util_realloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	struct file_entry *f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = util_strdup(path);
	int fd = open_mapped(s->pid, start, end, path);
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) == 0) {
		f->dev = sb.st_dev;
		f->ino = sb.st_ino;
		f->elf = prof_elf_open(fd, path); /* owns fd */
	} else if (fd >= 0) {
		close(fd);
	}
	return (int)s->nfiles++;
}

static void add_map(struct prof_symbolizer *s, uint64_t start, uint64_t end, uint64_t pgoff,
		    const char *path)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		struct map_entry *m = &s->maps[i];
		if (m->start == start && m->end == end && m->pgoff == pgoff) {
			int same = m->file >= 0
				       ? (*path == '/' && !strcmp(s->files[m->file].path, path))
				       : *path != '/';
			if (same)
				return;
		}
	}
	if (s->nmaps == s->capmaps) {
		s->capmaps = s->capmaps ? 2 * s->capmaps : 64;
		s->maps = util_realloc(s->maps, s->capmaps * sizeof(*s->maps));
	}
	memmove(s->maps + 1, s->maps, s->nmaps * sizeof(*s->maps));
	struct map_entry *m = &s->maps[0];
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->file = -1;
	s->nmaps++;
	if (*path == '/') {
		char clean[4096];
		snprintf(clean, sizeof(clean), "%s", path);
		char *del = strstr(clean, " (deleted)");
		if (del)
			*del = 0;
		int fi = file_index(s, clean, start, end);
		s->maps[0].file = fi;
	} else if (*path == '[' && strncmp(path, "[anon", 5)) {
		m->special = 1;
		snprintf(m->label, sizeof(m->label), "%s", path);
	}
}

static void read_maps(struct prof_symbolizer *s)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)s->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long start, end, off;
		char perms[8];
		int n = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s%n", &start, &end, perms, &off, &n) <
			4 ||
		    !n)
			continue;
		if (strlen(perms) < 3 || perms[2] != 'x')
			continue;
		char *p = line + n;
		while (*p == ' ')
			p++;
		p[strcspn(p, "\n")] = 0;
		add_map(s, start, end, off, p);
	}
	free(line);
	fclose(f);
}

static void find_perfmap(struct prof_symbolizer *s)
{
	if (s->perfmap_fd >= 0)
		return;
	char p[128];
	snprintf(p, sizeof(p), "/proc/%d/root/tmp/perf-%d.map", (int)s->pid, (int)s->nspid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(p, sizeof(p), "/tmp/perf-%d.map", (int)s->pid);
		fd = open(p, O_RDONLY | O_CLOEXEC);
	}
	if (fd >= 0) {
		s->perfmap_fd = fd;
		s->perfmap_path = util_strdup(p);
	}
}

/* Looks for V8's builtins copied into anonymous executable memory: a copy
 * starts on a page boundary with the same bytes as the blob in the binary. The
 * candidates are the starts of anonymous executable mappings and the place a
 * blob-sized copy would start at their end. */
static void find_anon_blob(struct prof_symbolizer *s)
{
	if (s->blob_anon || !prof_target_alive(s->pid))
		return;
	struct prof_elf *node = NULL;
	uint64_t vaddr = 0, size = 0;
	for (size_t i = 0; i < s->nfiles && !node; i++)
		if (s->files[i].elf && prof_elf_embedded_blob(s->files[i].elf, &vaddr, &size) == 0)
			node = s->files[i].elf;
	if (!node)
		return;
	unsigned char want[64], got[64];
	if (prof_elf_read_vaddr(node, vaddr, want, sizeof(want)) != 0)
		return;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t rounded = (size + (uint64_t)page - 1) & ~((uint64_t)page - 1);
	for (size_t i = 0; i < s->nmaps; i++) {
		struct map_entry *m = &s->maps[i];
		if (m->file >= 0 || m->special || m->blob_checked)
			continue;
		m->blob_checked = 1;
		uint64_t cand[2] = {m->start, m->end - rounded};
		for (int c = 0; c < 2; c++) {
			if (cand[c] < m->start || cand[c] + sizeof(got) > m->end)
				continue;
			struct iovec local = {got, sizeof(got)},
				     remote = {(void *)(uintptr_t)cand[c], sizeof(got)};
			if (process_vm_readv(s->pid, &local, 1, &remote, 1, 0) !=
				(ssize_t)sizeof(got) ||
			    memcmp(got, want, sizeof(got)))
				continue;
			s->blob_base = cand[c];
			s->blob_size = size;
			s->blob_vaddr = vaddr;
			s->blob_elf = node;
			s->blob_anon = 1;
			return;
		}
	}
}

void prof_symbolizer_refresh(struct prof_symbolizer *s)
{
	if (!prof_target_alive(s->pid))
		return;
	read_maps(s);
	find_perfmap(s);
	find_anon_blob(s);
}

static const struct map_entry *find_map(const struct prof_symbolizer *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nmaps; i++)
		if (addr >= s->maps[i].start && addr < s->maps[i].end)
			return &s->maps[i];
	return NULL;
}

static void set_native(struct prof_symbolizer *s, struct prof_frame_info *fi, const char *name)
{
	fi->name = fi->function = intern(s, name);
	fi->kind = OUT_FRAME_NATIVE;
}

static int elf_name(struct prof_symbolizer *s, struct prof_elf *e, uint64_t vaddr,
		    struct prof_frame_info *fi)
{
	const char *sym = prof_elf_symbol(e, vaddr);
	char label[300];
	if (!sym) {
		snprintf(label, sizeof(label), "[%s]", prof_elf_basename(e));
		sym = label;
	}
	set_native(s, fi, sym);
	return 0;
}

static int jit_name(struct prof_symbolizer *s, uint64_t addr, struct prof_frame_info *fi)
{
	if (!s->perfmap_loaded) {
		s->perfmap_loaded = 1;
		find_perfmap(s);
		if (s->perfmap_fd >= 0)
			s->perfmap = prof_perfmap_read_fd(s->perfmap_fd);
	}
	const char *raw = prof_perfmap_lookup(s->perfmap, addr);
	if (!raw)
		return -1;
	char buf[2048];
	prof_jit_frame(raw, buf, sizeof(buf), fi);
	fi->name = intern(s, fi->name);
	fi->function = intern(s, fi->function);
	fi->file = intern(s, fi->file);
	return 0;
}

static void resolve_user(struct prof_symbolizer *s, uint64_t addr, struct prof_frame_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	const struct map_entry *m = find_map(s, addr);
	if (m && m->file >= 0) {
		struct prof_elf *e = s->files[m->file].elf;
		uint64_t vaddr;
		if (e && prof_elf_offset_to_vaddr(e, addr - m->start + m->pgoff, &vaddr) == 0) {
			elf_name(s, e, vaddr, fi);
			return;
		}
		const char *slash = strrchr(s->files[m->file].path, '/');
		char label[300];
		snprintf(label, sizeof(label), "[%s]", slash ? slash + 1 : s->files[m->file].path);
		set_native(s, fi, label);
		return;
	}
	if (s->blob_anon && addr >= s->blob_base && addr - s->blob_base < s->blob_size) {
		elf_name(s, s->blob_elf, s->blob_vaddr + (addr - s->blob_base), fi);
		return;
	}
	if (m && m->special) {
		set_native(s, fi, m->label);
		return;
	}
	if (jit_name(s, addr, fi) == 0)
		return;
	fi->kind = OUT_FRAME_OTHER;
	if (m)
		fi->name = fi->function = intern(s, s->perfmap_fd >= 0 ? PROF_LABEL_JIT_NOT_IN_MAP
								       : PROF_LABEL_JIT_NO_MAP);
	else
		fi->name = fi->function = intern(s, "[unknown]");
}

struct addr_key {
	const struct prof_symbolizer *s;
	uint64_t addr;
};

static int addr_eq(uint32_t value, const void *arg)
{
	const struct addr_key *k = arg;
	return k->s->cache[value].addr == k->addr;
}

void prof_symbolize_user(struct prof_symbolizer *s, uint64_t pc, int is_return,
			 struct prof_frame_info *fi)
{
	uint64_t addr = is_return && pc ? pc - 1 : pc;
	struct addr_key k = {s, addr};
	int inserted;
	uint32_t ci = prof_index_get(&s->cache_ids, addr * 0x9e3779b97f4a7c15ull, addr_eq, &k,
				     (uint32_t)s->ncache, &inserted);
	if (inserted) {
		if (s->ncache == s->capcache) {
			s->capcache = s->capcache ? 2 * s->capcache : 1024;
			s->cache = util_realloc(s->cache, s->capcache * sizeof(*s->cache));
		}
		s->cache[s->ncache].addr = addr;
		resolve_user(s, addr, &s->cache[s->ncache].fi);
		s->ncache++;
	}
	*fi = s->cache[ci].fi;
}

void prof_symbolize_kernel(struct prof_symbolizer *s, uint64_t pc, struct prof_frame_info *fi)
{
	if (!s->ksyms_loaded) {
		s->ksyms_loaded = 1;
		s->ksyms = prof_ksyms_load();
	}
	const char *name = prof_ksyms_lookup(s->ksyms, pc);
	char buf[300];
	snprintf(buf, sizeof(buf), "%s_[k]", name ? name : "[kernel]");
	memset(fi, 0, sizeof(*fi));
	fi->name = fi->function = intern(s, buf);
	fi->kind = OUT_FRAME_KERNEL;
}

int prof_symbolizer_js_shared_offset(struct prof_symbolizer *s, int64_t *off)
{
	for (size_t i = 0; !s->js_shared_state && i < s->nfiles; i++)
		if (s->files[i].elf &&
		    prof_elf_data_int(s->files[i].elf,
				      "v8dbg_class_JSFunction__shared__SharedFunctionInfo",
				      &s->js_shared_off) == 0)
			s->js_shared_state = 1;
	if (s->js_shared_state != 1)
		return -1;
	*off = s->js_shared_off;
	return 0;
}

void prof_symbolizer_stats(const struct prof_symbolizer *s, struct prof_symbolizer_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->have_perf_map = s->perfmap_fd >= 0;
	st->perf_map_path = s->perfmap_path;
	st->perf_map_entries = prof_perfmap_count(s->perfmap);
	st->blob_remapped_anon = s->blob_anon;
	st->blob_base = s->blob_base;
}

void prof_symbolizer_free(struct prof_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfiles; i++) {
		prof_elf_close(s->files[i].elf);
		free(s->files[i].path);
	}
	free(s->files);
	free(s->maps);
	if (s->perfmap_fd >= 0)
		close(s->perfmap_fd);
	free(s->perfmap_path);
	prof_perfmap_free(s->perfmap);
	prof_ksyms_free(s->ksyms);
	prof_index_free(&s->cache_ids);
	free(s->cache);
	util_map_free(&s->strings);
	free(s);
}
