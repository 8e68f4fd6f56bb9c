/* Unit tests of the heap walk, census, references and retainers (v8/heap.h) on a
 * real core: /usr/bin/node running tests/fixtures/census/census.js, which holds
 * known numbers of objects and aborts. */
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
#include "v8/heap.h"
#include "v8/v8.h"

static char core_path[256];
static char tmpdir[] = "/tmp/nodescope-census-XXXXXX";
static struct img *img;
static struct v8 *v8;
static struct v8_heap *heap;
static struct v8_census *census;

static int setup(void **state)
{
	(void)state;
	char cwd[200], cmd[768];
	if (!mkdtemp(tmpdir) || !getcwd(cwd, sizeof(cwd)))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && ulimit -c unlimited && /usr/bin/node --abort-on-uncaught-exception "
		 "%s/tests/fixtures/census/census.js >/dev/null 2>&1; ls %s/core* 2>/dev/null",
		 tmpdir, cwd, tmpdir);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(core_path, sizeof(core_path), p))
		return p ? pclose(p), -1 : -1;
	pclose(p);
	core_path[strcspn(core_path, "\n")] = 0;
	if (img_open_core(&img, core_path, NULL, 0) < 0 || v8_open(&v8, img) < 0 ||
	    v8_heap_open(v8, &heap) < 0 || v8_census_build(heap, &census) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	v8_census_free(census);
	v8_heap_close(heap);
	v8_close(v8);
	img_close(img);
	unlink(core_path);
	rmdir(tmpdir);
	return 0;
}

struct order {
	uint64_t last;
	size_t n, unordered;
};

static int order_cb(struct v8 *v, v8_value obj, unsigned type, void *arg)
{
	(void)v;
	(void)type;
	struct order *o = arg;
	if (obj <= o->last)
		o->unordered++;
	o->last = obj;
	o->n++;
	return 0;
}

/* Pages are walked in address order and objects in a page too: strictly
 * increasing addresses mean no object is visited twice. */
static void walk_visits_each_object_once(void **state)
{
	(void)state;
	struct order o = {0, 0, 0};
	assert_int_equal(v8_heap_walk(v8, order_cb, &o), 0);
	assert_true(o.n > 10000);
	assert_int_equal(o.unordered, 0);
	size_t objects;
	uint64_t bytes;
	v8_census_totals(census, &objects, &bytes);
	assert_int_equal(objects, o.n);
}

static const struct v8_census_group *group(const char *key)
{
	for (size_t i = 0; i < v8_census_count(census); i++)
		if (!strcmp(v8_census_at(census, i)->key, key))
			return v8_census_at(census, i);
	return NULL;
}

static long group_index(const char *key)
{
	for (size_t i = 0; i < v8_census_count(census); i++)
		if (!strcmp(v8_census_at(census, i)->key, key))
			return (long)i;
	return -1;
}

static void census_counts_are_exact(void **state)
{
	(void)state;
	const struct v8_census_group *a = group("Alpha: id, tag"), *b = group("Beta: n"),
				     *g = group("Gamma: k, v"), *d = group("Delta: marker");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(g);
	assert_non_null(d);
	assert_int_equal(a->count, 1234);
	assert_int_equal(b->count, 567);
	assert_int_equal(g->count, 89);
	assert_int_equal(d->count, 1);
	assert_int_equal(a->nprops, 2);
	assert_true(a->is_object);
	assert_non_null(group("(String): "));
	assert_int_equal(v8_census_group_of(census, a->rep), group_index("Alpha: id, tag"));
	v8_value *objs;
	size_t n;
	assert_int_equal(v8_census_members(census, (size_t)group_index("Gamma: k, v"), &objs, &n),
			 0);
	assert_int_equal(n, 89);
	free(objs);
}

static void object_starts_are_checked(void **state)
{
	(void)state;
	const struct v8_census_group *a = group("Alpha: id, tag");
	assert_true(v8_heap_is_object(heap, a->rep));
	assert_false(v8_heap_is_object(heap, a->rep + 8));
	assert_false(v8_heap_is_object(heap, 0x11));
	assert_int_equal(v8_census_group_of(census, a->rep + 8), -1);
}

static void refs_say_how(void **state)
{
	(void)state;
	struct v8_refs *r;
	struct v8_ref *refs;
	size_t n;
	assert_int_equal(v8_refs_build(heap, &r), 0);
	assert_int_equal(v8_refs_describe(r, group("Delta: marker")->rep, &refs, &n), 0);
	assert_int_equal(n, 5);
	int prop = 0, elem = 0, closure = 0, mapkey = 0, bound = 0;
	for (size_t i = 0; i < n; i++) {
		prop += !strcmp(refs[i].how, ".parent");
		elem += !strcmp(refs[i].how, "[2]");
		closure += strstr(refs[i].how, "closure variable delta") != NULL;
		mapkey += !strcmp(refs[i].how, "Map key");
		bound += !strcmp(refs[i].how, "bound argument [0]");
	}
	assert_int_equal(prop + elem + closure + mapkey + bound, 5);
	free(refs);
	assert_int_equal(v8_refs_describe(r, 0x11, &refs, &n), -1);
	v8_refs_free(r);
}

static void retaining_path_ends_at_target(void **state)
{
	(void)state;
	struct v8_refs *r;
	struct v8_path *paths;
	size_t n;
	v8_value beta = group("Beta: n")->rep;
	assert_int_equal(v8_refs_build(heap, &r), 0);
	assert_int_equal(v8_retainers(r, beta, 1, &paths, &n), 0);
	assert_int_equal(n, 1);
	assert_true(paths[0].nsteps >= 2);
	assert_int_equal(paths[0].steps[paths[0].nsteps - 1].obj, beta);
	assert_true(strlen(paths[0].root) > 0);
	v8_paths_free(paths, n);
	v8_refs_free(r);
}

static void no_heap_in_a_plain_binary(void **state)
{
	(void)state;
	struct img *elf;
	struct v8 *ev8;
	struct v8_heap *h;
	assert_int_equal(img_open_elf(&elf, "/usr/bin/node"), 0);
	assert_int_equal(v8_open(&ev8, elf), 0);
	assert_int_equal(v8_heap_open(ev8, &h), -1);
	assert_non_null(strstr(util_last_error(), "no V8 heap pages"));
	v8_close(ev8);
	img_close(elf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(walk_visits_each_object_once),
	    cmocka_unit_test(census_counts_are_exact),
	    cmocka_unit_test(object_starts_are_checked),
	    cmocka_unit_test(refs_say_how),
	    cmocka_unit_test(retaining_path_ends_at_target),
	    cmocka_unit_test(no_heap_in_a_plain_binary),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
