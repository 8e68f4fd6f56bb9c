/*
 * perfmap.c — V8's /tmp/perf-PID.map (written with --perf-basic-prof): one
 * "START SIZE NAME" line per code object, appended as code is made. V8 reuses
 * code addresses, so for an address the last entry covering it wins. Also turns
 * V8's code names into display names with the JIT tier dropped.
 */
#include "profile/profile.h"
#include "profile/record.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct entry {
	uint64_t start, size;
	uint32_t seq;  /* line order: later wins */
	uint32_t name; /* offset in names */
};

struct prof_perfmap {
	struct entry *e;
	size_t n, cap;
	uint64_t max_size;
	struct util_buf names;
};

static int parse_hex(const char **p, uint64_t *v)
{
	const char *s = *p;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	uint64_t x = 0;
	int digits = 0;
	for (; isxdigit((unsigned char)*s); s++, digits++) {
		if (digits >= 16)
			return -1;
		int d =
		    isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
		x = x << 4 | (uint64_t)d;
	}
	if (!digits)
		return -1;
	*p = s;
	*v = x;
	return 0;
}

static void add_line(struct prof_perfmap *m, const char *line, size_t len)
{
	const char *p = line;
	uint64_t start, size;
	if (parse_hex(&p, &start) || *p != ' ')
		return;
	p++;
	if (parse_hex(&p, &size) || *p != ' ' || size == 0 || start + size < start)
		return;
	p++;
	size_t nlen = len - (size_t)(p - line);
	while (nlen && (p[nlen - 1] == '\n' || p[nlen - 1] == '\r'))
		nlen--;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->e = util_realloc(m->e, m->cap * sizeof(*m->e));
	}
	struct entry *e = &m->e[m->n];
	e->start = start;
	e->size = size;
	e->seq = (uint32_t)m->n;
	e->name = (uint32_t)m->names.len;
	util_buf_add(&m->names, p, nlen);
	util_buf_addc(&m->names, 0);
	m->n++;
	if (size > m->max_size)
		m->max_size = size;
}

static int by_start(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct prof_perfmap *prof_perfmap_read_fd(int fd)
{
	int dfd = dup(fd);
	if (dfd < 0)
		return NULL;
	FILE *f = fdopen(dfd, "r");
	if (!f) {
		close(dfd);
		return NULL;
	}
	rewind(f);
	struct prof_perfmap *m = util_calloc(1, sizeof(*m));
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	/* Names are capped so one absurd line cannot eat memory. */
	while ((len = getline(&line, &cap, f)) > 0 && m->names.len < ((size_t)1 << 31))
		if (len < 4096)
			add_line(m, line, (size_t)len);
	free(line);
	fclose(f);
	if (m->n)
		qsort(m->e, m->n, sizeof(*m->e), by_start);
	return m;
}

const char *prof_perfmap_lookup(const struct prof_perfmap *m, uint64_t addr)
{
	if (!m || !m->n)
		return NULL;
	/* Last entry starting at or before addr. */
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->e[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct entry *best = NULL;
	size_t steps = 0;
	for (size_t i = lo; i-- > 0 && steps < 100000; steps++) {
		const struct entry *e = &m->e[i];
		if (addr - e->start >= m->max_size)
			break; /* nothing earlier can reach addr */
		if (addr - e->start < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	return best ? m->names.data + best->name : NULL;
}

size_t prof_perfmap_count(const struct prof_perfmap *m)
{
	return m ? m->n : 0;
}

void prof_perfmap_free(struct prof_perfmap *m)
{
	if (!m)
		return;
	free(m->e);
	util_buf_free(&m->names);
	free(m);
}

/* ---- V8 code names ---- */

static const char *const js_prefixes[] = {"JS:", "LazyCompile:", "Function:", "Script:", "Eval:"};

static int is_tier(char c)
{
	return c == '~' || c == '^' || c == '+' || c == '*' || c == '\'';
}

/* Parses "file:line[:col]" at the end of s; returns 1 when it has a line. */
static int split_position(const char *s, size_t len, size_t *file_len, uint32_t *line,
			  uint32_t *col)
{
	uint32_t nums[2] = {0, 0};
	int found = 0;
	size_t end = len;
	while (found < 2 && end > 0) {
		size_t i = end;
		while (i > 0 && isdigit((unsigned char)s[i - 1]))
			i--;
		if (i == end || i == 0 || s[i - 1] != ':' || end - i > 9)
			break;
		nums[found++] = (uint32_t)strtoul(s + i, NULL, 10);
		end = i - 1;
	}
	if (!found || end == 0)
		return 0;
	*file_len = end;
	*line = found == 2 ? nums[1] : nums[0];
	*col = found == 2 ? nums[0] : 0;
	return 1;
}

/* Copies s into buf at *off as a C string with ';' made ':' (the folded
 * separator) and control characters made '?'. */
static const char *put(char *buf, size_t buflen, size_t *off, const char *s, size_t len)
{
	if (*off >= buflen)
		return "";
	size_t room = buflen - *off - 1;
	if (len > room)
		len = room;
	char *d = buf + *off;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		d[i] = c == ';' ? ':' : ((unsigned char)c < 0x20 ? '?' : c);
	}
	d[len] = 0;
	*off += len + 1;
	return d;
}

void prof_jit_frame(const char *raw, char *buf, size_t buflen, struct prof_frame_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	size_t off = 0;
	const char *body = NULL;
	for (size_t i = 0; i < sizeof(js_prefixes) / sizeof(js_prefixes[0]); i++)
		if (!strncmp(raw, js_prefixes[i], strlen(js_prefixes[i])))
			body = raw + strlen(js_prefixes[i]);
	if (!body) {
		fi->kind = OUT_FRAME_OTHER;
		if (!strncmp(raw, "Builtin:", 8)) { /* same name as the ELF symbol */
			char tmp[512];
			snprintf(tmp, sizeof(tmp), "Builtins_%s", raw + 8);
			fi->name = fi->function = put(buf, buflen, &off, tmp, strlen(tmp));
		} else {
			fi->name = fi->function = put(buf, buflen, &off, raw, strlen(raw));
		}
		return;
	}
	/* Tier markers: ~ Ignition, ^ Sparkplug, + Maglev, * TurboFan, a trailing '
	 * for context specialisation, and a leading 'o' (OSR) on recent V8. */
	if (body[0] == 'o' && is_tier(body[1]))
		body++;
	while (is_tier(*body))
		fi->tiers |= (uint8_t)prof_tier_of(*body++);
	fi->kind = OUT_FRAME_JS;
	size_t len = strlen(body);
	const char *sp = memrchr(body, ' ', len);
	const char *pos = sp ? sp + 1 : body;
	size_t pos_len = len - (size_t)(pos - body), file_len = 0;
	uint32_t line = 0, col = 0;
	int has_pos = split_position(pos, pos_len, &file_len, &line, &col);
	size_t name_len = has_pos ? (sp ? (size_t)(sp - body) : 0) : len;
	const char *name = body;
	if (name_len == 0) {
		name = "(anonymous)";
		name_len = strlen(name);
	}
	char disp[1024];
	if (has_pos)
		snprintf(disp, sizeof(disp), "%.*s %.*s", (int)name_len, name, (int)pos_len, pos);
	else
		snprintf(disp, sizeof(disp), "%.*s", (int)name_len, name);
	fi->name = put(buf, buflen, &off, disp, strlen(disp));
	fi->function = put(buf, buflen, &off, name, name_len);
	if (has_pos) {
		fi->file = put(buf, buflen, &off, pos, file_len);
		fi->line = line;
		fi->col = col;
	}
}
