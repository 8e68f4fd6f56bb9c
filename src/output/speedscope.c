/*
 * speedscope.c — writes a sampled profile in speedscope's own file format
 * (https://www.speedscope.app/file-format-schema.json): shared frames, and one
 * "sampled" profile per thread with its samples in time order, weighted by the
 * time each one stands for.
 */
#include "output/output_formats.h"
#include "util/util.h"

#include <inttypes.h>
#include <stdlib.h>

void out_fmt_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void write_frames(const struct out_profile *p, FILE *out)
{
	fputs("\"shared\":{\"frames\":[", out);
	for (size_t i = 0; i < p->nframes; i++) {
		const struct out_frame *f = &p->frames[i];
		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", out);
		out_fmt_json_string(out, f->kind == OUT_FRAME_JS ? f->function : f->name);
		if (f->file) {
			fputs(",\"file\":", out);
			out_fmt_json_string(out, f->file);
			if (f->line)
				fprintf(out, ",\"line\":%" PRIu32, f->line);
			if (f->col)
				fprintf(out, ",\"col\":%" PRIu32, f->col);
		}
		fputc('}', out);
	}
	fputs("]}", out);
}

static void write_thread(const struct out_profile *p, size_t t, FILE *out)
{
	uint64_t first = 0, last = 0, n = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		if (p->samples[i].thread == t) {
			if (!n)
				first = p->samples[i].time_ns;
			last = p->samples[i].time_ns;
			n++;
		}
	fputs("{\"type\":\"sampled\",\"name\":", out);
	char name[128];
	snprintf(name, sizeof(name), "%s (tid %" PRIu32 ")", p->threads[t].name, p->threads[t].tid);
	out_fmt_json_string(out, name);
	uint64_t start = first > p->start_ns ? first - p->start_ns : 0;
	fprintf(out,
		",\"unit\":\"nanoseconds\",\"startValue\":%" PRIu64 ",\"endValue\":%" PRIu64
		",\"samples\":[",
		start, start + n * p->period_ns);
	(void)last;
	size_t k = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		if (p->samples[i].thread != t)
			continue;
		const struct out_stack *s = &p->stacks[p->samples[i].stack];
		fputs(k++ ? ",[" : "\n[", out);
		/* The thread's name is the profile's name: leave the root frame out. */
		for (uint32_t j = 1; j < s->n; j++)
			fprintf(out, j > 1 ? ",%" PRIu32 : "%" PRIu32, s->frames[j]);
		fputc(']', out);
	}
	fputs("],\"weights\":[", out);
	for (uint64_t i = 0; i < n; i++)
		fprintf(out, i ? ",%" PRIu64 : "%" PRIu64, p->period_ns);
	fputs("]}", out);
}

int out_speedscope_write(const struct out_profile *p, FILE *out)
{
	fputs("{\"$schema\":\"https://www.speedscope.app/"
	      "file-format-schema.json\",\"exporter\":\"nodescope " NODESCOPE_VERSION
	      "\",\"name\":",
	      out);
	out_fmt_json_string(out, p->name ? p->name : "nodescope record");
	fputs(",\"activeProfileIndex\":0,\n", out);
	write_frames(p, out);
	fputs(",\n\"profiles\":[", out);
	/* Threads with samples, the busiest first so speedscope opens on it. */
	size_t *order = util_calloc(p->nthreads ? p->nthreads : 1, sizeof(size_t));
	uint64_t *count = util_calloc(p->nthreads ? p->nthreads : 1, sizeof(uint64_t));
	for (size_t i = 0; i < p->nsamples; i++)
		count[p->samples[i].thread]++;
	size_t n = 0;
	for (size_t t = 0; t < p->nthreads; t++)
		if (count[t])
			order[n++] = t;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && count[order[j]] > count[order[j - 1]]; j--) {
			size_t x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(",\n", out);
		write_thread(p, order[i], out);
	}
	free(order);
	free(count);
	fputs("]}\n", out);
	return ferror(out) ? util_error("write error") : 0;
}
