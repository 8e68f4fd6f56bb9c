/*
 * demangle.c — C++ symbol names as people read them in stacks: demangled with
 * the C++ runtime's __cxa_demangle, parameter list and trailing qualifiers cut
 * ("ns::f(int) const" -> "ns::f"), "(anonymous namespace)" kept.
 */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

static void strip_parameters(char *s)
{
	size_t len = strlen(s);
	static const char *const quals[] = {" const", " volatile", " &&", " &", " noexcept"};
	for (int again = 1; again;) {
		again = 0;
		for (size_t q = 0; q < sizeof(quals) / sizeof(quals[0]); q++) {
			size_t ql = strlen(quals[q]);
			if (len > ql && !strcmp(s + len - ql, quals[q])) {
				s[len -= ql] = 0;
				again = 1;
			}
		}
	}
	if (!len || s[len - 1] != ')')
		return;
	int depth = 0;
	for (size_t i = len; i-- > 0;) {
		if (s[i] == ')')
			depth++;
		else if (s[i] == '(' && --depth == 0) {
			if (i > 0)
				s[i] = 0;
			return;
		}
	}
}

char *util_demangle(const char *raw)
{
	int status = -1;
	char *d = raw[0] == '_' && raw[1] == 'Z' ? __cxa_demangle(raw, NULL, NULL, &status) : NULL;
	if (!d || status != 0) {
		free(d);
		return util_strdup(raw);
	}
	strip_parameters(d);
	return d;
}
