/* Unit tests of the stack trie (src/profile/stacks.c): aggregation, folded
 * round trip, perl-compatible ordering, tier annotations, reversal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"

static char *folded_text(const struct prof_stacks *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(prof_stacks_write_folded(s, f), 0);
	fclose(f);
	return buf;
}

static void aggregates_equal_stacks(void **state)
{
	(void)state;
	struct prof_stacks *s = prof_stacks_new();
	const char *a[] = {"node", "main", "work"};
	const char *b[] = {"node", "main"};
	prof_stacks_add(s, a, 3, 5);
	prof_stacks_add(s, a, 3, 2);
	prof_stacks_add(s, b, 2, 1);
	assert_int_equal(prof_stacks_total(s), 8);
	assert_int_equal(prof_stacks_distinct(s), 2);
	char *t = folded_text(s);
	assert_string_equal(t, "node;main 1\nnode;main;work 7\n");
	free(t);
	prof_stacks_free(s);
}

/* perl sorts whole lines bytewise: "a-x" (0x2d) comes before "a;b" (0x3b). */
static void orders_like_perl_sort(void **state)
{
	(void)state;
	struct prof_stacks *s = prof_stacks_new();
	const char *lines[] = {"a;b 1", "a-x 2", "a 3", "B 4"};
	for (int i = 0; i < 4; i++)
		assert_int_equal(prof_stacks_add_folded(s, lines[i], strlen(lines[i])), 0);
	char *t = folded_text(s);
	assert_string_equal(t, "B 4\na 3\na-x 2\na;b 1\n");
	free(t);
	prof_stacks_free(s);
}

static void keeps_tier_annotation(void **state)
{
	(void)state;
	struct prof_stacks *s = prof_stacks_new();
	const char *l1 = "node;f /a.js:1:2_[^] 3", *l2 = "node;f /a.js:1:2_[*] 4\n";
	assert_int_equal(prof_stacks_add_folded(s, l1, strlen(l1)), 0);
	assert_int_equal(prof_stacks_add_folded(s, l2, strlen(l2)), 0);
	char *t = folded_text(s);
	assert_string_equal(t, "node;f /a.js:1:2_[^*] 7\n");
	free(t);
	prof_stacks_free(s);
}

static void rejects_non_folded(void **state)
{
	(void)state;
	struct prof_stacks *s = prof_stacks_new();
	const char *bad[] = {"", "abc", "12", " 12", "a;b x", "a;b 99999999999999999999999"};
	for (int i = 0; i < 6; i++)
		assert_int_equal(prof_stacks_add_folded(s, bad[i], strlen(bad[i])), -1);
	assert_int_equal(prof_stacks_total(s), 0);
	prof_stacks_free(s);
}

static void reverses_stacks(void **state)
{
	(void)state;
	struct prof_stacks *s = prof_stacks_new();
	const char *l1 = "a;b;c 2", *l2 = "x;c 3";
	prof_stacks_add_folded(s, l1, strlen(l1));
	prof_stacks_add_folded(s, l2, strlen(l2));
	struct prof_stacks *r = prof_stacks_reversed(s);
	char *t = folded_text(r);
	assert_string_equal(t, "c;b;a 2\nc;x 3\n");
	assert_int_equal(prof_stacks_total(r), 5);
	free(t);
	prof_stacks_free(r);
	prof_stacks_free(s);
}

static void sorts_children_by_name(void **state)
{
	(void)state;
	struct prof_stacks *s = prof_stacks_new();
	const char *ls[] = {"r;z 1", "r;a 1", "r;m 1"};
	for (int i = 0; i < 3; i++)
		prof_stacks_add_folded(s, ls[i], strlen(ls[i]));
	prof_stacks_sort_children(s);
	const struct prof_node *r = prof_stacks_node(s, prof_stacks_node(s, PROF_ROOT)->first_child);
	const char *want[] = {"a", "m", "z"};
	int i = 0;
	for (uint32_t c = r->first_child; c; c = prof_stacks_node(s, c)->next_sibling, i++)
		assert_string_equal(prof_stacks_name_of(s, prof_stacks_node(s, c)->name, NULL), want[i]);
	assert_int_equal(i, 3);
	prof_stacks_free(s);
}

/* Consecutive lines sharing outer frames (how folded files come, sorted) reuse
 * the previous line's nodes: the result must not depend on it. */
static void shares_prefixes_of_sorted_lines(void **state)
{
	(void)state;
	const char *in[] = {"a;b;c 1", "a;b;c 2", "a;b 3", "a;b;cd 4", "a;bc;c 5", "a;b;c;d 6",
			    "a 7",     "ab;b 8",  "a;b_[*] 9", "a;b_[^];c 10", ";x 11"};
	const char *want = ";x 11\na 7\na;b_[^*] 12\na;b_[^*];c 13\na;b_[^*];c;d 6\na;b_[^*];cd 4\n"
			   "a;bc;c 5\nab;b 8\n";
	struct prof_stacks *s = prof_stacks_new();
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_int_equal(prof_stacks_add_folded(s, in[i], strlen(in[i])), 0);
	char *t = folded_text(s);
	assert_string_equal(t, want);
	assert_int_equal(prof_stacks_total(s), 66);
	free(t);
	prof_stacks_free(s);
}

static void grows_past_many_nodes(void **state)
{
	(void)state;
	struct prof_stacks *s = prof_stacks_new();
	char line[64];
	for (int i = 0; i < 50000; i++) {
		int n = snprintf(line, sizeof(line), "root;f%d;g%d 1", i % 977, i);
		assert_int_equal(prof_stacks_add_folded(s, line, (size_t)n), 0);
	}
	assert_int_equal(prof_stacks_total(s), 50000);
	assert_int_equal(prof_stacks_distinct(s), 50000);
	assert_int_equal(prof_stacks_node_count(s), 1 + 1 + 977 + 50000);
	prof_stacks_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aggregates_equal_stacks), cmocka_unit_test(orders_like_perl_sort),
		cmocka_unit_test(keeps_tier_annotation),   cmocka_unit_test(rejects_non_folded),
		cmocka_unit_test(reverses_stacks),         cmocka_unit_test(sorts_children_by_name),
		cmocka_unit_test(grows_past_many_nodes),
		cmocka_unit_test(shares_prefixes_of_sorted_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
