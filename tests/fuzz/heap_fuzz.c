/*
 * heap_fuzz.c — libFuzzer harness for the .heapsnapshot parser and the
 * analyses behind it: any input must either load and analyse cleanly or fail
 * with an error, never crash or leak. Built by tests/fuzz/build-heap-fuzz.sh
 * (not by the default make); seed corpus in tests/fuzz/heap/.
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot s;
	if (snap_load_mem(&s, (const char *)data, size, SNAP_LOAD_FULL) == 0 &&
	    snap_analyze(&s, 1) == 0) {
		struct snap_census c;
		if (snap_census(&s, 0, 0, 1, &c) == 0)
			snap_census_free(&c);
		struct snap_path *p;
		uint32_t n;
		if (s.node_count > 1 && snap_retaining_paths(&s, s.node_count - 1, 2, &p, &n) == 0)
			snap_paths_free(p, n);
		for (uint32_t i = 0; i < s.node_count && i < 64; i++) {
			char *name = snap_node_display_name(&s, i);
			free(name);
		}
	}
	snap_free(&s);
	return 0;
}
