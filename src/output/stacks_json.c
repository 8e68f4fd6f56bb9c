/*
 * stacks_json.c — a stack trie as JSON for scripts (`nodescope fold --json`):
 * {"unit", "total", "stacks": [{"frames": [outermost .. leaf], "count"}]}, stacks
 * in trie order. Frame names keep their tier suffix.
 */
#include "output/output.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static void json_string(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* The nodes of s where some sample ends. */
static uint32_t *leaves(const struct prof_stacks *s, size_t *n)
{
	size_t count = 0, total = prof_stacks_node_count(s);
	uint32_t *v = util_malloc((total ? total : 1) * sizeof(*v));
	for (uint32_t i = 1; i < total; i++)
		if (prof_stacks_node(s, i)->self[0])
			v[count++] = i;
	*n = count;
	return v;
}

static void write_frames(const struct prof_stacks *s, uint32_t leaf, FILE *out)
{
	size_t depth = 0;
	for (uint32_t n = leaf; n != PROF_ROOT; n = prof_stacks_node(s, n)->parent)
		depth++;
	uint32_t *path = util_malloc(depth * sizeof(*path));
	size_t i = depth;
	for (uint32_t n = leaf; n != PROF_ROOT; n = prof_stacks_node(s, n)->parent)
		path[--i] = n;
	fputc('[', out);
	for (i = 0; i < depth; i++) {
		const struct prof_node *node = prof_stacks_node(s, path[i]);
		size_t len;
		const char *name = prof_stacks_name_of(s, node->name, &len);
		struct util_buf b = {0};
		util_buf_add(&b, name, len);
		if (node->tiers) {
			char t[8];
			prof_tier_chars(node->tiers, t);
			util_buf_printf(&b, "_[%s]", t);
		}
		if (i)
			fputc(',', out);
		json_string(out, b.data, b.len);
		util_buf_free(&b);
	}
	fputc(']', out);
	free(path);
}

int out_stacks_json(const struct prof_stacks *s, const char *unit, FILE *out)
{
	size_t n;
	uint32_t *v = leaves(s, &n);
	fprintf(out, "{\"unit\":");
	json_string(out, unit, strlen(unit));
	fprintf(out, ",\"total\":%llu,\"distinct_stacks\":%zu,\"stacks\":[",
		(unsigned long long)prof_stacks_total(s), n);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n{\"frames\":" : "\n{\"frames\":", out);
		write_frames(s, v[i], out);
		fprintf(out, ",\"count\":%llu}", (unsigned long long)prof_stacks_node(s, v[i])->self[0]);
	}
	fputs("\n]}\n", out);
	free(v);
	if (ferror(out))
		return util_error("write: output error");
	return 0;
}
