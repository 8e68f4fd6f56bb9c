/*
 * flame_svg.c — a stack trie drawn as a self-contained interactive SVG flame
 * graph (the script is flame_js.c). Layout as flamegraph.pl draws it: one box
 * per trie node, children left to right in name order, width proportional to
 * samples. Unlike flamegraph.pl, siblings narrower than the minimum width are
 * not dropped but merged into one "[N narrow frames]" box, so the time stays
 * visible and the file (and the browser's work) is bounded by the image width,
 * not by the number of samples.
 */
#include "output/output.h"
#include "output/flame_js.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FONT_SIZE 12
#define FONT_WIDTH 0.59
#define PAD 10
#define MATCH_COLOR "#e600e6"

struct item {
	uint32_t node; /* UINT32_MAX: a merged group of narrow siblings */
	int depth;
	double x; /* in samples */
	double w;
	uint32_t merged;
};

struct render {
	const struct prof_stacks *s;
	const struct out_flame_opts *o;
	FILE *out;
	int set;           /* count set the widths follow */
	double total;      /* samples of that set at the root */
	double other_total; /* diff: samples of the other set */
	double px_per_sample, min_samples, min_group, width;
	int fh, maxdepth, top;
	double maxdelta;
	uint64_t rng;
	struct util_buf esc;
	size_t nframes;
	/* DFS stack, and the children of one node in name order */
	struct item *stack;
	size_t nstack, cap;
	uint32_t *kids;
	size_t kids_cap;
};

static int kid_cmp(const void *a, const void *b, void *arg)
{
	const struct prof_stacks *s = arg;
	size_t la, lb;
	const char *na = prof_stacks_name_of(s, prof_stacks_node(s, *(const uint32_t *)a)->name, &la);
	const char *nb = prof_stacks_name_of(s, prof_stacks_node(s, *(const uint32_t *)b)->name, &lb);
	int c = memcmp(na, nb, la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

/* The children of node n sorted by name, as flamegraph.pl orders them. */
static size_t sorted_kids(struct render *r, uint32_t n)
{
	size_t k = 0;
	for (uint32_t c = prof_stacks_node(r->s, n)->first_child; c;
	     c = prof_stacks_node(r->s, c)->next_sibling) {
		if (k == r->kids_cap) {
			r->kids_cap = r->kids_cap ? r->kids_cap * 2 : 64;
			r->kids = util_realloc(r->kids, r->kids_cap * sizeof(*r->kids));
		}
		r->kids[k++] = c;
	}
	qsort_r(r->kids, k, sizeof(*r->kids), kid_cmp, (void *)r->s);
	return k;
}

static void push(struct render *r, struct item it)
{
	if (r->nstack == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->stack = util_realloc(r->stack, r->cap * sizeof(*r->stack));
	}
	r->stack[r->nstack++] = it;
}

static double node_w(const struct render *r, uint32_t n, int set)
{
	return (double)prof_stacks_node(r->s, n)->total[set];
}

/* The change of a node's share of the total between the two profiles. */
static double delta_of(const struct render *r, uint32_t n)
{
	if (!r->o->diff)
		return 0;
	int other = !r->set;
	double after = r->total ? node_w(r, n, r->set) / r->total : 0;
	double before = r->other_total ? node_w(r, n, other) / r->other_total : 0;
	return r->o->negate ? before - after : after - before;
}

/*
 * Walks the drawn frames (depth first, children in order), calling fn on each:
 * a node wide enough, or a merged group of narrow siblings.
 */
static void walk(struct render *r, void (*fn)(struct render *r, const struct item *it))
{
	r->nstack = 0;
	push(r, (struct item){PROF_ROOT, 0, 0, r->total, 0});
	while (r->nstack) {
		struct item it = r->stack[--r->nstack];
		fn(r, &it);
		if (it.node == UINT32_MAX)
			continue;
		double cx = it.x, gx = 0, gw = 0;
		uint32_t gn = 0;
		size_t nk = sorted_kids(r, it.node);
		/* pushed right to left so that frames are written left to right */
		size_t mark = r->nstack;
		for (size_t k = 0; k < nk; k++) {
			uint32_t c = r->kids[k];
			double w = node_w(r, c, r->set);
			if (w <= 0)
				continue;
			if (w >= r->min_samples) {
				if (gn > 1 && gw >= r->min_group)
					push(r, (struct item){UINT32_MAX, it.depth + 1, gx, gw, gn});
				gn = 0;
				gw = 0;
				push(r, (struct item){c, it.depth + 1, cx, w, 0});
			} else {
				if (!gn)
					gx = cx;
				gn++;
				gw += w;
			}
			cx += w;
		}
		if (gn > 1 && gw >= r->min_group)
			push(r, (struct item){UINT32_MAX, it.depth + 1, gx, gw, gn});
		for (size_t a = mark, b = r->nstack; a + 1 < b; a++, b--) {
			struct item t = r->stack[a];
			r->stack[a] = r->stack[b - 1];
			r->stack[b - 1] = t;
		}
	}
}

static void measure(struct render *r, const struct item *it)
{
	if (it->depth > r->maxdepth)
		r->maxdepth = it->depth;
	if (it->node != UINT32_MAX) {
		double d = fabs(delta_of(r, it->node));
		if (d > r->maxdelta)
			r->maxdelta = d;
	}
}

/* ---- text ---- */

/* Appends s as XML text: escaped, invalid UTF-8 and control bytes as '?'. */
static void xml_escape(struct util_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if (c == '&')
				util_buf_adds(b, "&amp;");
			else if (c == '<')
				util_buf_adds(b, "&lt;");
			else if (c == '>')
				util_buf_adds(b, "&gt;");
			else if (c == '"')
				util_buf_adds(b, "&quot;");
			else
				util_buf_addc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
			i++;
			continue;
		}
		size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
		if (c >= 0xf5)
			n = 0;
		int ok = n && i + n <= len;
		uint32_t cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
		for (size_t k = 1; ok && k < n; k++) {
			ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
			cp = cp << 6 | ((unsigned char)s[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and non-characters are not XML text */
		if (ok && ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) || cp >= 0xfffe)) ||
			   (n == 4 && (cp < 0x10000 || cp > 0x10ffff))))
			ok = 0;
		if (!ok) {
			util_buf_addc(b, '?');
			i++;
			continue;
		}
		util_buf_add(b, s + i, n);
		i += n;
	}
}

/* The label that fits a box of w px (same rule as the script's fit()). */
static void fit_label(struct util_buf *b, const char *name, size_t len, double w)
{
	long n = (long)floor((w - 6) / (FONT_SIZE * FONT_WIDTH));
	if (n < 3)
		return;
	if ((size_t)n >= len) {
		xml_escape(b, name, len);
		return;
	}
	size_t cut = (size_t)n - 2;
	while (cut && ((unsigned char)name[cut] & 0xc0) == 0x80)
		cut--;
	xml_escape(b, name, cut);
	util_buf_adds(b, "..");
}

static void add_count(struct util_buf *b, uint64_t v)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			util_buf_addc(b, ',');
		util_buf_addc(b, digits[i]);
	}
}

/* Shortest of "%.2f" without trailing zeros. */
static void num(FILE *out, double v)
{
	char s[32];
	snprintf(s, sizeof(s), "%.2f", v);
	char *e = s + strlen(s);
	while (e[-1] == '0')
		*--e = 0;
	if (e[-1] == '.')
		e[-1] = 0;
	fputs(s, out);
}

static void tier_names(struct util_buf *b, unsigned tiers)
{
	static const char *const names[] = {"Ignition", "Sparkplug", "Maglev", "TurboFan"};
	int first = 1;
	util_buf_adds(b, "; JIT: ");
	for (int i = 3; i >= 0; i--)
		if (tiers & (1u << i)) {
			util_buf_adds(b, first ? "" : ", ");
			util_buf_adds(b, names[i]);
			first = 0;
		}
}

/* ---- frames ---- */

static void frame_title(struct render *r, const struct item *it, const char *name, size_t len)
{
	struct util_buf *b = &r->esc;
	util_buf_reset(b);
	if (it->node == UINT32_MAX)
		util_buf_printf(b, "[%u narrow frames merged]", it->merged);
	else
		xml_escape(b, name, len);
	util_buf_adds(b, " (");
	add_count(b, (uint64_t)it->w);
	util_buf_printf(b, " %s, %.2f%%", r->o->countname ? r->o->countname : "samples",
			r->total ? 100.0 * it->w / r->total : 0);
	if (it->node != UINT32_MAX) {
		const struct prof_node *n = prof_stacks_node(r->s, it->node);
		if (n->tiers)
			tier_names(b, n->tiers);
		if (r->o->diff) {
			double before = node_w(r, it->node, !r->set);
			util_buf_printf(b, "; before: %.2f%%, change: %+.2f%%",
					r->other_total ? 100.0 * before / r->other_total : 0,
					100.0 * delta_of(r, it->node));
		}
	}
	util_buf_addc(b, ')');
}

static void frame_color(struct render *r, const struct item *it, const char *name, size_t len,
			int rgb[3])
{
	if (it->node == UINT32_MAX) {
		rgb[0] = rgb[1] = rgb[2] = 200;
		return;
	}
	if (r->o->diff) {
		double d = r->maxdelta > 0 ? delta_of(r, it->node) / r->maxdelta : 0;
		int fade = (int)lround(235 * (1 - fabs(d)));
		rgb[0] = d < 0 ? fade : 255;
		rgb[1] = fade;
		rgb[2] = d > 0 ? fade : 255;
		if (d == 0)
			rgb[0] = rgb[1] = rgb[2] = 240;
		return;
	}
	double v;
	if (r->o->hash) {
		v = (double)(util_hash(name, len) % 1000) / 1000.0;
	} else {
		r->rng = r->rng * 6364136223846793005ULL + 1442695040888963407ULL;
		v = (double)(r->rng >> 40) / (double)(1ULL << 24);
	}
	const struct prof_node *n = prof_stacks_node(r->s, it->node);
	enum out_category c = it->depth <= 1 ? OUT_CAT_OTHER : out_categorize(name, len, n->tiers);
	out_palette_color(r->o->palette, c, v, rgb);
}

static void draw(struct render *r, const struct item *it)
{
	size_t len = 0;
	const char *name = "";
	if (it->node != UINT32_MAX) {
		const struct prof_node *n = prof_stacks_node(r->s, it->node);
		name = prof_stacks_name_of(r->s, n->name, &len);
	}
	double x = PAD + it->x * r->px_per_sample, w = it->w * r->px_per_sample;
	int y = r->o->inverted ? r->top + it->depth * r->fh : r->top + (r->maxdepth - it->depth) * r->fh;
	int rgb[3];
	frame_color(r, it, name, len, rgb);
	frame_title(r, it, name, len);
	fprintf(r->out, "<g class=\"f\"><title>%s</title><rect x=\"", r->esc.data);
	num(r->out, x);
	fprintf(r->out, "\" y=\"%d\" width=\"", y);
	num(r->out, w);
	fprintf(r->out, "\" height=\"%d\" fill=\"#%02x%02x%02x\" rx=\"2\"/>", r->fh - 1, rgb[0],
		rgb[1], rgb[2]);
	util_buf_reset(&r->esc);
	if (it->node == UINT32_MAX) {
		char label[48];
		int n = snprintf(label, sizeof(label), "[%u frames]", it->merged);
		fit_label(&r->esc, label, (size_t)n, w);
	} else {
		fit_label(&r->esc, name, len, w);
	}
	if (r->esc.len) { /* no label fits: the script adds one if a zoom makes room */
		fputs("<text x=\"", r->out);
		num(r->out, x + 3);
		fprintf(r->out, "\" y=\"%d\">%s</text>", y + r->fh - 4, r->esc.data);
	}
	fputs("</g>\n", r->out);
	r->nframes++;
}

/* ---- the document ---- */

static void header(struct render *r, int height)
{
	const struct out_flame_opts *o = r->o;
	const char *title = o->title ? o->title
			    : o->diff ? "Differential Flame Graph"
			    : o->inverted ? "Icicle Graph"
					  : "Flame Graph";
	int W = (int)r->width;
	fprintf(r->out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<!-- made by nodescope " NODESCOPE_VERSION " -->\n"
		"<style>\n"
		"text{font-family:Verdana,sans-serif;font-size:%dpx;fill:#000}\n"
		"#title{text-anchor:middle;font-size:17px}#subtitle{text-anchor:middle;fill:#555}\n"
		".btn{cursor:pointer;fill:#333}.btn:hover{text-decoration:underline}.hide{display:none}\n"
		"#ignorecase{fill:#aaa}#ignorecase.on{fill:#000;font-weight:bold}#search.on{fill:#a0a}\n"
		"g.f{cursor:pointer}g.f:hover rect{stroke:#000;stroke-width:.5}g.parent{opacity:.5}\n"
		".legend{font-size:11px;fill:#333}\n"
		"</style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n"
		"var fg = {W: %d, pad: %d, fh: %d, fontw: %.3f, inverted: %d, matchcolor: \"%s\"};\n"
		"%s]]></script>\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f8f8f4\"/>\n",
		W, height, W, height, FONT_SIZE, W, PAD, r->fh, FONT_SIZE * FONT_WIDTH, o->inverted ? 1 : 0,
		MATCH_COLOR, out_flame_script, W, height);
	util_buf_reset(&r->esc);
	xml_escape(&r->esc, title, strlen(title));
	fprintf(r->out, "<text id=\"title\" x=\"%d\" y=\"24\">%s</text>\n", W / 2, r->esc.data);
	if (o->subtitle) {
		util_buf_reset(&r->esc);
		xml_escape(&r->esc, o->subtitle, strlen(o->subtitle));
		fprintf(r->out, "<text id=\"subtitle\" x=\"%d\" y=\"42\">%s</text>\n", W / 2, r->esc.data);
	}
	fprintf(r->out,
		"<text id=\"unzoom\" class=\"btn hide\" x=\"%d\" y=\"24\">Reset Zoom</text>\n"
		"<text id=\"search\" class=\"btn\" x=\"%d\" y=\"24\">Search</text>\n"
		"<text id=\"ignorecase\" class=\"btn\" x=\"%d\" y=\"24\">ic</text>\n",
		PAD, W - PAD - 110, W - PAD - 16);
}

static void footer(struct render *r, int frames_bottom)
{
	int W = (int)r->width, y = frames_bottom + 18;
	fprintf(r->out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", PAD, y);
	fprintf(r->out, "<text id=\"matched\" x=\"%d\" y=\"%d\"></text>\n", W - PAD - 110, y);
	y += 18;
	int x = PAD;
	if (r->o->diff) {
		fprintf(r->out,
			"<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#ff4040\"/>"
			"<text class=\"legend\" x=\"%d\" y=\"%d\">share of %s grew</text>\n"
			"<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#4040ff\"/>"
			"<text class=\"legend\" x=\"%d\" y=\"%d\">shrank (normalised by totals; widths: %s)</text>\n",
			x, y - 9, x + 14, y, r->o->countname ? r->o->countname : "samples", x + 160,
			y - 9, x + 174, y, r->o->negate ? "before" : "after");
		return;
	}
	if (r->o->palette != OUT_PALETTE_NODE)
		return;
	for (int c = OUT_CAT_USER_JS; c < OUT_CAT_COUNT; c++) {
		int rgb[3];
		out_palette_color(OUT_PALETTE_NODE, (enum out_category)c, 0.5, rgb);
		const char *label = out_category_label((enum out_category)c);
		fprintf(r->out,
			"<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#%02x%02x%02x\"/>"
			"<text class=\"legend\" x=\"%d\" y=\"%d\">%s</text>\n",
			x, y - 9, rgb[0], rgb[1], rgb[2], x + 14, y, label);
		x += 14 + (int)(strlen(label) * 6.5) + 16;
	}
}

int out_flame_svg(const struct prof_stacks *s, const struct out_flame_opts *o, FILE *out)
{
	struct prof_stacks *owned = NULL;
	if (o->reverse)
		s = owned = prof_stacks_reversed(s);
	struct render r = {0};
	r.s = s;
	r.o = o;
	r.out = out;
	r.set = o->diff && !o->negate ? 1 : 0;
	r.total = (double)prof_stacks_total_set(s, r.set);
	r.other_total = (double)prof_stacks_total_set(s, !r.set);
	r.width = o->width > 2 * PAD + 10 ? o->width : 1200;
	r.fh = o->frame_height > 4 ? o->frame_height : 16;
	double span = r.width - 2 * PAD;
	r.px_per_sample = r.total > 0 ? span / r.total : 0;
	double minwidth = o->minwidth > 0 ? o->minwidth : 0.1;
	r.min_samples = o->minwidth_percent ? r.total * minwidth / 100.0 : minwidth / (r.px_per_sample ? r.px_per_sample : 1);
	/* a group of merged frames is drawn when it is at least 1 px wide */
	r.min_group = r.px_per_sample > 0 && 1.0 / r.px_per_sample > r.min_samples ? 1.0 / r.px_per_sample
										    : r.min_samples;
	r.rng = 0x2545f4914f6cdd1dULL;
	if (r.total <= 0) {
		prof_stacks_free(owned);
		return util_error("no samples to draw");
	}
	walk(&r, measure);
	r.top = o->subtitle ? 50 : 34;
	int frames_bottom = r.top + (r.maxdepth + 1) * r.fh;
	int height = frames_bottom + 46;
	header(&r, height);
	walk(&r, draw);
	footer(&r, frames_bottom);
	fputs("</svg>\n", out);
	free(r.stack);
	free(r.kids);
	util_buf_free(&r.esc);
	prof_stacks_free(owned);
	if (ferror(out))
		return util_error("write: output error");
	return 0;
}
