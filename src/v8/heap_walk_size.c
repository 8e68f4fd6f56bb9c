/*
 * heap_walk_size.c — the size of a heap object, which the page walk needs to
 * step to the next one, and the cache of what is known about each map.
 *
 * Most objects have a fixed size in their map (Map::instance_size_in_words).
 * Variable-size kinds follow HeapObject::SizeFromMap (src/objects/objects.cc):
 * FixedArray-likes 16 + 8 * length, ByteArray 16 + length, strings header +
 * length * char size, FreeSpace its size field, BytecodeArray data offset +
 * length, DescriptorArray header + 3 words per descriptor, ... The instance types
 * come from the binary's metadata. Kinds we cannot size from the metadata alone
 * (ScopeInfo, Code, feedback metadata, ...) are sized by trying the common
 * formulas and keeping one only when the object that follows is a valid object
 * too; failing that, the walk resynchronises on the next map word (counted in
 * the statistics).
 */
#include "v8/heap_int.h"

#include <stdlib.h>
#include <string.h>

enum formula {
	F_UNKNOWN = 0,
	F_FIXED,	  /* 16 + 8 * Smi length at +8 */
	F_BYTES,	  /* round8(16 + Smi length at +8) */
	F_FREE,		  /* Smi size at +8 */
	F_SEQ1,		  /* sequential one-byte string */
	F_SEQ2,		  /* sequential two-byte string */
	F_BYTECODE,	  /* round8(data offset + Smi length) */
	F_DESCRIPTORS,	  /* header + 24 * number_of_all_descriptors (u16 at +8) */
	F_PROPERTY_ARRAY, /* 16 + 8 * (length_and_hash & 0x3ff) */
	F_WEAK_LIST,	  /* 24 + 8 * Smi capacity at +8 */
	F_NONE,		  /* not sizable here: resynchronise */
	F_GUESS,	  /* unnamed kind: try the common formulas */
};

static int type_of(struct v8_heap *h, const char *name)
{
	return v8_meta_type(h->v8, name);
}

void heap_size_init(struct v8_heap *h)
{
	/* FREE_SPACE_TYPE and FILLER_TYPE are not in the metadata of every version;
	 * src/objects/instance-type.h lists these non-JS types alphabetically, so
	 * they follow FEEDBACK_VECTOR_TYPE (checked on Node 18, 20 and 22, whose
	 * metadata names FREE_SPACE_TYPE, and on the maps of Node 24 and 26 cores). */
	int fv = type_of(h, "FEEDBACK_VECTOR_TYPE");
	h->t_free_space = type_of(h, "FREE_SPACE_TYPE");
	if (h->t_free_space < 0 && fv >= 0)
		h->t_free_space = fv + 2;
	h->t_filler = fv >= 0 ? fv + 1 : -1;
	h->t_fixed_array = type_of(h, "FIXED_ARRAY_TYPE");
	h->t_fixed_double_array = type_of(h, "FIXED_DOUBLE_ARRAY_TYPE");
	h->t_byte_array = type_of(h, "BYTE_ARRAY_TYPE");
	h->t_bytecode_array = type_of(h, "BYTECODE_ARRAY_TYPE");
	h->t_weak_fixed_array = type_of(h, "WEAK_FIXED_ARRAY_TYPE");
	h->t_descriptor_array = type_of(h, "DESCRIPTOR_ARRAY_TYPE");
	h->t_property_array = type_of(h, "PROPERTY_ARRAY_TYPE");
	h->t_weak_array_list = type_of(h, "WEAK_ARRAY_LIST_TYPE");
	h->t_trusted_fixed_array = type_of(h, "TRUSTED_FIXED_ARRAY_TYPE");
	h->t_protected_fixed_array = type_of(h, "PROTECTED_FIXED_ARRAY_TYPE");
	h->t_trusted_byte_array = type_of(h, "TRUSTED_BYTE_ARRAY_TYPE");
	h->t_protected_weak_fixed_array = type_of(h, "PROTECTED_WEAK_FIXED_ARRAY_TYPE");
	h->t_trusted_weak_fixed_array = type_of(h, "TRUSTED_WEAK_FIXED_ARRAY_TYPE");
	h->t_scope_info = type_of(h, "SCOPE_INFO_TYPE");
	h->t_feedback_vector = type_of(h, "FEEDBACK_VECTOR_TYPE");
	h->t_closure_feedback_cell_array = type_of(h, "CLOSURE_FEEDBACK_CELL_ARRAY_TYPE");
	h->t_object_boilerplate = type_of(h, "OBJECT_BOILERPLATE_DESCRIPTION_TYPE");
	h->t_array_list = type_of(h, "ARRAY_LIST_TYPE");
	h->first_context = h->T->first_context;
	h->last_context = h->T->last_context;
	int64_t off;
	h->bytecode_header = v8_meta_field(h->v8, "BytecodeArray", "data", &off) == 0 ? off : -1;
}

static int is_type(int t, unsigned type)
{
	return t >= 0 && (unsigned)t == type;
}

static enum formula formula_for(struct v8_heap *h, unsigned type)
{
	const struct v8_layout *L = h->L;
	if ((int64_t)type < L->first_nonstring_type) {
		if ((type & L->str_repr_mask) != (uint64_t)L->str_tag_seq)
			return F_NONE; /* cons/sliced/thin/external have fixed sizes */
		return (type & L->str_encoding_mask) == (uint64_t)L->str_one_byte_tag ? F_SEQ1
										      : F_SEQ2;
	}
	if (is_type(h->t_free_space, type))
		return F_FREE;
	if (is_type(h->t_fixed_array, type) || is_type(h->t_fixed_double_array, type) ||
	    is_type(h->t_weak_fixed_array, type) || is_type(h->t_trusted_fixed_array, type) ||
	    is_type(h->t_protected_fixed_array, type) ||
	    is_type(h->t_protected_weak_fixed_array, type) ||
	    is_type(h->t_trusted_weak_fixed_array, type) ||
	    is_type(h->t_closure_feedback_cell_array, type) ||
	    (h->first_context >= 0 && (int)type >= h->first_context &&
	     (int)type <= h->last_context))
		return F_FIXED;
	/* FIRST_FIXED_ARRAY_TYPE..LAST_FIXED_ARRAY_TYPE (hash tables, ...): the
	 * metadata names only FIXED_ARRAY_TYPE, the first; in instance-type.h of
	 * every supported version the range ends just before BYTE_ARRAY_TYPE. */
	if (h->t_fixed_array >= 0 && h->t_byte_array > h->t_fixed_array &&
	    (int)type > h->t_fixed_array && (int)type < h->t_byte_array &&
	    !v8_type_name(h->v8, type))
		return F_FIXED;
	if (is_type(h->t_byte_array, type) || is_type(h->t_trusted_byte_array, type))
		return F_BYTES;
	if (is_type(h->t_bytecode_array, type) && h->bytecode_header > 0)
		return F_BYTECODE;
	if (is_type(h->t_descriptor_array, type))
		return F_DESCRIPTORS;
	if (is_type(h->t_property_array, type))
		return F_PROPERTY_ARRAY;
	/* WeakArrayList, and ArrayList from V8 12.4 (the first version whose
	 * metadata names ARRAY_LIST_TYPE; before, it was a FixedArray in the fixed
	 * array range): capacity and length Smis, then the elements (array-list.h) */
	if (is_type(h->t_weak_array_list, type) || is_type(h->t_array_list, type))
		return F_WEAK_LIST;
	/* A kind the metadata names but no formula here covers (ScopeInfo,
	 * FeedbackVector, Code, ...): never guess a formula (a ScopeInfo's flags
	 * read as a length once sent the walk 12 KiB too far); the walk
	 * resynchronises on the next map word instead. Unnamed kinds may be guessed. */
	return v8_type_name(h->v8, type) ? F_NONE : F_GUESS;
}

static int smi_at(const uint64_t *w, size_t i, size_t avail, int64_t *v)
{
	if (i >= avail || (w[i] & 1))
		return -1;
	*v = (int64_t)w[i] >> 32;
	return *v < 0 ? -1 : 0;
}

static uint64_t round8(uint64_t n)
{
	return (n + 7) & ~7ull;
}

/* Size by one formula, 0 when the object's fields do not fit it. */
static uint64_t size_by(struct v8_heap *h, enum formula f, const uint64_t *w, size_t avail)
{
	const struct v8_layout *L = h->L;
	int64_t n;
	uint32_t len32;
	switch (f) {
	case F_FIXED:
		return smi_at(w, 1, avail, &n) < 0 ? 0 : 16 + 8 * (uint64_t)n;
	case F_BYTES:
		return smi_at(w, 1, avail, &n) < 0 ? 0 : round8(16 + (uint64_t)n);
	case F_FREE:
		if (smi_at(w, 1, avail, &n) < 0)
			return 0;
		if (h->free_space_words)
			n *= 8;
		return (n & 7) || n < 8 ? 0 : (uint64_t)n;
	case F_SEQ1:
	case F_SEQ2:
		if (avail < 2)
			return 0;
		memcpy(&len32, (const uint8_t *)w + L->str_length, 4);
		if (len32 > (1u << 30))
			return 0;
		return round8(L->seq_chars + (uint64_t)len32 * (f == F_SEQ2 ? 2 : 1));
	case F_BYTECODE:
		return smi_at(w, 1, avail, &n) < 0 ? 0 : round8(h->bytecode_header + (uint64_t)n);
	case F_DESCRIPTORS: {
		uint16_t nd;
		if (avail < 2)
			return 0;
		memcpy(&nd, &w[1], 2);
		return L->descriptors_header + 24 * (uint64_t)nd;
	}
	case F_PROPERTY_ARRAY:
		return smi_at(w, 1, avail, &n) < 0 ? 0 : 16 + 8 * (uint64_t)(n & 0x3ff);
	case F_WEAK_LIST:
		return smi_at(w, 1, avail, &n) < 0 ? 0 : 24 + 8 * (uint64_t)n;
	default:
		return 0;
	}
}

static uint32_t cap_size(uint64_t s, size_t avail)
{
	return s && s <= avail * 8 && s < (1ull << 32) ? (uint32_t)s : 0;
}

uint32_t heap_object_size(struct v8_heap *h, struct heap_mapinfo *mi, const uint64_t *w,
			  size_t avail)
{
	if (mi->inst_size)
		return cap_size(mi->inst_size, avail);
	if (mi->formula == F_UNKNOWN)
		mi->formula = formula_for(h, mi->type);
	if (mi->formula == F_NONE || mi->formula == F_GUESS)
		return 0;
	return cap_size(size_by(h, mi->formula, w, avail), avail);
}

/* Guessing formulas for kinds the metadata does not name: the caller checks
 * that the object after the guessed end is valid. */
uint32_t heap_object_size_guess(struct v8_heap *h, struct heap_mapinfo *mi, int i,
				const uint64_t *w, size_t avail)
{
	if (mi->formula != F_GUESS)
		return 0;
	static const enum formula guesses[] = {F_FIXED, F_BYTES, F_FREE};
	if (i < 0 || i >= (int)(sizeof(guesses) / sizeof(guesses[0])))
		return 0;
	return cap_size(size_by(h, guesses[i], w, avail), avail);
}

/* The map cache. */
static size_t slot_of(uint64_t map, size_t cap)
{
	uint64_t x = map >> 3;
	x ^= x >> 29;
	x *= 0x9e3779b97f4a7c15ull;
	return (size_t)(x >> 20) & (cap - 1);
}

#define MAPINFO_BLOCK 1024

static void maps_grow(struct v8_heap *h)
{
	size_t ncap = h->maps_cap ? h->maps_cap * 2 : 4096;
	struct heap_mapinfo **n = util_calloc(ncap, sizeof(*n));
	for (size_t i = 0; i < h->maps_cap; i++) {
		if (!h->maps[i])
			continue;
		size_t s = slot_of(h->maps[i]->map, ncap);
		while (n[s])
			s = (s + 1) & (ncap - 1);
		n[s] = h->maps[i];
	}
	free(h->maps);
	h->maps = n;
	h->maps_cap = ncap;
}

static struct heap_mapinfo *mapinfo_new(struct v8_heap *h)
{
	if (!h->nblocks || h->block_used == MAPINFO_BLOCK) {
		h->blocks = util_realloc(h->blocks, (h->nblocks + 1) * sizeof(*h->blocks));
		h->blocks[h->nblocks++] = util_calloc(MAPINFO_BLOCK, sizeof(struct heap_mapinfo));
		h->block_used = 0;
	}
	return &h->blocks[h->nblocks - 1][h->block_used++];
}

void heap_maps_free(struct v8_heap *h)
{
	for (size_t i = 0; i < h->nblocks; i++)
		free(h->blocks[i]);
	free(h->blocks);
	free(h->maps);
}

static const uint64_t *word_ptr(struct v8_heap *h, uint64_t addr)
{
	return addr & 7 ? NULL : img_ptr(h->img, addr, 8); /* a tagged value minus 1 may be odd */
}

/* A meta map: a map whose own map is itself (the root meta map), or whose map
 * is the root meta map and whose instance type is MAP_TYPE (the per-context meta
 * maps of V8 >= 11). */
static int is_meta_map(struct v8_heap *h, uint64_t m)
{
	const uint64_t *mw = word_ptr(h, m - 1);
	if (!mw)
		return 0;
	uint64_t mm = *mw;
	if (mm != m) {
		const uint64_t *mmw;
		if ((mm & 7) != 1 || !(mmw = word_ptr(h, mm - 1)) || *mmw != mm)
			return 0;
	}
	const uint16_t *t = img_ptr(h->img, m - 1 + h->L->map_instance_type, 2);
	return t && (int)*t == h->T->map;
}

static void fill_mapinfo(struct v8_heap *h, struct heap_mapinfo *mi, uint64_t map)
{
	mi->map = map;
	mi->valid = 0;
	const uint64_t *mw = word_ptr(h, map - 1);
	if (!mw || (*mw & 7) != 1 || !is_meta_map(h, *mw))
		return;
	const uint16_t *t = img_ptr(h->img, map - 1 + h->L->map_instance_type, 2);
	const uint8_t *sz = img_ptr(h->img, map - 1 + h->L->map_instance_size_words, 1);
	if (!t || !sz)
		return;
	mi->valid = 1;
	mi->type = *t;
	mi->inst_size = (uint32_t)*sz * 8;
	mi->formula = F_UNKNOWN;
}

struct heap_mapinfo *heap_map_info(struct v8_heap *h, uint64_t map)
{
	if ((map & 7) != 1)
		return NULL;
	if (h->maps_used * 2 >= h->maps_cap)
		maps_grow(h);
	size_t s = slot_of(map, h->maps_cap);
	while (h->maps[s] && h->maps[s]->map != map)
		s = (s + 1) & (h->maps_cap - 1);
	if (!h->maps[s]) {
		struct heap_mapinfo *mi = mapinfo_new(h);
		fill_mapinfo(h, mi, map);
		h->maps[s] = mi;
		h->maps_used++;
	}
	return h->maps[s]->valid ? h->maps[s] : NULL;
}

int heap_word_is_map(struct v8_heap *h, uint64_t word)
{
	return heap_map_info(h, word) != NULL;
}
