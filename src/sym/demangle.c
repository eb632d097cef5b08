/*
 * libiberty's headers declare basename() and friends in ways that clash
 * with glibc's under _GNU_SOURCE, so this file includes nothing of ours
 * but its own header.
 */
#include "sym/demangle.h"
#include <libiberty/demangle.h>
#include <stdlib.h>
#include <string.h>

char *sym_demangle(const char *name)
{
	const char *at = strchr(name, '@');
	size_t len = at ? (size_t)(at - name) : strlen(name);
	char *base, *out, *res;
	size_t olen, slen;

	/* Itanium C++ and Rust legacy start with _Z, Rust v0 with _R. */
	if (name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	base = strndup(name, len);
	if (!base)
		abort();
	/*
	 * The automatic style tries Rust first (legacy Rust names are also
	 * valid C++ names, whose demangling would keep the hash), then C++.
	 */
	out = cplus_demangle(base, DMGL_PARAMS | DMGL_ANSI);
	free(base);
	if (!out || !at)
		return out;
	olen = strlen(out);
	slen = strlen(at);
	res = malloc(olen + slen + 1);
	if (!res)
		abort();
	memcpy(res, out, olen);
	memcpy(res + olen, at, slen + 1);
	free(out);
	return res;
}
