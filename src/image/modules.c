/*
 * modules.c — the ELF objects mapped in the image (the node binary first, then
 * shared objects), found from the core's NT_FILE note: their load bias, their
 * symbol tables sorted by address, and name lookups in both directions with C++
 * demangling.
 */
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>

static int sym_by_addr(const void *a, const void *b)
{
	const struct img_sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Reads one symbol table section into m->syms. */
static void load_symtab(struct img_module *m, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data || !sh->sh_entsize)
		return;
	size_t n = sh->sh_size / sh->sh_entsize;
	m->syms = util_realloc(m->syms, (m->nsyms + n) * sizeof(*m->syms));
	for (size_t i = 0; i < n; i++) {
		GElf_Sym s;
		if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		int type = GELF_ST_TYPE(s.st_info);
		if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE)
			continue;
		const char *name = elf_strptr(m->file->elf, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		m->syms[m->nsyms++] = (struct img_sym){s.st_value, s.st_size, name, type == STT_FUNC};
	}
}

static void load_symbols(struct img_module *m)
{
	Elf_Scn *scn = NULL, *dynsym = NULL;
	int have_symtab = 0;
	while ((scn = elf_nextscn(m->file->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			load_symtab(m, scn, &sh);
			have_symtab = 1;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
		}
	}
	if (!have_symtab && dynsym) {
		GElf_Shdr sh;
		if (gelf_getshdr(dynsym, &sh))
			load_symtab(m, dynsym, &sh);
	}
	qsort(m->syms, m->nsyms, sizeof(*m->syms), sym_by_addr);
}

int img_module_load(struct img_module *m)
{
	if (m->loaded)
		return m->file ? 0 : -1;
	m->loaded = 1;
	if (img_file_open(m->path, &m->file) < 0)
		return -1;
	uint64_t base;
	if (img_file_base_vaddr(m->file, &base) == 0 && m->offset0_start)
		m->bias = m->offset0_start - base;
	load_symbols(m);
	return 0;
}

struct img_module *img_module_for_addr(struct img *img, uint64_t addr)
{
	/* Aliases (V8 builtins copied out of the binary) first: they are exact. */
	for (size_t i = 0; i < img->nmodules; i++)
		if (img->modules[i].alias_of >= 0 && addr >= img->modules[i].start &&
		    addr < img->modules[i].end)
			return &img->modules[i];
	if (!img->nfilemaps)
		return img->nmodules && addr >= img->modules[0].start && addr < img->modules[0].end
			   ? &img->modules[0]
			   : NULL;
	for (size_t i = 0; i < img->nfilemaps; i++) {
		const struct img_filemap *fm = &img->filemaps[i];
		if (addr < fm->start || addr >= fm->end)
			continue;
		for (size_t j = 0; j < img->nmodules; j++)
			if (img->modules[j].alias_of < 0 && !strcmp(img->modules[j].path, fm->path))
				return &img->modules[j];
		return NULL;
	}
	return NULL;
}

uint64_t img_module_link_addr(struct img *img, struct img_module *m, uint64_t addr)
{
	if (m->alias_of >= 0 || !m->file)
		return addr - m->bias;
	for (size_t i = 0; i < img->nfilemaps; i++) {
		const struct img_filemap *fm = &img->filemaps[i];
		uint64_t link;
		if (addr >= fm->start && addr < fm->end && !strcmp(fm->path, m->path) &&
		    img_file_offset_vaddr(m->file, fm->offset + (addr - fm->start), &link, NULL) == 0)
			return link;
	}
	return addr - m->bias;
}

static struct img_module *add_module(struct img *img, const char *path)
{
	img->modules = util_realloc(img->modules, (img->nmodules + 1) * sizeof(*img->modules));
	struct img_module *m = &img->modules[img->nmodules++];
	memset(m, 0, sizeof(*m));
	m->path = util_strdup(path);
	const char *slash = strrchr(m->path, '/');
	m->short_name = slash ? slash + 1 : m->path;
	m->start = UINT64_MAX;
	m->alias_of = -1;
	return m;
}

static int is_elf_path(const char *path)
{
	return path[0] == '/' && strncmp(path, "/dev/", 5) && strncmp(path, "/memfd:", 7) &&
	       !strstr(path, " (deleted)");
}

/* One module per distinct NT_FILE path; the main binary must already be modules[0]. */
int img_modules_from_filemaps(struct img *img)
{
	for (size_t i = 0; i < img->nfilemaps; i++) {
		struct img_filemap *fm = &img->filemaps[i];
		if (!is_elf_path(fm->path))
			continue;
		struct img_module *m = NULL;
		for (size_t j = 0; j < img->nmodules && !m; j++)
			if (img->modules[j].alias_of < 0 && !strcmp(img->modules[j].path, fm->path))
				m = &img->modules[j];
		if (!m)
			m = add_module(img, fm->path);
		if (fm->start < m->start)
			m->start = fm->start;
		if (fm->end > m->end)
			m->end = fm->end;
		if (fm->offset == 0 && !m->offset0_start)
			m->offset0_start = fm->start;
	}
	img->main = img->nmodules ? &img->modules[0] : NULL;
	return 0;
}

struct img_module *img_main_module_new(struct img *img, const char *path)
{
	return add_module(img, path);
}

void img_modules_free(struct img *img)
{
	for (size_t i = 0; i < img->nmodules; i++) {
		struct img_module *m = &img->modules[i];
		if (m->alias_of < 0) {
			img_file_close(m->file);
			free(m->syms);
			util_map_free(&m->by_name);
		}
		img_unwind_free_module(m);
		free(m->path);
	}
	free(img->modules);
	img->modules = NULL;
	img->nmodules = 0;
}

int img_symbol_lookup(struct img *img, const char *name, uint64_t *addr, uint64_t *size)
{
	struct img_module *m = img->main;
	if (!m || img_module_load(m) < 0)
		return util_error("no binary to look up symbol %s in", name);
	if (!m->by_name.count)
		for (size_t i = 0; i < m->nsyms; i++) {
			struct util_map_entry *e =
			    util_map_upsert(&m->by_name, m->syms[i].name, strlen(m->syms[i].name));
			if (!e->value)
				e->value = &m->syms[i];
		}
	struct util_map_entry *e = util_map_find(&m->by_name, name, strlen(name));
	if (!e)
		return util_error("symbol %s not found in %s", name, m->path);
	const struct img_sym *s = e->value;
	*addr = s->addr + m->bias;
	if (size)
		*size = s->size;
	return 0;
}

int img_symbol_each(struct img *img, const char *prefix,
		    int (*fn)(const char *name, uint64_t addr, uint64_t size, void *arg), void *arg)
{
	struct img_module *m = img->main;
	if (!m || img_module_load(m) < 0)
		return util_error("no binary to read symbols from");
	size_t plen = strlen(prefix);
	for (size_t i = 0; i < m->nsyms; i++)
		if (!strncmp(m->syms[i].name, prefix, plen) &&
		    fn(m->syms[i].name, m->syms[i].addr + m->bias, m->syms[i].size, arg))
			break;
	return 0;
}

static void demangle_into(const char *raw, char *out, size_t cap)
{
	char *d = util_demangle(raw);
	snprintf(out, cap, "%s", d);
	free(d);
}

int img_symbol_for_addr(struct img *img, uint64_t addr, struct img_symbol *out)
{
	memset(out, 0, sizeof(*out));
	struct img_module *view = img_module_for_addr(img, addr);
	if (!view)
		return -1;
	out->module = view->short_name;
	struct img_module *m = view->alias_of >= 0 ? &img->modules[view->alias_of] : view;
	/* Without a symbol, offset is relative to the module's file start. */
	out->offset = addr - (view->offset0_start ? view->offset0_start : view->bias);
	if (img_module_load(m) < 0 || !m->nsyms)
		return -1;
	uint64_t link = img_module_link_addr(img, view, addr);
	out->offset = link - (view->offset0_start ? view->offset0_start - view->bias : 0);
	size_t lo = 0, hi = m->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->syms[mid].addr <= link)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo is the first symbol above link; prefer a sized symbol that covers it. */
	for (size_t i = lo; i-- > 0 && lo - i < 64;) {
		const struct img_sym *s = &m->syms[i];
		/* An unsized symbol only names a function, and only up to the next symbol. */
		if (s->size ? link < s->addr + s->size : (s->is_func && i == lo - 1 && lo < m->nsyms)) {
			demangle_into(s->name, out->name, sizeof(out->name));
			out->offset = link - s->addr;
			out->start = s->addr + view->bias;
			out->size = s->size;
			return 0;
		}
	}
	return -1;
}
