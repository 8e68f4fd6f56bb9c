/*
 * stacks.c — the stack trie: every profile (folded perf script, a live recording,
 * a folded file read back) is aggregated here and every output is rendered from
 * it. Names are interned once; a child is found by one hash lookup keyed by
 * (parent, name), so adding a sample costs one probe per frame and memory grows
 * with the number of distinct stacks, not with the number of samples.
 */
#include "profile/profile.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

struct name_ref {
	size_t off;
	uint32_t len;
	uint32_t hash32;
};

struct child_slot {
	uint64_t key; /* parent << 32 | name, or ~0 when empty */
	uint32_t node;
};

struct prof_stacks {
	/* interned names: bytes in `arena`, located by `names`, found by `name_slots` */
	struct util_buf arena;
	struct name_ref *names;
	size_t nnames, names_cap;
	uint32_t *name_slots; /* name id + 1, 0 = empty */
	size_t name_slots_cap;
	/* trie nodes and the (parent, name) -> child table */
	struct prof_node *nodes;
	size_t nnodes, nodes_cap;
	struct child_slot *child_slots;
	size_t child_slots_cap;
	/* scratch for the string API */
	uint32_t *scratch_ids;
	uint8_t *scratch_tiers;
	size_t scratch_cap;
	/* the previous folded line, its nodes and frame ends: folded files are
	 * sorted, so a line mostly repeats the previous one's outer frames */
	struct util_buf prev;
	uint32_t *prev_path;
	size_t *prev_end;
	size_t prev_n, prev_cap;
};

#define EMPTY_KEY UINT64_MAX

uint64_t prof_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		h = (h ^ v) * 0xc4ceb9fe1a85ec53ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)s[i] << (8 * i);
	h = (h ^ v) * 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return h;
}

static uint64_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

unsigned prof_tier_of(char c)
{
	switch (c) {
	case '~':
		return PROF_TIER_INTERP;
	case '^':
		return PROF_TIER_BASELINE;
	case '+':
		return PROF_TIER_MAGLEV;
	case '*':
		return PROF_TIER_TURBOFAN;
	default:
		return 0;
	}
}

size_t prof_tier_chars(unsigned mask, char *buf)
{
	static const char marks[] = "~^+*";
	size_t n = 0;
	for (int i = 0; i < 4; i++)
		if (mask & (1u << i))
			buf[n++] = marks[i];
	buf[n] = 0;
	return n;
}

static uint32_t new_node(struct prof_stacks *s, uint32_t parent, uint32_t name)
{
	if (s->nnodes == s->nodes_cap) {
		s->nodes_cap = s->nodes_cap ? s->nodes_cap * 2 : 1024;
		s->nodes = util_realloc(s->nodes, s->nodes_cap * sizeof(*s->nodes));
	}
	uint32_t id = (uint32_t)s->nnodes++;
	struct prof_node *n = &s->nodes[id];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->parent = parent;
	if (id != PROF_ROOT) {
		n->next_sibling = s->nodes[parent].first_child;
		s->nodes[parent].first_child = id;
	}
	return id;
}

struct prof_stacks *prof_stacks_new(void)
{
	struct prof_stacks *s = util_calloc(1, sizeof(*s));
	uint32_t all = prof_stacks_intern(s, "all", 3);
	new_node(s, PROF_ROOT, all);
	return s;
}

void prof_stacks_free(struct prof_stacks *s)
{
	if (!s)
		return;
	util_buf_free(&s->arena);
	free(s->names);
	free(s->name_slots);
	free(s->nodes);
	free(s->child_slots);
	free(s->scratch_ids);
	free(s->scratch_tiers);
	util_buf_free(&s->prev);
	free(s->prev_path);
	free(s->prev_end);
	free(s);
}

/* ---- names ---- */

static void grow_name_slots(struct prof_stacks *s)
{
	size_t cap = s->name_slots_cap ? s->name_slots_cap * 2 : 1024;
	uint32_t *slots = util_calloc(cap, sizeof(*slots));
	for (size_t i = 0; i < s->nnames; i++) {
		size_t j = s->names[i].hash32 & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(s->name_slots);
	s->name_slots = slots;
	s->name_slots_cap = cap;
}

uint32_t prof_stacks_intern(struct prof_stacks *s, const char *name, size_t len)
{
	if ((s->nnames + 1) * 2 >= s->name_slots_cap)
		grow_name_slots(s);
	uint32_t h = (uint32_t)prof_hash(name, len);
	size_t mask = s->name_slots_cap - 1;
	for (size_t j = h & mask;; j = (j + 1) & mask) {
		uint32_t v = s->name_slots[j];
		if (!v) {
			if (s->nnames == s->names_cap) {
				s->names_cap = s->names_cap ? s->names_cap * 2 : 256;
				s->names = util_realloc(s->names, s->names_cap * sizeof(*s->names));
			}
			struct name_ref *r = &s->names[s->nnames];
			r->off = s->arena.len;
			r->len = (uint32_t)len;
			r->hash32 = h;
			util_buf_add(&s->arena, name, len);
			util_buf_addc(&s->arena, 0);
			s->name_slots[j] = (uint32_t)++s->nnames;
			return (uint32_t)s->nnames - 1;
		}
		struct name_ref *r = &s->names[v - 1];
		if (r->hash32 == h && r->len == len && memcmp(s->arena.data + r->off, name, len) == 0)
			return v - 1;
	}
}

const char *prof_stacks_name_of(const struct prof_stacks *s, uint32_t name_id, size_t *len)
{
	if (name_id >= s->nnames) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = s->names[name_id].len;
	return s->arena.data + s->names[name_id].off;
}

void prof_stacks_rename(struct prof_stacks *s, uint32_t name_id, const char *name)
{
	if (name_id >= s->nnames)
		return;
	size_t len = strlen(name);
	s->names[name_id].off = s->arena.len;
	s->names[name_id].len = (uint32_t)len;
	util_buf_add(&s->arena, name, len);
	util_buf_addc(&s->arena, 0);
}

/* ---- the trie ---- */

static void grow_child_slots(struct prof_stacks *s)
{
	size_t cap = s->child_slots_cap ? s->child_slots_cap * 2 : 1024;
	struct child_slot *slots = util_malloc(cap * sizeof(*slots));
	for (size_t i = 0; i < cap; i++)
		slots[i].key = EMPTY_KEY;
	for (size_t i = 0; i < s->child_slots_cap; i++) {
		struct child_slot *c = &s->child_slots[i];
		if (c->key == EMPTY_KEY)
			continue;
		size_t j = mix64(c->key) & (cap - 1);
		while (slots[j].key != EMPTY_KEY)
			j = (j + 1) & (cap - 1);
		slots[j] = *c;
	}
	free(s->child_slots);
	s->child_slots = slots;
	s->child_slots_cap = cap;
}

static uint32_t child_of(struct prof_stacks *s, uint32_t parent, uint32_t name)
{
	if ((s->nnodes + 1) * 2 >= s->child_slots_cap)
		grow_child_slots(s);
	uint64_t key = (uint64_t)parent << 32 | name;
	size_t mask = s->child_slots_cap - 1;
	for (size_t j = mix64(key) & mask;; j = (j + 1) & mask) {
		struct child_slot *c = &s->child_slots[j];
		if (c->key == key)
			return c->node;
		if (c->key == EMPTY_KEY) {
			c->key = key;
			c->node = new_node(s, parent, name);
			return c->node;
		}
	}
}

void prof_stacks_add_ids(struct prof_stacks *s, const uint32_t *names, const uint8_t *tiers,
			 size_t n, uint64_t count, int set)
{
	set = set ? 1 : 0;
	uint32_t cur = PROF_ROOT;
	s->nodes[cur].total[set] += count;
	for (size_t i = 0; i < n; i++) {
		cur = child_of(s, cur, names[i]);
		struct prof_node *node = &s->nodes[cur];
		node->total[set] += count;
		if (tiers)
			node->tiers |= tiers[i];
	}
	s->nodes[cur].self[set] += count;
}

static void scratch_reserve(struct prof_stacks *s, size_t n)
{
	if (n <= s->scratch_cap)
		return;
	s->scratch_cap = n * 2;
	s->scratch_ids = util_realloc(s->scratch_ids, s->scratch_cap * sizeof(*s->scratch_ids));
	s->scratch_tiers = util_realloc(s->scratch_tiers, s->scratch_cap);
}

void prof_stacks_add(struct prof_stacks *s, const char *const *frames, size_t n, uint64_t count)
{
	scratch_reserve(s, n);
	for (size_t i = 0; i < n; i++)
		s->scratch_ids[i] = prof_stacks_intern(s, frames[i], strlen(frames[i]));
	prof_stacks_add_ids(s, s->scratch_ids, NULL, n, count, 0);
}

/* Splits a trailing tier annotation "_[^*]" off a frame name. */
static size_t strip_tier_suffix(const char *f, size_t len, uint8_t *mask)
{
	*mask = 0;
	if (len < 4 || f[len - 1] != ']')
		return len;
	size_t i = len - 2;
	unsigned m = 0;
	while (i > 0 && prof_tier_of(f[i])) {
		m |= prof_tier_of(f[i]);
		i--;
	}
	if (!m || i < 1 || f[i] != '[' || f[i - 1] != '_')
		return len;
	*mask = (uint8_t)m;
	return i - 1;
}

/* Parses the count at the end of a folded line: digits, optionally ".digits". */
static int parse_count(const char *line, size_t len, size_t *stack_len, uint64_t *count)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' ||
		       line[len - 1] == '\t'))
		len--;
	size_t end = len;
	while (end && line[end - 1] >= '0' && line[end - 1] <= '9')
		end--;
	size_t frac_start = len;
	if (end && line[end - 1] == '.' && end < len) {
		frac_start = end - 1;
		end--;
		while (end && line[end - 1] >= '0' && line[end - 1] <= '9')
			end--;
	}
	if (end == frac_start || end == 0 || (line[end - 1] != ' ' && line[end - 1] != '\t'))
		return -1;
	uint64_t c = 0;
	for (size_t i = end; i < frac_start; i++) {
		if (c > (UINT64_MAX - 9) / 10)
			return -1;
		c = c * 10 + (uint64_t)(line[i] - '0');
	}
	size_t sl = end - 1;
	while (sl && (line[sl - 1] == ' ' || line[sl - 1] == '\t'))
		sl--;
	if (!sl)
		return -1;
	*stack_len = sl;
	*count = c;
	return 0;
}

/* How many outer frames of line (stack text of length sl) are those of the
 * previous line. */
static size_t shared_frames(const struct prof_stacks *s, const char *line, size_t sl)
{
	size_t common = 0, lim = sl < s->prev.len ? sl : s->prev.len;
	while (common < lim && line[common] == s->prev.data[common])
		common++;
	size_t k = 0;
	for (; k < s->prev_n; k++) {
		size_t e = s->prev_end[k];
		if (e > common)
			break;
		if (e == common && !((e == sl || line[e] == ';') &&
				     (e == s->prev.len || s->prev.data[e] == ';')))
			break;
	}
	return k;
}

static void prev_reserve(struct prof_stacks *s, size_t n)
{
	if (n <= s->prev_cap)
		return;
	s->prev_cap = n * 2;
	s->prev_path = util_realloc(s->prev_path, s->prev_cap * sizeof(*s->prev_path));
	s->prev_end = util_realloc(s->prev_end, s->prev_cap * sizeof(*s->prev_end));
}

int prof_stacks_add_folded_set(struct prof_stacks *s, const char *line, size_t len, int set)
{
	size_t sl;
	uint64_t count;
	if (memchr(line, 0, len) || parse_count(line, len, &sl, &count) < 0)
		return -1;
	set = set ? 1 : 0;
	size_t n = shared_frames(s, line, sl);
	size_t frames = n;
	for (size_t i = n ? s->prev_end[n - 1] : 0; i < sl; i++)
		frames += line[i] == ';';
	prev_reserve(s, frames + 1);
	uint32_t cur = n ? s->prev_path[n - 1] : PROF_ROOT;
	if (!n || s->prev_end[n - 1] < sl) {
		size_t start = n ? s->prev_end[n - 1] + 1 : 0;
		for (size_t i = start; i <= sl; i++) {
			if (i < sl && line[i] != ';')
				continue;
			uint8_t mask;
			size_t flen = strip_tier_suffix(line + start, i - start, &mask);
			cur = child_of(s, cur, prof_stacks_intern(s, line + start, flen));
			s->nodes[cur].tiers |= mask;
			s->prev_path[n] = cur;
			s->prev_end[n++] = i;
			start = i + 1;
		}
	}
	s->nodes[PROF_ROOT].total[set] += count;
	for (size_t i = 0; i < n; i++)
		s->nodes[s->prev_path[i]].total[set] += count;
	s->nodes[cur].self[set] += count;
	s->prev_n = n;
	util_buf_reset(&s->prev);
	util_buf_add(&s->prev, line, sl);
	return 0;
}

int prof_stacks_add_folded(struct prof_stacks *s, const char *line, size_t len)
{
	return prof_stacks_add_folded_set(s, line, len, 0);
}

uint64_t prof_stacks_total_set(const struct prof_stacks *s, int set)
{
	return s->nodes[PROF_ROOT].total[set ? 1 : 0];
}

uint64_t prof_stacks_total(const struct prof_stacks *s)
{
	return prof_stacks_total_set(s, 0);
}

size_t prof_stacks_node_count(const struct prof_stacks *s)
{
	return s->nnodes;
}

const struct prof_node *prof_stacks_node(const struct prof_stacks *s, uint32_t id)
{
	return id < s->nnodes ? &s->nodes[id] : NULL;
}

size_t prof_stacks_distinct(const struct prof_stacks *s)
{
	size_t n = 0;
	for (size_t i = 1; i < s->nnodes; i++)
		n += s->nodes[i].self[0] || s->nodes[i].self[1];
	return n;
}

/* ---- ordering and output ---- */

static int name_cmp(const struct prof_stacks *s, uint32_t a, uint32_t b)
{
	size_t la, lb;
	const char *na = prof_stacks_name_of(s, a, &la);
	const char *nb = prof_stacks_name_of(s, b, &lb);
	int c = memcmp(na, nb, la < lb ? la : lb);
	if (c)
		return c;
	return la < lb ? -1 : la > lb;
}

static const struct prof_stacks *sort_ctx;

static int node_name_cmp(const void *a, const void *b)
{
	const struct prof_node *na = &sort_ctx->nodes[*(const uint32_t *)a];
	const struct prof_node *nb = &sort_ctx->nodes[*(const uint32_t *)b];
	return name_cmp(sort_ctx, na->name, nb->name);
}

void prof_stacks_sort_children(struct prof_stacks *s)
{
	uint32_t *kids = NULL;
	size_t cap = 0;
	sort_ctx = s;
	for (size_t p = 0; p < s->nnodes; p++) {
		size_t n = 0;
		for (uint32_t c = s->nodes[p].first_child; c; c = s->nodes[c].next_sibling) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				kids = util_realloc(kids, cap * sizeof(*kids));
			}
			kids[n++] = c;
		}
		if (n < 2)
			continue;
		qsort(kids, n, sizeof(*kids), node_name_cmp);
		s->nodes[p].first_child = kids[0];
		for (size_t i = 0; i < n; i++)
			s->nodes[kids[i]].next_sibling = i + 1 < n ? kids[i + 1] : 0;
	}
	free(kids);
}

/* Appends the frame names of node's path (outermost first) to b. */
static void append_path(const struct prof_stacks *s, uint32_t node, struct util_buf *b)
{
	uint32_t path[4096];
	size_t depth = 0;
	for (uint32_t n = node; n != PROF_ROOT && depth < 4096; n = s->nodes[n].parent)
		path[depth++] = n;
	for (size_t i = depth; i-- > 0;) {
		const struct prof_node *n = &s->nodes[path[i]];
		size_t len;
		const char *name = prof_stacks_name_of(s, n->name, &len);
		util_buf_add(b, name, len);
		if (n->tiers) {
			char t[8];
			prof_tier_chars(n->tiers, t);
			util_buf_printf(b, "_[%s]", t);
		}
		if (i)
			util_buf_addc(b, ';');
	}
}

struct folded_line {
	size_t off, len;
	uint64_t count;
};

static const char *lines_base;

static int folded_line_cmp(const void *a, const void *b)
{
	const struct folded_line *x = a, *y = b;
	int c = memcmp(lines_base + x->off, lines_base + y->off, x->len < y->len ? x->len : y->len);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

int prof_stacks_write_folded(const struct prof_stacks *s, FILE *out)
{
	struct util_buf text = {0};
	struct folded_line *lines = NULL;
	size_t n = 0, cap = 0;
	for (uint32_t i = 1; i < s->nnodes; i++) {
		if (!s->nodes[i].self[0])
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			lines = util_realloc(lines, cap * sizeof(*lines));
		}
		lines[n].off = text.len;
		append_path(s, i, &text);
		lines[n].len = text.len - lines[n].off;
		lines[n].count = s->nodes[i].self[0];
		n++;
	}
	lines_base = text.data;
	qsort(lines, n, sizeof(*lines), folded_line_cmp);
	for (size_t i = 0; i < n; i++) {
		uint64_t count = lines[i].count;
		/* two paths can spell the same line (a ';' in a process name): merge them */
		while (i + 1 < n && folded_line_cmp(&lines[i], &lines[i + 1]) == 0)
			count += lines[++i].count;
		fwrite(text.data + lines[i].off, 1, lines[i].len, out);
		fprintf(out, " %llu\n", (unsigned long long)count);
	}
	free(lines);
	util_buf_free(&text);
	if (ferror(out))
		return util_error("write: output error");
	return 0;
}

struct prof_stacks *prof_stacks_reversed(const struct prof_stacks *s)
{
	struct prof_stacks *r = prof_stacks_new();
	uint32_t *ids = NULL;
	uint8_t *tiers = NULL;
	size_t cap = 0;
	for (uint32_t i = 1; i < s->nnodes; i++) {
		const struct prof_node *leaf = &s->nodes[i];
		if (!leaf->self[0] && !leaf->self[1])
			continue;
		size_t depth = 0;
		for (uint32_t n = i; n != PROF_ROOT; n = s->nodes[n].parent) {
			if (depth == cap) {
				cap = cap ? cap * 2 : 64;
				ids = util_realloc(ids, cap * sizeof(*ids));
				tiers = util_realloc(tiers, cap);
			}
			size_t len;
			const char *name = prof_stacks_name_of(s, s->nodes[n].name, &len);
			ids[depth] = prof_stacks_intern(r, name, len);
			tiers[depth] = s->nodes[n].tiers;
			depth++;
		}
		for (int set = 0; set < 2; set++)
			if (leaf->self[set])
				prof_stacks_add_ids(r, ids, tiers, depth, leaf->self[set], set);
	}
	free(ids);
	free(tiers);
	return r;
}
