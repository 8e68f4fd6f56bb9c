/* Unit tests of the snapshot layer on tiny hand-written graphs in the
 * .heapsnapshot format: string unescaping, the meta-driven layout, dominators
 * and retained sizes (diamonds, weak edges, garbage cycles), class names, the
 * WeakMap edge-name pattern, and rejection of malformed text. The real-heap
 * comparisons with DevTools and memlab are in tests/e2e/test_heap.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot.h"
#include "util/util.h"

#define META                                                                                       \
	"{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\","        \
	"\"edge_count\"],\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\","    \
	"\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\"],\"string\",\"number\","       \
	"\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"         \
	"\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\","           \
	"\"shortcut\",\"weak\"],\"string_or_number\",\"node\"]}},"

/* Nodes (5 fields): 0 root(synthetic), 1 global(object, via shortcut), 2 A, 3 B,
 * 4 C (reached from A and B), 5 D (from C), 6 E (only a weak edge from A),
 * 7 F and 8 G (a garbage cycle), 9 a closure held by global.
 * Strings: 0 "", 1 "global", 2 "A", 3 "B", 4 "C", 5 "D", 6 "E", 7 "a", 8 "b",
 * 9 "c", 10 "w", 11 "F", 12 "G", 13 "f" */
static const char diamond[] =
    META "\"nodes\":[9,0,1,0,1, 3,1,3,10,3, 3,2,5,20,2, 3,3,7,30,1, 3,4,9,40,1, 3,5,11,50,0,"
	 " 3,6,13,60,0, 3,11,15,70,1, 3,12,17,80,1, 5,13,19,90,0],"
	 "\"edges\":[5,1,5, 2,7,10,2,8,15,2,13,45, 2,9,20,6,10,30, 2,9,20, 2,7,25, 2,7,40,"
	 " 2,7,35],"
	 "\"strings\":[\"\",\"global\",\"A\",\"B\",\"C\",\"D\",\"E\",\"a\",\"b\",\"c\",\"w\","
	 "\"F\",\"G\",\"f\"]}";

static uint32_t by_id(struct snapshot *s, uint32_t id)
{
	uint32_t n = snap_find_id(s, id);
	assert_int_not_equal(n, SNAP_NONE);
	return n;
}

static void dominators_of_a_diamond(void **state)
{
	(void)state;
	struct snapshot s;
	assert_int_equal(snap_load_mem(&s, diamond, strlen(diamond), SNAP_LOAD_FULL), 0);
	assert_int_equal(s.node_count, 10);
	assert_int_equal(s.edge_count, 10);
	assert_int_equal(snap_analyze(&s, 1), 0);
	uint32_t g = by_id(&s, 3), a = by_id(&s, 5), c = by_id(&s, 9), d = by_id(&s, 11);
	uint32_t e = by_id(&s, 13), f = by_id(&s, 15);
	assert_int_equal(s.dom[c], g); /* two paths: neither A nor B dominates C */
	assert_int_equal(s.dom[d], c);
	assert_int_equal(s.dom[a], g);
	assert_int_equal(s.dom[e], s.root); /* weak edges do not retain */
	assert_int_equal(s.dom[f], s.root); /* garbage hangs under the root */
	assert_int_equal(s.retained[c], 40 + 50);
	assert_int_equal(s.retained[a], 20);
	assert_int_equal(s.retained[g], 10 + 20 + 30 + 40 + 50 + 90);
	assert_int_equal(snap_total_size(&s), 10 + 20 + 30 + 40 + 50 + 60 + 70 + 80 + 90);
	assert_int_equal(s.distance[g], 1);
	assert_int_equal(s.distance[d], 4);
	assert_int_equal(s.distance[e], SNAP_NO_DISTANCE);
	assert_string_equal(snap_str(&s, s.cls[by_id(&s, 19)]), "Function");
	uint32_t *top, *depth; /* biggest subtrees: global, then C (90, before the closure) */
	assert_int_equal(snap_top_subtrees(&s, 2, &top, &depth), 2);
	assert_int_equal(top[0], g);
	assert_int_equal(depth[0], 0);
	assert_int_equal(top[1], c);
	assert_int_equal(depth[1], 1);
	free(top);
	free(depth);
	snap_free(&s);
}

static void retaining_path_is_shortest(void **state)
{
	(void)state;
	struct snapshot s;
	struct snap_path *p;
	uint32_t n;
	assert_int_equal(snap_load_mem(&s, diamond, strlen(diamond), SNAP_LOAD_FULL), 0);
	snap_analyze(&s, 1);
	assert_int_equal(snap_retaining_paths(&s, by_id(&s, 11), 5, &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].len, 5); /* root, global, A or B, C, D */
	assert_int_equal(p[0].nodes[0], s.root);
	assert_int_equal(p[0].nodes[4], by_id(&s, 11));
	snap_paths_free(p, n);
	assert_int_equal(snap_retaining_paths(&s, by_id(&s, 13), 5, &p, &n), 0);
	assert_int_equal(n, 0); /* only weakly held */
	snap_paths_free(p, n);
	snap_free(&s);
}

static void strings_are_unescaped(void **state)
{
	(void)state;
	static const char text[] =
	    META "\"nodes\":[9,1,1,0,0],\"edges\":[],"
		 "\"strings\":[\"\",\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\\/\"]}";
	struct snapshot s;
	assert_int_equal(snap_load_mem(&s, text, strlen(text), SNAP_LOAD_FULL), 0);
	assert_string_equal(snap_str(&s, 1), "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80/");
	snap_free(&s);
}

static void weakmap_edge_names(void **state)
{
	(void)state;
	uint32_t table;
	size_t off;
	assert_true(snap_weakmap_edge("12 / part of key (Foo @3) -> value (Bar @5) pair in WeakMap "
				      "(table @77)",
				      &table, &off));
	assert_int_equal(table, 77);
	assert_int_equal(off, 2);
	assert_false(snap_weakmap_edge("12 / part of key (Foo @3) -> value (Bar) pair in WeakMap "
				       "(table @77)",
				       &table, &off));
	assert_false(snap_weakmap_edge("x / part of key (Foo @3) -> value (Bar @5) pair in "
				       "WeakMap (table @77)",
				       &table, &off));
	assert_false(snap_weakmap_edge("elements", &table, &off));
}

static void rejects_malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "",
	    "{",
	    "[]",
	    META "\"nodes\":[9,0,1,0,1],\"edges\":[],\"strings\":[\"\"]}",	/* edge missing */
	    META "\"nodes\":[9,0,1,0,1],\"edges\":[5,0,5],\"strings\":[\"\"]}", /* past nodes */
	    META "\"nodes\":[9,0,1,0],\"edges\":[],\"strings\":[\"\"]}",	/* 4 of 5 fields */
	    META "\"nodes\":[9,3,1,0,0],\"edges\":[],\"strings\":[\"\"]}",	/* name index */
	    META "\"nodes\":[9,0,1,0,0],\"edges\":[],\"strings\":[\"\\u12\"]}", /* bad escape */
	    META "\"nodes\":[9,0,1,0,0,],\"edges\":[],\"strings\":[\"\"]}",	/* trailing comma */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct snapshot s;
		assert_int_equal(snap_load_mem(&s, bad[i], strlen(bad[i]), SNAP_LOAD_FULL), -1);
		assert_true(strlen(util_last_error()) > 0);
		snap_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dominators_of_a_diamond), cmocka_unit_test(retaining_path_is_shortest),
	    cmocka_unit_test(strings_are_unescaped),   cmocka_unit_test(weakmap_edge_names),
	    cmocka_unit_test(rejects_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
