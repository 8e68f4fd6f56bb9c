/*
 * Unit tests of the v8 layer's metadata and layout, on the real node binaries of
 * every supported line (opened with img_open_elf): the version read from the
 * binary matches what that node reports, class fields resolve whatever their type
 * suffix, instance types are 16-bit, and non-node files are refused clearly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "util/util.h"
#include "v8/v8.h"

static const int majors[] = {18, 20, 22, 24, 26};

/* Runs a shell command and returns its first output line (static buffer). */
static const char *run(const char *cmd)
{
	static char line[4096];
	FILE *p = popen(cmd, "r");
	line[0] = 0;
	if (!p)
		return line;
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	pclose(p);
	line[strcspn(line, "\n")] = 0;
	return line;
}

static int node_wanted(int major)
{
	const char *want = getenv("NODESCOPE_NODES");
	char m[8];
	snprintf(m, sizeof(m), "%d", major);
	return !want || strstr(want, m) != NULL;
}

static char *node_path(int major)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "sh scripts/fetch-node.sh %d 2>/dev/null", major);
	const char *p = run(cmd);
	return *p ? util_strdup(p) : NULL;
}

struct opened {
	struct img *img;
	struct v8 *v8;
	char *path;
};

static int open_node(int major, struct opened *o)
{
	memset(o, 0, sizeof(*o));
	if (!node_wanted(major) || !(o->path = node_path(major)))
		return 0;
	assert_int_equal(img_open_elf(&o->img, o->path), 0);
	if (v8_open(&o->v8, o->img) < 0)
		fail_msg("node %d (%s): %s", major, o->path, util_last_error());
	return 1;
}

static void close_node(struct opened *o)
{
	v8_close(o->v8);
	img_close(o->img);
	free(o->path);
}

static void version_matches_node(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++) {
		struct opened o;
		if (!open_node(majors[i], &o))
			continue;
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "'%s' -p process.versions.v8", o.path);
		const char *reported = run(cmd); /* "11.3.244.8-node.38" */
		const char *ours = v8_version(o.v8);
		if (strncmp(reported, ours, strlen(ours)) != 0 || reported[strlen(ours)] != '-')
			fail_msg("node %d: binary says V8 %s, node reports %s", majors[i], ours,
				 reported);
		close_node(&o);
	}
}

/* Node 22 renamed many field symbols only in their type suffix
 * (Map__instance_descriptors__DescriptorArray -> ..._Tagged_DescriptorArray_):
 * lookups by class and field must find both spellings. */
static void fields_ignore_type_suffix(void **state)
{
	(void)state;
	int spellings_seen = 0;
	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++) {
		struct opened o;
		if (!open_node(majors[i], &o))
			continue;
		int64_t off;
		assert_int_equal(v8_meta_field(o.v8, "Map", "instance_descriptors", &off), 0);
		assert_true(off > 0);
		uint64_t a, s;
		if (img_symbol_lookup(
			o.img, "v8dbg_class_Map__instance_descriptors__Tagged_DescriptorArray_", &a,
			&s) == 0)
			spellings_seen |= 1;
		if (img_symbol_lookup(o.img,
				      "v8dbg_class_Map__instance_descriptors__DescriptorArray", &a,
				      &s) == 0)
			spellings_seen |= 2;
		util_clear_error();
		/* the value agrees with the layout the rest of the layer uses */
		assert_int_equal(off, v8_layout(o.v8)->map_descriptors);
		close_node(&o);
	}
	if (!getenv("NODESCOPE_NODES"))
		assert_int_equal(spellings_seen, 3);
}

static void types_are_16_bit_and_named(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++) {
		struct opened o;
		if (!open_node(majors[i], &o))
			continue;
		const struct v8_types *T = v8_types(o.v8);
		int t = v8_meta_type(o.v8, "JS_OBJECT_TYPE");
		assert_true(t > 255); /* does not fit the byte mdb_v8 reads */
		assert_int_equal(t, T->js_object);
		assert_string_equal(v8_type_name(o.v8, (unsigned)t), "JS_OBJECT_TYPE");
		assert_true(T->first_js_function <= T->js_function);
		assert_true(T->js_function <= T->last_js_function);
		assert_true(T->first_js_receiver <= T->js_object);
		assert_true(T->map >= 0 && T->shared_function_info >= 0 && T->scope_info >= 0);
		assert_true(v8_meta_frametype(o.v8, "EntryFrame") > 0);
		assert_int_equal(v8_meta_frametype(o.v8, "NoSuchFrame"), -1);
		close_node(&o);
	}
}

static void layout_is_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++) {
		struct opened o;
		if (!open_node(majors[i], &o))
			continue;
		const struct v8_layout *L = v8_layout(o.v8);
		assert_int_equal(L->tagged_size, 8);
		assert_true(L->fn_shared > 0 && L->fn_context > 0);
		assert_true(L->sfi_name_or_scope_info > L->sfi_function_data);
		assert_true(L->sfi_script > 0 && L->bytecode_data > 0);
		assert_true(L->bytecode_source_positions > 0 &&
			    L->bytecode_source_positions < L->bytecode_data);
		assert_int_equal(L->fp_function, -16);
		assert_true(L->fp_bytecode_offset < L->fp_bytecode_array);
		assert_true(L->scope_first_var >= 3);
		close_node(&o);
	}
}

static void refuses_non_node_binaries(void **state)
{
	(void)state;
	struct img *img;
	struct v8 *v8 = NULL;
	assert_int_equal(img_open_elf(&img, "/bin/sh"), 0);
	assert_int_equal(v8_open(&v8, img), -1);
	assert_null(v8);
	assert_non_null(strstr(util_last_error(), "metadata"));
	img_close(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(version_matches_node),
	    cmocka_unit_test(fields_ignore_type_suffix),
	    cmocka_unit_test(types_are_16_bit_and_named),
	    cmocka_unit_test(layout_is_complete),
	    cmocka_unit_test(refuses_non_node_binaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
