/*
 * print_path.c — MEMBER.PATH for ::jsprint ("headers.host", "items.2.name"):
 * each step is an own named property, or an element index of an array-like
 * object. A missing step is an error naming it.
 */
#include "v8/inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_index(const char *s)
{
	if (!*s || strlen(s) > 15)
		return 0;
	for (const char *c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return 0;
	return 1;
}

static int step(struct v8 *v8, v8_value cur, const char *name, v8_value *out)
{
	if (!v8_is_js_receiver(v8, cur))
		return util_error("cannot look up \"%s\": the value is not an object", name);
	if (!strcmp(name, "stack") && v8_is_type(v8, cur, v8_types(v8)->js_error))
		return v8_error_stack(v8, cur, out);
	int rc = v8_object_get(v8, cur, name, out);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (is_index(name)) {
		struct v8_elem e;
		int64_t i = strtoll(name, NULL, 10);
		rc = v8_element_get(v8, cur, i, &e);
		if (rc < 0)
			return -1;
		if (rc == 1 && !e.is_double) {
			*out = e.v;
			return 0;
		}
		if (rc == 1)
			return util_error("element %s is an unboxed double (%g); print the array",
					  name, e.d);
	}
	return util_error("no property \"%s\"", name);
}

int v8_member_path(struct v8 *v8, v8_value v, const char *path, v8_value *out)
{
	char *copy = util_strdup(path), *save = NULL;
	v8_value cur = v;
	int rc = 0;
	for (char *part = strtok_r(copy, ".", &save); part && rc == 0;
	     part = strtok_r(NULL, ".", &save))
		rc = step(v8, cur, part, &cur);
	free(copy);
	if (rc < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", util_last_error());
		return util_error("%s: %s", path, why);
	}
	*out = cur;
	return 0;
}
