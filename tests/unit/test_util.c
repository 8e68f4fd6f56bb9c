/* Unit tests of util: the hash table, the buffer and the error message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static void map_counts_distinct_keys(void **state)
{
	(void)state;
	struct util_map m = {0};
	char key[32];
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 1000; i++) {
			int n = snprintf(key, sizeof(key), "k%d", i);
			struct util_map_entry *e = util_map_upsert(&m, key, (size_t)n);
			e->value = (void *)((char *)e->value + 1);
		}
	assert_int_equal(m.count, 1000);
	struct util_map_entry *e = util_map_find(&m, "k999", 4);
	assert_non_null(e);
	assert_int_equal((size_t)e->value, 2);
	assert_null(util_map_find(&m, "k1000", 5));
	util_map_free(&m);
}

static void buf_formats_and_grows(void **state)
{
	(void)state;
	struct util_buf b = {0};
	for (int i = 0; i < 100; i++)
		util_buf_printf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.data));
	assert_true(strncmp(b.data, "0,1,2,", 6) == 0);
	util_buf_free(&b);
}

static void error_is_kept_until_read(void **state)
{
	(void)state;
	assert_int_equal(util_error("bad %s at %d", "thing", 3), -1);
	assert_string_equal(util_last_error(), "bad thing at 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map_counts_distinct_keys),
		cmocka_unit_test(buf_formats_and_grows),
		cmocka_unit_test(error_is_kept_until_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
