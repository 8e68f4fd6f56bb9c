/*
 * flame_palette.c — which kind of code a frame is, and its colour. The Node
 * palette answers the first question a Node profile raises — is the time in my
 * code, a dependency, Node itself, V8, native code, the GC or the kernel — from
 * the frame names nodescope fold (or record) writes: JS frames are
 * "name file:line:col" with a tier mask, or V8's raw "JS:*name file:line" when
 * folded by stackcollapse-perf.pl.
 */
#include "output/output.h"

#include <string.h>

static int has(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

static int starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* The file of a JS frame "name file:line[:col]" (after the first space). */
static enum out_category js_category(const char *name, size_t len)
{
	const char *sp = memchr(name, ' ', len);
	const char *file = sp ? sp + 1 : name;
	size_t flen = len - (size_t)(file - name);
	if (has(file, flen, "/node_modules/") || starts(file, flen, "node_modules/"))
		return OUT_CAT_DEPS_JS;
	if (starts(file, flen, "node:") || starts(file, flen, "internal/") ||
	    starts(file, flen, "evalmachine."))
		return OUT_CAT_NODE_JS;
	return OUT_CAT_USER_JS;
}

static int is_gc(const char *n, size_t len)
{
	static const char *const marks[] = {
		"v8::internal::Heap::", "v8::internal::Heap<", "Scavenge", "MarkCompact",
		"Sweeper", "ConcurrentMarking", "IncrementalMarking", "GCTracer", "MinorMS",
		"MarkingVisitor", "heap::base::", "cppgc::internal::", "EvacuateNew",
		"Evacuator", "MemoryReducer", "PageMemory"};
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (has(n, len, marks[i]))
			return 1;
	return 0;
}

static int is_v8(const char *n, size_t len)
{
	static const char *const prefixes[] = {
		"Builtins_", "Builtin:", "BytecodeHandler:", "Stub:", "RegExp:", "Handler:",
		"v8::", "v8_", "cppgc::", "[interpreted JS]", "[unknown: JIT", "[unknown: regexp",
		"LoadIC", "StoreIC", "KeyedLoadIC", "KeyedStoreIC"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (starts(n, len, prefixes[i]))
			return 1;
	return 0;
}

/* "name file:line" or "name file:line:col": the shape of a JS frame once the
 * V8 prefix and tier are gone (as nodescope fold and record name them). */
static int has_js_location(const char *n, size_t len)
{
	const char *sp = memrchr(n, ' ', len);
	if (!sp || sp + 1 == n + len)
		return 0;
	size_t i = len, colons = 0;
	while (colons < 2) {
		size_t digits = 0;
		while (i && n[i - 1] >= '0' && n[i - 1] <= '9') {
			i--;
			digits++;
		}
		if (!digits || !i || n[i - 1] != ':')
			break;
		i--;
		colons++;
	}
	return colons >= 1 && n + i > sp + 1;
}

enum out_category out_categorize(const char *name, size_t len, unsigned tiers)
{
	if (len >= 4 && memcmp(name + len - 4, "_[k]", 4) == 0)
		return OUT_CAT_KERNEL;
	static const char *const js_prefixes[] = {"JS:", "LazyCompile:", "Function:", "Script:",
						  "Eval:"};
	for (size_t i = 0; i < sizeof(js_prefixes) / sizeof(js_prefixes[0]); i++)
		if (starts(name, len, js_prefixes[i]))
			return js_category(name, len);
	if ((tiers || has_js_location(name, len)) && !starts(name, len, "["))
		return js_category(name, len);
	if (is_gc(name, len))
		return OUT_CAT_GC;
	if (is_v8(name, len))
		return OUT_CAT_V8;
	if (starts(name, len, "[") || !len)
		return OUT_CAT_OTHER;
	return OUT_CAT_NATIVE;
}

const char *out_category_label(enum out_category c)
{
	static const char *const labels[] = {"other",  "your JS",    "node_modules", "Node internals",
					     "V8",     "native C++", "GC",           "kernel"};
	return (unsigned)c < OUT_CAT_COUNT ? labels[c] : "other";
}

void out_palette_color(enum out_palette p, enum out_category c, double v, int rgb[3])
{
	if (p == OUT_PALETTE_HOT) { /* flamegraph.pl "hot": red to yellow */
		rgb[0] = 205 + (int)(50 * v);
		rgb[1] = (int)(230 * v);
		rgb[2] = (int)(55 * v);
		return;
	}
	/* base colour and the spread of the variation, per category */
	static const int base[OUT_CAT_COUNT][6] = {
		{175, 175, 175, 30, 30, 30},  /* other: grey */
		{60, 185, 60, 50, 50, 40},    /* your JS: green */
		{40, 170, 170, 40, 50, 50},   /* node_modules: teal */
		{100, 150, 225, 40, 40, 30},  /* Node internals: blue */
		{220, 200, 60, 30, 40, 40},   /* V8: yellow */
		{225, 100, 80, 30, 40, 30},   /* native C++: red */
		{165, 110, 215, 40, 35, 35},  /* GC: purple */
		{235, 145, 30, 20, 35, 30},   /* kernel: orange */
	};
	const int *b = base[(unsigned)c < OUT_CAT_COUNT ? c : 0];
	for (int i = 0; i < 3; i++) {
		int x = b[i] + (int)(b[3 + i] * v);
		rgb[i] = x > 255 ? 255 : x;
	}
}
