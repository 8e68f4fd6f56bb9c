/*
 * sample_stacks_tmp.c — a stand-in for the stack trie of profile.h (stacks.c is
 * being written on the fold branch): folded lines counted in a hash table and
 * written sorted. Deleted once stacks.c is on main.
 */
#include "profile/profile.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

struct prof_stacks {
	struct util_map lines; /* "a;b;c" -> count (stored in the pointer) */
	uint64_t total;
};

struct prof_stacks *prof_stacks_new(void)
{
	return util_calloc(1, sizeof(struct prof_stacks));
}

void prof_stacks_free(struct prof_stacks *s)
{
	if (!s)
		return;
	util_map_free(&s->lines);
	free(s);
}

static void add_line(struct prof_stacks *s, const char *key, size_t len, uint64_t count)
{
	struct util_map_entry *e = util_map_upsert(&s->lines, key, len);
	e->value = (void *)(uintptr_t)((uintptr_t)e->value + count);
	s->total += count;
}

void prof_stacks_add(struct prof_stacks *s, const char *const *frames, size_t n, uint64_t count)
{
	struct util_buf b = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			util_buf_addc(&b, ';');
		util_buf_adds(&b, frames[i]);
	}
	add_line(s, b.data ? b.data : "", b.len, count);
	util_buf_free(&b);
}

int prof_stacks_add_folded(struct prof_stacks *s, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	const char *sp = memrchr(line, ' ', len);
	if (!sp || sp == line || (size_t)(sp - line) + 1 >= len)
		return -1;
	uint64_t count = 0;
	for (const char *p = sp + 1; p < line + len; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		count = count * 10 + (uint64_t)(*p - '0');
	}
	add_line(s, line, (size_t)(sp - line), count);
	return 0;
}

uint64_t prof_stacks_total(const struct prof_stacks *s)
{
	return s->total;
}

struct collect {
	struct util_map_entry **v;
	size_t n;
};

static void collect(struct util_map_entry *e, void *arg)
{
	struct collect *c = arg;
	c->v[c->n++] = e;
}

static int by_key(const void *a, const void *b)
{
	return strcmp((*(struct util_map_entry *const *)a)->key, (*(struct util_map_entry *const *)b)->key);
}

int prof_stacks_write_folded(const struct prof_stacks *s, FILE *out)
{
	struct collect c = {util_malloc((s->lines.count + 1) * sizeof(*c.v)), 0};
	util_map_each((struct util_map *)&s->lines, collect, &c);
	qsort(c.v, c.n, sizeof(*c.v), by_key);
	for (size_t i = 0; i < c.n; i++)
		fprintf(out, "%s %llu\n", c.v[i]->key, (unsigned long long)(uintptr_t)c.v[i]->value);
	free(c.v);
	return ferror(out) ? util_error("write error") : 0;
}
