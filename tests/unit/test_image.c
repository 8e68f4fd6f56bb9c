/* Unit tests of the image layer on real files: the node binary alone, and a core
 * that a real node process writes when it aborts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "util/util.h"

static char core_path[256];
static char tmpdir[] = "/tmp/nodescope-img-XXXXXX";

/* Makes a core of `node -e process.abort()` in a temporary directory. */
static int make_core(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "cd %s && ulimit -c unlimited && /usr/bin/node -e 'function deep(n){ if(!n) "
		 "process.abort(); deep(n-1) } deep(3)' >/dev/null 2>&1; ls %s/core* 2>/dev/null",
		 tmpdir, tmpdir);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(core_path, sizeof(core_path), p))
		return p ? pclose(p), -1 : -1;
	pclose(p);
	core_path[strcspn(core_path, "\n")] = 0;
	return 0;
}

static int remove_core(void **state)
{
	(void)state;
	unlink(core_path);
	rmdir(tmpdir);
	return 0;
}

static void elf_reads_v8dbg_constants(void **state)
{
	(void)state;
	struct img *img;
	assert_int_equal(img_open_elf(&img, "/usr/bin/node"), 0);
	uint64_t addr, size;
	assert_int_equal(img_symbol_lookup(img, "v8dbg_SmiShiftSize", &addr, &size), 0);
	uint32_t v;
	assert_int_equal(img_read_u32(img, addr, &v), 0);
	assert_int_equal(v, 31); /* 64-bit V8 without pointer compression */
	struct img_symbol sym;
	assert_int_equal(img_symbol_lookup(img, "main", &addr, NULL), 0);
	assert_int_equal(img_symbol_for_addr(img, addr + 1, &sym), 0);
	assert_string_equal(sym.name, "main");
	assert_int_equal(sym.offset, 1);
	assert_int_equal(img_read_u32(img, 0x10, &v), -1); /* below the first segment */
	img_close(img);
}

static void core_has_threads_and_unwinds_to_node(void **state)
{
	(void)state;
	struct img *img;
	assert_int_equal(img_open_core(&img, core_path, NULL, 0), 0);
	assert_string_equal(img_binary_path(img), "/usr/bin/node");
	assert_true(img_thread_count(img) >= 1);
	const struct img_thread *t = img_thread_at(img, 0);
	assert_int_equal(t->signal, 6); /* SIGABRT */
	uint64_t regs[IMG_NREGS];
	memcpy(regs, t->regs, sizeof(regs));
	int seen_node = 0, steps = 0;
	struct img_symbol sym;
	while (steps++ < 40) {
		uint64_t pc = regs[IMG_REG_PC] - (steps > 1); /* return addresses: the call */
		if (img_symbol_for_addr(img, pc, &sym) == 0 &&
		    strstr(sym.name, "node::Abort"))
			seen_node = 1;
		if (img_unwind_cfi(img, regs) != 1)
			break;
	}
	assert_true(seen_node);
	/* The binary's read-only text is not in the core but reads through the file. */
	uint64_t main_addr;
	uint8_t b;
	assert_int_equal(img_symbol_lookup(img, "main", &main_addr, NULL), 0);
	assert_int_equal(img_read_u8(img, main_addr, &b), 0);
	img_close(img);
}

static void bad_files_are_refused(void **state)
{
	(void)state;
	struct img *img;
	assert_int_equal(img_open_core(&img, "/usr/bin/node", NULL, 0), -1);
	assert_non_null(strstr(util_last_error(), "not a core"));
	assert_int_equal(img_open_core(&img, "/etc/hostname", NULL, 0), -1);
	assert_int_equal(img_open_core(&img, "/nonexistent", NULL, 0), -1);
	/* A core cut after its headers. */
	char cut[300];
	snprintf(cut, sizeof(cut), "%s/cut", tmpdir);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "head -c 2000 %s > %s", core_path, cut);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(img_open_core(&img, cut, NULL, 0), -1);
	printf("# %s\n", util_last_error());
	assert_non_null(strstr(util_last_error(), "truncated"));
	unlink(cut);
	/* Another program's binary. */
	assert_int_equal(img_open_core(&img, core_path, "/bin/ls", 0), -1);
	assert_non_null(strstr(util_last_error(), "build-id"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elf_reads_v8dbg_constants),
		cmocka_unit_test(core_has_threads_and_unwinds_to_node),
		cmocka_unit_test(bad_files_are_refused),
	};
	return cmocka_run_group_tests(tests, make_core, remove_core);
}
