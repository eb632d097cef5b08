#include "core/compat.h"
#include "bundle/bundle.h"
#include "core/strbuf.h"
#include <ctype.h>

/* A version from pnpm's "NAME@VER" (peer suffixes "_x@1" or "(x@1)" cut)
 * or yarn's "NAME-npm-VER-HASH[-HASH].zip" folder names. */
static char *version_from_dir(const char *seg, size_t n)
{
	const char *npm = memmem(seg, n, "-npm-", 5);
	size_t i, e;

	if (npm) {
		const char *v = npm + 5, *end = seg + n;

		if (end - v > 4 && !memcmp(end - 4, ".zip", 4))
			end -= 4;
		/* Cut trailing "-hexhash" parts (8 hex digits or more). */
		for (;;) {
			const char *dash = end;
			size_t hex = 0;

			while (dash > v && dash[-1] != '-' &&
			       isxdigit((unsigned char)dash[-1])) {
				dash--;
				hex++;
			}
			if (dash > v && dash[-1] == '-' && hex >= 8)
				end = dash - 1;
			else
				break;
		}
		return end > v ? xstrndup(v, end - v) : xstrdup("");
	}
	/* The first '@' after the name's own (a scope's) one. */
	for (i = 2; i <= n; i++)
		if (seg[i - 1] == '@')
			break;
	if (i > n)
		return xstrdup("");
	for (e = i; e < n && seg[e] != '_' && seg[e] != '('; e++)
		;
	return xstrndup(seg + i, e - i);
}

int bundle_package_of(const char *path, size_t *root_len, size_t *name_off,
		      size_t *name_len, char **version)
{
	static const char nm[] = "node_modules/";
	const char *p = path, *hit, *last = NULL, *name, *end;

	while ((hit = strstr(p, nm))) {
		if (hit == path || hit[-1] == '/')
			last = hit;
		p = hit + 1;
	}
	if (!last)
		return 0;
	name = last + sizeof(nm) - 1;
	if (*name == '.' || !*name)
		return 0;
	end = strchr(name, '/');
	if (*name == '@' && end)
		end = strchr(end + 1, '/');
	/* A file right under node_modules/ (or @scope/) is no package. */
	if (!end)
		return 0;
	*name_off = name - path;
	*name_len = end - name;
	*root_len = end - path;
	*version = NULL;
	if (last > path) {
		const char *seg_end = last - 1, *seg = seg_end;

		while (seg > path && seg[-1] != '/')
			seg--;
		if (seg_end > seg &&
		    (memmem(seg, seg_end - seg, "-npm-", 5) ||
		     (seg - path >= 6 && !memcmp(seg - 6, ".pnpm/", 6))))
			*version = version_from_dir(seg, seg_end - seg);
	}
	if (!*version)
		*version = xstrdup("");
	return 1;
}
