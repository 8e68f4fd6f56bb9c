/*
 * fold_node.c — the Node-aware folding of `nodescope fold` (the default mode).
 * What it changes against stackcollapse-perf.pl, and why:
 *   - V8's perf-map names "JS:*fib /app.js:7:13", "JS:^fib ...", "JS:o+fib ...",
 *     "LazyCompile:~fib /app.js:7" become one frame "fib /app.js:7:13" per
 *     function, the JIT tiers seen kept as the node's tier mask ("_[^*]");
 *   - runs of Builtins_InterpreterEntryTrampoline (every interpreted frame when
 *     node runs without --interpreted-frames-native-stack) become one
 *     "[interpreted JS]" frame;
 *   - [unknown] frames are labelled by cause: JIT code with no perf map, regexp
 *     code missing from an --perf-basic-prof-only-functions map, JIT code the map
 *     does not cover, or a stack the frame-pointer walk could not finish;
 *   - C++ names are kept whole (no cut at the first '('), kernel frames get _[k].
 */
#include "profile/perfscript.h"

#include <string.h>

size_t prof_strip_offset(const char *f, size_t len);

#define LABEL_INTERPRETED "[interpreted JS]"
#define LABEL_UNKNOWN_JIT "[unknown: JIT code, no perf map]"
#define LABEL_REGEXP "[unknown: regexp code, not in perf map]"
#define LABEL_TRUNCATED "[unknown: truncated stack]"

void prof_node_labels_init(struct prof_stacks *s, struct prof_node_labels *l)
{
	l->interpreted = prof_stacks_intern(s, LABEL_INTERPRETED, strlen(LABEL_INTERPRETED));
	l->unknown_jit = prof_stacks_intern(s, LABEL_UNKNOWN_JIT, strlen(LABEL_UNKNOWN_JIT));
	l->regexp_unknown = prof_stacks_intern(s, LABEL_REGEXP, strlen(LABEL_REGEXP));
	l->truncated = prof_stacks_intern(s, LABEL_TRUNCATED, strlen(LABEL_TRUNCATED));
}

static int starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

static int equals(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* The module is a V8 perf map: ".../perf-<digits>.map". */
static int is_map_module(const char *m, size_t len)
{
	if (len < 10 || memcmp(m + len - 4, ".map", 4) != 0)
		return 0;
	size_t k = len - 4;
	while (k && m[k - 1] >= '0' && m[k - 1] <= '9')
		k--;
	return k < len - 4 && k >= 5 && memcmp(m + k - 5, "perf-", 5) == 0;
}

static int is_kernel_module(const char *m, size_t len)
{
	return (len && m[0] == '[' && !equals(m, len, "[unknown]")) ||
	       (len >= 7 && memcmp(m + len - 7, "vmlinux", 7) == 0);
}

/* First frames of a thread: a stack that reaches one of these is complete. */
static int is_entry_symbol(const char *f, size_t len)
{
	static const char *const entries[] = {
		"_start", "__libc_start_main", "__libc_start_call_main", "start_thread",
		"clone", "clone3", "__clone", "__clone3", "_dl_start_user", "_dl_start",
		"ret_from_fork", "ret_from_fork_asm", "secondary_startup_64",
		"secondary_startup_64_no_verify", "common_startup_64", "start_kernel",
		"x86_64_start_kernel", "thread_start",
	};
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (equals(f, len, entries[i]))
			return 1;
	return 0;
}

/* "JS:*'fib /a.js:7:13" -> tier '*', name "fib /a.js:7:13". Prefixes of V8 perf
 * maps across Node 18..26: JS: (V8 >= 10.x), LazyCompile:/Function:/Script:/Eval:
 * (older), a tier marker ~ ^ + *, an 'o' before it for on-stack-replacement code,
 * and a "'" after it (V8 12+ context-specialised code). */
static int parse_js_symbol(const char *f, size_t len, struct util_buf *b, uint8_t *tier)
{
	static const char *const prefixes[] = {"JS:", "LazyCompile:", "Function:", "Script:", "Eval:"};
	size_t i = 0;
	for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if (starts(f, len, prefixes[k])) {
			i = strlen(prefixes[k]);
			break;
		}
	if (!i)
		return 0;
	if (i + 1 < len && f[i] == 'o' && prof_tier_of(f[i + 1]))
		i++;
	*tier = (uint8_t)(i < len ? prof_tier_of(f[i]) : 0);
	if (*tier)
		i++;
	if (*tier && i < len && f[i] == '\'')
		i++;
	util_buf_reset(b);
	size_t name_end = i;
	while (name_end < len && f[name_end] != ' ')
		name_end++;
	if (name_end == i)
		util_buf_adds(b, starts(f, len, "Script:") ? "(script)" : "(anonymous)");
	else
		util_buf_add(b, f + i, name_end - i);
	util_buf_add(b, f + name_end, len - name_end);
	return 1;
}

static void push_named(struct prof_stacks *s, struct util_buf *b, struct prof_frame_vec *out,
		       uint8_t tier, uint8_t kind)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == ';')
			b->data[i] = ':';
	prof_frame_vec_push(out, prof_stacks_intern(s, b->data, b->len), tier, kind);
}

static void name_unknown(struct prof_stacks *s, const struct prof_fold_opts *o,
			 const struct prof_ps_frame *fr, struct util_buf *b,
			 struct prof_frame_vec *out, int *cacheable)
{
	if (is_map_module(fr->mod, fr->mod_len)) {
		/* named at the end of the sample (regexp or not) and of the input */
		prof_frame_vec_push(out, 0, 0, PROF_FK_UNKNOWN_JIT);
		return;
	}
	util_buf_reset(b);
	uint8_t kind = PROF_FK_PLAIN;
	if (equals(fr->mod, fr->mod_len, "[unknown]")) {
		util_buf_adds(b, "[unknown");
		kind = PROF_FK_HOLE;
	} else {
		const char *slash = memrchr(fr->mod, '/', fr->mod_len);
		const char *base = slash ? slash + 1 : fr->mod;
		util_buf_addc(b, '[');
		util_buf_add(b, base, fr->mod_len - (size_t)(base - fr->mod));
	}
	if (o->addrs) {
		util_buf_adds(b, " <");
		util_buf_add(b, fr->pc, fr->pc_len);
		util_buf_addc(b, '>');
		*cacheable = 0;
	}
	util_buf_addc(b, ']');
	push_named(s, b, out, 0, kind);
}

void prof_fold_node_frame(struct prof_stacks *s, const struct prof_fold_opts *o,
			  const struct prof_ps_frame *fr, struct util_buf *b,
			  struct prof_frame_vec *out, int *cacheable)
{
	size_t len = prof_strip_offset(fr->sym, fr->sym_len);
	const char *f = fr->sym;
	if (len && f[0] == '(')
		return;
	if (equals(f, len, "[unknown]")) {
		name_unknown(s, o, fr, b, out, cacheable);
		return;
	}
	uint8_t tier = 0;
	if (is_map_module(fr->mod, fr->mod_len)) {
		if (parse_js_symbol(f, len, b, &tier)) {
			push_named(s, b, out, tier, PROF_FK_JIT_NAMED);
			return;
		}
		util_buf_reset(b);
		if (starts(f, len, "Builtin:")) { /* same name as the ELF symbol */
			util_buf_adds(b, "Builtins_");
			util_buf_add(b, f + 8, len - 8);
		} else {
			util_buf_add(b, f, len);
		}
		if (equals(b->data, b->len, "Builtins_InterpreterEntryTrampoline")) {
			prof_frame_vec_push(out, 0, PROF_TIER_INTERP, PROF_FK_TRAMPOLINE);
			return;
		}
		push_named(s, b, out, 0, PROF_FK_JIT_NAMED);
		return;
	}
	if (equals(f, len, "Builtins_InterpreterEntryTrampoline")) {
		prof_frame_vec_push(out, 0, PROF_TIER_INTERP, PROF_FK_TRAMPOLINE);
		return;
	}
	uint8_t kind = PROF_FK_PLAIN;
	if (starts(f, len, "Builtins_RegExp"))
		kind = PROF_FK_REGEXP_BUILTIN;
	else if (is_entry_symbol(f, len))
		kind = PROF_FK_ENTRY;
	util_buf_reset(b);
	util_buf_add(b, f, len);
	if (is_kernel_module(fr->mod, fr->mod_len))
		util_buf_adds(b, "_[k]");
	push_named(s, b, out, 0, kind);
}

size_t prof_node_assemble(const struct prof_node_labels *l, const struct prof_fold_frame *fr,
			  size_t n, uint32_t *ids, uint8_t *tiers, struct prof_fold_stats *st)
{
	size_t out = 0, had = n;
	int trampoline = 0, unknown_jit = 0, regexp = 0;
	while (n && fr[n - 1].kind == PROF_FK_HOLE)
		n--;
	if (had && (!n || fr[n - 1].kind != PROF_FK_ENTRY)) {
		ids[out] = l->truncated;
		tiers[out++] = 0;
		st->truncated_samples++;
	}
	for (size_t i = n; i-- > 0;) {
		uint32_t name = fr[i].name;
		uint8_t tier = fr[i].tier;
		switch (fr[i].kind) {
		case PROF_FK_TRAMPOLINE:
			trampoline = 1;
			if (out && ids[out - 1] == l->interpreted)
				continue;
			name = l->interpreted;
			break;
		case PROF_FK_UNKNOWN_JIT:
			if (i + 1 < n && fr[i + 1].kind == PROF_FK_REGEXP_BUILTIN) {
				name = l->regexp_unknown;
				regexp = 1;
			} else {
				name = l->unknown_jit;
				unknown_jit = 1;
			}
			break;
		case PROF_FK_JIT_NAMED:
			st->named_jit_frames++;
			break;
		default:
			break;
		}
		ids[out] = name;
		tiers[out++] = tier;
	}
	st->trampoline_samples += trampoline;
	st->unknown_jit_samples += unknown_jit;
	st->regexp_unknown_samples += regexp;
	return out;
}
