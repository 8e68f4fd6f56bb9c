/* Unit tests of perf script parsing and folding (src/profile/perfscript.c,
 * fold*.c): stackcollapse-perf.pl's regex semantics on odd lines, and the
 * Node-aware frame names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "profile/perfscript.h"

static void str_eq(const char *p, size_t n, const char *want)
{
	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
}

static void parses_headers_like_perl(void **state)
{
	(void)state;
	struct prof_ps_header h;
	const char *l = "V8 WorkerThread 24636/25607 [000] 94564.109216: 100 cycles:";
	assert_int_equal(prof_ps_parse_header(l, strlen(l), &h), 1);
	str_eq(h.comm, h.comm_len, "V8 WorkerThread");
	str_eq(h.pid, h.pid_len, "24636");
	str_eq(h.tid, h.tid_len, "25607");
	str_eq(h.period, h.period_len, "100");
	str_eq(h.event, h.event_len, "cycles");
	l = "node  5878  1702.592228:    1001001 cpu-clock:ppp: ";
	assert_int_equal(prof_ps_parse_header(l, strlen(l), &h), 1);
	assert_int_equal(h.tid_len, 0);
	str_eq(h.period, h.period_len, "1001001");
	str_eq(h.event, h.event_len, "cpu-clock:ppp");
	/* a one-letter comm: perl's lazy \S.+? takes up to the first "\s+\d+\s" */
	l = "a 123 456.0: 1 ev:";
	assert_int_equal(prof_ps_parse_header(l, strlen(l), &h), 1);
	str_eq(h.comm, h.comm_len, "a 123 456.0:");
	str_eq(h.pid, h.pid_len, "1");
	l = "node 12 3.0: ev:";
	assert_int_equal(prof_ps_parse_header(l, strlen(l), &h), 1);
	assert_int_equal(h.period_len, 0);
	str_eq(h.event, h.event_len, "ev");
	l = "\tffff foo (bar)";
	assert_int_equal(prof_ps_parse_header(l, strlen(l), &h), 0);
	l = "no digits here";
	assert_int_equal(prof_ps_parse_header(l, strlen(l), &h), 0);
}

static void parses_frames_like_perl(void **state)
{
	(void)state;
	struct prof_ps_frame f;
	const char *l = "\t    7ff2 JS:^ /x/s.js:70:34+0x148 (/tmp/perf-5878.map)";
	assert_int_equal(prof_ps_parse_frame(l, strlen(l), &f), 1);
	str_eq(f.pc, f.pc_len, "7ff2");
	str_eq(f.sym, f.sym_len, "JS:^ /x/s.js:70:34+0x148");
	str_eq(f.mod, f.mod_len, "/tmp/perf-5878.map");
	l = "  abc foo(int) (bar (deleted))";
	assert_int_equal(prof_ps_parse_frame(l, strlen(l), &f), 1);
	str_eq(f.sym, f.sym_len, "foo(int) (bar");
	str_eq(f.mod, f.mod_len, "deleted)");
	l = "abc (x)"; /* perl backtracks into the address */
	assert_int_equal(prof_ps_parse_frame(l, strlen(l), &f), 1);
	str_eq(f.pc, f.pc_len, "ab");
	str_eq(f.sym, f.sym_len, "c");
	str_eq(f.mod, f.mod_len, "x");
	const char *bad[] = {"", "   ", "\tffff nothing", "\t(x)", "\t!! foo (bar)"};
	for (int i = 0; i < 5; i++)
		assert_int_equal(prof_ps_parse_frame(bad[i], strlen(bad[i]), &f), 0);
}

static char *fold_text(const char *const *lines, int n, const struct prof_fold_opts *o)
{
	struct prof_stacks *s = prof_stacks_new();
	struct prof_fold *f = prof_fold_new(s, o);
	for (int i = 0; i < n; i++)
		assert_int_equal(prof_fold_line(f, lines[i], strlen(lines[i])), 0);
	assert_int_equal(prof_fold_finish(f), 0);
	prof_fold_free(f);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	prof_stacks_write_folded(s, out);
	fclose(out);
	prof_stacks_free(s);
	return buf;
}

static void node_mode_merges_tiers_and_trampolines(void **state)
{
	(void)state;
	const char *in[] = {
		"node 1 1.0: 100 cpu-clock:",
		"\t7f01 JS:*fib /a.js:7:13+0x10 (/tmp/perf-1.map)",
		"\t7f02 JS:^fib /a.js:7:13+0x20 (/tmp/perf-1.map)",
		"\t1401 Builtins_InterpreterEntryTrampoline+0xd0 (/usr/bin/node)",
		"\t1401 Builtins_InterpreterEntryTrampoline+0xd0 (/usr/bin/node)",
		"\t1402 Builtins_JSEntry+0x83 (/usr/bin/node)",
		"\t1403 __libc_start_call_main+0x80 (/usr/lib/libc.so.6)",
		"",
		"node 1 2.0: 100 cpu-clock:",
		"\t7f03 JS:o+fib /a.js:7:13+0x30 (/tmp/perf-1.map)",
		"\t7f04 [unknown] (/tmp/perf-1.map)",
		"\t1402 Builtins_JSEntry+0x83 (/usr/bin/node)",
		"\tffffffff81000130 entry_SYSCALL_64+0x76 ([kernel.kallsyms])",
		"\t0 [unknown] ([unknown])",
	};
	struct prof_fold_opts o = {0};
	char *t = fold_text(in, (int)(sizeof(in) / sizeof(in[0])), &o);
	assert_string_equal(t, "node;[unknown: truncated stack];entry_SYSCALL_64_[k];Builtins_JSEntry;"
			       "[unknown: JIT code not in perf map];fib /a.js:7:13_[+] 1\n"
			       "node;__libc_start_call_main;Builtins_JSEntry;[interpreted JS]_[~];"
			       "fib /a.js:7:13_[^];fib /a.js:7:13_[*] 1\n");
	free(t);
	o.compat = 1;
	t = fold_text(in, 8, &o);
	assert_string_equal(t, "node;__libc_start_call_main;Builtins_JSEntry;"
			       "Builtins_InterpreterEntryTrampoline;Builtins_InterpreterEntryTrampoline;"
			       "JS:^fib /a.js:7:13;JS:*fib /a.js:7:13 100\n");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_headers_like_perl),
		cmocka_unit_test(parses_frames_like_perl),
		cmocka_unit_test(node_mode_merges_tiers_and_trampolines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
