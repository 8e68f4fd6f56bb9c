/*
 * prompt — the mdb-like command language of `nodescope core`: a line is
 * `[ADDR]::dcmd [args...]`, optionally piped into another dcmd (`CMD | ::jsprint`,
 * each output line's first word becomes the next dcmd's ADDR) or into a shell
 * (`CMD ! grep foo`). Each dcmd lives in its own file src/prompt/dcmd_<name>.c and
 * is registered with ONE line in src/prompt/dcmds.c. Prefix: prompt_ (dcmd_ for
 * the commands themselves).
 */
#ifndef NODESCOPE_PROMPT_H
#define NODESCOPE_PROMPT_H

#include <stdint.h>
#include <stdio.h>

#include "image/image.h"
#include "v8/v8.h"

/* What a dcmd gets for one invocation. */
struct dcmd_ctx {
	struct img *img;
	struct v8 *v8; /* NULL when the binary's V8 could not be read */
	FILE *out;     /* print data here (stdout, or the next stage of a pipe) */
	int json;      /* --json was given to `nodescope core` (a dcmd may also take it) */
	int has_addr;  /* ADDR:: was given (or came from a pipe) */
	uint64_t addr;
	int argc;    /* argv[0] is the dcmd name; parse options with getopt after */
	char **argv; /* setting optind = 0 (argv is the dcmd's own copy) */
	int piped;   /* this invocation is one of several fed by a pipe */
};

/* Return values of run: 0 success, -1 failure (util_error set; the prompt prints
 * it and continues), DCMD_USAGE bad arguments (the prompt prints the usage). */
#define DCMD_USAGE 2

struct dcmd {
	const char *name;
	const char *usage;   /* "[-v] [-n lines]", shown as "[ADDR]::name usage" */
	const char *summary; /* one line for ::help */
	const char *help;    /* a paragraph for ::help name, or NULL */
	int (*run)(struct dcmd_ctx *ctx);
};

/* The registry (dcmds.c). */
const struct dcmd *prompt_dcmd_find(const char *name);
const struct dcmd *const *prompt_dcmd_all(void);

/* A session: what every dcmd needs, plus the state of the prompt. */
struct prompt {
	struct img *img;
	struct v8 *v8;
	int json;
	int quit; /* set by ::quit */
};

/* Runs one command line (with pipes); 0 ok, -1 a command failed (message already
 * printed to stderr), DCMD_USAGE bad usage. */
int prompt_run_line(struct prompt *p, const char *line);
/* The interactive loop (libedit line editing and history when stdin is a
 * terminal, plain lines otherwise). Returns 0, or 1 if any command failed when
 * not interactive. */
int prompt_loop(struct prompt *p);

/* Helpers for dcmds: parse an mdb-style number (hex by default, 0t for decimal,
 * 0x for hex) and print "dcmd: usage: ..." to stderr. */
int prompt_parse_addr(const char *s, uint64_t *out);
void prompt_usage(const struct dcmd *d);

#endif
