/*
 * map.c — a string-keyed hash table (open addressing, linear probing, FNV-1a).
 * Used wherever things are grouped by name: constructors, folded stacks, symbols.
 */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

uint64_t util_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct util_map_entry *probe(struct util_map_entry *slots, size_t cap, const char *key,
				    size_t keylen, uint64_t hash)
{
	size_t i = hash & (cap - 1);
	for (;;) {
		struct util_map_entry *e = &slots[i];
		if (!e->key)
			return e;
		if (e->hash == hash && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
			return e;
		i = (i + 1) & (cap - 1);
	}
}

static void grow(struct util_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct util_map_entry *slots = util_calloc(cap, sizeof(*slots));
	for (size_t i = 0; i < m->cap; i++) {
		struct util_map_entry *e = &m->slots[i];
		if (e->key)
			*probe(slots, cap, e->key, e->keylen, e->hash) = *e;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

struct util_map_entry *util_map_find(const struct util_map *m, const char *key, size_t keylen)
{
	if (!m->cap)
		return NULL;
	struct util_map_entry *e = probe(m->slots, m->cap, key, keylen, util_hash(key, keylen));
	return e->key ? e : NULL;
}

struct util_map_entry *util_map_upsert(struct util_map *m, const char *key, size_t keylen)
{
	if ((m->count + 1) * 4 >= m->cap * 3)
		grow(m);
	uint64_t hash = util_hash(key, keylen);
	struct util_map_entry *e = probe(m->slots, m->cap, key, keylen, hash);
	if (!e->key) {
		e->key = util_strndup(key, keylen);
		e->keylen = keylen;
		e->hash = hash;
		e->value = NULL;
		m->count++;
	}
	return e;
}

void util_map_each(struct util_map *m, void (*fn)(struct util_map_entry *e, void *arg), void *arg)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			fn(&m->slots[i], arg);
}

void util_map_free(struct util_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}
