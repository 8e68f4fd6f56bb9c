/*
 * object.c — JS objects: named properties (fast mode through the map's
 * descriptors, in-object or in the PropertyArray; dictionary mode through the
 * NameDictionary), elements (fast, double, dictionary), JSArray length and the
 * constructor name (the map's constructor, found through its back pointers).
 */
#include "v8/v8_int.h"

#include <math.h>
#include <string.h>

#define MAX_DESCRIPTORS 1020 /* DescriptorArray::kMaxNumberOfDescriptors */
#define MAX_BACK_POINTERS 4096

static int map_bit_field3(struct v8 *v8, v8_value map, uint32_t *bf3)
{
	return v8_field_u32(v8, map, v8->L.map_bit_field3, bf3);
}

static int is_dictionary_map(struct v8 *v8, v8_value map, int *dict)
{
	uint32_t bf3;
	if (map_bit_field3(v8, map, &bf3) < 0)
		return -1;
	*dict = (bf3 >> v8->L.bf3_dictionary_shift) & 1;
	return 0;
}

/* The value of a field property with the given field index. */
static int field_value(struct v8 *v8, v8_value obj, v8_value map, int64_t index, v8_value *out)
{
	uint8_t size_words, start_words;
	if (v8_field_u8(v8, map, v8->L.map_instance_size_words, &size_words) < 0 ||
	    v8_field_u8(v8, map, v8->L.map_inobject_start_words, &start_words) < 0)
		return -1;
	int64_t inobject = size_words > start_words ? size_words - start_words : 0;
	if (index < inobject)
		return v8_field(v8, obj, ((int64_t)start_words + index) * 8, out);
	v8_value props;
	if (v8_field(v8, obj, v8->L.obj_properties, &props) < 0)
		return -1;
	if (!v8_is_heap(props))
		return util_error("object 0x%llx: out-of-object field %lld but no property array",
				  (unsigned long long)obj, (long long)index);
	int64_t i = index - inobject;
	int64_t len_hash;
	if (v8_field_smi(v8, props, v8->L.property_array_length, &len_hash) < 0)
		return -1;
	/* PropertyArray::LengthField is the low 10 bits; an empty FixedArray has 0. */
	if (i >= (len_hash & 0x3ff))
		return util_error("object 0x%llx: field %lld beyond its property array",
				  (unsigned long long)obj, (long long)index);
	return v8_field(v8, props, v8->L.fixed_data + i * 8, out);
}

static int each_fast(struct v8 *v8, v8_value obj, v8_value map, v8_prop_fn fn, void *arg)
{
	const struct v8_layout *L = &v8->L;
	uint32_t bf3;
	v8_value descs;
	if (map_bit_field3(v8, map, &bf3) < 0 || v8_field(v8, map, L->map_descriptors, &descs) < 0)
		return -1;
	int64_t n = (bf3 & L->bf3_own_descriptors_mask) >> L->bf3_own_descriptors_shift;
	if (n > MAX_DESCRIPTORS)
		return util_error("map 0x%llx: %lld descriptors", (unsigned long long)map,
				  (long long)n);
	for (int64_t i = 0; i < n; i++) {
		int64_t base = L->descriptors_header + i * L->desc_size * 8;
		v8_value key, details, value;
		if (v8_field(v8, descs, base + L->desc_key * 8, &key) < 0 ||
		    v8_field(v8, descs, base + L->desc_details * 8, &details) < 0 ||
		    v8_field(v8, descs, base + L->desc_value * 8, &value) < 0)
			return -1;
		if (!v8_is_smi(details))
			return util_error("descriptor %lld of map 0x%llx is corrupt", (long long)i,
					  (unsigned long long)map);
		int64_t d = v8_smi(details);
		int accessor = (d & L->prop_kind_mask) == L->prop_kind_accessor;
		int64_t loc = (d & L->prop_location_mask) >> L->prop_location_shift;
		if (loc == L->prop_location_field) {
			int64_t index = (d & L->prop_index_mask) >> L->prop_index_shift;
			if (field_value(v8, obj, map, index, &value) < 0)
				return -1;
		}
		int rc = fn(v8, key, value, accessor, arg);
		if (rc)
			return rc;
	}
	return 0;
}

static int each_dictionary(struct v8 *v8, v8_value dict, v8_prop_fn fn, void *arg)
{
	const struct v8_layout *L = &v8->L;
	int64_t len;
	if (v8->T.swiss_dictionary >= 0 && v8_is_type(v8, dict, v8->T.swiss_dictionary))
		return util_error("swiss name dictionaries are not supported");
	if (v8_fixed_length(v8, dict, &len) < 0)
		return -1;
	int64_t start = L->dict_prefix_start + L->dict_prefix_size;
	for (int64_t i = start; i + L->dict_entry_size <= len; i += L->dict_entry_size) {
		v8_value key, value, details;
		if (v8_fixed_get(v8, dict, i, &key) < 0 ||
		    v8_fixed_get(v8, dict, i + 1, &value) < 0 ||
		    v8_fixed_get(v8, dict, i + 2, &details) < 0)
			return -1;
		if (v8_is_smi(key) || v8_is_undefined(v8, key) || v8_is_the_hole(v8, key))
			continue;
		int accessor = v8_is_smi(details) &&
			       (v8_smi(details) & L->prop_kind_mask) == L->prop_kind_accessor;
		int rc = fn(v8, key, value, accessor, arg);
		if (rc)
			return rc;
	}
	return 0;
}

int v8_object_each(struct v8 *v8, v8_value obj, v8_prop_fn fn, void *arg)
{
	if (!v8_is_js_receiver(v8, obj))
		return util_error("0x%llx is not a JS object", (unsigned long long)obj);
	v8_value map;
	int dict;
	if (v8_map(v8, obj, &map) < 0 || is_dictionary_map(v8, map, &dict) < 0)
		return -1;
	if (!dict)
		return each_fast(v8, obj, map, fn, arg);
	if (v8_is_type(v8, obj, v8->T.js_global_object))
		return util_error("properties of the global object (a GlobalDictionary) are not "
				  "supported");
	v8_value props;
	if (v8_field(v8, obj, v8->L.obj_properties, &props) < 0)
		return -1;
	return each_dictionary(v8, props, fn, arg);
}

struct get_arg {
	const char *name;
	v8_value *out;
};

static int get_one(struct v8 *v8, v8_value key, v8_value value, int is_accessor, void *arg)
{
	struct get_arg *g = arg;
	struct util_buf b = {0};
	(void)is_accessor;
	int hit = v8_is_string(v8, key) && v8_string(v8, key, &b, 1024) == 0 && b.data &&
		  !strcmp(b.data, g->name);
	util_buf_free(&b);
	if (hit)
		*g->out = value;
	return hit;
}

int v8_object_get(struct v8 *v8, v8_value obj, const char *name, v8_value *out)
{
	struct get_arg g = {name, out};
	return v8_object_each(v8, obj, get_one, &g);
}

/* Elements. */

enum { EK_TAGGED, EK_DOUBLE, EK_DICTIONARY, EK_NONE };

static int elements_kind(struct v8 *v8, v8_value obj, int *ek)
{
	v8_value map;
	uint8_t bf2;
	if (v8_map(v8, obj, &map) < 0 || v8_field_u8(v8, map, v8->L.map_bit_field2, &bf2) < 0)
		return -1;
	int64_t kind = (bf2 & v8->L.bf2_elements_kind_mask) >> v8->L.bf2_elements_kind_shift;
	/* elements-kind.h: PACKED/HOLEY_DOUBLE_ELEMENTS are 4 and 5; everything below
	 * DICTIONARY_ELEMENTS other than those is a tagged FixedArray. */
	if (kind == 4 || kind == 5)
		*ek = EK_DOUBLE;
	else if (kind == v8->L.elements_dictionary)
		*ek = EK_DICTIONARY;
	else if (kind < v8->L.elements_dictionary)
		*ek = EK_TAGGED;
	else
		*ek = EK_NONE;
	return 0;
}

static int double_at(struct v8 *v8, v8_value store, int64_t i, struct v8_elem *e)
{
	uint64_t bits;
	if (v8_field_u64(v8, store, v8->L.fixed_data + i * 8, &bits) < 0)
		return -1;
	if (bits == 0xfff7fffffff7ffffULL) /* kHoleNanInt64 */
		return 0;
	e->is_double = 1;
	memcpy(&e->d, &bits, sizeof(e->d));
	return 1;
}

static int element_count(struct v8 *v8, v8_value obj, v8_value store, int64_t *n)
{
	if (v8_fixed_length(v8, store, n) < 0)
		return -1;
	int64_t alen;
	if (v8_is_type(v8, obj, v8->T.js_array) && v8_array_length(v8, obj, &alen) == 0 &&
	    alen < *n)
		*n = alen;
	return 0;
}

int v8_element_get(struct v8 *v8, v8_value obj, int64_t i, struct v8_elem *out)
{
	int ek;
	v8_value store;
	int64_t n;
	memset(out, 0, sizeof(*out));
	if (elements_kind(v8, obj, &ek) < 0 || v8_field(v8, obj, v8->L.obj_elements, &store) < 0)
		return -1;
	if (ek != EK_TAGGED && ek != EK_DOUBLE)
		return 0;
	if (element_count(v8, obj, store, &n) < 0)
		return -1;
	if (i < 0 || i >= n)
		return 0;
	if (ek == EK_DOUBLE)
		return double_at(v8, store, i, out);
	if (v8_field(v8, store, v8->L.fixed_data + i * 8, &out->v) < 0)
		return -1;
	return v8_is_the_hole(v8, out->v) ? 0 : 1;
}

static int each_number_dictionary(struct v8 *v8, v8_value dict, int64_t max, v8_elem_fn fn,
				  void *arg)
{
	const struct v8_layout *L = &v8->L;
	int64_t len, seen = 0;
	if (v8_fixed_length(v8, dict, &len) < 0)
		return -1;
	int64_t start = L->dict_prefix_start + L->numdict_prefix_size;
	for (int64_t i = start; i + L->numdict_entry_size <= len; i += L->numdict_entry_size) {
		v8_value key;
		struct v8_elem e = {0};
		double dk;
		int64_t index;
		if (v8_fixed_get(v8, dict, i, &key) < 0 || v8_fixed_get(v8, dict, i + 1, &e.v) < 0)
			return -1;
		if (v8_is_smi(key))
			index = v8_smi(key);
		else if (v8_heap_number(v8, key, &dk) == 0)
			index = (int64_t)dk;
		else {
			util_clear_error();
			continue;
		}
		int rc = fn(v8, index, &e, arg);
		if (rc)
			return rc;
		if (max && ++seen >= max)
			break;
	}
	return 0;
}

int v8_elements_each(struct v8 *v8, v8_value obj, int64_t max, v8_elem_fn fn, void *arg)
{
	int ek;
	v8_value store;
	int64_t n, seen = 0;
	if (elements_kind(v8, obj, &ek) < 0 || v8_field(v8, obj, v8->L.obj_elements, &store) < 0)
		return -1;
	if (ek == EK_NONE)
		return 0;
	if (ek == EK_DICTIONARY)
		return each_number_dictionary(v8, store, max, fn, arg);
	if (element_count(v8, obj, store, &n) < 0)
		return -1;
	for (int64_t i = 0; i < n; i++) {
		struct v8_elem e = {0};
		int present;
		if (ek == EK_DOUBLE)
			present = double_at(v8, store, i, &e);
		else {
			present = v8_field(v8, store, v8->L.fixed_data + i * 8, &e.v);
			present = present < 0 ? -1 : !v8_is_the_hole(v8, e.v);
		}
		if (present < 0)
			return -1;
		if (!present)
			continue;
		int rc = fn(v8, i, &e, arg);
		if (rc)
			return rc;
		if (max && ++seen >= max)
			break;
	}
	return 0;
}

int v8_array_length(struct v8 *v8, v8_value arr, int64_t *len)
{
	v8_value v;
	double d;
	if (!v8_is_type(v8, arr, v8->T.js_array))
		return util_error("0x%llx is not a JSArray", (unsigned long long)arr);
	if (v8_field(v8, arr, v8->L.array_length, &v) < 0)
		return -1;
	if (v8_is_smi(v)) {
		*len = v8_smi(v);
		return 0;
	}
	if (v8_heap_number(v8, v, &d) < 0 || !(d >= 0 && d <= 4294967295.0))
		return util_error("JSArray 0x%llx has a corrupt length", (unsigned long long)arr);
	*len = (int64_t)d;
	return 0;
}

/* Constructor names. */

int v8_map_constructor(struct v8 *v8, v8_value map, v8_value *ctor)
{
	v8_value v = map;
	for (int i = 0; i < MAX_BACK_POINTERS; i++) {
		if (v8_field(v8, v, v8->L.map_constructor_or_back_pointer, &v) < 0)
			return -1;
		if (!v8_is_type(v8, v, v8->T.map)) {
			*ctor = v;
			return 0;
		}
	}
	return util_error("map 0x%llx: back pointer chain too long", (unsigned long long)map);
}

int v8_constructor_name(struct v8 *v8, v8_value obj, struct util_buf *out)
{
	v8_value map, ctor;
	unsigned type;
	if (v8_map(v8, obj, &map) < 0 || v8_type(v8, obj, &type) < 0)
		return -1;
	if (v8_is_js_function(v8, obj)) {
		util_buf_adds(out, "Function");
		return 0;
	}
	if (v8_map_constructor(v8, map, &ctor) == 0 && v8_is_js_function(v8, ctor)) {
		struct v8_funcinfo fi;
		if (v8_funcinfo(v8, ctor, &fi) == 0) {
			int named = fi.name[0] != 0;
			if (named)
				util_buf_adds(out, fi.name);
			v8_funcinfo_free(&fi);
			if (named)
				return 0;
		}
	}
	util_clear_error();
	const char *tn = v8_type_name(v8, type);
	if ((int)type == v8->T.js_array)
		util_buf_adds(out, "Array");
	else if ((int)type == v8->T.js_object || (int)type == v8->T.js_api_object ||
		 (int)type == v8->T.js_special_api_object)
		util_buf_adds(out, "Object");
	else
		util_buf_adds(out, tn ? tn : "<unknown>");
	return 0;
}
