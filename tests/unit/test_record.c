/*
 * test_record.c — unit tests of the recording parts that need no target: the
 * perf map reader (last entry wins, garbage skipped), V8 code names, ELF and
 * kernel symbolization of this very process, the hash index, and the output
 * writers (pprof decoded back with a small protobuf reader, JSON checked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "output/output_formats.h"
#include "profile/profile.h"
#include "profile/record.h"
#include "util/util.h"

#include <dlfcn.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

static struct prof_perfmap *perfmap_of(const char *text, size_t len)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	fwrite(text, 1, len, f);
	fflush(f);
	struct prof_perfmap *m = prof_perfmap_read_fd(fileno(f));
	fclose(f);
	return m;
}

static void test_perfmap_last_entry_wins(void **state)
{
	(void)state;
	const char text[] = "1000 100 JS:~old /a.js:1:1\n"
			    "garbage line\n"
			    "zz 10 bad\n"
			    "1000 40 JS:*new /a.js:1:1\n"
			    "2000 10 RegExp:a+b\n"
			    "1080 100 JS:^later /b.js:2:3\n"
			    "3000 0 zero-size\n";
	struct prof_perfmap *m = perfmap_of(text, sizeof(text) - 1);
	assert_int_equal(prof_perfmap_count(m), 4);
	assert_string_equal(prof_perfmap_lookup(m, 0x1000), "JS:*new /a.js:1:1");
	assert_string_equal(prof_perfmap_lookup(m, 0x1050),
			    "JS:~old /a.js:1:1"); /* only old covers */
	assert_string_equal(prof_perfmap_lookup(m, 0x1090), "JS:^later /b.js:2:3");
	assert_string_equal(prof_perfmap_lookup(m, 0x200f), "RegExp:a+b");
	assert_null(prof_perfmap_lookup(m, 0x2010));
	assert_null(prof_perfmap_lookup(m, 0xfff));
	assert_null(prof_perfmap_lookup(m, 0x3000));
	prof_perfmap_free(m);
}

static void test_perfmap_garbage(void **state)
{
	(void)state;
	char bin[4096];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i * 7919 % 251);
	struct prof_perfmap *m = perfmap_of(bin, sizeof(bin));
	assert_non_null(m);
	prof_perfmap_lookup(m, 0x1234);
	prof_perfmap_free(m);
	m = perfmap_of("", 0);
	assert_int_equal(prof_perfmap_count(m), 0);
	assert_null(prof_perfmap_lookup(m, 1));
	prof_perfmap_free(m);
	assert_null(prof_perfmap_lookup(NULL, 1));
}

static uint8_t check_frame(const char *raw, const char *name, const char *function,
			   const char *file, uint32_t line, uint32_t col, enum out_frame_kind kind)
{
	char buf[1024];
	struct prof_frame_info fi;
	prof_jit_frame(raw, buf, sizeof(buf), &fi);
	assert_string_equal(fi.name, name);
	assert_string_equal(fi.function, function);
	if (file)
		assert_string_equal(fi.file, file);
	else
		assert_null(fi.file);
	assert_int_equal(fi.line, line);
	assert_int_equal(fi.col, col);
	assert_int_equal(fi.kind, kind);
	return fi.tiers;
}

static void test_jit_names(void **state)
{
	(void)state;
	/* Tiers are dropped from the name (one frame per function) and kept as a mask. */
	assert_int_equal(check_frame("JS:*fib /app/x.js:3:13", "fib /app/x.js:3:13", "fib",
				     "/app/x.js", 3, 13, OUT_FRAME_JS),
			 PROF_TIER_TURBOFAN);
	assert_int_equal(check_frame("JS:~fib /app/x.js:3:13", "fib /app/x.js:3:13", "fib",
				     "/app/x.js", 3, 13, OUT_FRAME_JS),
			 PROF_TIER_INTERP);
	assert_int_equal(check_frame("JS:o*onData /app/x.js:9:2", "onData /app/x.js:9:2", "onData",
				     "/app/x.js", 9, 2, OUT_FRAME_JS),
			 PROF_TIER_TURBOFAN);
	assert_int_equal(
	    check_frame("JS:+'f /a.js:1:1", "f /a.js:1:1", "f", "/a.js", 1, 1, OUT_FRAME_JS),
	    PROF_TIER_MAGLEV);
	assert_int_equal(check_frame("JS:onload /a.js:1:1", "onload /a.js:1:1", "onload", "/a.js",
				     1, 1, OUT_FRAME_JS),
			 0);
	check_frame("JS:^ /app/x.js:70:34", "(anonymous) /app/x.js:70:34", "(anonymous)",
		    "/app/x.js", 70, 34, OUT_FRAME_JS);
	check_frame("LazyCompile:*emit node:events:471", "emit node:events:471", "emit",
		    "node:events", 471, 0, OUT_FRAME_JS);
	check_frame("JS:*get size /a.js:5:7", "get size /a.js:5:7", "get size", "/a.js", 5, 7,
		    OUT_FRAME_JS);
	check_frame("Builtin:ArrayTimSort", "Builtins_ArrayTimSort", "Builtins_ArrayTimSort", NULL,
		    0, 0, OUT_FRAME_OTHER);
	check_frame("RegExp:^a;b$", "RegExp:^a:b$", "RegExp:^a:b$", NULL, 0, 0, OUT_FRAME_OTHER);
	check_frame("JS:*noposition", "noposition", "noposition", NULL, 0, 0, OUT_FRAME_JS);
	/* A tiny buffer truncates, never overflows. */
	char small[8];
	struct prof_frame_info fi;
	prof_jit_frame("JS:*averyveryverylongname /x.js:1:1", small, sizeof(small), &fi);
	assert_true(strlen(fi.name) < sizeof(small));
}

/* Functions of this process, found through /proc/self/maps and the ELF files. */
__attribute__((noinline)) int nodescope_test_marker_function(int x)
{
	return x * 3 + 1;
}

static void test_symbolize_self(void **state)
{
	(void)state;
	struct prof_symbolizer *s = prof_symbolizer_new(getpid());
	struct prof_frame_info fi;
	prof_symbolize_user(s, (uint64_t)(uintptr_t)&nodescope_test_marker_function, 0, &fi);
	assert_string_equal(fi.name, "nodescope_test_marker_function");
	assert_int_equal(fi.kind, OUT_FRAME_NATIVE);
	/* A return address just past the start still names the function. */
	prof_symbolize_user(s, (uint64_t)(uintptr_t)&nodescope_test_marker_function + 1, 1, &fi);
	assert_string_equal(fi.name, "nodescope_test_marker_function");
	/* A C++ function of libstdc++, demangled without its parameters. */
	void *dtor = dlsym(RTLD_DEFAULT, "_ZNSt9exceptionD1Ev");
	if (dtor) {
		prof_symbolize_user(s, (uint64_t)(uintptr_t)dtor, 0, &fi);
		assert_string_equal(fi.name, "std::exception::~exception");
	}
	/* Nothing mapped at page 0. */
	prof_symbolize_user(s, 16, 0, &fi);
	assert_string_equal(fi.name, "[unknown]");
	struct prof_symbolizer_stats st;
	prof_symbolizer_stats(s, &st);
	assert_false(st.blob_remapped_anon);
	prof_symbolizer_free(s);
}

/* Stand-ins named like V8's builtins, so a recording of this process meets them. */
__attribute__((noinline)) void Builtins_InterpreterEntryTrampoline(void)
{
	__asm__ volatile("nop; nop; nop; nop");
}
__attribute__((noinline)) void Builtins_JSEntry(void)
{
	__asm__ volatile("nop; nop; nop; nop");
}

static const char *stack_names(const struct out_profile *p, uint32_t stack, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (uint32_t j = 0; j < p->stacks[stack].n && off < len; j++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", j ? ";" : "",
					p->frames[p->stacks[stack].frames[j]].name);
	return buf;
}

static void test_recording(void **state)
{
	(void)state;
	struct prof_symset *syms = prof_symset_new();
	struct prof_recording *r = prof_recording_new(99, 6, syms);
	uint64_t entry = (uint64_t)(uintptr_t)&Builtins_JSEntry + 2;
	uint64_t tramp = (uint64_t)(uintptr_t)&Builtins_InterpreterEntryTrampoline + 2;
	uint64_t leaf = (uint64_t)(uintptr_t)&nodescope_test_marker_function;
	/* Leaf first, as the kernel gives them: a leaf in three interpreted frames. */
	const uint64_t a[] = {PERF_CONTEXT_USER, leaf, tramp, tramp, tramp, entry};
	/* Six frames: as deep as max_stack, so the outer end was cut. */
	const uint64_t b[] = {PERF_CONTEXT_USER, leaf, entry, entry, entry, entry, entry};
	struct prof_raw_sample rs = {.pid = (uint32_t)getpid(),
				     .tid = (uint32_t)getpid(),
				     .time_ns = 2000,
				     .nips = 6,
				     .ips = a};
	prof_recording_add(r, &rs);
	rs.time_ns = 1000; /* out of order: the profile sorts by time */
	prof_recording_add(r, &rs);
	rs.time_ns = 3000;
	rs.nips = 7;
	rs.ips = b;
	prof_recording_add(r, &rs);
	assert_int_equal(prof_recording_samples(r), 3);
	assert_int_equal(prof_recording_processes(r), 1);
	prof_recording_finish(r, 500, 4000, 0, "test", NULL, NULL);
	const struct out_profile *p = prof_recording_profile(r);
	assert_int_equal(p->nsamples, 3);
	assert_int_equal(p->nstacks, 2);
	assert_true(p->samples[0].time_ns == 1000 && p->samples[2].time_ns == 3000);
	char buf[1024], comm[64];
	prof_target_comm(getpid(), getpid(), comm, sizeof(comm));
	char want[1024];
	snprintf(want, sizeof(want),
		 "%s;Builtins_JSEntry;[interpreted JS];nodescope_test_marker_function", comm);
	assert_string_equal(stack_names(p, p->samples[0].stack, buf, sizeof(buf)), want);
	/* The trampoline run became one frame with the interpreter tier. */
	assert_int_equal(p->stacks[p->samples[0].stack].tiers[2], PROF_TIER_INTERP);
	snprintf(want, sizeof(want),
		 "%s;[unknown: truncated "
		 "stack];Builtins_JSEntry;Builtins_JSEntry;Builtins_JSEntry;Builtins_JSEntry;"
		 "Builtins_JSEntry;nodescope_test_marker_function",
		 comm);
	assert_string_equal(stack_names(p, p->samples[2].stack, buf, sizeof(buf)), want);
	prof_recording_free(r);
	prof_symset_free(syms);
}

/* Like node's postmortem metadata: where JSFunction keeps its SharedFunctionInfo. */
int32_t v8dbg_class_JSFunction__shared__SharedFunctionInfo = 24;

static int fake_resolver(void *arg, pid_t pid, uint64_t function, struct prof_frame_info *fi)
{
	char *names = arg;
	assert_int_equal(pid, getpid());
	if (function != 0x5551 && function != 0x7771)
		return -1;
	memset(fi, 0, sizeof(*fi));
	fi->name = fi->function = function == 0x5551 ? names : names + 32;
	fi->kind = OUT_FRAME_JS;
	return 0;
}

/* --js-names: the frame-pointer walk through a sample's stack copy finds each
 * frame's JSFunction slot (fp - 16), its SharedFunctionInfo is read from the
 * process at once, and JIT frames get the resolver's names for it. */
static void test_js_slots(void **state)
{
	(void)state;
	/* Anonymous executable memory: JIT code to the symbolizer, no perf map. */
	unsigned char *jit =
	    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(jit != MAP_FAILED);
	/* Two "JSFunctions" in this process's memory, their SFIs at offset 24. */
	static uint64_t fn_a[4], fn_b[4];
	fn_a[3] = 0x5551;
	fn_b[3] = 0x7771;
	uint64_t stack[32] = {0};
	const uint64_t sp = 0x10000, fp0 = sp + 8 * 8, fp1 = sp + 16 * 8;
	stack[6] = (uint64_t)(uintptr_t)fn_a + 1;  /* fp0 - 16: a tagged pointer */
	stack[8] = fp1;				   /* [fp0]: the caller's frame */
	stack[14] = (uint64_t)(uintptr_t)fn_b + 1; /* fp1 - 16 */
	stack[16] = 0;				   /* [fp1]: end of the chain */
	uint64_t leaf = (uint64_t)(uintptr_t)jit + 16, ret = (uint64_t)(uintptr_t)jit + 64;
	const uint64_t ips[] = {PERF_CONTEXT_USER, leaf, ret,
				(uint64_t)(uintptr_t)&Builtins_JSEntry + 2};
	struct prof_raw_sample rs = {
	    (uint32_t)getpid(),		  (uint32_t)getpid(), 1, 4, ips, fp0, sp,
	    (const unsigned char *)stack, sizeof(stack)};
	/* A perf map named after our pid can only be a stale one left by an earlier
	 * node process that had the same pid: it would turn "no perf map" into "not in
	 * the perf map". */
	char stale[64];
	snprintf(stale, sizeof(stale), "/tmp/perf-%d.map", (int)getpid());
	unlink(stale);
	struct prof_symset *syms = prof_symset_new();
	struct prof_recording *r = prof_recording_new(99, 127, syms);
	prof_recording_add(r, &rs);
	rs.stack = NULL; /* the same chain without a stack copy stays unnamed */
	rs.time_ns = 2;
	prof_recording_add(r, &rs);
	char names[64] = "leafFn /a.js:1:1";
	strcpy(names + 32, "callerFn /a.js:2:1");
	prof_recording_finish(r, 0, 3, 0, "t", fake_resolver, names);
	const struct out_profile *p = prof_recording_profile(r);
	assert_int_equal(p->nstacks, 2);
	char buf[512], comm[64], want[512];
	prof_target_comm(getpid(), getpid(), comm, sizeof(comm));
	snprintf(want, sizeof(want), "%s;Builtins_JSEntry;callerFn /a.js:2:1;leafFn /a.js:1:1",
		 comm);
	assert_string_equal(stack_names(p, p->samples[0].stack, buf, sizeof(buf)), want);
	snprintf(want, sizeof(want),
		 "%s;Builtins_JSEntry;" PROF_LABEL_JIT_NO_MAP ";" PROF_LABEL_JIT_NO_MAP, comm);
	assert_string_equal(stack_names(p, p->samples[1].stack, buf, sizeof(buf)), want);
	prof_recording_free(r);
	prof_symset_free(syms);
	munmap(jit, 4096);
}

static void test_kernel_symbols(void **state)
{
	(void)state;
	struct prof_ksyms *k = prof_ksyms_load();
	if (!k)
		skip();
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], want[256] = "";
	unsigned long long addr = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char type;
		if (sscanf(line, "%llx %c %255s", &addr, &type, want) == 3 && type == 'T' && addr &&
		    !strcmp(want, "schedule"))
			break;
		want[0] = 0;
	}
	if (f)
		fclose(f);
	if (want[0])
		assert_string_equal(prof_ksyms_lookup(k, addr + 1), "schedule");
	prof_ksyms_free(k);
}

static int u32_eq(uint32_t value, const void *arg)
{
	return value == *(const uint32_t *)arg;
}

static void test_index(void **state)
{
	(void)state;
	struct prof_index x = {0};
	int inserted;
	for (uint32_t i = 0; i < 5000; i++) {
		uint32_t v =
		    prof_index_get(&x, i % 7, u32_eq, &i, i, &inserted); /* many collisions */
		assert_int_equal(v, i);
		assert_true(inserted);
	}
	for (uint32_t i = 0; i < 5000; i += 97) {
		assert_int_equal(prof_index_get(&x, i % 7, u32_eq, &i, 99999, &inserted), i);
		assert_false(inserted);
	}
	prof_index_free(&x);
}

/* ---- a profile to write ---- */

static const struct out_frame frames[] = {
    {"node", "node", NULL, 0, 0, OUT_FRAME_OTHER},
    {"uv_run", "uv_run", NULL, 0, 0, OUT_FRAME_NATIVE},
    {"hot /a \"q\".js:7:26", "hot", "/a \"q\".js", 7, 26, OUT_FRAME_JS},
    {"schedule_[k]", "schedule_[k]", NULL, 0, 0, OUT_FRAME_KERNEL},
};
static const uint32_t s0[] = {0, 1, 2}, s1[] = {0, 1, 2, 3}, s2[] = {0, 1};
static const uint8_t t0[] = {0, 0, 8}, t1[] = {0, 0, 8, 0}, t2[] = {0, 0};
static const struct out_stack stacks[] = {{s0, t0, 3}, {s1, t1, 4}, {s2, t2, 2}};
static const struct out_thread threads[] = {{"node", 100}, {"worker", 101}};
static const struct out_sample samples[] = {
    {0, 0, 1000000}, {0, 0, 2000000}, {1, 0, 3000000}, {2, 1, 3500000}, {0, 0, 4000000},
};
static const struct out_profile profile = {
    "test (pid 1)",	   frames, 4, stacks, 3, threads, 2, samples, 5, 10000000, 500000, 5000000,
    1700000000000000000ull};

static char *write_to_string(int (*fn)(const struct out_profile *, FILE *), size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_int_equal(fn(&profile, f), 0);
	fclose(f);
	return buf;
}

/* A protobuf reader just big enough to check the pprof output. */
struct pb {
	const unsigned char *p, *end;
};

static int pb_varint(struct pb *b, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && b->p < b->end; shift += 7) {
		unsigned char c = *b->p++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -1;
}

/* Next field: its number, and either a varint or a sub-buffer. */
static int pb_field(struct pb *b, unsigned *field, uint64_t *v, struct pb *sub)
{
	uint64_t key;
	if (b->p >= b->end || pb_varint(b, &key))
		return -1;
	*field = (unsigned)(key >> 3);
	if ((key & 7) == 0)
		return pb_varint(b, v);
	if ((key & 7) != 2 || pb_varint(b, v) || *v > (uint64_t)(b->end - b->p))
		return -1;
	sub->p = b->p;
	sub->end = b->p + *v;
	b->p += *v;
	return 0;
}

static void test_pprof(void **state)
{
	(void)state;
	size_t len;
	char *gz = write_to_string(out_pprof_write, &len);
	unsigned char raw[65536];
	z_stream z = {0};
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)gz;
	z.avail_in = (uInt)len;
	z.next_out = raw;
	z.avail_out = sizeof(raw);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	size_t rawlen = z.total_out;
	inflateEnd(&z);
	free(gz);

	struct pb b = {raw, raw + rawlen}, sub;
	unsigned field;
	uint64_t v;
	const char *strings[64];
	size_t nstrings = 0, nsamples = 0, nlocations = 0, nfunctions = 0, nsample_types = 0;
	uint64_t total = 0, period = 0, fn_name[8] = {0}, leaf_of_first = 0;
	while (b.p < b.end) {
		assert_int_equal(pb_field(&b, &field, &v, &sub), 0);
		if (field == 6) {
			assert_true(nstrings < 64);
			strings[nstrings++] = strndup((const char *)sub.p, (size_t)v);
		} else if (field == 1) {
			nsample_types++;
		} else if (field == 2) {
			struct pb f, packed;
			int first = 1;
			nsamples++;
			while (sub.p < sub.end) {
				assert_int_equal(pb_field(&sub, &field, &v, &packed), 0);
				f = packed;
				if (field == 1) { /* packed location ids, leaf first, all known */
					uint64_t id;
					assert_int_equal(pb_varint(&f, &id), 0);
					if (nsamples == 1 && first)
						leaf_of_first = id;
					first = 0;
					assert_true(id >= 1 && id <= 4);
				} else if (field == 2) {
					uint64_t count;
					assert_int_equal(pb_varint(&f, &count), 0);
					total += count;
				}
			}
		} else if (field == 4) {
			nlocations++;
		} else if (field == 5) {
			struct pb f;
			uint64_t id = 0, name = 0;
			while (sub.p < sub.end) {
				assert_int_equal(pb_field(&sub, &field, &v, &f), 0);
				if (field == 1)
					id = v;
				else if (field == 2)
					name = v;
			}
			assert_true(id >= 1 && id <= 4);
			fn_name[id] = name;
			nfunctions++;
		} else if (field == 12) {
			period = v;
		}
	}
	assert_int_equal(nsample_types, 2);
	assert_int_equal(nsamples, 3);
	assert_int_equal(total, 5);
	assert_int_equal(nlocations, 4);
	assert_int_equal(nfunctions, 4);
	assert_int_equal(period, 10000000);
	assert_true(nstrings > 0);
	assert_string_equal(strings[0], "");
	assert_true(fn_name[3] < nstrings);
	assert_string_equal(strings[fn_name[3]], "hot"); /* JS frames: the function name */
	assert_int_equal(leaf_of_first, 3);		 /* stack 0's leaf is frame 2 = id 3 */
	for (size_t i = 0; i < nstrings; i++)
		free((char *)strings[i]);
}

static void test_json_writers(void **state)
{
	(void)state;
	size_t len;
	char *s = write_to_string(out_speedscope_write, &len);
	assert_non_null(
	    strstr(s, "\"$schema\":\"https://www.speedscope.app/file-format-schema.json\""));
	assert_non_null(
	    strstr(s, "{\"name\":\"hot\",\"file\":\"/a \\\"q\\\".js\",\"line\":7,\"col\":26}"));
	assert_non_null(strstr(s, "\"name\":\"node (tid 100)\""));
	assert_non_null(strstr(s, "\"name\":\"worker (tid 101)\""));
	assert_non_null(
	    strstr(s, "[1,2],[1,2],[1,2,3],[1,2]")); /* thread 100, time order, root left out */
	free(s);
	s = write_to_string(out_cpuprofile_write, &len);
	assert_non_null(strstr(s, "\"functionName\":\"(root)\""));
	assert_non_null(strstr(
	    s, "\"functionName\":\"hot\",\"scriptId\":\"3\",\"url\":\"file:///a \\\"q\\\".js\","
	       "\"lineNumber\":6,\"columnNumber\":25"));
	assert_non_null(strstr(s, "\"startTime\":500,\"endTime\":5000"));
	assert_non_null(strstr(s, "\"timeDeltas\":[500,1000,1000,500,500]"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_perfmap_last_entry_wins),
	    cmocka_unit_test(test_perfmap_garbage),
	    cmocka_unit_test(test_jit_names),
	    cmocka_unit_test(test_symbolize_self),
	    cmocka_unit_test(test_kernel_symbols),
	    cmocka_unit_test(test_recording),
	    cmocka_unit_test(test_js_slots),
	    cmocka_unit_test(test_index),
	    cmocka_unit_test(test_pprof),
	    cmocka_unit_test(test_json_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
