/*
 * source_functions.c — ::jsfunctions: every function definition in the heap
 * with how many closures of it exist. One heap walk (heap.h) counts JSFunction
 * objects per SharedFunctionInfo; then each definition gets its name and
 * file:line, filtered by name and file substrings and sorted by closure count.
 */
#include "v8/inspect.h"
#include "v8/heap.h"

#include <stdlib.h>
#include <string.h>

struct fn_count {
	v8_value sfi, example; /* one closure of it */
	size_t count;
};

struct walk {
	const struct v8_types *T;
	struct util_map by_sfi; /* "sfi address" -> struct fn_count * */
};

static int count_function(struct v8 *v8, v8_value obj, unsigned type, void *arg)
{
	struct walk *w = arg;
	v8_value sfi;
	if ((int)type < w->T->first_js_function || (int)type > w->T->last_js_function)
		return 0;
	if (v8_field(v8, obj, v8_layout(v8)->fn_shared, &sfi) < 0 ||
	    !v8_is_type(v8, sfi, w->T->shared_function_info)) {
		util_clear_error();
		return 0;
	}
	char key[24];
	int n = snprintf(key, sizeof(key), "%llx", (unsigned long long)sfi);
	struct util_map_entry *e = util_map_upsert(&w->by_sfi, key, (size_t)n);
	if (!e->value) {
		struct fn_count *c = util_calloc(1, sizeof(*c));
		c->sfi = sfi;
		c->example = obj;
		e->value = c;
	}
	((struct fn_count *)e->value)->count++;
	return 0;
}

struct gather {
	struct v8_function_def *defs;
	size_t n;
};

static void gather_one(struct util_map_entry *e, void *arg)
{
	struct gather *g = arg;
	struct fn_count *c = e->value;
	g->defs[g->n++] = (struct v8_function_def){c->sfi, c->example, c->count, NULL, NULL};
	free(c);
}

static int by_count(const void *a, const void *b)
{
	const struct v8_function_def *x = a, *y = b;
	if (x->closures != y->closures)
		return x->closures < y->closures ? 1 : -1;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return strcmp(x->where, y->where);
}

/* Name and place of each definition; those the filters reject are dropped. */
static size_t describe_defs(struct v8 *v8, struct v8_function_def *d, size_t n, const char *name,
			    const char *file)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct v8_funcinfo fi;
		struct util_buf b = {0};
		util_buf_adds(&b, "");
		if (v8_funcinfo(v8, d[i].sfi, &fi) < 0) {
			util_clear_error();
			util_buf_free(&b);
			continue;
		}
		v8_funcinfo_display(&fi, &b);
		int keep = (!name || strstr(b.data, name)) &&
			   (!file || (fi.script_name && strstr(fi.script_name, file)));
		if (keep) {
			d[kept] = d[i];
			d[kept].name = b.data;
			struct util_buf where = {0};
			util_buf_adds(&where, "");
			v8_function_where(v8, &fi, &where);
			d[kept].where = where.data;
			kept++;
		} else {
			util_buf_free(&b);
		}
		v8_funcinfo_free(&fi);
	}
	return kept;
}

int v8_functions(struct v8 *v8, const char *name, const char *file, struct v8_function_def **out,
		 size_t *n)
{
	struct walk w = {v8_types(v8), {0}};
	*out = NULL;
	*n = 0;
	int rc = v8_heap_walk(v8, count_function, &w);
	struct gather g = {util_calloc(w.by_sfi.count + 1, sizeof(*g.defs)), 0};
	util_map_each(&w.by_sfi, gather_one, &g);
	util_map_free(&w.by_sfi);
	if (rc < 0) {
		free(g.defs);
		return -1;
	}
	g.n = describe_defs(v8, g.defs, g.n, name, file);
	qsort(g.defs, g.n, sizeof(*g.defs), by_count);
	*out = g.defs;
	*n = g.n;
	return 0;
}

void v8_functions_free(struct v8_function_def *defs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(defs[i].name);
		free(defs[i].where);
	}
	free(defs);
}
