/*
 * value.c — tagged values: fields of heap objects, maps and instance types
 * (validated through the meta map so that a random address is rejected),
 * oddballs, heap numbers and FixedArray-like containers.
 */
#include "v8/v8_int.h"

#include <string.h>

static int need_heap(v8_value obj)
{
	if (!v8_is_heap(obj))
		return util_error("0x%llx is not a heap object pointer", (unsigned long long)obj);
	return 0;
}

int v8_field(struct v8 *v8, v8_value obj, int64_t off, v8_value *out)
{
	if (need_heap(obj) < 0 || off < 0)
		return -1;
	return img_read_u64(v8->img, v8_addr(obj) + (uint64_t)off, out);
}

int v8_field_u8(struct v8 *v8, v8_value obj, int64_t off, uint8_t *out)
{
	if (need_heap(obj) < 0 || off < 0)
		return -1;
	return img_read_u8(v8->img, v8_addr(obj) + (uint64_t)off, out);
}

int v8_field_u16(struct v8 *v8, v8_value obj, int64_t off, uint16_t *out)
{
	if (need_heap(obj) < 0 || off < 0)
		return -1;
	return img_read_u16(v8->img, v8_addr(obj) + (uint64_t)off, out);
}

int v8_field_u32(struct v8 *v8, v8_value obj, int64_t off, uint32_t *out)
{
	if (need_heap(obj) < 0 || off < 0)
		return -1;
	return img_read_u32(v8->img, v8_addr(obj) + (uint64_t)off, out);
}

int v8_field_u64(struct v8 *v8, v8_value obj, int64_t off, uint64_t *out)
{
	if (need_heap(obj) < 0 || off < 0)
		return -1;
	return img_read_u64(v8->img, v8_addr(obj) + (uint64_t)off, out);
}

int v8_field_smi(struct v8 *v8, v8_value obj, int64_t off, int64_t *out)
{
	v8_value v;
	if (v8_field(v8, obj, off, &v) < 0)
		return -1;
	if (!v8_is_smi(v))
		return util_error("field +%lld of 0x%llx is not a Smi", (long long)off,
				  (unsigned long long)obj);
	*out = v8_smi(v);
	return 0;
}

static int map_type_raw(struct v8 *v8, v8_value map, unsigned *type)
{
	uint16_t t;
	if (v8_field_u16(v8, map, v8->L.map_instance_type, &t) < 0)
		return -1;
	*type = t;
	return 0;
}

/* A map is valid when its own map is a meta map: a map whose map is itself and
 * whose instance type is MAP_TYPE. */
static int map_is_valid(struct v8 *v8, v8_value map)
{
	v8_value mm, mmm;
	unsigned t;
	if (!v8_is_heap(map) || img_read_u64(v8->img, v8_addr(map) + v8->L.heap_map, &mm) < 0)
		return 0;
	for (int i = 0; i < v8->nmeta_maps; i++)
		if (v8->meta_maps[i] == mm)
			return 1;
	if (!v8_is_heap(mm) || img_read_u64(v8->img, v8_addr(mm) + v8->L.heap_map, &mmm) < 0 ||
	    mmm != mm || map_type_raw(v8, mm, &t) < 0 || (int)t != v8->T.map)
		return 0;
	if (v8->nmeta_maps < (int)(sizeof(v8->meta_maps) / sizeof(v8->meta_maps[0])))
		v8->meta_maps[v8->nmeta_maps++] = mm;
	return 1;
}

int v8_map(struct v8 *v8, v8_value obj, v8_value *map)
{
	if (need_heap(obj) < 0)
		return -1;
	v8_value m;
	if (img_read_u64(v8->img, v8_addr(obj) + v8->L.heap_map, &m) < 0)
		return -1;
	if (!map_is_valid(v8, m))
		return util_error(
		    "0x%llx is not a V8 heap object (its map word 0x%llx is not a map)",
		    (unsigned long long)obj, (unsigned long long)m);
	*map = m;
	return 0;
}

int v8_type(struct v8 *v8, v8_value obj, unsigned *type)
{
	v8_value map;
	if (v8_map(v8, obj, &map) < 0)
		return -1;
	return map_type_raw(v8, map, type);
}

int v8_is_type(struct v8 *v8, v8_value obj, int type)
{
	unsigned t;
	if (type < 0 || !v8_is_heap(obj) || v8_type(v8, obj, &t) < 0) {
		util_clear_error();
		return 0;
	}
	return (int)t == type;
}

int v8_is_string(struct v8 *v8, v8_value obj)
{
	unsigned t;
	if (!v8_is_heap(obj) || v8_type(v8, obj, &t) < 0) {
		util_clear_error();
		return 0;
	}
	return (int64_t)t < v8->L.first_nonstring_type;
}

int v8_is_js_receiver(struct v8 *v8, v8_value obj)
{
	unsigned t;
	if (!v8_is_heap(obj) || v8_type(v8, obj, &t) < 0) {
		util_clear_error();
		return 0;
	}
	return (int)t >= v8->T.first_js_receiver;
}

int v8_is_js_function(struct v8 *v8, v8_value obj)
{
	unsigned t;
	if (!v8_is_heap(obj) || v8_type(v8, obj, &t) < 0) {
		util_clear_error();
		return 0;
	}
	return (int)t >= v8->T.first_js_function && (int)t <= v8->T.last_js_function;
}

int v8_oddball_kind(struct v8 *v8, v8_value v, int *kind)
{
	if (!v8_is_type(v8, v, v8->T.oddball) || v8->L.oddball_kind < 0)
		return 0;
	int64_t k;
	if (v8_field_smi(v8, v, v8->L.oddball_kind, &k) < 0) {
		util_clear_error();
		return 0;
	}
	*kind = (int)k;
	return 1;
}

int v8_is_undefined(struct v8 *v8, v8_value v)
{
	int k;
	return v8_oddball_kind(v8, v, &k) && k == v8->L.odd_undefined;
}

int v8_is_the_hole(struct v8 *v8, v8_value v)
{
	int k;
	if (v8->T.hole >= 0)
		return v8_is_type(v8, v, v8->T.hole);
	return v8->L.odd_the_hole >= 0 && v8_oddball_kind(v8, v, &k) && k == v8->L.odd_the_hole;
}

int v8_heap_number(struct v8 *v8, v8_value v, double *out)
{
	if (!v8_is_type(v8, v, v8->T.heap_number))
		return util_error("0x%llx is not a HeapNumber", (unsigned long long)v);
	uint64_t bits;
	if (v8_field_u64(v8, v, v8->L.heap_number_value, &bits) < 0)
		return -1;
	memcpy(out, &bits, sizeof(*out));
	return 0;
}

/* FixedArray-likes keep their length as a Smi right after the map. A length
 * beyond 64M elements is treated as corrupt. */
int v8_fixed_length(struct v8 *v8, v8_value arr, int64_t *len)
{
	if (v8_field_smi(v8, arr, v8->L.fixed_length, len) < 0)
		return -1;
	if (*len < 0 || *len > (1 << 26))
		return util_error("array 0x%llx has an implausible length %lld",
				  (unsigned long long)arr, (long long)*len);
	return 0;
}

int v8_fixed_get(struct v8 *v8, v8_value arr, int64_t i, v8_value *out)
{
	int64_t len = 0;
	if (v8_fixed_length(v8, arr, &len) < 0)
		return -1;
	if (i < 0 || i >= len)
		return util_error("index %lld out of range (length %lld)", (long long)i,
				  (long long)len);
	return v8_field(v8, arr, v8->L.fixed_data + i * 8, out);
}
