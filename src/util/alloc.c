/*
 * alloc.c — allocation that cannot fail, and the growable buffer. Running out of
 * memory is not a condition any caller can repair, so it ends the program here.
 */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *check(void *p)
{
	if (!p) {
		fputs("nodescope: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *util_malloc(size_t n)
{
	return check(malloc(n ? n : 1));
}

void *util_calloc(size_t n, size_t size)
{
	return check(calloc(n ? n : 1, size ? size : 1));
}

void *util_realloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1));
}

char *util_strdup(const char *s)
{
	return check(strdup(s));
}

char *util_strndup(const char *s, size_t n)
{
	return check(strndup(s, n));
}

char *util_asprintf(const char *fmt, ...)
{
	struct util_buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	util_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return b.data;
}

void util_buf_reserve(struct util_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = util_realloc(b->data, cap);
	b->cap = cap;
}

void util_buf_add(struct util_buf *b, const void *p, size_t n)
{
	util_buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
}

void util_buf_adds(struct util_buf *b, const char *s)
{
	util_buf_add(b, s, strlen(s));
}

void util_buf_addc(struct util_buf *b, char c)
{
	util_buf_add(b, &c, 1);
}

void util_buf_vprintf(struct util_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	util_buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void util_buf_printf(struct util_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	util_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void util_buf_reset(struct util_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

void util_buf_free(struct util_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int util_stderr_is_tty(void)
{
	return isatty(2);
}
