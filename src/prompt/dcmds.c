/*
 * dcmds.c — the registry of dcmds. To add one: write src/prompt/dcmd_NAME.c
 * defining `const struct dcmd dcmd_NAME = {...};` and add one line X(NAME) below.
 */
#include "prompt/prompt.h"

#include <string.h>

#define DCMD_LIST                                                                             \
	X(help)                                                                               \
	X(quit)                                                                               \
	X(jsstack)                                                                            \
	X(jsprint)                                                                            \
	X(jsconstructor)                                                                      \
	X(jsscope)                                                                            \
	X(jsclosure)                                                                          \
	X(jssource)                                                                           \
	X(jsfunction)                                                                         \
	X(jsfunctions)                                                                        \
	X(jsarray)                                                                            \
	X(v8type)                                                                             \
	X(findjsobjects)                                                                      \
	X(jsrefs)                                                                             \
	X(jsretainers)

#define X(name) extern const struct dcmd dcmd_##name;
DCMD_LIST
#undef X

static const struct dcmd *const registry[] = {
#define X(name) &dcmd_##name,
	DCMD_LIST
#undef X
	NULL,
};

const struct dcmd *const *prompt_dcmd_all(void) { return registry; }

const struct dcmd *prompt_dcmd_find(const char *name)
{
	for (size_t i = 0; registry[i]; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	if (!strcmp(name, "q")) /* mdb's abbreviation */
		return prompt_dcmd_find("quit");
	return NULL;
}
