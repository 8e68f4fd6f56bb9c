/*
 * sample_recording.c — what `record` gathers: raw samples kept as distinct
 * (thread, call chain) pairs with counts plus the time-ordered list of samples,
 * symbolized once at the end (so sampling costs no symbol lookups) into frames,
 * distinct stacks rooted at the thread's name, and samples: the out_profile
 * every writer takes.
 */
#include "profile/profile.h"
#include "profile/record.h"
#include "util/util.h"

#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define MAX_SAMPLES (64u << 20)
#define MAX_CHAIN_BYTES ((size_t)1 << 30)

struct chain {
	uint32_t thread;
	uint32_t n;
	size_t off; /* into ips */
	uint64_t count;
	uint32_t stack; /* after finish */
};

struct raw_sample {
	uint32_t chain;
	uint64_t time_ns;
};

struct prof_recording {
	unsigned hz, max_stack;
	struct prof_symset *syms;
	size_t nprocesses;
	/* gathering */
	struct out_thread *threads;
	pid_t *thread_pids;
	size_t nthreads, last_thread;
	struct prof_index chain_ids; /* (thread, ips) -> chain */
	struct chain *chains;
	size_t nchains, capchains;
	uint64_t *ips;
	uint64_t *slots; /* parallel to ips: the JSFunction slot of the frame, or 0 */
	size_t nips, capips;
	prof_js_resolver resolve;
	void *resolve_arg;
	/* JSFunction -> SharedFunctionInfo reads of the current drain */
	struct sfi_cache {
		uint64_t fn, sfi;
		pid_t pid;
		uint32_t gen;
	} sfi_cache[256];
	uint32_t gen;
	struct raw_sample *samples;
	size_t nsamples, capsamples;
	uint64_t dropped;
	/* result */
	struct util_map frame_ids; /* name -> index + 1 */
	struct out_frame *frames;
	size_t nframes, capframes;
	struct prof_index stack_ids; /* frame indices -> stack */
	struct out_stack *stacks;
	size_t *stack_off; /* into stack_frames, until finish sets stacks[].frames */
	size_t nstacks, capstacks;
	uint32_t *stack_frames;
	uint8_t *stack_tiers; /* parallel to stack_frames */
	size_t nstack_frames, capstack_frames;
	struct out_sample *out_samples;
	struct out_profile profile;
	char *name;
};

struct prof_recording *prof_recording_new(unsigned hz, unsigned max_stack, struct prof_symset *syms)
{
	struct prof_recording *r = util_calloc(1, sizeof(*r));
	r->syms = syms;
	r->hz = hz;
	r->max_stack = max_stack;
	return r;
}

static uint32_t thread_index(struct prof_recording *r, uint32_t pid, uint32_t tid)
{
	if (r->last_thread < r->nthreads && r->threads[r->last_thread].tid == tid)
		return (uint32_t)r->last_thread;
	int new_process = 1;
	for (size_t i = 0; i < r->nthreads; i++) {
		if (r->threads[i].tid == tid)
			return (uint32_t)(r->last_thread = i);
		if (r->thread_pids[i] == (pid_t)pid)
			new_process = 0;
	}
	char comm[64];
	prof_target_comm((pid_t)pid, (pid_t)tid, comm, sizeof(comm));
	r->threads = util_realloc(r->threads, (r->nthreads + 1) * sizeof(*r->threads));
	r->thread_pids = util_realloc(r->thread_pids, (r->nthreads + 1) * sizeof(pid_t));
	r->threads[r->nthreads] = (struct out_thread){util_strdup(comm), tid};
	r->thread_pids[r->nthreads] = (pid_t)pid;
	if (new_process) {
		/* Read its mappings now, while it lives. */
		prof_symset_get(r->syms, (pid_t)pid);
		r->nprocesses++;
	}
	return (uint32_t)(r->last_thread = r->nthreads++);
}

size_t prof_recording_processes(const struct prof_recording *r)
{
	return r->nprocesses;
}

struct chain_key {
	const struct prof_recording *r;
	uint32_t thread;
	const uint64_t *ips, *slots;
	uint32_t n;
};

static int chain_eq(uint32_t value, const void *arg)
{
	const struct chain_key *k = arg;
	const struct chain *c = &k->r->chains[value];
	return c->thread == k->thread && c->n == k->n &&
	       !memcmp(k->r->ips + c->off, k->ips, k->n * sizeof(uint64_t)) &&
	       !memcmp(k->r->slots + c->off, k->slots, k->n * sizeof(uint64_t));
}

static int read_stack(const struct prof_raw_sample *rs, uint64_t addr, uint64_t *v)
{
	if (addr < rs->sp || addr - rs->sp > rs->stack_len || rs->stack_len - (addr - rs->sp) < 8)
		return -1;
	memcpy(v, rs->stack + (addr - rs->sp), 8);
	return 0;
}

/* Walks the frame pointers through the sample's stack copy the way the kernel
 * made the user call chain, and notes for each user frame the value in its
 * JSFunction slot (fp - 16 on x86-64 V8 frames) when it looks like a heap
 * pointer: JS code without a perf-map name can then be named from the heap. */
static void js_slots(const struct prof_raw_sample *rs, uint64_t *slots)
{
	memset(slots, 0, rs->nips * sizeof(uint64_t));
	if (!rs->stack)
		return;
	uint64_t k = 0;
	while (k < rs->nips && rs->ips[k] != (uint64_t)PERF_CONTEXT_USER)
		k++;
	uint64_t fp = rs->bp, v;
	for (k++; k < rs->nips && rs->ips[k] < (uint64_t)PERF_CONTEXT_MAX; k++) {
		if (fp >= 16 && read_stack(rs, fp - 16, &v) == 0 && (v & 3) == 1)
			slots[k] = v;
		uint64_t next;
		if (read_stack(rs, fp, &next) != 0 || next <= fp)
			break;
		fp = next;
	}
}

void prof_recording_drained(struct prof_recording *r)
{
	r->gen++;
}

/* The SharedFunctionInfo of a JSFunction of pid, read now (the function may
 * move in the next scavenge; its SFI, in old space, stays): 0 when unreadable. */
static uint64_t function_sfi(struct prof_recording *r, pid_t pid, uint64_t fn)
{
	struct sfi_cache *c = &r->sfi_cache[(fn >> 3) & 255];
	if (c->gen == r->gen + 1 && c->fn == fn && c->pid == pid)
		return c->sfi;
	int64_t off;
	uint64_t sfi = 0;
	if (prof_symbolizer_js_shared_offset(prof_symset_get(r->syms, pid), &off) == 0) {
		struct iovec local = {&sfi, sizeof(sfi)};
		struct iovec remote = {(void *)(uintptr_t)(fn - 1 + (uint64_t)off), sizeof(sfi)};
		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(sfi) ||
		    (sfi & 3) != 1)
			sfi = 0;
	}
	*c = (struct sfi_cache){fn, sfi, pid, r->gen + 1};
	return sfi;
}

void prof_recording_add(struct prof_recording *r, const struct prof_raw_sample *rs)
{
	if (r->nsamples >= MAX_SAMPLES || rs->nips > UINT32_MAX) {
		r->dropped++;
		return;
	}
	uint64_t time_ns = rs->time_ns;
	uint64_t slotbuf[256];
	uint64_t *slots = rs->nips <= 256 ? slotbuf : util_malloc(rs->nips * sizeof(uint64_t));
	js_slots(rs, slots);
	if (rs->stack)
		for (uint64_t i = 0; i < rs->nips; i++)
			if (slots[i])
				slots[i] = function_sfi(r, (pid_t)rs->pid, slots[i]);
	struct chain_key k = {r, thread_index(r, rs->pid, rs->tid), rs->ips, slots,
			      (uint32_t)rs->nips};
	uint64_t hash = util_hash(rs->ips, rs->nips * sizeof(uint64_t)) ^
			((uint64_t)k.thread * 0x9e3779b97f4a7c15ull);
	int inserted;
	uint32_t ci =
	    prof_index_get(&r->chain_ids, hash, chain_eq, &k, (uint32_t)r->nchains, &inserted);
	if (inserted) {
		if (r->nips * sizeof(uint64_t) > MAX_CHAIN_BYTES) {
			/* Out of room for new stacks: count it under an empty chain. */
			rs = &(struct prof_raw_sample){0};
		}
		if (r->nchains == r->capchains) {
			r->capchains = r->capchains ? 2 * r->capchains : 1024;
			r->chains = util_realloc(r->chains, r->capchains * sizeof(*r->chains));
		}
		if (r->nips + rs->nips > r->capips) {
			r->capips = (r->nips + rs->nips) * 2 + 4096;
			r->ips = util_realloc(r->ips, r->capips * sizeof(uint64_t));
			r->slots = util_realloc(r->slots, r->capips * sizeof(uint64_t));
		}
		memcpy(r->ips + r->nips, rs->ips, rs->nips * sizeof(uint64_t));
		memcpy(r->slots + r->nips, slots, rs->nips * sizeof(uint64_t));
		r->chains[r->nchains++] =
		    (struct chain){k.thread, (uint32_t)rs->nips, r->nips, 0, 0};
		r->nips += rs->nips;
	}
	if (slots != slotbuf)
		free(slots);
	r->chains[ci].count++;
	if (r->nsamples == r->capsamples) {
		r->capsamples = r->capsamples ? 2 * r->capsamples : 4096;
		r->samples = util_realloc(r->samples, r->capsamples * sizeof(*r->samples));
	}
	r->samples[r->nsamples++] = (struct raw_sample){ci, time_ns};
}

uint64_t prof_recording_samples(const struct prof_recording *r)
{
	return r->nsamples;
}

static uint32_t frame_index(struct prof_recording *r, const struct prof_frame_info *fi)
{
	struct util_map_entry *e = util_map_upsert(&r->frame_ids, fi->name, strlen(fi->name));
	if (!e->value) {
		if (r->nframes == r->capframes) {
			r->capframes = r->capframes ? 2 * r->capframes : 256;
			r->frames = util_realloc(r->frames, r->capframes * sizeof(*r->frames));
		}
		/* Strings belong to the symbolizer's or this map's storage. */
		r->frames[r->nframes] = (struct out_frame){
		    e->key,  fi->function ? fi->function : e->key, fi->file, fi->line, fi->col,
		    fi->kind};
		e->value = (void *)(uintptr_t)(++r->nframes);
	}
	return (uint32_t)((uintptr_t)e->value - 1);
}

struct stack_key {
	const struct prof_recording *r;
	const uint32_t *frames;
	const uint8_t *tiers;
	uint32_t n;
};

static int stack_eq(uint32_t value, const void *arg)
{
	const struct stack_key *k = arg;
	const struct prof_recording *r = k->r;
	size_t off = r->stack_off[value];
	return r->stacks[value].n == k->n &&
	       !memcmp(r->stack_frames + off, k->frames, k->n * sizeof(uint32_t)) &&
	       !memcmp(r->stack_tiers + off, k->tiers, k->n);
}

static uint32_t stack_index(struct prof_recording *r, const uint32_t *frames, const uint8_t *tiers,
			    uint32_t n)
{
	struct stack_key k = {r, frames, tiers, n};
	int inserted;
	uint64_t hash = util_hash(frames, n * sizeof(uint32_t)) ^ (util_hash(tiers, n) * 31);
	uint32_t si =
	    prof_index_get(&r->stack_ids, hash, stack_eq, &k, (uint32_t)r->nstacks, &inserted);
	if (!inserted)
		return si;
	if (r->nstacks == r->capstacks) {
		r->capstacks = r->capstacks ? 2 * r->capstacks : 256;
		r->stacks = util_realloc(r->stacks, r->capstacks * sizeof(*r->stacks));
		r->stack_off = util_realloc(r->stack_off, r->capstacks * sizeof(*r->stack_off));
	}
	if (r->nstack_frames + n > r->capstack_frames) {
		r->capstack_frames = (r->nstack_frames + n) * 2 + 1024;
		r->stack_frames =
		    util_realloc(r->stack_frames, r->capstack_frames * sizeof(uint32_t));
		r->stack_tiers = util_realloc(r->stack_tiers, r->capstack_frames);
	}
	memcpy(r->stack_frames + r->nstack_frames, frames, n * sizeof(uint32_t));
	memcpy(r->stack_tiers + r->nstack_frames, tiers, n);
	r->stacks[r->nstacks] = (struct out_stack){NULL, NULL, n};
	r->stack_off[r->nstacks] = r->nstack_frames;
	r->nstack_frames += n;
	return (uint32_t)r->nstacks++;
}

static int frame_is(const struct prof_recording *r, uint32_t f, const char *name)
{
	return !strcmp(r->frames[f].name, name);
}

/* What `nodescope fold` does to a Node stack, on the root-first frames from
 * index first: runs of Builtins_InterpreterEntryTrampoline (each interpreted
 * frame, without --interpreted-frames-native-stack) become one "[interpreted
 * JS]" frame, and unnamed JIT code called from a RegExp builtin is labelled as
 * regexp code. Returns the new length. */
static uint32_t node_aware(struct prof_recording *r, uint32_t *buf, uint8_t *tiers, uint32_t n,
			   uint32_t first)
{
	uint32_t out = first;
	for (uint32_t i = first; i < n; i++) {
		if (frame_is(r, buf[i], "Builtins_InterpreterEntryTrampoline")) {
			if (out > first && tiers[out - 1] == PROF_TIER_INTERP &&
			    frame_is(r, buf[out - 1], PROF_LABEL_INTERPRETED))
				continue;
			struct prof_frame_info fi = {.name = PROF_LABEL_INTERPRETED,
						     .kind = OUT_FRAME_OTHER};
			buf[out] = frame_index(r, &fi);
			tiers[out++] = PROF_TIER_INTERP;
			continue;
		}
		if (out > first && frame_is(r, buf[i], PROF_LABEL_JIT_NOT_IN_MAP) &&
		    !strncmp(r->frames[buf[out - 1]].name, "Builtins_RegExp", 15)) {
			struct prof_frame_info fi = {.name = PROF_LABEL_REGEXP,
						     .kind = OUT_FRAME_OTHER};
			buf[out] = frame_index(r, &fi);
			tiers[out++] = 0;
			continue;
		}
		buf[out] = buf[i];
		tiers[out++] = tiers[i];
	}
	return out;
}

/* A frame the symbolizer could not name as a JS function, but whose JSFunction
 * slot the resolver may name: JIT code without a perf-map entry, and the
 * interpreter's trampoline (one per interpreted function). */
static void name_from_heap(struct prof_recording *r, pid_t pid, uint64_t function,
			   struct prof_frame_info *fi)
{
	int interp = !strcmp(fi->name, "Builtins_InterpreterEntryTrampoline");
	if (!interp && strcmp(fi->name, PROF_LABEL_JIT_NO_MAP) &&
	    strcmp(fi->name, PROF_LABEL_JIT_NOT_IN_MAP))
		return;
	struct prof_frame_info named;
	if (r->resolve(r->resolve_arg, pid, function, &named) != 0)
		return;
	*fi = named;
	fi->kind = OUT_FRAME_JS;
	if (interp)
		fi->tiers = PROF_TIER_INTERP;
}

/* Symbolizes one call chain into frame indices, outermost first, the thread's
 * name as the root. The chain holds context markers; user addresses after the
 * first are return addresses. */
static uint32_t chain_stack(struct prof_recording *r, const struct chain *c, uint32_t *buf,
			    uint8_t *tiers)
{
	struct prof_symbolizer *sym = prof_symset_get(r->syms, r->thread_pids[c->thread]);
	const uint64_t *ips = r->ips + c->off, *slots = r->slots + c->off;
	pid_t pid = r->thread_pids[c->thread];
	uint32_t n = 0;
	uint64_t ctx = PERF_CONTEXT_USER;
	int user_seen = 0;
	uint32_t frames = 0;
	struct prof_frame_info fi;
	memset(tiers, 0, c->n + 2);
	buf[n++] = 0; /* root, filled below */
	for (uint32_t i = 0; i < c->n; i++)
		frames += ips[i] < (uint64_t)PERF_CONTEXT_MAX;
	if (r->max_stack && frames >= r->max_stack) {
		/* The kernel kept the leaf end: say the outer frames are missing. */
		struct prof_frame_info cut = {.name = PROF_LABEL_TRUNCATED,
					      .kind = OUT_FRAME_OTHER};
		buf[n++] = frame_index(r, &cut);
	}
	uint32_t first = n;
	/* Leaf first in the chain: collect, then reverse. */
	for (uint32_t i = 0; i < c->n; i++) {
		uint64_t ip = ips[i];
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			ctx = ip;
			continue;
		}
		if (ctx == PERF_CONTEXT_KERNEL)
			prof_symbolize_kernel(sym, ip, &fi);
		else if (ctx == PERF_CONTEXT_USER) {
			prof_symbolize_user(sym, ip, user_seen++ > 0, &fi);
			if (slots[i] && r->resolve)
				name_from_heap(r, pid, slots[i], &fi);
		} else
			continue;
		tiers[n] = fi.tiers;
		buf[n++] = frame_index(r, &fi);
	}
	for (uint32_t i = first, j = n - 1; i < j; i++, j--) {
		uint32_t t = buf[i];
		buf[i] = buf[j];
		buf[j] = t;
		uint8_t u = tiers[i];
		tiers[i] = tiers[j];
		tiers[j] = u;
	}
	struct prof_frame_info root = {.name = r->threads[c->thread].name, .kind = OUT_FRAME_OTHER};
	buf[0] = frame_index(r, &root);
	n = node_aware(r, buf, tiers, n, first);
	return stack_index(r, buf, tiers, n);
}

static int by_time(const void *a, const void *b)
{
	const struct out_sample *x = a, *y = b;
	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

void prof_recording_finish(struct prof_recording *r, uint64_t start_ns, uint64_t end_ns,
			   uint64_t wall_start_ns, const char *name, prof_js_resolver resolve,
			   void *arg)
{
	r->resolve = resolve;
	r->resolve_arg = arg;
	uint32_t maxn = 2;
	for (size_t i = 0; i < r->nchains; i++)
		if (r->chains[i].n + 2 > maxn)
			maxn = r->chains[i].n + 2; /* + root + [truncated stack] */
	uint32_t *buf = util_malloc(maxn * sizeof(uint32_t));
	uint8_t *tiers = util_malloc(maxn);
	for (size_t i = 0; i < r->nchains; i++)
		r->chains[i].stack = chain_stack(r, &r->chains[i], buf, tiers);
	free(buf);
	free(tiers);
	for (size_t i = 0; i < r->nstacks; i++) {
		r->stacks[i].frames = r->stack_frames + r->stack_off[i];
		r->stacks[i].tiers = r->stack_tiers + r->stack_off[i];
	}
	r->out_samples = util_malloc((r->nsamples ? r->nsamples : 1) * sizeof(*r->out_samples));
	for (size_t i = 0; i < r->nsamples; i++) {
		const struct chain *c = &r->chains[r->samples[i].chain];
		r->out_samples[i] = (struct out_sample){c->stack, c->thread, r->samples[i].time_ns};
	}
	qsort(r->out_samples, r->nsamples, sizeof(*r->out_samples), by_time);
	r->name = util_strdup(name);
	r->profile = (struct out_profile){
	    .name = r->name,
	    .frames = r->frames,
	    .nframes = r->nframes,
	    .stacks = r->stacks,
	    .nstacks = r->nstacks,
	    .threads = r->threads,
	    .nthreads = r->nthreads,
	    .samples = r->out_samples,
	    .nsamples = r->nsamples,
	    .period_ns = r->hz ? 1000000000ull / r->hz : 0,
	    .start_ns = start_ns,
	    .end_ns = end_ns,
	    .wall_start_ns = wall_start_ns,
	};
}

const struct out_profile *prof_recording_profile(const struct prof_recording *r)
{
	return &r->profile;
}

void prof_recording_free(struct prof_recording *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nthreads; i++)
		free((char *)r->threads[i].name);
	free(r->threads);
	free(r->thread_pids);
	prof_index_free(&r->chain_ids);
	free(r->chains);
	free(r->ips);
	free(r->slots);
	free(r->samples);
	util_map_free(&r->frame_ids);
	free(r->frames);
	prof_index_free(&r->stack_ids);
	free(r->stacks);
	free(r->stack_off);
	free(r->stack_frames);
	free(r->stack_tiers);
	free(r->out_samples);
	free(r->name);
	free(r);
}
