/*
 * fold_compat.c — frame names exactly as stackcollapse-perf.pl writes them
 * (`nodescope fold --compat`): offsets stripped, "[unknown]" replaced by the
 * module's base name, C++ argument lists cut at the first '(', quotes dropped,
 * ';' turned into ':', and the _[k] / _[j] / _[i] annotations. Each rule names
 * the perl statement it mirrors.
 */
#include "profile/perfscript.h"

#include <string.h>

void prof_frame_vec_push(struct prof_frame_vec *fv, uint32_t name, uint8_t tier, uint8_t kind)
{
	if (fv->n == fv->cap) {
		fv->cap = fv->cap ? fv->cap * 2 : 256;
		fv->v = util_realloc(fv->v, fv->cap * sizeof(*fv->v));
	}
	fv->v[fv->n].name = name;
	fv->v[fv->n].tier = tier;
	fv->v[fv->n].kind = kind;
	fv->n++;
}

static int is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* $rawfunc =~ s/\+0x[\da-f]+$//; returns the new length */
size_t prof_strip_offset(const char *f, size_t len);
size_t prof_strip_offset(const char *f, size_t len)
{
	size_t k = len;
	while (k && is_hex_lower(f[k - 1]))
		k--;
	if (k == len || k < 3 || f[k - 1] != 'x' || f[k - 2] != '0' || f[k - 3] != '+')
		return len;
	return k - 3;
}

static int contains(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

/* $func =~ m/\.\(.*\)\./ : a Go method such as "net/http.(*Client).Do" */
static int looks_like_go_method(const char *f, size_t len)
{
	const char *open = memmem(f, len, ".(", 2);
	if (!open)
		return 0;
	for (size_t j = len - 1; j > 0; j--)
		if (f[j - 1] == ')' && f[j] == '.')
			return (size_t)(&f[j - 1] - open) >= 2;
	return 0;
}

/* m:/tmp/perf-\d+\.map: anywhere in the module */
static int is_perf_map_module(const char *m, size_t len)
{
	const char *p = m, *end = m + len;
	while ((p = memmem(p, (size_t)(end - p), "/tmp/perf-", 10))) {
		const char *d = p + 10, *q = d;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
		if (q > d && end - q >= 4 && memcmp(q, ".map", 4) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* One element of the "->" split, tidied and annotated into b. */
static void compat_name(const struct prof_fold_opts *o, const struct prof_ps_frame *fr,
			const char *func, size_t flen, int inlined, int java, struct util_buf *b)
{
	util_buf_reset(b);
	if (flen == 9 && memcmp(func, "[unknown]", 9) == 0) {
		const char *name = "unknown";
		size_t nlen = 7;
		if (!(fr->mod_len == 9 && memcmp(fr->mod, "[unknown]", 9) == 0)) {
			const char *slash = memrchr(fr->mod, '/', fr->mod_len);
			name = slash ? slash + 1 : fr->mod;
			nlen = fr->mod_len - (size_t)(name - fr->mod);
		}
		util_buf_addc(b, '[');
		util_buf_add(b, name, nlen);
		if (o->addrs) {
			util_buf_adds(b, " <");
			util_buf_add(b, fr->pc, fr->pc_len);
			util_buf_addc(b, '>');
		}
		util_buf_addc(b, ']');
	} else {
		util_buf_add(b, func, flen);
	}
	/* $tidy_generic */
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == ';')
			b->data[i] = ':';
	if (!looks_like_go_method(b->data, b->len)) {
		for (size_t i = 0; i < b->len; i++) {
			if (b->data[i] != '(')
				continue;
			if (b->len - i - 1 >= 20 && memcmp(b->data + i + 1, "anonymous namespace)", 20) == 0)
				continue;
			b->len = i;
			b->data[i] = 0;
			break;
		}
	}
	size_t w = 0;
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] != '"' && b->data[i] != '\'')
			b->data[w++] = b->data[i];
	b->len = w;
	b->data[w] = 0;
	/* $tidy_java */
	if (java && b->len && b->data[0] == 'L' && memchr(b->data, '/', b->len)) {
		memmove(b->data, b->data + 1, b->len);
		b->len--;
	}
	/* annotations */
	const char *m = fr->mod;
	size_t ml = fr->mod_len;
	if (inlined) {
		if (!contains(b->data, b->len, "_[i]"))
			util_buf_adds(b, "_[i]");
	} else if (o->kernel && ((ml && m[0] == '[') || (ml >= 7 && !memcmp(m + ml - 7, "vmlinux", 7))) &&
		   !contains(m, ml, "unknown")) {
		util_buf_adds(b, "_[k]");
	} else if (o->jit && is_perf_map_module(m, ml)) {
		if (!contains(b->data, b->len, "_[j]"))
			util_buf_adds(b, "_[j]");
	}
}

void prof_fold_compat_frame(struct prof_stacks *s, const struct prof_fold_opts *o,
			    const struct prof_ps_frame *fr, int java, struct util_buf *scratch,
			    struct prof_frame_vec *out, int *cacheable)
{
	size_t len = prof_strip_offset(fr->sym, fr->sym_len);
	if (len && fr->sym[0] == '(')
		return; /* next if $rawfunc =~ /^\(/ */
	if (o->addrs && contains(fr->sym, len, "[unknown]"))
		*cacheable = 0;
	/* split /\->/, $rawfunc: trailing empty fields are dropped */
	const char *f = fr->sym, *end = fr->sym + len;
	size_t nfields = 0, last_nonempty = 0;
	const char *fields[64];
	size_t flens[64];
	while (nfields < 64) {
		const char *arrow = memmem(f, (size_t)(end - f), "->", 2);
		const char *fe = arrow ? arrow : end;
		fields[nfields] = f;
		flens[nfields] = (size_t)(fe - f);
		nfields++;
		if (fe > f)
			last_nonempty = nfields;
		if (!arrow)
			break;
		f = arrow + 2;
	}
	nfields = last_nonempty;
	/* frames of one line are unshifted as a block: push them in reverse */
	size_t base = out->n;
	for (size_t i = 0; i < nfields; i++) {
		compat_name(o, fr, fields[i], flens[i], i > 0, java, scratch);
		prof_frame_vec_push(out, prof_stacks_intern(s, scratch->data, scratch->len), 0,
				    PROF_FK_PLAIN);
	}
	for (size_t i = base, j = out->n; i + 1 < j; i++, j--) {
		struct prof_fold_frame t = out->v[i];
		out->v[i] = out->v[j - 1];
		out->v[j - 1] = t;
	}
}
