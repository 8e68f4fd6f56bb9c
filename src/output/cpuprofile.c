/*
 * cpuprofile.c — writes a sampled profile as a Chrome DevTools .cpuprofile (the
 * format of `node --cpu-prof`, also read by VS Code and speedscope): a call tree
 * of nodes rooted at "(root)", one child per thread, plus the sample sequence
 * as leaf node ids with time deltas in microseconds.
 */
#include "output/output_formats.h"
#include "util/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct node {
	uint32_t frame; /* UINT32_MAX for (root) */
	uint32_t parent, first_child, next_sibling, last_child;
	uint64_t hits;
};

struct tree {
	struct node *n;
	size_t count, cap;
	uint64_t *keys; /* (parent + 1) << 32 | frame, 0 = empty */
	uint32_t *vals;
	size_t hcap;
};

static uint32_t new_node(struct tree *t, uint32_t frame, uint32_t parent)
{
	if (t->count == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->n = util_realloc(t->n, t->cap * sizeof(*t->n));
	}
	uint32_t id = (uint32_t)t->count++;
	t->n[id] = (struct node){frame, parent, 0, 0, 0, 0};
	if (id) { /* link as the last child of parent (node 0 is never a child) */
		struct node *p = &t->n[parent];
		if (!p->first_child)
			p->first_child = id;
		else
			t->n[p->last_child].next_sibling = id;
		p->last_child = id;
	}
	return id;
}

static void rehash(struct tree *t)
{
	size_t cap = t->hcap ? 2 * t->hcap : 1024;
	uint64_t *keys = util_calloc(cap, sizeof(uint64_t));
	uint32_t *vals = util_calloc(cap, sizeof(uint32_t));
	for (size_t i = 0; i < t->hcap; i++) {
		if (!t->keys[i])
			continue;
		size_t j = (t->keys[i] * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = t->keys[i];
		vals[j] = t->vals[i];
	}
	free(t->keys);
	free(t->vals);
	t->keys = keys;
	t->vals = vals;
	t->hcap = cap;
}

static uint32_t child(struct tree *t, uint32_t parent, uint32_t frame)
{
	if ((t->count + 1) * 2 >= t->hcap)
		rehash(t);
	uint64_t key = ((uint64_t)parent + 1) << 32 | frame;
	size_t j = (key * 0x9e3779b97f4a7c15ull >> 20) & (t->hcap - 1);
	for (; t->keys[j]; j = (j + 1) & (t->hcap - 1))
		if (t->keys[j] == key)
			return t->vals[j];
	uint32_t id = new_node(t, frame, parent);
	t->keys[j] = key;
	t->vals[j] = id;
	return id;
}

static void write_call_frame(const struct out_profile *p, const struct node *nd, FILE *out)
{
	fputs("\"callFrame\":{\"functionName\":", out);
	if (nd->frame == UINT32_MAX) {
		fputs("\"(root)\",\"scriptId\":\"0\",\"url\":\"\",\"lineNumber\":-1,"
		      "\"columnNumber\":-1}",
		      out);
		return;
	}
	const struct out_frame *f = &p->frames[nd->frame];
	if (f->kind == OUT_FRAME_JS && f->file) {
		out_fmt_json_string(out, strcmp(f->function, "(anonymous)") ? f->function : "");
		/* One script id per file name, its frame index is stable enough. */
		fprintf(out, ",\"scriptId\":\"%" PRIu32 "\",\"url\":", nd->frame + 1);
		if (f->file[0] == '/') {
			char *url = util_asprintf("file://%s", f->file);
			out_fmt_json_string(out, url);
			free(url);
		} else {
			out_fmt_json_string(out, f->file);
		}
		fprintf(out, ",\"lineNumber\":%ld,\"columnNumber\":%ld}", (long)f->line - 1,
			(long)f->col - 1);
		return;
	}
	out_fmt_json_string(out, f->name);
	fputs(",\"scriptId\":\"0\",\"url\":\"\",\"lineNumber\":-1,\"columnNumber\":-1}", out);
}

static void write_nodes(const struct out_profile *p, const struct tree *t, FILE *out)
{
	fputs("\"nodes\":[", out);
	for (size_t i = 0; i < t->count; i++) {
		const struct node *nd = &t->n[i];
		fprintf(out, "%s{\"id\":%zu,", i ? ",\n" : "\n", i + 1);
		write_call_frame(p, nd, out);
		fprintf(out, ",\"hitCount\":%" PRIu64, nd->hits);
		if (nd->first_child) {
			fputs(",\"children\":[", out);
			for (uint32_t c = nd->first_child, k = 0; c; c = t->n[c].next_sibling, k++)
				fprintf(out, k ? ",%" PRIu32 : "%" PRIu32, c + 1);
			fputc(']', out);
		}
		fputc('}', out);
	}
	fputs("]", out);
}

int out_cpuprofile_write(const struct out_profile *p, FILE *out)
{
	struct tree t = {0};
	new_node(&t, UINT32_MAX, 0);
	uint32_t *leaf = util_malloc((p->nstacks ? p->nstacks : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < p->nstacks; i++) {
		uint32_t id = 0;
		for (uint32_t j = 0; j < p->stacks[i].n; j++)
			id = child(&t, id, p->stacks[i].frames[j]);
		leaf[i] = id;
	}
	for (size_t i = 0; i < p->nsamples; i++)
		t.n[leaf[p->samples[i].stack]].hits++;
	fputc('{', out);
	write_nodes(p, &t, out);
	uint64_t start_us = p->start_ns / 1000, end_us = p->end_ns / 1000;
	if (p->nsamples && p->samples[0].time_ns / 1000 < start_us)
		start_us = p->samples[0].time_ns / 1000;
	if (p->nsamples && p->samples[p->nsamples - 1].time_ns / 1000 > end_us)
		end_us = p->samples[p->nsamples - 1].time_ns / 1000;
	fprintf(out, ",\n\"startTime\":%" PRIu64 ",\"endTime\":%" PRIu64 ",\n\"samples\":[",
		start_us, end_us);
	for (size_t i = 0; i < p->nsamples; i++)
		fprintf(out, i ? ",%" PRIu32 : "%" PRIu32, leaf[p->samples[i].stack] + 1);
	fputs("],\n\"timeDeltas\":[", out);
	uint64_t prev = start_us;
	for (size_t i = 0; i < p->nsamples; i++) {
		uint64_t us = p->samples[i].time_ns / 1000;
		fprintf(out, i ? ",%" PRIu64 : "%" PRIu64, us - prev);
		prev = us;
	}
	fputs("]}\n", out);
	free(leaf);
	free(t.n);
	free(t.keys);
	free(t.vals);
	return ferror(out) ? util_error("write error") : 0;
}
