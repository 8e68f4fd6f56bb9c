/*
 * fold.c — `perf script` text to a stack trie, one line at a time. Sample
 * headers start a sample, frame lines (leaf first) fill it, a blank line ends
 * it. The frame names come from fold_compat.c (stackcollapse-perf.pl's rules)
 * or fold_node.c (Node-aware). Speed comes from a cache keyed by the text of a
 * frame line after its address: a hot function's line is parsed and named once,
 * then every repeat costs one hash and one compare. Memory is the trie plus the
 * cache (distinct frame lines), never the input.
 */
#include "profile/perfscript.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES (1u << 16)
#define MAX_LINE (1u << 20)

struct cache_slot {
	uint64_t hash;
	size_t key_off;
	uint32_t key_len, first, n; /* n = UINT32_MAX: empty slot */
};

struct prof_fold {
	struct prof_stacks *s;
	struct prof_fold_opts o;
	struct prof_fold_stats st;
	char *event_filter;
	int event_defaulted, event_warned;
	/* the sample being read */
	int have_pname, java;
	uint32_t pname;
	uint64_t period;
	struct prof_frame_vec frames;
	/* line cache */
	struct cache_slot *slots;
	size_t cap, count;
	struct util_buf keys;
	struct prof_frame_vec pool;
	/* scratch */
	struct util_buf name, tmp;
	uint32_t *ids;
	uint8_t *tiers;
	size_t ids_cap;
	struct prof_node_labels labels;
};

static int is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

struct prof_fold *prof_fold_new(struct prof_stacks *s, const struct prof_fold_opts *o)
{
	struct prof_fold *f = util_calloc(1, sizeof(*f));
	f->s = s;
	f->o = *o;
	if (o->event_filter && *o->event_filter)
		f->event_filter = util_strdup(o->event_filter);
	if (!o->compat)
		prof_node_labels_init(s, &f->labels);
	f->cap = 4096;
	f->slots = util_malloc(f->cap * sizeof(*f->slots));
	for (size_t i = 0; i < f->cap; i++)
		f->slots[i].n = UINT32_MAX;
	return f;
}

void prof_fold_free(struct prof_fold *f)
{
	if (!f)
		return;
	free(f->event_filter);
	free(f->frames.v);
	free(f->slots);
	util_buf_free(&f->keys);
	free(f->pool.v);
	util_buf_free(&f->name);
	util_buf_free(&f->tmp);
	free(f->ids);
	free(f->tiers);
	free(f);
}

const struct prof_fold_stats *prof_fold_stats(const struct prof_fold *f)
{
	return &f->st;
}

/* ---- samples ---- */

static void reserve_ids(struct prof_fold *f, size_t n)
{
	if (n <= f->ids_cap)
		return;
	f->ids_cap = n * 2;
	f->ids = util_realloc(f->ids, f->ids_cap * sizeof(*f->ids));
	f->tiers = util_realloc(f->tiers, f->ids_cap);
}

static void end_sample(struct prof_fold *f)
{
	if (!f->have_pname)
		return;
	struct prof_frame_vec *fv = &f->frames;
	reserve_ids(f, fv->n + 2);
	f->ids[0] = f->pname;
	f->tiers[0] = 0;
	size_t n = 1;
	if (f->o.compat) {
		for (size_t i = fv->n; i-- > 0;) {
			f->ids[n] = fv->v[i].name;
			f->tiers[n++] = 0;
		}
	} else {
		n += prof_node_assemble(&f->labels, fv->v, fv->n, f->ids + 1, f->tiers + 1, &f->st);
	}
	uint64_t count = (f->o.compat || f->o.period) ? f->period : 1;
	prof_stacks_add_ids(f->s, f->ids, f->tiers, n, count, 0);
	f->st.kept_samples++;
	f->st.frames += fv->n;
	fv->n = 0;
	f->have_pname = 0;
}

static uint64_t parse_period(const char *p, size_t len)
{
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++)
		v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : v * 10 + (uint64_t)(p[i] - '0');
	return v;
}

/* The event filter: the first event seen unless one was given. 0 = skip. */
static int event_wanted(struct prof_fold *f, const struct prof_ps_header *h)
{
	if (!f->event_filter) {
		f->event_filter = util_strndup(h->event, h->event_len);
		f->event_defaulted = 1;
		size_t n = h->event_len < sizeof(f->st.event) - 1 ? h->event_len : sizeof(f->st.event) - 1;
		memcpy(f->st.event, h->event, n);
		f->st.event[n] = 0;
		return 1;
	}
	if (strlen(f->event_filter) == h->event_len &&
	    memcmp(f->event_filter, h->event, h->event_len) == 0)
		return 1;
	f->st.filtered_samples++;
	return 0;
}

static void on_header(struct prof_fold *f, const struct prof_ps_header *h)
{
	f->st.samples++;
	if (h->has_event && !event_wanted(f, h))
		return;
	uint64_t period = h->has_event ? parse_period(h->period, h->period_len) : 0;
	f->period = period ? period : 1;
	const char *pid = h->pid, *tid = h->tid;
	size_t pid_len = h->pid_len, tid_len = h->tid_len;
	if (!tid_len || (tid_len == 1 && tid[0] == '0')) {
		tid = pid;
		tid_len = pid_len;
		pid = "?";
		pid_len = 1;
	}
	struct util_buf *b = &f->name;
	util_buf_reset(b);
	util_buf_add(b, h->comm, h->comm_len);
	if (f->o.tid || f->o.pid) {
		util_buf_addc(b, '-');
		util_buf_add(b, pid, pid_len);
		if (f->o.tid) {
			util_buf_addc(b, '/');
			util_buf_add(b, tid, tid_len);
		}
	}
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == ' ')
			b->data[i] = '_';
	f->pname = prof_stacks_intern(f->s, b->data, b->len);
	f->have_pname = 1;
	f->java = b->len >= 4 && memcmp(b->data, "java", 4) == 0;
}

/* ---- frame lines, through the cache ---- */

static void cache_grow(struct prof_fold *f)
{
	size_t cap = f->cap * 2;
	struct cache_slot *slots = util_malloc(cap * sizeof(*slots));
	for (size_t i = 0; i < cap; i++)
		slots[i].n = UINT32_MAX;
	for (size_t i = 0; i < f->cap; i++) {
		if (f->slots[i].n == UINT32_MAX)
			continue;
		size_t j = f->slots[i].hash & (cap - 1);
		while (slots[j].n != UINT32_MAX)
			j = (j + 1) & (cap - 1);
		slots[j] = f->slots[i];
	}
	free(f->slots);
	f->slots = slots;
	f->cap = cap;
}

static void name_frame(struct prof_fold *f, const struct prof_ps_frame *fr, int *cacheable)
{
	if (f->o.compat)
		prof_fold_compat_frame(f->s, &f->o, fr, f->java, &f->tmp, &f->frames, cacheable);
	else
		prof_fold_node_frame(f->s, &f->o, fr, &f->tmp, &f->frames, cacheable);
}

static void push_frames(struct prof_fold *f, const struct prof_fold_frame *v, size_t n)
{
	struct prof_frame_vec *fv = &f->frames;
	if (fv->n + n > fv->cap) {
		fv->cap = (fv->n + n) * 2;
		fv->v = util_realloc(fv->v, fv->cap * sizeof(*fv->v));
	}
	memcpy(fv->v + fv->n, v, n * sizeof(*v));
	fv->n += n;
}

/* A frame line: the text after the address is the cache key. 0 = not a frame. */
static int on_frame(struct prof_fold *f, const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && is_space(line[i]))
		i++;
	size_t w = i;
	while (w < len && is_word(line[w]))
		w++;
	const char *key = line + w;
	size_t key_len = len - w;
	uint64_t h = prof_hash(key, key_len);
	int use_cache = w > i && !f->java;
	size_t j = h & (f->cap - 1);
	if (use_cache) {
		for (;; j = (j + 1) & (f->cap - 1)) {
			struct cache_slot *c = &f->slots[j];
			if (c->n == UINT32_MAX)
				break;
			if (c->hash == h && c->key_len == key_len &&
			    memcmp(f->keys.data + c->key_off, key, key_len) == 0) {
				if (f->have_pname)
					push_frames(f, f->pool.v + c->first, c->n);
				return 1;
			}
		}
	}
	struct prof_ps_frame fr;
	if (!prof_ps_parse_frame(line, len, &fr))
		return 0;
	if (!f->have_pname)
		return 1;
	int cacheable = use_cache && fr.pc == line + i && fr.pc_len == w - i;
	size_t before = f->frames.n;
	name_frame(f, &fr, &cacheable);
	if (!cacheable)
		return 1;
	struct cache_slot *c = &f->slots[j];
	c->hash = h;
	c->key_off = f->keys.len;
	c->key_len = (uint32_t)key_len;
	c->first = (uint32_t)f->pool.n;
	c->n = (uint32_t)(f->frames.n - before);
	util_buf_add(&f->keys, key, key_len);
	for (size_t k = before; k < f->frames.n; k++)
		prof_frame_vec_push(&f->pool, f->frames.v[k].name, f->frames.v[k].tier,
				    f->frames.v[k].kind);
	if (++f->count * 2 >= f->cap)
		cache_grow(f);
	return 1;
}

static void note_bad_line(struct prof_fold *f, const char *line, size_t len)
{
	if (!f->st.bad_lines++) {
		size_t n = len < sizeof(f->st.first_bad) - 1 ? len : sizeof(f->st.first_bad) - 1;
		for (size_t i = 0; i < n; i++)
			f->st.first_bad[i] = (line[i] >= 32 && line[i] < 127) ? line[i] : '?';
		f->st.first_bad[n] = 0;
	}
}

int prof_fold_line(struct prof_fold *f, const char *line, size_t len)
{
	f->st.lines++;
	if (len && line[0] == '#')
		return 0;
	if (!len) {
		end_sample(f);
		return 0;
	}
	if (!is_space(line[0])) {
		struct prof_ps_header h;
		if (prof_ps_parse_header(line, len, &h)) {
			on_header(f, &h);
			return 0;
		}
	}
	if (on_frame(f, line, len)) {
		if (f->frames.n > MAX_FRAMES)
			return util_error("a sample has more than %u frames: not perf script text",
					  MAX_FRAMES);
		return 0;
	}
	note_bad_line(f, line, len);
	if (f->st.bad_lines > 1000 && f->st.bad_lines > f->st.lines / 2)
		return util_error("not perf script text (line %llu: \"%s\")",
				  (unsigned long long)f->st.lines, f->st.first_bad);
	return 0;
}

int prof_fold_finish(struct prof_fold *f)
{
	if (!f->o.compat) {
		end_sample(f);
		/* JIT code without a name: was there a map at all? */
		if (f->st.named_jit_frames)
			prof_stacks_rename(f->s, f->labels.unknown_jit,
					   "[unknown: JIT code not in perf map]");
	}
	if (!f->st.kept_samples) {
		if (!f->st.lines)
			return util_error("empty input: expected `perf script` output");
		if (f->st.bad_lines)
			return util_error("no samples: not perf script text (line \"%s\")",
					  f->st.first_bad);
		if (f->st.filtered_samples)
			return util_error("no samples of event '%s'", f->event_filter);
		return util_error("no samples in the input");
	}
	return 0;
}

struct fd_ctx {
	struct prof_fold *f;
	int first;
};

static int fd_line(void *arg, const char *line, size_t len)
{
	struct fd_ctx *c = arg;
	if (c->first) {
		c->first = 0;
		if (len >= 7 && memcmp(line, "PERFILE", 7) == 0)
			return util_error("this is a perf.data file: run `perf script -i FILE` first");
	}
	if (c->f->st.lines < 4096 && memchr(line, 0, len))
		return util_error("binary input (NUL byte on line %llu): expected perf script text",
				  (unsigned long long)c->f->st.lines + 1);
	return prof_fold_line(c->f, line, len);
}

int prof_fold_fd(struct prof_stacks *s, const struct prof_fold_opts *o, int fd,
		 struct prof_fold_stats *stats)
{
	struct prof_fold *f = prof_fold_new(s, o);
	struct fd_ctx c = {f, 1};
	int rc = prof_lines_read(fd, fd_line, &c, MAX_LINE);
	if (rc == 0)
		rc = prof_fold_finish(f);
	if (stats)
		*stats = f->st;
	prof_fold_free(f);
	return rc;
}
