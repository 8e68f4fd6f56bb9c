/*
 * symbolize_elf.c — function names for addresses in ELF files (node, its shared
 * libraries) with libelf: the symbol table (.symtab, else .dynsym) sorted once
 * on first use, names demangled with __cxa_demangle on demand, file offsets
 * turned into link addresses through the PT_LOAD segments. Also locates V8's
 * embedded builtins blob in a node binary by its symbols.
 */
#include "profile/record.h"
#include "util/util.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct sym {
	uint64_t addr, size;
	const char *name; /* in the ELF's string table */
	char *pretty;	  /* demangled, made on first lookup */
};

struct seg {
	uint64_t off, vaddr, filesz;
};

struct prof_elf {
	int fd;
	Elf *elf;
	char *path;
	const char *base;
	struct seg *segs;
	size_t nsegs;
	struct sym *syms;
	size_t nsyms;
	int loaded;
	Elf *dbg; /* separate debug file, when the symbols come from there */
	int dbg_fd;
};

struct prof_elf *prof_elf_open(int fd, const char *path)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		if (elf)
			elf_end(elf);
		close(fd);
		util_error("%s: not an ELF file", path);
		return NULL;
	}
	struct prof_elf *e = util_calloc(1, sizeof(*e));
	e->fd = fd;
	e->elf = elf;
	e->path = util_strdup(path);
	const char *slash = strrchr(e->path, '/');
	e->base = slash ? slash + 1 : e->path;
	size_t nph = 0;
	if (elf_getphdrnum(elf, &nph) == 0 && nph < 4096) {
		e->segs = util_calloc(nph ? nph : 1, sizeof(struct seg));
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
				e->segs[e->nsegs++] =
				    (struct seg){ph.p_offset, ph.p_vaddr, ph.p_filesz};
		}
	}
	return e;
}

const char *prof_elf_basename(const struct prof_elf *e)
{
	return e->base;
}

int prof_elf_offset_to_vaddr(const struct prof_elf *e, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct seg *s = &e->segs[i];
		if (off >= s->off && off - s->off < s->filesz) {
			*vaddr = off - s->off + s->vaddr;
			return 0;
		}
	}
	return -1;
}

int prof_elf_read_vaddr(const struct prof_elf *e, uint64_t vaddr, void *buf, size_t len)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct seg *s = &e->segs[i];
		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz &&
		    len <= s->filesz - (vaddr - s->vaddr)) {
			ssize_t n = pread(e->fd, buf, len, (off_t)(vaddr - s->vaddr + s->off));
			return n == (ssize_t)len ? 0 : -1;
		}
	}
	return -1;
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->size > y->size ? -1 : x->size < y->size; /* sized first */
}

/* Is section index shndx executable code? */
static int exec_section(Elf *elf, size_t shndx)
{
	Elf_Scn *scn = elf_getscn(elf, shndx);
	GElf_Shdr sh;
	return scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR);
}

static void load_table(struct prof_elf *e, Elf *elf, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d || !sh->sh_entsize)
		return;
	size_t n = sh->sh_size / sh->sh_entsize;
	e->syms = util_realloc(e->syms, (e->nsyms + n + 1) * sizeof(struct sym));
	for (size_t i = 0; i < n; i++) {
		GElf_Sym s;
		if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
		    s.st_shndx >= SHN_LORESERVE || !s.st_value)
			continue;
		int type = GELF_ST_TYPE(s.st_info);
		if (type != STT_FUNC && !(type == STT_NOTYPE && exec_section(elf, s.st_shndx)))
			continue;
		const char *name = elf_strptr(elf, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		e->syms[e->nsyms++] = (struct sym){s.st_value, s.st_size, name, NULL};
	}
}

/* The symbol tables of an ELF: .symtab, else .dynsym (either may be NULL). */
static void find_tables(Elf *elf, Elf_Scn **tab, GElf_Shdr *tabsh, Elf_Scn **dyn, GElf_Shdr *dynsh)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	*tab = *dyn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			*tab = scn, *tabsh = sh;
		else if (sh.sh_type == SHT_DYNSYM)
			*dyn = scn, *dynsh = sh;
	}
}

/* The GNU build-id of elf as hex, or "" when it has none. */
static void build_id_hex(Elf *elf, char *hex, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	hex[0] = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)d->d_buf + name_off, "GNU", 4) ||
			    nh.n_descsz * 2 + 1 > len)
				continue;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x",
					 ((unsigned char *)d->d_buf)[desc_off + i]);
			return;
		}
	}
}

/* A stripped library's full symbol table from its separate debug file
 * (/usr/lib/debug/.build-id/xx/yyyy.debug, e.g. Debian's libc6-dbg): names
 * for the functions .dynsym leaves out, like __libc_start_call_main. */
static void load_debug_symbols(struct prof_elf *e)
{
	char hex[130], path[200];
	build_id_hex(e->elf, hex, sizeof(hex));
	if (strlen(hex) < 4)
		return;
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf *dbg = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *tab, *dyn;
	GElf_Shdr tabsh, dynsh;
	if (!dbg || elf_kind(dbg) != ELF_K_ELF) {
		if (dbg)
			elf_end(dbg);
		close(fd);
		return;
	}
	find_tables(dbg, &tab, &tabsh, &dyn, &dynsh);
	if (!tab) {
		elf_end(dbg);
		close(fd);
		return;
	}
	e->dbg = dbg; /* its strings are the names: kept open */
	e->dbg_fd = fd;
	load_table(e, dbg, tab, &tabsh);
}

static void load_symbols(struct prof_elf *e)
{
	e->loaded = 1;
	Elf_Scn *tab, *dyn;
	GElf_Shdr tabsh, dynsh;
	find_tables(e->elf, &tab, &tabsh, &dyn, &dynsh);
	if (tab)
		load_table(e, e->elf, tab, &tabsh);
	else
		load_debug_symbols(e);
	if (!tab && !e->dbg && dyn)
		load_table(e, e->elf, dyn, &dynsh);
	if (e->nsyms)
		qsort(e->syms, e->nsyms, sizeof(struct sym), by_addr);
}

/* Cuts the parameter list (and trailing qualifiers) off a demangled name:
 * "ns::f(int) const" -> "ns::f", keeping "(anonymous namespace)" inside. */
static void strip_params(char *s)
{
	size_t len = strlen(s);
	static const char *const quals[] = {" const", " volatile", " &&", " &", " noexcept"};
	for (int again = 1; again;) {
		again = 0;
		for (size_t q = 0; q < sizeof(quals) / sizeof(quals[0]); q++) {
			size_t ql = strlen(quals[q]);
			if (len > ql && !strcmp(s + len - ql, quals[q])) {
				len -= ql;
				s[len] = 0;
				again = 1;
			}
		}
	}
	if (!len || s[len - 1] != ')')
		return;
	int depth = 0;
	for (size_t i = len; i-- > 0;) {
		if (s[i] == ')')
			depth++;
		else if (s[i] == '(' && --depth == 0) {
			if (i > 0)
				s[i] = 0;
			return;
		}
	}
}

static const char *pretty_name(struct sym *s)
{
	if (s->pretty)
		return s->pretty;
	int status = -1;
	char *d = NULL;
	if (s->name[0] == '_' && s->name[1] == 'Z')
		d = __cxa_demangle(s->name, NULL, NULL, &status);
	if (d && status == 0) {
		strip_params(d);
		s->pretty = util_strdup(d);
	} else {
		s->pretty = util_strdup(s->name);
	}
	free(d);
	for (char *p = s->pretty; *p; p++)
		if (*p == ';')
			*p = ':';
	return s->pretty;
}

const char *prof_elf_symbol(struct prof_elf *e, uint64_t vaddr)
{
	if (!e->loaded)
		load_symbols(e);
	size_t lo = 0, hi = e->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	struct sym *s = &e->syms[lo - 1];
	/* Of several symbols at one address the sized one sorts first. */
	while (lo >= 2 && e->syms[lo - 2].addr == s->addr)
		s = &e->syms[--lo - 1];
	if (s->size && vaddr - s->addr >= s->size)
		return NULL;
	return pretty_name(s);
}

static const struct sym *find_named(struct prof_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsyms; i++)
		if (!strcmp(e->syms[i].name, name))
			return &e->syms[i];
	return NULL;
}

/* Finds a symbol of any type by name in .symtab or .dynsym. */
static int find_any_symbol(struct prof_elf *e, const char *name, GElf_Sym *out)
{
	Elf_Scn *tab, *dyn;
	GElf_Shdr tabsh, dynsh;
	find_tables(e->elf, &tab, &tabsh, &dyn, &dynsh);
	Elf_Scn *scns[2] = {dyn, tab}; /* .dynsym is the smaller */
	GElf_Shdr *shs[2] = {&dynsh, &tabsh};
	for (int t = 0; t < 2; t++) {
		Elf_Data *d = scns[t] ? elf_getdata(scns[t], NULL) : NULL;
		if (!d || !shs[t]->sh_entsize)
			continue;
		size_t n = shs[t]->sh_size / shs[t]->sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			const char *nm;
			if (gelf_getsym(d, (int)i, &sym) && sym.st_shndx != SHN_UNDEF &&
			    (nm = elf_strptr(e->elf, shs[t]->sh_link, sym.st_name)) &&
			    !strcmp(nm, name)) {
				*out = sym;
				return 0;
			}
		}
	}
	return -1;
}

int prof_elf_data_int(struct prof_elf *e, const char *name, int64_t *v)
{
	GElf_Sym sym;
	int32_t x;
	if (find_any_symbol(e, name, &sym) != 0 || sym.st_size != sizeof(x) ||
	    prof_elf_read_vaddr(e, sym.st_value, &x, sizeof(x)) != 0)
		return -1;
	*v = x;
	return 0;
}

int prof_elf_embedded_blob(struct prof_elf *e, uint64_t *vaddr, uint64_t *size)
{
	if (!e->loaded)
		load_symbols(e);
	/* Node 18 has a data pointer v8_Default_embedded_blob_code_ and the label
	 * ..._code_data_; later lines have the label itself as ..._code_. */
	const struct sym *start = find_named(e, "v8_Default_embedded_blob_code_data_");
	if (!start)
		start = find_named(e, "v8_Default_embedded_blob_code_");
	if (!start)
		return -1;
	uint64_t end = 0;
	for (size_t i = 0; i < e->nsyms; i++)
		if (!strncmp(e->syms[i].name, "Builtins_", 9) && e->syms[i].addr >= start->addr &&
		    e->syms[i].addr + e->syms[i].size > end)
			end = e->syms[i].addr + e->syms[i].size;
	if (end <= start->addr)
		return -1;
	*vaddr = start->addr;
	*size = end - start->addr;
	return 0;
}

void prof_elf_close(struct prof_elf *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nsyms; i++)
		free(e->syms[i].pretty);
	free(e->syms);
	free(e->segs);
	if (e->dbg) {
		elf_end(e->dbg);
		close(e->dbg_fd);
	}
	elf_end(e->elf);
	close(e->fd);
	free(e->path);
	free(e);
}
