#include "core/compat.h"
#include "bundle/bundle.h"
#include "core/strbuf.h"
#include <ctype.h>
#include <jansson.h>

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

/* The first target under an "import" or "module" condition of an
 * "exports" value (types declarations skipped), or a target ending .mjs;
 * the condition's name in *cond. */
static const char *exports_esm(json_t *x, int under_import, const char **cond)
{
	const char *key, *t;
	json_t *v;
	size_t i;

	if (json_is_string(x)) {
		const char *s = json_string_value(x);
		size_t n = strlen(s);

		if (n > 5 && (!strcmp(s + n - 5, ".d.ts") ||
			      (n > 6 && !strcmp(s + n - 6, ".d.mts"))))
			return NULL;
		if (under_import)
			return s;
		if (n > 4 && !strcmp(s + n - 4, ".mjs")) {
			*cond = NULL;
			return s;
		}
		return NULL;
	}
	if (json_is_array(x)) {
		json_array_foreach(x, i, v)
		{
			if ((t = exports_esm(v, under_import, cond)))
				return t;
		}
		return NULL;
	}
	json_object_foreach(x, key, v)
	{
		int imp = !strcmp(key, "import") || !strcmp(key, "module");

		if (!strcmp(key, "types") || !strcmp(key, "require"))
			continue;
		if ((t = exports_esm(v, under_import || imp, cond))) {
			if (imp && !under_import)
				*cond = key;
			return t;
		}
	}
	return NULL;
}

/* The package's own entry of "exports": "." of a subpath map (an ES
 * module build of "./extra" alone is not the package's), else all of it
 * (conditions, or a target). */
static json_t *main_export(json_t *x)
{
	const char *key;
	json_t *v;

	json_object_foreach(x, key, v)
	{
		if (key[0] == '.')
			return json_object_get(x, ".");
	}
	return x;
}

int bundle_package_esm(const char *pkg_json, char **where)
{
	json_t *j = json_loads(pkg_json, 0, NULL), *v;
	const char *t, *cond = NULL;
	struct strbuf sb = STRBUF_INIT;

	*where = NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return -1;
	}
	v = json_object_get(j, "module");
	if (json_is_string(v))
		strbuf_addf(&sb, "\"module\": \"%s\"", json_string_value(v));
	else if ((t = exports_esm(main_export(json_object_get(j, "exports")), 0,
				  &cond)))
		strbuf_addf(&sb, "\"exports\" %s%s%s\"%s\"",
			    cond ? "condition \"" : "", cond ? cond : "",
			    cond ? "\": " : "", t);
	else if (json_is_string(v = json_object_get(j, "type")) &&
		 !strcmp(json_string_value(v), "module"))
		strbuf_addstr(&sb, "\"type\": \"module\"");
	json_decref(j);
	if (!sb.len)
		return 0;
	*where = strbuf_detach(&sb, NULL);
	return 1;
}
