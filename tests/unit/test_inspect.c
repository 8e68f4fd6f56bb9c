/* Unit tests of value inspection (src/v8/inspect.h) on a real Node core of the
 * inspect fixture, and on a copy of that core with corrupted objects: a garbage
 * array length (a huge Smi, and a pointer to nowhere), an object whose map word
 * is garbage, and a Map whose hash table header lies. Each must print a clear
 * marker or fail with a message, in bounded time, never crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/image.h"
#include "util/util.h"
#include "v8/inspect.h"

#define NODE "/usr/bin/node"

static char tmpdir[] = "/tmp/nodescope-inspect-XXXXXX";
static char core_path[512], bad_path[600];
static v8_value root;

static int make_core(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "(cd %s && ulimit -c unlimited && " NODE " --allow-natives-syntax --expose-gc "
		 "%s/tests/fixtures/inspect/values.js) 2>/dev/null | sed -n 's/^DebugPrint: "
		 "\\(0x[0-9a-f]*\\).*/\\1/p'",
		 tmpdir, getenv("ROOT") ? getenv("ROOT") : ".");
	FILE *p = popen(cmd, "r");
	char line[64] = "";
	if (!p || !fgets(line, sizeof(line), p))
		return p ? pclose(p), -1 : -1;
	pclose(p);
	root = strtoull(line, NULL, 16);
	snprintf(core_path, sizeof(core_path), "%s/core", tmpdir);
	snprintf(bad_path, sizeof(bad_path), "%s/core.bad", tmpdir);
	return access(core_path, R_OK) == 0 && root ? 0 : -1;
}

static int remove_core(void **state)
{
	(void)state;
	unlink(core_path);
	unlink(bad_path);
	rmdir(tmpdir);
	return 0;
}

struct session {
	struct img *img;
	struct v8 *v8;
};

static void open_session(struct session *s, const char *path)
{
	assert_int_equal(img_open_core(&s->img, path, NODE, 0), 0);
	assert_int_equal(v8_open(&s->v8, s->img), 0);
}

static void close_session(struct session *s)
{
	v8_close(s->v8);
	img_close(s->img);
}

static char *print(struct session *s, v8_value v, int depth)
{
	struct v8_print_opts o = {.depth = depth};
	struct util_buf b = {0};
	if (v8_print(s->v8, v, &o, &b) < 0) {
		util_buf_free(&b);
		return NULL;
	}
	return b.data;
}

static v8_value member(struct session *s, const char *path)
{
	v8_value v = 0;
	assert_int_equal(v8_member_path(s->v8, root, path, &v), 0);
	return v;
}

static void prints_the_fixture(void **state)
{
	(void)state;
	struct session s;
	open_session(&s, core_path);
	char *out = print(&s, root, 2);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"widget\": Widget {\n        \"name\": \"gear\","));
	assert_non_null(strstr(out, "\"sparse\": [\n        <100000 empty items>,"));
	free(out);
	out = print(&s, member(&s, "map"), 2);
	assert_string_equal(out, "Map(2) {\n    \"k1\" => 1,\n    2 => \"v2\",\n}\n");
	free(out);
	v8_value missing;
	assert_int_equal(v8_member_path(s.v8, root, "headers.nope", &missing), -1);
	assert_non_null(strstr(util_last_error(), "no property \"nope\""));
	close_session(&s);
}

/* Writes 8 bytes at a virtual address of the copy, through the core's PT_LOAD
 * program headers. */
static void patch(const char *path, uint64_t vaddr, uint64_t value)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t n;
	assert_int_equal(elf_getphdrnum(e, &n), 0);
	off_t off = -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr + 8 <= ph.p_vaddr + ph.p_filesz)
			off = (off_t)(ph.p_offset + (vaddr - ph.p_vaddr));
	}
	elf_end(e);
	assert_true(off >= 0);
	assert_int_equal(pwrite(fd, &value, 8, off), 8);
	close(fd);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

struct targets {
	v8_value smis, holey, widget, table;
	int64_t array_length;
};

static int corrupt(void **state)
{
	struct targets *t = *state;
	struct session s;
	open_session(&s, core_path);
	t->smis = member(&s, "smis");
	t->holey = member(&s, "holey");
	t->widget = member(&s, "widget");
	assert_int_equal(
	    v8_field(s.v8, member(&s, "map"), v8_kinds(s.v8)->collection_table, &t->table), 0);
	t->array_length = v8_layout(s.v8)->array_length;
	close_session(&s);
	copy_file(core_path, bad_path);
	/* length 2^31 - 1 (a Smi) for a 3-element array */
	patch(bad_path, v8_addr(t->smis) + (uint64_t)t->array_length, 0x7fffffffull << 32);
	/* a length that is a pointer to nowhere */
	patch(bad_path, v8_addr(t->holey) + (uint64_t)t->array_length, 0x4141414141414141ull);
	/* a map word that is no map */
	patch(bad_path, v8_addr(t->widget), 0x4242424242424241ull);
	/* the hash table's bucket count (slot 2 of the FixedArray) */
	patch(bad_path, v8_addr(t->table) + 16 + 2 * 8, (uint64_t)1000 << 32);
	return 0;
}

static void garbage_array_lengths(void **state)
{
	struct targets *t = *state;
	struct session s;
	open_session(&s, bad_path);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	char *out = print(&s, t->smis, 2);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_non_null(out);
	/* the three real elements, then the rest of the claimed length as a gap */
	assert_string_equal(out,
			    "[\n    10,\n    20,\n    30,\n    <2147483644 empty items>,\n]\n");
	assert_true(b.tv_sec - a.tv_sec < 5);
	free(out);
	out = print(&s, t->holey, 2);
	assert_non_null(out);
	assert_non_null(strstr(out, "<unreadable: "));
	free(out);
	close_session(&s);
}

static void garbage_map_word(void **state)
{
	struct targets *t = *state;
	struct session s;
	open_session(&s, bad_path);
	char *out = print(&s, t->widget, 2);
	assert_null(out);
	assert_non_null(strstr(util_last_error(), "not a JavaScript value"));
	/* inside the root it is one marker, and the rest still prints */
	out = print(&s, root, 1);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"widget\": <unreadable: "));
	assert_non_null(strstr(out, "\"date\": Date(2021-05-06T07:08:09.123Z),"));
	free(out);
	close_session(&s);
}

static void lying_hash_table(void **state)
{
	(void)state;
	struct session s;
	open_session(&s, bad_path);
	char *out = print(&s, member(&s, "map"), 2);
	assert_non_null(out);
	assert_non_null(strstr(out, "<unreadable: hash table 0x"));
	assert_non_null(strstr(out, "inconsistent shape"));
	free(out);
	close_session(&s);
}

int main(void)
{
	static struct targets t;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(prints_the_fixture),
	    cmocka_unit_test_prestate_setup_teardown(garbage_array_lengths, corrupt, NULL, &t),
	    cmocka_unit_test_prestate(garbage_map_word, &t),
	    cmocka_unit_test_prestate(lying_hash_table, &t),
	};
	return cmocka_run_group_tests(tests, make_core, remove_core);
}
