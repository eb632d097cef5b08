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
	 * No DMGL_PARAMS: perf (and pprof) name a function without its
	 * parameters, return type and clone suffix ("geo::Shape::spin", not
	 * "geo::Shape::spin(int)"), and a profile recorded here must name
	 * each function as 'perf script' of the same program does, or diff
	 * and a user's search never pair them.
	 */
	out = cplus_demangle(base, DMGL_NO_OPTS);
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
