/*
 * frames.c — the stack walk. Native frames are unwound through the CFI of their
 * module (img_unwind_cfi), falling back to the frame pointer; V8 code (embedded
 * builtins and JIT code, which have no CFI) always keeps a frame pointer, and
 * its frames are told apart by the slot at fp-8: a frame-type marker
 * (StackFrame::TypeToMarker, type << 1) for typed frames, a Context for JS
 * frames, whose JSFunction sits at fp-16 and, for interpreted and baseline
 * frames, the BytecodeArray and bytecode offset below it.
 */
#include "v8/v8_int.h"

#include <string.h>

#define MAX_FRAME_SIZE (8u << 20) /* a caller's fp this far above is not believed */

const char *v8_frame_kind_name(enum v8_frame_kind kind)
{
	static const char *const names[] = {
	    [V8_FRAME_NATIVE] = "native",	[V8_FRAME_INTERPRETED] = "interpreted",
	    [V8_FRAME_BASELINE] = "baseline",	[V8_FRAME_MAGLEV] = "maglev",
	    [V8_FRAME_OPTIMIZED] = "optimized", [V8_FRAME_BUILTIN] = "builtin",
	    [V8_FRAME_ENTRY] = "entry",		[V8_FRAME_CONSTRUCT_ENTRY] = "construct entry",
	    [V8_FRAME_EXIT] = "exit",		[V8_FRAME_BUILTIN_EXIT] = "builtin exit",
	    [V8_FRAME_API_EXIT] = "api exit",	[V8_FRAME_CONSTRUCT] = "construct",
	    [V8_FRAME_INTERNAL] = "internal",	[V8_FRAME_STUB] = "stub",
	    [V8_FRAME_OTHER_V8] = "v8",
	};
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

/* The embedded builtins blob holds Builtins_* and a few labels of its own
 * (embedded-file-writer output: the blob start, deopt return addresses). */
static int is_builtin_symbol(const char *name)
{
	size_t n = strlen(name);
	return !strncmp(name, "Builtins_", 9) || !strcmp(name, "v8_Default_embedded_blob_code_") ||
	       (n > 11 && !strcmp(name + n - 11, "_deopt_addr"));
}

/* Where a PC lives. */
enum code_where { CODE_NATIVE, CODE_BUILTIN, CODE_JIT, CODE_UNKNOWN };

static enum code_where classify_pc(struct v8 *v8, struct v8_frame *f)
{
	struct img_symbol sym;
	memset(&sym, 0, sizeof(sym));
	/* A return address may be just past the end of a call to a noreturn
	 * function: look up the call instruction instead (pc - 1) below the top. */
	uint64_t at = f->index > 0 ? f->pc - 1 : f->pc;
	int found = img_symbol_for_addr(v8->img, at, &sym) == 0;
	if (!found && at != f->pc) {
		/* deoptimized frames return to the very start of a builtin */
		at = f->pc;
		memset(&sym, 0, sizeof(sym));
		found = img_symbol_for_addr(v8->img, at, &sym) == 0;
	}
	f->module = sym.module;
	f->sym_offset = sym.offset + (f->pc - at);
	if (found) {
		snprintf(f->symbol, sizeof(f->symbol), "%s", sym.name);
		return is_builtin_symbol(sym.name) ? CODE_BUILTIN : CODE_NATIVE;
	}
	f->symbol[0] = 0;
	const struct img_region *r = img_region_find(v8->img, f->pc);
	if (r && !r->path && (r->prot & 4 /* PROT_EXEC */))
		return CODE_JIT;
	return sym.module || (r && r->path) ? CODE_NATIVE : CODE_UNKNOWN;
}

static enum v8_frame_kind typed_kind(const char *name)
{
	static const struct {
		const char *name;
		enum v8_frame_kind kind;
	} map[] = {
	    {"EntryFrame", V8_FRAME_ENTRY},
	    {"ConstructEntryFrame", V8_FRAME_CONSTRUCT_ENTRY},
	    {"ExitFrame", V8_FRAME_EXIT},
	    {"BuiltinExitFrame", V8_FRAME_BUILTIN_EXIT},
	    {"ApiCallbackExitFrame", V8_FRAME_API_EXIT},
	    {"ApiConstructExitFrame", V8_FRAME_API_EXIT},
	    {"ConstructFrame", V8_FRAME_CONSTRUCT},
	    {"FastConstructFrame", V8_FRAME_CONSTRUCT},
	    {"InternalFrame", V8_FRAME_INTERNAL},
	    {"StubFrame", V8_FRAME_STUB},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (name && !strcmp(name, map[i].name))
			return map[i].kind;
	return V8_FRAME_OTHER_V8;
}

/* Fills the JS part of a frame of V8 code; returns 0 when fp-8 is neither a
 * marker nor a context (the frame is then left as V8_FRAME_OTHER_V8). */
static void classify_v8_frame(struct v8 *v8, struct v8_frame *f, enum code_where where)
{
	const struct v8_layout *L = &v8->L;
	uint64_t marker, argc;
	f->kind = V8_FRAME_OTHER_V8;
	f->bytecode_offset = -1;
	f->argc = -1;
	if (img_read_u64(v8->img, f->fp + L->fp_context, &marker) < 0)
		return;
	if ((marker & 1) == 0 && marker < 2 * 64) {
		f->typed_name = v8->frame_names[marker >> 1];
		f->kind = typed_kind(f->typed_name);
		return;
	}
	v8_value fn;
	if (img_read_u64(v8->img, f->fp + L->fp_function, &fn) < 0 || !v8_is_js_function(v8, fn))
		return;
	f->function = fn;
	if (img_read_u64(v8->img, f->fp + L->fp_argc, &argc) == 0 && argc < 65536)
		f->argc = (int)argc - (L->argc_has_receiver ? 1 : 0);
	img_read_u64(v8->img, f->fp + L->fp_args, &f->receiver);
	v8_value ba, off;
	int has_bc = img_read_u64(v8->img, f->fp + L->fp_bytecode_array, &ba) == 0 &&
		     v8_is_type(v8, ba, v8->T.bytecode_array);
	if (has_bc)
		f->bytecode = ba;
	/* Unoptimized frames keep the BytecodeArray at fp-32; below it the interpreter
	 * keeps the bytecode offset (a Smi), Sparkplug the feedback vector. Frames
	 * rebuilt by the deoptimizer return into the Interpreter/Baseline entry
	 * builtins, so the PC alone does not tell. */
	if (has_bc && img_read_u64(v8->img, f->fp + L->fp_bytecode_offset, &off) == 0 &&
	    v8_is_smi(off)) {
		f->kind = V8_FRAME_INTERPRETED;
		f->bytecode_offset = v8_smi(off) - (L->bytecode_data - 1);
		if (f->bytecode_offset < 0)
			f->bytecode_offset = -1;
	} else if (has_bc) {
		f->kind = V8_FRAME_BASELINE;
	} else if (where == CODE_BUILTIN) {
		f->kind = V8_FRAME_BUILTIN;
	} else {
		f->kind = V8_FRAME_OPTIMIZED;
	}
}

struct walk {
	uint64_t regs[IMG_NREGS];
	int native_steps_without_fp;
};

/* One step up the stack: through the CFI for native code, else the fp chain.
 * Returns 0 when regs hold the caller, 1 at the outermost frame, -1 when the
 * stack could not be read (message set). */
static int unwind_step(struct v8 *v8, struct walk *w, enum code_where where)
{
	uint64_t fp = w->regs[IMG_REG_FP];
	int cfi_failed = 0;
	if (where == CODE_NATIVE || where == CODE_UNKNOWN) {
		uint64_t saved[IMG_NREGS];
		memcpy(saved, w->regs, sizeof(saved));
		int rc = img_unwind_cfi(v8->img, w->regs);
		if (rc == 1 && w->regs[IMG_REG_SP] > saved[IMG_REG_SP])
			return 0;
		cfi_failed = rc < 0;
		memcpy(w->regs, saved, sizeof(saved));
	}
	uint64_t next_fp, ret;
	char why[512];
	snprintf(why, sizeof(why), "%s", util_last_error());
	if (fp == 0 || fp < w->regs[IMG_REG_SP]) {
		if (cfi_failed)
			return util_error("the stack cannot be unwound past pc 0x%llx: %s",
					  (unsigned long long)w->regs[IMG_REG_PC], why);
		util_clear_error();
		return 1;
	}
	if (img_read_u64(v8->img, fp, &next_fp) < 0 || img_read_u64(v8->img, fp + 8, &ret) < 0) {
		snprintf(why, sizeof(why), "%s", util_last_error());
		return util_error("the stack cannot be read past pc 0x%llx: %s",
				  (unsigned long long)w->regs[IMG_REG_PC], why);
	}
	util_clear_error();
	w->regs[IMG_REG_SP] = fp + 16;
	w->regs[IMG_REG_FP] = next_fp;
	w->regs[IMG_REG_PC] = ret;
	return 0;
}

int v8_walk_stack(struct v8 *v8, const struct img_thread *thread, int max_frames, v8_frame_fn fn,
		  void *arg)
{
	struct walk w;
	memcpy(w.regs, thread->regs, sizeof(w.regs));
	if (!img_region_find(v8->img, w.regs[IMG_REG_SP]))
		return util_error("thread %d: its stack pointer 0x%llx is not in the core",
				  (int)thread->tid, (unsigned long long)w.regs[IMG_REG_SP]);
	for (int i = 0; i < max_frames; i++) {
		struct v8_frame f;
		memset(&f, 0, sizeof(f));
		f.index = i;
		f.pc = w.regs[IMG_REG_PC];
		f.sp = w.regs[IMG_REG_SP];
		f.fp = w.regs[IMG_REG_FP];
		f.bytecode_offset = -1;
		f.argc = -1;
		if (f.pc == 0)
			break;
		enum code_where where = classify_pc(v8, &f);
		if (where == CODE_BUILTIN || where == CODE_JIT)
			classify_v8_frame(v8, &f, where);
		else
			f.kind = V8_FRAME_NATIVE;
		util_clear_error();
		int rc = fn(v8, &f, arg);
		if (rc)
			return rc > 0 ? 0 : rc;
		uint64_t old_sp = w.regs[IMG_REG_SP], old_pc = w.regs[IMG_REG_PC];
		uint64_t old_fp = w.regs[IMG_REG_FP];
		int step = unwind_step(v8, &w, where);
		if (step < 0)
			return -1;
		if (step > 0)
			break;
		if (w.regs[IMG_REG_SP] <= old_sp || w.regs[IMG_REG_SP] - old_sp > MAX_FRAME_SIZE ||
		    (w.regs[IMG_REG_PC] == old_pc && w.regs[IMG_REG_FP] == old_fp))
			break;
	}
	return 0;
}

int v8_frame_arg(struct v8 *v8, const struct v8_frame *frame, int i, v8_value *out)
{
	if (!v8_frame_is_js(frame->kind) || i < 0)
		return util_error("not an argument of a JS frame");
	return img_read_u64(v8->img, frame->fp + v8->L.fp_args + 8 + (uint64_t)i * 8, out);
}
