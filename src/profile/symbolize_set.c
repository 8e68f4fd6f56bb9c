/*
 * symbolize_set.c — one symbolizer per process seen in the samples: the target,
 * and the processes it forks while being recorded (inherited events follow
 * them), each made on its first sample while it still lives.
 */
#include "profile/record.h"
#include "util/util.h"

#include <stdlib.h>

struct prof_symset {
	pid_t *pids;
	struct prof_symbolizer **syms;
	size_t n;
};

struct prof_symset *prof_symset_new(void)
{
	return util_calloc(1, sizeof(struct prof_symset));
}

struct prof_symbolizer *prof_symset_get(struct prof_symset *set, pid_t pid)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->pids[i] == pid)
			return set->syms[i];
	set->pids = util_realloc(set->pids, (set->n + 1) * sizeof(pid_t));
	set->syms = util_realloc(set->syms, (set->n + 1) * sizeof(*set->syms));
	set->pids[set->n] = pid;
	set->syms[set->n] = prof_symbolizer_new(pid);
	return set->syms[set->n++];
}

void prof_symset_refresh(struct prof_symset *set)
{
	for (size_t i = 0; i < set->n; i++)
		prof_symbolizer_refresh(set->syms[i]);
}

void prof_symset_free(struct prof_symset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		prof_symbolizer_free(set->syms[i]);
	free(set->pids);
	free(set->syms);
	free(set);
}

size_t prof_symset_count(const struct prof_symset *set)
{
	return set->n;
}

struct prof_symbolizer *prof_symset_at(const struct prof_symset *set, size_t i)
{
	return i < set->n ? set->syms[i] : NULL;
}
