/*
 * unwind.c — one step of native unwinding through the DWARF CFI (.eh_frame) of
 * the module holding the PC, with libdw's CFI tables and a small evaluator for
 * the DWARF expressions those tables use. JIT code and V8's builtins have no CFI;
 * the caller walks them by frame pointer.
 */
#include "image/image_int.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdlib.h>

void img_unwind_free_module(struct img_module *m)
{
	if (m->cfi && m->alias_of < 0)
		dwarf_cfi_end(m->cfi);
	m->cfi = NULL;
}

static Dwarf_CFI *module_cfi(struct img *img, struct img_module *m)
{
	if (m->alias_of >= 0)
		return NULL; /* aliases are V8 builtins: no CFI */
	if (!m->cfi && img_module_load(m) == 0)
		m->cfi = dwarf_getcfi_elf(m->file->elf);
	(void)img;
	return m->cfi;
}

struct eval {
	struct img *img;
	const uint64_t *regs;
	uint64_t cfa;
};

/* Evaluates a CFI expression; *is_value tells whether the result is the value
 * itself (DW_OP_stack_value) or the address where it is saved. */
static int eval_ops(struct eval *ev, const Dwarf_Op *ops, size_t nops, uint64_t *out, int *is_value)
{
	uint64_t st[32];
	size_t sp = 0;
	*is_value = 0;
#define PUSH(v)                                                                                    \
	do {                                                                                       \
		if (sp == 32)                                                                      \
			return -1;                                                                 \
		st[sp++] = (v);                                                                    \
	} while (0)
#define NEED(n)                                                                                    \
	if (sp < (n))                                                                              \
	return -1
	for (size_t i = 0; i < nops; i++) {
		const Dwarf_Op *op = &ops[i];
		uint8_t a = op->atom;
		if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
			PUSH((uint64_t)(a - DW_OP_lit0));
		} else if (a >= DW_OP_breg0 && a <= DW_OP_breg16) {
			PUSH(ev->regs[a - DW_OP_breg0] + (uint64_t)(int64_t)op->number);
		} else if (a >= DW_OP_reg0 && a <= DW_OP_reg16) {
			PUSH(ev->regs[a - DW_OP_reg0]);
			*is_value = 1;
		} else if (a == DW_OP_bregx) {
			if (op->number >= IMG_NREGS)
				return -1;
			PUSH(ev->regs[op->number] + (uint64_t)(int64_t)op->number2);
		} else {
			uint64_t x, y;
			switch (a) {
			case DW_OP_call_frame_cfa: PUSH(ev->cfa); break;
			case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u:
			case DW_OP_const8u: case DW_OP_constu: PUSH(op->number); break;
			case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s:
			case DW_OP_const8s: case DW_OP_consts: PUSH((uint64_t)(int64_t)op->number); break;
			case DW_OP_plus_uconst: NEED(1); st[sp - 1] += op->number; break;
			case DW_OP_dup: NEED(1); x = st[sp - 1]; PUSH(x); break;
			case DW_OP_drop: NEED(1); sp--; break;
			case DW_OP_swap: NEED(2); x = st[sp - 1]; st[sp - 1] = st[sp - 2]; st[sp - 2] = x; break;
			case DW_OP_deref:
				NEED(1);
				if (img_read_u64(ev->img, st[sp - 1], &st[sp - 1]) < 0)
					return -1;
				break;
			case DW_OP_stack_value: *is_value = 1; break;
			default:
				NEED(2);
				y = st[--sp];
				x = st[sp - 1];
				switch (a) {
				case DW_OP_plus: x += y; break;
				case DW_OP_minus: x -= y; break;
				case DW_OP_mul: x *= y; break;
				case DW_OP_and: x &= y; break;
				case DW_OP_or: x |= y; break;
				case DW_OP_shl: x = y < 64 ? x << y : 0; break;
				case DW_OP_shr: x = y < 64 ? x >> y : 0; break;
				case DW_OP_ge: x = (int64_t)x >= (int64_t)y; break;
				case DW_OP_gt: x = (int64_t)x > (int64_t)y; break;
				case DW_OP_le: x = (int64_t)x <= (int64_t)y; break;
				case DW_OP_lt: x = (int64_t)x < (int64_t)y; break;
				case DW_OP_eq: x = x == y; break;
				case DW_OP_ne: x = x != y; break;
				default: return -1;
				}
				st[sp - 1] = x;
			}
		}
	}
#undef PUSH
#undef NEED
	if (!sp)
		return -1;
	*out = st[sp - 1];
	return 0;
}

/* Recovers register regno of the caller into *val; 0 ok, 1 undefined, -1 error. */
static int recover(struct eval *ev, Dwarf_Frame *frame, int regno, uint64_t *val)
{
	Dwarf_Op mem[3], *ops = NULL;
	size_t nops = 0;
	if (dwarf_frame_register(frame, regno, mem, &ops, &nops) != 0)
		return -1;
	if (nops == 0) {
		if (!ops)
			return 1;
		*val = ev->regs[regno]; /* same value */
		return 0;
	}
	uint64_t r;
	int is_value;
	if (eval_ops(ev, ops, nops, &r, &is_value) < 0)
		return -1;
	if (is_value) {
		*val = r;
		return 0;
	}
	return img_read_u64(ev->img, r, val) < 0 ? -1 : 0;
}

static Dwarf_Frame *frame_for(Dwarf_CFI *cfi, uint64_t link_pc)
{
	Dwarf_Frame *frame = NULL;
	/* A return address points after the call: look up the call itself. */
	if (link_pc && dwarf_cfi_addrframe(cfi, link_pc - 1, &frame) == 0)
		return frame;
	if (dwarf_cfi_addrframe(cfi, link_pc, &frame) == 0)
		return frame;
	return NULL;
}

int img_unwind_cfi(struct img *img, uint64_t regs[IMG_NREGS])
{
	uint64_t pc = regs[IMG_REG_PC];
	struct img_module *m = img_module_for_addr(img, pc);
	Dwarf_CFI *cfi = m ? module_cfi(img, m) : NULL;
	Dwarf_Frame *frame = cfi ? frame_for(cfi, img_module_link_addr(img, m, pc)) : NULL;
	if (!frame)
		return 0;
	struct eval ev = {img, regs, 0};
	Dwarf_Op *ops;
	size_t nops;
	int is_value, rc = -1;
	uint64_t next[IMG_NREGS];
	int ra = dwarf_frame_info(frame, NULL, NULL, NULL);
	if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || eval_ops(&ev, ops, nops, &ev.cfa, &is_value) < 0)
		goto out;
	for (int i = 0; i < IMG_NREGS; i++) {
		next[i] = regs[i];
		if (i != IMG_REG_SP && i != IMG_REG_PC && recover(&ev, frame, i, &next[i]) < 0)
			goto out;
	}
	if (ra < 0 || ra >= IMG_NREGS || recover(&ev, frame, ra, &next[IMG_REG_PC]) != 0) {
		rc = 0; /* no return address: the outermost frame */
		goto out;
	}
	next[IMG_REG_SP] = ev.cfa;
	for (int i = 0; i < IMG_NREGS; i++)
		regs[i] = next[i];
	rc = 1;
out:
	free(frame);
	return rc;
}
