/*
 * Unit tests of the v8 layer's object model on real cores: each supported node
 * line runs tests/fixtures/core/stack.js until it aborts, and the tests read back
 * what the fixture built — the frames, arguments, strings, objects, arrays,
 * constructor names and the closure variables of the module.
 */
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
#include "v8/v8.h"

static const int majors[] = {18, 20, 22, 24, 26};

struct session {
	int major;
	struct img *img;
	struct v8 *v8;
	/* the JS frames of the crashing thread, by function name */
	struct v8_frame frames[64];
	char *names[64];
	int n;
};

static char *first_line(const char *cmd)
{
	char line[4096] = "";
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	pclose(p);
	line[strcspn(line, "\n")] = 0;
	return line[0] ? util_strdup(line) : NULL;
}

static int collect(struct v8 *v8, const struct v8_frame *f, void *arg)
{
	struct session *s = arg;
	struct v8_funcinfo fi;
	if (!v8_frame_is_js(f->kind) || s->n >= 64 || v8_funcinfo(v8, f->function, &fi) < 0)
		return 0;
	s->frames[s->n] = *f;
	s->names[s->n++] = util_strdup(fi.name);
	v8_funcinfo_free(&fi);
	return 0;
}

/* Makes a core of the fixture with node `major`; 0 when that node is not wanted. */
static int make_session(int major, struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->major = major;
	const char *want = getenv("NODESCOPE_NODES");
	char m[8], cmd[1024];
	snprintf(m, sizeof(m), "%d", major);
	if (want && !strstr(want, m))
		return 0;
	snprintf(cmd, sizeof(cmd), "sh scripts/fetch-node.sh %d 2>/dev/null", major);
	char *node = first_line(cmd);
	if (!node)
		return 0;
	char dir[] = "/tmp/nodescope-v8core-XXXXXX";
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && ulimit -c unlimited && '%s' --abort-on-uncaught-exception "
		 "'%s/tests/fixtures/core/stack.js' >/dev/null 2>&1; ls %s/core* 2>/dev/null",
		 dir, node, getenv("PWD") ? getenv("PWD") : ".", dir);
	char *core = first_line(cmd);
	free(node);
	if (!core)
		fail_msg("node %d wrote no core in %s", major, dir);
	if (img_open_core(&s->img, core, NULL, 0) < 0 || v8_open(&s->v8, s->img) < 0)
		fail_msg("node %d: %s", major, util_last_error());
	unlink(core);
	rmdir(dir);
	free(core);
	assert_int_equal(v8_walk_stack(s->v8, img_thread_at(s->img, 0), 200, collect, s), 0);
	return 1;
}

/* One core per node line, made on first use and kept for every test. */
static struct session sessions[sizeof(majors) / sizeof(majors[0])];
static int made[sizeof(majors) / sizeof(majors[0])];

static int open_session(int major, struct session *s)
{
	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++)
		if (majors[i] == major) {
			if (!made[i])
				made[i] = make_session(major, &sessions[i]) ? 1 : -1;
			*s = sessions[i];
			return made[i] == 1;
		}
	return 0;
}

static void close_session(struct session *s)
{
	(void)s; /* sessions live until teardown */
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++)
		if (made[i] == 1) {
			struct session *s = &sessions[i];
			for (int j = 0; j < s->n; j++)
				free(s->names[j]);
			v8_close(s->v8);
			img_close(s->img);
		}
	return 0;
}

static const struct v8_frame *frame_named(struct session *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return &s->frames[i];
	fail_msg("node %d: no frame named %s", s->major, name);
	return NULL;
}

static void string_is(struct v8 *v8, v8_value v, const char *want)
{
	char *got = v8_string_dup(v8, v);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static v8_value arg(struct session *s, const struct v8_frame *f, int i)
{
	v8_value v;
	assert_int_equal(v8_frame_arg(s->v8, f, i, &v), 0);
	return v;
}

static void frames_and_arguments(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(majors) / sizeof(majors[0]); k++) {
		struct session s;
		if (!open_session(majors[k], &s))
			continue;
		const struct v8_frame *explode = frame_named(&s, "explode");
		assert_int_equal(explode->argc, 2);
		string_is(s.v8, arg(&s, explode, 0), "widget-alpha");
		assert_true(v8_is_smi(arg(&s, explode, 1)));
		assert_int_equal(v8_smi(arg(&s, explode, 1)), 42);
		assert_true(v8_is_undefined(s.v8, explode->receiver)); /* strict mode */
		close_session(&s);
	}
}

static void objects_arrays_constructors(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(majors) / sizeof(majors[0]); k++) {
		struct session s;
		if (!open_session(majors[k], &s))
			continue;
		const struct v8_frame *validate = frame_named(&s, "validate");
		/* values: [1, 2, 3] */
		v8_value values = arg(&s, validate, 0), e2, opts, owner;
		int64_t len;
		assert_int_equal(v8_array_length(s.v8, values, &len), 0);
		assert_int_equal(len, 3);
		struct v8_elem el;
		assert_int_equal(v8_element_get(s.v8, values, 2, &el), 1);
		e2 = el.v;
		assert_int_equal(v8_smi(e2), 3);
		assert_int_equal(v8_element_get(s.v8, values, 3, &el), 0);
		/* opts: { owner: 'widget-alpha' } */
		opts = arg(&s, validate, 2);
		assert_int_equal(v8_object_get(s.v8, opts, "owner", &owner), 1);
		string_is(s.v8, owner, "widget-alpha");
		assert_int_equal(v8_object_get(s.v8, opts, "nope", &owner), 0);
		struct util_buf b = {0};
		util_buf_adds(&b, "");
		assert_int_equal(v8_constructor_name(s.v8, opts, &b), 0);
		assert_string_equal(b.data, "Object");
		/* this of Widget#check: a Widget with name and size */
		const struct v8_frame *check = frame_named(&s, "check");
		b.len = 0;
		assert_int_equal(v8_constructor_name(s.v8, check->receiver, &b), 0);
		assert_string_equal(b.data, "Widget");
		v8_value size;
		assert_int_equal(v8_object_get(s.v8, check->receiver, "size", &size), 1);
		assert_int_equal(v8_smi(size), 21);
		/* strings: two-byte cons, sliced */
		v8_value label, tag;
		assert_int_equal(v8_object_get(s.v8, check->receiver, "label", &label), 1);
		string_is(s.v8, label, "w\xc3\xaf" "dget \xe2\x9c\x93 widget-alpha");
		assert_int_equal(v8_object_get(s.v8, check->receiver, "tag", &tag), 1);
		string_is(s.v8, tag, "xxxxxxxxxxxxxxxxxwidget-alpha");
		b.len = 0;
		assert_int_equal(v8_describe(s.v8, check->receiver, &b), 0);
		assert_non_null(strstr(b.data, "(JSObject: Widget)"));
		util_buf_free(&b);
		/* a random non-object is refused */
		unsigned t;
		assert_int_equal(v8_type(s.v8, 0x11, &t), -1);
		close_session(&s);
	}
}

struct find_local {
	const char *name;
	int64_t slot;
};

static int find_local(struct v8 *v8, v8_value name, int64_t slot, void *arg)
{
	struct find_local *f = arg;
	char *n = v8_string_dup(v8, name);
	int hit = n && !strcmp(n, f->name);
	free(n);
	if (hit)
		f->slot = slot;
	return hit;
}

/* validate() reads `armed` and explode() `mode`: module variables the CommonJS
 * wrapper keeps in its Context, where handlers.run's `handlers` also lives. */
static void closure_variables(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(majors) / sizeof(majors[0]); k++) {
		struct session s;
		if (!open_session(majors[k], &s))
			continue;
		const struct v8_frame *validate = frame_named(&s, "validate");
		v8_value ctx, si, handlers, run;
		assert_int_equal(v8_function_context(s.v8, validate->function, &ctx), 0);
		assert_int_equal(v8_context_scope_info(s.v8, ctx, &si), 0);
		struct find_local f = {"handlers", -1};
		assert_int_equal(v8_scope_info_locals(s.v8, si, find_local, &f), 1);
		assert_int_equal(v8_context_slot(s.v8, ctx, f.slot, &handlers), 0);
		assert_int_equal(v8_object_get(s.v8, handlers, "run", &run), 1);
		assert_true(v8_is_js_function(s.v8, run));
		struct v8_funcinfo fi;
		assert_int_equal(v8_funcinfo(s.v8, run, &fi), 0);
		assert_string_equal(fi.inferred, "handlers.run");
		v8_funcinfo_free(&fi);
		struct find_local m = {"mode", -1};
		assert_int_equal(v8_scope_info_locals(s.v8, si, find_local, &m), 1);
		v8_value mode;
		assert_int_equal(v8_context_slot(s.v8, ctx, m.slot, &mode), 0);
		string_is(s.v8, mode, "immediate");
		close_session(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(frames_and_arguments),
	    cmocka_unit_test(objects_arrays_constructors),
	    cmocka_unit_test(closure_variables),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
