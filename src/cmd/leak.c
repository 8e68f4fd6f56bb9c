/*
 * leak.c — `nodescope leak CORE_A CORE_B [CORE_C ...]`: what grew between
 * successive cores of one process. Each core is censused (v8/heap.h); groups
 * (constructor + property names) are matched by name across cores, and those
 * whose count grew are printed by growth with their count in every dump. For the
 * top groups it prints one instance of the last dump that the first did not have
 * and the shortest path from a GC root that keeps it alive.
 */
#include "output/output_formats.h"
#include "cmd/cmd.h"
#include "image/image.h"
#include "util/util.h"
#include "v8/heap.h"
#include "v8/v8.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dump {
	const char *path;
	struct img *img;
	struct v8 *v8;
	struct v8_heap *heap;
	struct v8_census *census;
};

struct row {
	const char *key;
	size_t *counts; /* per dump */
	long *group;	/* per dump, -1 absent */
	long long growth;
	int is_object;
};

static void leak_usage(FILE *out)
{
	fputs("usage: nodescope leak [--json] [-n TOP] [-b NODE_BINARY] [--force] CORE_A CORE_B "
	      "[CORE_C ...]\n\n"
	      "Censuses each core (oldest first) and prints the object groups (constructor +\n"
	      "property names) whose count grew, by growth, with the count in every dump, then\n"
	      "the built-in kinds that grew; for the TOP object groups (default 3) one new\n"
	      "instance and its retaining path from a root. All cores must come from one\n"
	      "node binary (-b names it when the cores do not).\n",
	      out);
}

static void dump_close(struct dump *d)
{
	v8_census_free(d->census);
	v8_heap_close(d->heap);
	if (d->v8)
		v8_close(d->v8);
	if (d->img)
		img_close(d->img);
}

static int dump_open(struct dump *d, const char *binary, int force)
{
	if (img_open_core(&d->img, d->path, binary, force) < 0 || v8_open(&d->v8, d->img) < 0 ||
	    v8_heap_open(d->v8, &d->heap) < 0 || v8_census_build(d->heap, &d->census) < 0)
		return -1;
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	/* groups that grew first; among them JS object groups (what a constructor
	 * made) before built-in kinds (strings, numbers, arrays' stores...), which
	 * grow along with them */
	if ((x->growth > 0) != (y->growth > 0))
		return x->growth > 0 ? -1 : 1;
	if (x->is_object != y->is_object)
		return x->is_object ? -1 : 1;
	if (x->growth != y->growth)
		return x->growth > y->growth ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Rows for every group of any dump, matched by key. */
static struct row *collect_rows(struct dump *d, int nd, size_t *nrows)
{
	struct util_map idx = {0};
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	for (int k = 0; k < nd; k++)
		for (size_t i = 0; i < v8_census_count(d[k].census); i++) {
			const struct v8_census_group *g = v8_census_at(d[k].census, i);
			struct util_map_entry *e = util_map_upsert(&idx, g->key, strlen(g->key));
			if (!e->value) {
				if (n == cap) {
					cap = cap ? cap * 2 : 256;
					rows = util_realloc(rows, cap * sizeof(*rows));
				}
				rows[n].key = g->key;
				rows[n].counts = util_calloc((size_t)nd, sizeof(size_t));
				rows[n].group = util_calloc((size_t)nd, sizeof(long));
				for (int j = 0; j < nd; j++)
					rows[n].group[j] = -1;
				rows[n].is_object = g->is_object;
				e->value = (void *)(uintptr_t)(++n);
			}
			struct row *r = &rows[(uintptr_t)e->value - 1];
			r->counts[k] = g->count;
			r->group[k] = (long)i;
		}
	util_map_free(&idx);
	for (size_t i = 0; i < n; i++)
		rows[i].growth = (long long)rows[i].counts[nd - 1] - (long long)rows[i].counts[0];
	qsort(rows, n, sizeof(*rows), cmp_rows);
	*nrows = n;
	return rows;
}

/* An instance of the group in the last dump at an address where the first
 * dump had no instance (objects that moved count as new: still instances). */
static int cmp_addr(const void *a, const void *b)
{
	v8_value x = *(const v8_value *)a, y = *(const v8_value *)b;
	return x < y ? -1 : x > y;
}

static v8_value new_instance(struct dump *first, struct dump *last, const struct row *r, int nd)
{
	v8_value *a = NULL, *b = NULL, pick = 0;
	size_t na = 0, nb = 0;
	if (r->group[nd - 1] < 0 ||
	    v8_census_members(last->census, (size_t)r->group[nd - 1], &b, &nb) < 0)
		return 0;
	if (r->group[0] >= 0 && v8_census_members(first->census, (size_t)r->group[0], &a, &na) < 0)
		na = 0;
	for (size_t j = nb; j-- > 0 && !pick;)
		if (!na || !bsearch(&b[j], a, na, sizeof(*a), cmp_addr))
			pick = b[j];
	if (!pick && nb)
		pick = b[nb - 1];
	free(a);
	free(b);
	util_clear_error();
	return pick;
}

static void print_counts(FILE *f, const struct row *r, int nd, int json)
{
	for (int k = 0; k < nd; k++)
		fprintf(f, json ? "%s%zu" : "%s%zu", k ? (json ? ", " : " -> ") : "", r->counts[k]);
}

static void print_path(struct dump *last, v8_value obj, int json)
{
	struct v8_refs *refs;
	struct v8_path *paths = NULL;
	size_t np = 0;
	if (v8_refs_build(last->heap, &refs) < 0)
		return;
	if (v8_retainers(refs, obj, 1, &paths, &np) < 0)
		util_clear_error();
	struct util_buf b = {0};
	if (np)
		v8_path_format(last->v8, &paths[0], &b);
	else
		util_buf_adds(&b, "(no path from a root found)\n");
	if (json) {
		fprintf(stdout, ", \"path\": ");
		out_fmt_json_string(stdout, b.data);
	} else {
		for (char *line = strtok(b.data, "\n"); line; line = strtok(NULL, "\n"))
			printf("      %s\n", line);
	}
	util_buf_free(&b);
	v8_paths_free(paths, np);
	v8_refs_free(refs);
}

static void report(struct dump *d, int nd, struct row *rows, size_t n, int top, int json)
{
	size_t shown = 0;
	if (json)
		printf("[");
	else
		printf("%10s  %-24s %s\n", "GROWTH", "COUNT PER DUMP", "CONSTRUCTOR: PROPS");
	for (size_t i = 0; i < n && rows[i].growth > 0; i++, shown++) {
		const struct row *r = &rows[i];
		if (json) {
			printf("%s\n  {\"group\": ", shown ? "," : "");
			out_fmt_json_string(stdout, r->key);
			printf(", \"growth\": %lld, \"counts\": [", r->growth);
			print_counts(stdout, r, nd, 1);
			printf("]");
		} else {
			printf("%+10lld  ", r->growth);
			struct util_buf c = {0};
			for (int k = 0; k < nd; k++)
				util_buf_printf(&c, "%s%zu", k ? " -> " : "", r->counts[k]);
			/* with more than two dumps, the growth between each pair too */
			for (int k = 1; nd > 2 && k < nd; k++)
				util_buf_printf(&c, "%s%+lld%s", k == 1 ? " (" : " ",
						(long long)r->counts[k] - (long long)r->counts[k - 1],
						k == nd - 1 ? ")" : "");
			printf("%-24s %s\n", c.data, r->key);
			util_buf_free(&c);
		}
		if ((int)shown < top && r->is_object) {
			v8_value obj = new_instance(&d[0], &d[nd - 1], r, nd);
			if (obj) {
				if (json)
					printf(", \"instance\": \"0x%llx\"",
					       (unsigned long long)obj);
				else
					printf("    new instance 0x%llx, retained by:\n",
					       (unsigned long long)obj);
				print_path(&d[nd - 1], obj, json);
			}
		}
		if (json)
			printf("}");
	}
	if (json)
		printf("%s]\n", shown ? "\n" : "");
	else if (!shown)
		printf("(no group grew)\n");
}

int cmd_leak(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"force", no_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int json = 0, force = 0, top = 3, c;
	const char *binary = NULL;
	optind = 0;
	while ((c = getopt_long(argc, argv, "n:b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 'b':
			binary = optarg;
			break;
		case 'n':
			top = atoi(optarg);
			break;
		case 'h':
			leak_usage(stdout);
			return 0;
		default:
			leak_usage(stderr);
			return 2;
		}
	}
	int nd = argc - optind;
	if (nd < 2 || top < 0) {
		leak_usage(stderr);
		return 2;
	}
	struct dump *d = util_calloc((size_t)nd, sizeof(*d));
	int rc = 0;
	for (int k = 0; k < nd && !rc; k++) {
		d[k].path = argv[optind + k];
		if (dump_open(&d[k], binary, force) < 0) {
			fprintf(stderr, "nodescope leak: %s: %s\n", d[k].path, util_last_error());
			rc = 1;
		}
	}
	if (!rc) {
		size_t n;
		struct row *rows = collect_rows(d, nd, &n);
		report(d, nd, rows, n, top, json);
		for (size_t i = 0; i < n; i++) {
			free(rows[i].counts);
			free(rows[i].group);
		}
		free(rows);
	}
	for (int k = 0; k < nd; k++)
		dump_close(&d[k]);
	free(d);
	return rc;
}
