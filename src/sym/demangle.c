#include "core/compat.h"
#include "sym/demangle.h"
#include <libiberty/demangle.h>

char *sym_demangle(const char *name)
{
	const char *at = strchr(name, '@');
	char *base, *out, *res;
	size_t olen, slen;

	/* Itanium C++ and Rust legacy start with _Z, Rust v0 with _R. */
	if (name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	base = xstrndup(name, at ? (size_t)(at - name) : strlen(name));
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
	res = xmalloc(olen + slen + 1);
	memcpy(res, out, olen);
	memcpy(res + olen, at, slen + 1);
	free(out);
	return res;
}
