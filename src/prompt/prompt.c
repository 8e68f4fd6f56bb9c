/*
 * prompt.c — runs command lines: splits a line into pipe stages and an optional
 * shell sink, parses each stage (`[ADDR]::dcmd args`), runs the dcmd with its
 * output captured when a later stage consumes it, and the interactive loop with
 * libedit line editing and a history file.
 */
#include "prompt/prompt.h"

#include <editline/readline.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 64
#define MAX_PIPE_INPUTS 1000000

/* Splits s at unquoted occurrences of sep (at most max pieces). Returns the count;
 * the pieces are malloc'd. */
static int split_unquoted(const char *s, char sep, char **pieces, int max)
{
	int n = 0;
	char quote = 0;
	const char *start = s;
	for (const char *p = s;; p++) {
		if (*p && quote) {
			if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p;
			continue;
		}
		if (*p == sep || !*p) {
			if (n < max)
				pieces[n++] = util_strndup(start, (size_t)(p - start));
			if (!*p)
				break;
			start = p + 1;
		}
	}
	return n;
}

/* Splits a stage's arguments at blanks, honouring quotes. */
static int tokenize(const char *s, char **argv, int max)
{
	int n = 0;
	while (*s && n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		struct util_buf b = {0};
		util_buf_adds(&b, "");
		char quote = 0;
		for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
			if (quote && *s == quote)
				quote = 0;
			else if (!quote && (*s == '\'' || *s == '"'))
				quote = *s;
			else
				util_buf_addc(&b, *s);
		}
		argv[n++] = b.data;
	}
	return n;
}

int prompt_parse_addr(const char *s, uint64_t *out)
{
	int base = 16;
	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	else if (!strncmp(s, "0t", 2)) {
		s += 2;
		base = 10;
	}
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

void prompt_usage(const struct dcmd *d)
{
	fprintf(stderr, "nodescope: usage: [ADDR]::%s %s\n", d->name, d->usage);
}

/* A parsed stage. */
struct stage {
	int has_addr;
	uint64_t addr;
	const struct dcmd *dcmd;
	int argc;
	char *argv[MAX_ARGS];
};

static void stage_free(struct stage *st)
{
	for (int i = 0; i < st->argc; i++)
		free(st->argv[i]);
	st->argc = 0;
}

static int stage_parse(const char *text, struct stage *st)
{
	memset(st, 0, sizeof(*st));
	while (*text == ' ' || *text == '\t')
		text++;
	const char *colons = strstr(text, "::");
	const char *name_start = colons ? colons + 2 : text;
	if (colons && colons > text) {
		char *a = util_strndup(text, (size_t)(colons - text));
		int bad = prompt_parse_addr(a, &st->addr);
		free(a);
		if (bad)
			return util_error("'%.*s' is not an address", (int)(colons - text), text);
		st->has_addr = 1;
	}
	if (!colons && !strcmp(text, "$q"))
		name_start = "quit";
	st->argc = tokenize(name_start, st->argv, MAX_ARGS);
	if (st->argc == 0)
		return util_error("no dcmd given (::help lists them)");
	st->dcmd = prompt_dcmd_find(st->argv[0]);
	if (!st->dcmd) {
		int rc = util_error("'%s' is not a dcmd (::help lists them)", st->argv[0]);
		stage_free(st);
		return rc;
	}
	return 0;
}

/* Runs one stage once; reports its failure on stderr. */
static int stage_run(struct prompt *p, struct stage *st, int has_addr, uint64_t addr, int piped,
		     FILE *out)
{
	struct dcmd_ctx ctx = {p->img, p->v8, out, p->json, has_addr, addr, 0, NULL, piped};
	char *argv[MAX_ARGS + 1];
	for (int i = 0; i < st->argc; i++)
		argv[i] = util_strdup(st->argv[i]);
	argv[st->argc] = NULL;
	ctx.argc = st->argc;
	ctx.argv = argv;
	util_clear_error();
	if (!strcmp(st->dcmd->name, "quit"))
		p->quit = 1;
	int rc = st->dcmd->run(&ctx);
	fflush(out);
	for (int i = 0; i < st->argc; i++)
		free(argv[i]);
	if (rc == DCMD_USAGE) {
		prompt_usage(st->dcmd);
		return DCMD_USAGE;
	}
	if (rc < 0) {
		const char *msg = util_last_error();
		fprintf(stderr, "nodescope: %s\n", msg && *msg ? msg : "command failed");
		return -1;
	}
	return 0;
}

/* Runs a stage for each address in the input text (first word of each line). */
static int stage_run_piped(struct prompt *p, struct stage *st, const char *input, FILE *out)
{
	int rc = 0, n = 0;
	const char *line = input;
	while (line && *line && n < MAX_PIPE_INPUTS) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char word[64];
		size_t i = 0, w = 0;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		while (i < len && line[i] != ' ' && line[i] != '\t' && w + 1 < sizeof(word))
			word[w++] = line[i++];
		if (w && word[w - 1] == ':') /* "ADDR: ..." as dcmds print it */
			w--;
		word[w] = 0;
		uint64_t addr;
		if (w && prompt_parse_addr(word, &addr) == 0) {
			int r = stage_run(p, st, 1, addr, 1, out);
			if (r)
				rc = r;
			n++;
		}
		line = nl ? nl + 1 : NULL;
	}
	return rc;
}

static int run_to_shell(const char *text, size_t len, const char *shell)
{
	fflush(stdout);
	FILE *sh = popen(shell, "w");
	if (!sh) {
		fprintf(stderr, "nodescope: cannot run '%s'\n", shell);
		return -1;
	}
	fwrite(text, 1, len, sh);
	int st = pclose(sh);
	return st == 0 ? 0 : 0; /* the shell command's status is its own business */
}

int prompt_run_line(struct prompt *p, const char *line)
{
	char *halves[2] = {NULL, NULL};
	char *stages_text[16];
	struct stage stages[16];
	int nh = split_unquoted(line, '!', halves, 2);
	int ns = split_unquoted(halves[0], '|', stages_text, 16);
	int rc = 0, parsed = 0;
	for (; parsed < ns; parsed++)
		if (stage_parse(stages_text[parsed], &stages[parsed]) < 0) {
			fprintf(stderr, "nodescope: %s\n", util_last_error());
			rc = DCMD_USAGE;
			break;
		}
	char *buf = NULL;
	size_t buflen = 0;
	for (int i = 0; rc == 0 && i < ns; i++) {
		int last = i == ns - 1 && nh < 2;
		char *next = NULL;
		size_t nextlen = 0;
		FILE *out = last ? stdout : open_memstream(&next, &nextlen);
		if (i == 0)
			rc = stage_run(p, &stages[i], stages[i].has_addr, stages[i].addr, 0, out);
		else
			rc = stage_run_piped(p, &stages[i], buf ? buf : "", out);
		if (!last)
			fclose(out);
		free(buf);
		buf = next;
		buflen = nextlen;
	}
	if (rc == 0 && nh == 2 && buf)
		rc = run_to_shell(buf, buflen, halves[1]);
	free(buf);
	for (int i = 0; i < parsed; i++)
		stage_free(&stages[i]);
	for (int i = 0; i < ns; i++)
		free(stages_text[i]);
	free(halves[0]);
	free(halves[1]);
	return rc;
}

static int blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return *s == 0;
}

static char *history_path(void)
{
	const char *home = getenv("HOME");
	return home ? util_asprintf("%s/.nodescope_history", home) : NULL;
}

static int loop_interactive(struct prompt *p)
{
	char *hist = history_path();
	using_history();
	stifle_history(1000);
	if (hist)
		read_history(hist);
	while (!p->quit) {
		char *line = readline("> ");
		if (!line)
			break;
		if (!blank(line)) {
			add_history(line);
			prompt_run_line(p, line);
		}
		free(line);
	}
	if (hist) {
		write_history(hist);
		free(hist);
	}
	return 0;
}

int prompt_loop(struct prompt *p)
{
	if (isatty(STDIN_FILENO))
		return loop_interactive(p);
	char *line = NULL;
	size_t cap = 0;
	int failed = 0;
	while (!p->quit && getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		if (!blank(line) && prompt_run_line(p, line) != 0)
			failed = 1;
	}
	free(line);
	return failed;
}
