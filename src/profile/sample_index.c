/*
 * sample_index.c — a hash index from binary keys (call chains, frame-index
 * arrays, addresses) to small integers, for the recording and the symbolizer.
 * The keys stay in the caller's arrays; the index keeps only hashes and values,
 * and asks the caller whether a candidate value's key equals the one sought.
 */
#include "profile/record.h"
#include "util/util.h"

#include <stdlib.h>

static void grow(struct prof_index *x)
{
	size_t cap = x->cap ? 2 * x->cap : 1024;
	uint64_t *hash = util_calloc(cap, sizeof(uint64_t));
	uint32_t *val = util_calloc(cap, sizeof(uint32_t));
	for (size_t i = 0; i < x->cap; i++) {
		if (!x->val[i])
			continue;
		size_t j = x->hash[i] & (cap - 1);
		while (val[j])
			j = (j + 1) & (cap - 1);
		hash[j] = x->hash[i];
		val[j] = x->val[i];
	}
	free(x->hash);
	free(x->val);
	x->hash = hash;
	x->val = val;
	x->cap = cap;
}

uint32_t prof_index_get(struct prof_index *x, uint64_t hash,
			int (*eq)(uint32_t value, const void *arg), const void *arg,
			uint32_t new_value, int *inserted)
{
	if ((x->count + 1) * 4 >= x->cap * 3)
		grow(x);
	size_t j = hash & (x->cap - 1);
	for (; x->val[j]; j = (j + 1) & (x->cap - 1))
		if (x->hash[j] == hash && eq(x->val[j] - 1, arg)) {
			*inserted = 0;
			return x->val[j] - 1;
		}
	x->hash[j] = hash;
	x->val[j] = new_value + 1;
	x->count++;
	*inserted = 1;
	return new_value;
}

void prof_index_free(struct prof_index *x)
{
	free(x->hash);
	free(x->val);
	x->hash = NULL;
	x->val = NULL;
	x->cap = x->count = 0;
}
