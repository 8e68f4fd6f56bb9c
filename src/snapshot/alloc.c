/*
 * alloc.c — big arrays for the snapshot layer. A gigabyte snapshot needs a few
 * hundred megabytes per array; with 4 KB pages filling them costs a page fault
 * every 4 KB (a large part of the run time), so arrays of 4 MB and more are
 * 2 MB-aligned and marked for transparent huge pages. Freed with free().
 */
#include "snapshot/snapshot.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_MIN (4u << 20)
#define HUGE_ALIGN (2u << 20)

void *snap_alloc(size_t n)
{
	static int no_huge = -1;
	if (no_huge < 0)
		no_huge = getenv("NODESCOPE_NO_HUGEPAGES") != NULL;
	if (n < HUGE_MIN || no_huge)
		return util_malloc(n);
	void *p = NULL;
	if (posix_memalign(&p, HUGE_ALIGN, n) != 0 || !p)
		return util_malloc(n); /* util_malloc reports out of memory */
	madvise(p, n, MADV_HUGEPAGE);
	return p;
}

void *snap_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return util_calloc(n, size); /* reports the overflow as out of memory */
	if (n * size < HUGE_MIN)
		return util_calloc(n, size);
	void *p = snap_alloc(n * size);
	memset(p, 0, n * size);
	return p;
}
