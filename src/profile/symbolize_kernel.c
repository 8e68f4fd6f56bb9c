/*
 * symbolize_kernel.c — kernel function names from /proc/kallsyms (text symbols
 * of the kernel and its modules), sorted once, looked up by address.
 */
#include "profile/record.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ksym {
	uint64_t addr;
	uint32_t name; /* offset in names */
};

struct prof_ksyms {
	struct ksym *s;
	size_t n;
	struct util_buf names;
};

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct prof_ksyms *prof_ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f)
		return NULL;
	struct prof_ksyms *k = util_calloc(1, sizeof(*k));
	size_t cap = 0;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (k->n == cap) {
			cap = cap ? 2 * cap : 65536;
			k->s = util_realloc(k->s, cap * sizeof(*k->s));
		}
		k->s[k->n++] = (struct ksym){addr, (uint32_t)k->names.len};
		util_buf_adds(&k->names, name);
		util_buf_addc(&k->names, 0);
	}
	fclose(f);
	if (!k->n) { /* all zero: kptr_restrict hides the addresses */
		prof_ksyms_free(k);
		return NULL;
	}
	qsort(k->s, k->n, sizeof(*k->s), by_addr);
	return k;
}

const char *prof_ksyms_lookup(const struct prof_ksyms *k, uint64_t addr)
{
	if (!k)
		return NULL;
	size_t lo = 0, hi = k->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->s[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? k->names.data + k->s[lo - 1].name : NULL;
}

void prof_ksyms_free(struct prof_ksyms *k)
{
	if (!k)
		return;
	free(k->s);
	util_buf_free(&k->names);
	free(k);
}
