/*
 * output — rendering profiles and reports for people and programs: the
 * interactive SVG flame graph (flame_svg.c with its embedded script in
 * flame_js.c), and the colour palettes (flame_palette.c). Prefix: out_.
 */
#ifndef NODESCOPE_OUTPUT_H
#define NODESCOPE_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "profile/profile.h"

enum out_palette {
	OUT_PALETTE_NODE, /* your JS, node_modules, Node internals, V8, native, GC, kernel */
	OUT_PALETTE_HOT,  /* flamegraph.pl's default warm colours */
};

struct out_flame_opts {
	const char *title;     /* NULL: "Flame Graph", "Icicle Graph" or "Differential Flame Graph" */
	const char *subtitle;  /* NULL: none */
	int width;             /* image width in px; 0: 1200 */
	int frame_height;      /* px per frame; 0: 16 */
	double minwidth;       /* frames narrower than this are merged; 0: 0.1 */
	int minwidth_percent;  /* minwidth is a percentage of the total, not px */
	const char *countname; /* NULL: "samples" */
	int reverse;           /* merge stacks from the leaf: callers of hot functions */
	int inverted;          /* icicle: root at the top */
	int hash;              /* colour variation from a hash of the name, not a sequence */
	enum out_palette palette;
	/* Differential graph: count set 0 of the trie is BEFORE, set 1 is AFTER.
	 * Widths follow AFTER; colour is the change of each frame's share of the
	 * total (normalised): red grew, blue shrank. negate swaps the roles. */
	int diff, negate;
};

/* Writes a self-contained interactive SVG of s to out. */
int out_flame_svg(const struct prof_stacks *s, const struct out_flame_opts *o, FILE *out);

/* Writes s as JSON: {"unit", "total", "distinct_stacks", "stacks": [{"frames", "count"}]}. */
int out_stacks_json(const struct prof_stacks *s, const char *unit, FILE *out);

/* Frame categories of the Node palette, from a frame's name and tier mask. */
enum out_category {
	OUT_CAT_OTHER,
	OUT_CAT_USER_JS,
	OUT_CAT_DEPS_JS,
	OUT_CAT_NODE_JS,
	OUT_CAT_V8,
	OUT_CAT_NATIVE,
	OUT_CAT_GC,
	OUT_CAT_KERNEL,
	OUT_CAT_COUNT
};
enum out_category out_categorize(const char *name, size_t len, unsigned tiers);
const char *out_category_label(enum out_category c);
/* rgb of a frame: category base colour varied by v in [0,1). */
void out_palette_color(enum out_palette p, enum out_category c, double v, int rgb[3]);

#endif
