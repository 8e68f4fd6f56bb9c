/*
 * print_int.h — the printer state shared by the print*.c files (and nothing
 * else): where output goes, how deep we are, which objects enclose the current
 * one (for cycles), and the small emitters that make one tree of calls produce
 * either the mdb_v8-like human form or strict JSON.
 */
#ifndef NODESCOPE_V8_PRINT_INT_H
#define NODESCOPE_V8_PRINT_INT_H

#include "v8/inspect.h"

#define PR_MAX_LEVEL 64			 /* nesting cap, whatever -d says */
#define PR_MAX_NODES (50u * 1000 * 1000) /* values printed per command */
#define PR_MAX_BYTES ((size_t)256 << 20) /* output kept in memory per command */

struct pr {
	struct v8 *v8;
	const struct v8_print_opts *o;
	const struct v8_kinds *K;
	struct util_buf *out;
	int level;		      /* open containers */
	v8_value stack[PR_MAX_LEVEL]; /* the objects those containers print */
	char first[PR_MAX_LEVEL];     /* no entry yet in that container */
	size_t nodes;
	int stopped; /* the node budget ran out */
	int summary; /* one line: containers print their label only */
	/* While an Error's properties print: its formatted stack, which replaces
	 * the "stack" accessor; cleared once printed. */
	v8_value error_stack;
};

/* Emitters. A container is opened with a label ("Map(2)", "Foo", NULL), then
 * gets entries (pr_key with a key, pr_item without), then is closed. */
void pr_open(struct pr *p, v8_value v, const char *label, const char *type, char bracket);
void pr_close(struct pr *p, char bracket);
void pr_key(struct pr *p, const char *key, int quoted);
void pr_item(struct pr *p);
/* Raw text, and a quoted JSON-escaped string. */
void pr_text(struct pr *p, const char *s);
void pr_quote(struct pr *p, const char *s, size_t n);
/* A leaf that is not a JSON primitive: human "text", JSON {"$type":..,"value":"text"}. */
void pr_leaf(struct pr *p, v8_value v, const char *type, const char *text);
/* "<unreadable: last error>" for a part that could not be read. */
void pr_unreadable(struct pr *p);
/* The address prefix of -a (human) for a heap object. */
void pr_address(struct pr *p, v8_value v);

/* 1 when a container for v may open here (depth and cycles); otherwise it has
 * printed [...] or [Circular] (or, in summary mode, its label) and returns 0. */
int pr_may_open(struct pr *p, v8_value v, const char *label);

/* The constructor name an object prints with ("Foo", "Object", "Buffer"). */
void pr_label(struct pr *p, v8_value obj, struct util_buf *label);

/* Values. */
void pr_value(struct pr *p, v8_value v);
void pr_object_body(struct pr *p, v8_value obj, int skip_private);
/* Own properties then elements of obj, as entries of the open container. */
void pr_object_entries(struct pr *p, v8_value obj, int skip_private);
void pr_array(struct pr *p, v8_value arr);
void pr_date(struct pr *p, v8_value v);
void pr_regexp(struct pr *p, v8_value v);
void pr_fixed_items(struct pr *p, v8_value fixed, int64_t max);

/* Kinds (print_kinds.c, print_collections.c, print_buffers.c). Each returns 1
 * when it printed v, 0 when v is not its kind. */
int pr_kind(struct pr *p, v8_value v, unsigned type);
int pr_collection(struct pr *p, v8_value v, unsigned type);
int pr_buffer(struct pr *p, v8_value v, unsigned type);
void pr_bigint(struct pr *p, v8_value v);
void pr_symbol(struct pr *p, v8_value v);

/* The ElementsKind in an object's map (bit_field2). */
int pr_elements_kind(struct pr *p, v8_value v, int64_t *kind);

/* An Error's stack: the string, or the frames of an unformatted one
 * (print_stack.c; returns 0 when frames is not such a list). */
void pr_stack_value(struct pr *p, v8_value stack);
int pr_unformatted_stack(struct pr *p, v8_value frames);

/* A Symbol with the private flag (V8's internal keys, hidden from the print). */
int pr_is_private_symbol(struct pr *p, v8_value key);

#endif
