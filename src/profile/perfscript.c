/*
 * perfscript.c — the lines of `perf script` text: a streaming line reader over a
 * file descriptor (files and pipes alike, constant memory), and the two line
 * shapes, sample headers and stack frames, matched exactly as
 * stackcollapse-perf.pl's regular expressions match them (so that folding can be
 * byte-identical to it), without a regex engine.
 */
#include "profile/perfscript.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* perl's \s on byte strings: space, \t, \n, \v, \f, \r */
static int is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_word(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/*
 * The regex ^(\S.+?)\s+(\d+)\/ *(\d+)*\s+ (no space after the slash) — comm is the shortest prefix of at least two
 * characters after which come spaces, digits (the pid or tid), optionally
 * slashes and more digits (the tid), and a space.
 */
static int match_comm_pid(const char *l, size_t len, struct prof_ps_header *h)
{
	if (len < 2 || is_space(l[0]))
		return 0;
	for (size_t i = 2; i < len; i++) {
		size_t j = i;
		while (j < len && is_space(l[j]))
			j++;
		if (j == i || j == len || !is_digit(l[j]))
			continue;
		size_t d1 = j;
		while (j < len && is_digit(l[j]))
			j++;
		size_t d1_end = j;
		while (j < len && l[j] == '/')
			j++;
		size_t d2 = j;
		while (j < len && is_digit(l[j]))
			j++;
		if (j == len || !is_space(l[j]))
			continue;
		h->comm = l;
		h->comm_len = i;
		h->pid = l + d1;
		h->pid_len = d1_end - d1;
		h->tid = l + d2;
		h->tid_len = j - d2;
		return 1;
	}
	return 0;
}

/*
 * /:\s*(\d+)*\s+(\S+):\s*$/ — the event is the last word (which ends in ':'), and
 * between it and the last ':' before it there are only spaces and an optional
 * run of digits (the period).
 */
static void match_period_event(const char *l, size_t len, struct prof_ps_header *h)
{
	h->has_event = 0;
	h->period_len = 0;
	size_t e = len;
	while (e && is_space(l[e - 1]))
		e--;
	if (e < 2 || l[e - 1] != ':')
		return;
	size_t s = e - 1;
	while (s && !is_space(l[s - 1]))
		s--;
	if (s == 0 || s >= e - 1)
		return;
	/* l[s .. e-1) is the event; before it: ':' \s* \d* \s+ */
	size_t k = s;
	while (k && is_space(l[k - 1]))
		k--;
	size_t ws_end = k;
	while (k && is_digit(l[k - 1]))
		k--;
	size_t digits = k;
	if (digits < ws_end) {
		/* \d* matched; \s* before it */
		while (k && is_space(l[k - 1]))
			k--;
	}
	if (k == 0 || l[k - 1] != ':') {
		/* the digits may have been part of the text before the ':' only if
		 * nothing was between: then no match */
		return;
	}
	h->has_event = 1;
	h->event = l + s;
	h->event_len = e - 1 - s;
	h->period = l + digits;
	h->period_len = ws_end - digits;
}

int prof_ps_parse_header(const char *line, size_t len, struct prof_ps_header *h)
{
	if (!match_comm_pid(line, len, h))
		return 0;
	match_period_event(line, len, h);
	return 1;
}

/*
 * /^\s*(\w+)\s*(.+) \((.*)\)/ — the pc is a word, the symbol runs to the last
 * " (" that a later ')' closes, and the module to the last ')'. Perl's
 * backtracking into the pc or the spaces is reproduced for odd lines.
 */
int prof_ps_parse_frame(const char *l, size_t len, struct prof_ps_frame *f)
{
	size_t q = len;
	while (q && l[q - 1] != ')')
		q--;
	if (!q)
		return 0;
	q--; /* index of the last ')' */
	size_t p = q < 2 ? 0 : q - 1;
	for (;;) {
		if (p + 2 <= q && l[p] == ' ' && l[p + 1] == '(')
			break;
		if (p == 0)
			return 0;
		p--;
	}
	if (!(p + 2 <= q && l[p] == ' ' && l[p + 1] == '('))
		return 0;
	size_t start = 0;
	while (start < len && is_space(l[start]))
		start++;
	size_t w = start;
	while (w < len && is_word(l[w]))
		w++;
	if (w == start)
		return 0;
	size_t sym;
	if (w + 1 <= p) {
		size_t s = w;
		while (s < len && is_space(l[s]))
			s++;
		sym = s < p ? s : p - 1;
	} else if (p >= start + 2) {
		w = p - 1;
		sym = p - 1;
	} else {
		return 0;
	}
	f->pc = l + start;
	f->pc_len = w - start;
	f->sym = l + sym;
	f->sym_len = p - sym;
	f->mod = l + p + 2;
	f->mod_len = q - (p + 2);
	return 1;
}

/* ---- streaming lines ---- */

#define READ_CHUNK (1u << 20)

int prof_lines_read(int fd, int (*fn)(void *arg, const char *line, size_t len), void *arg,
		    uint64_t max_line)
{
	size_t cap = 4 * READ_CHUNK;
	char *buf = util_malloc(cap);
	size_t have = 0;
	int rc = 0;
	for (;;) {
		if (cap - have < READ_CHUNK) {
			if (have > max_line) {
				rc = util_error("line longer than %llu bytes: not perf script text",
						(unsigned long long)max_line);
				break;
			}
			cap *= 2;
			buf = util_realloc(buf, cap);
		}
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = util_error("read: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			if (have)
				rc = fn(arg, buf, have);
			break;
		}
		size_t end = have + (size_t)n, pos = 0;
		const char *nl;
		while ((nl = memchr(buf + pos, '\n', end - pos))) {
			size_t ll = (size_t)(nl - (buf + pos));
			if ((rc = fn(arg, buf + pos, ll)) < 0)
				break;
			pos += ll + 1;
		}
		if (rc < 0)
			break;
		have = end - pos;
		memmove(buf, buf + pos, have);
	}
	free(buf);
	return rc;
}
