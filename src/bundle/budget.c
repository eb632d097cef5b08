#include "core/compat.h"
#include "bundle/budget.h"
#include "bundle/bundle.h"
#include "core/error.h"
#include "core/utf8.h"
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>

const char *const budget_size_names[3] = {"brotli", "gzip", "raw"};

void budgets_release(struct budgets *bs)
{
	size_t i, k;

	for (i = 0; i < bs->len; i++) {
		free(bs->v[i].name);
		for (k = 0; k < bs->v[i].npatterns; k++)
			free(bs->v[i].patterns[k]);
		free(bs->v[i].patterns);
		for (k = 0; k < bs->v[i].nignore; k++)
			free(bs->v[i].ignore[k]);
		free(bs->v[i].ignore);
	}
	VEC_RELEASE(bs);
}

int budget_parse_limit(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
	    {"", 1},
	    {"B", 1},
	    {"kB", 1e3},
	    {"KB", 1e3},
	    {"MB", 1e6},
	    {"GB", 1e9},
	    {"TB", 1e12},
	    {"KiB", 1024.0},
	    {"MiB", 1048576.0},
	    {"GiB", 1073741824.0},
	    {"TiB", 1099511627776.0},
	};
	char *end;
	double v;
	size_t i;

	while (*s == ' ')
		s++;
	if (!(*s >= '0' && *s <= '9') && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		/* Any case, as size-limit's bytes-iec: "10 kb" is 10 kB. */
		if (strcasecmp(end, units[i].unit))
			continue;
		v *= units[i].mult;
		if (v >= 1.8e19)
			return -1;
		*bytes = (uint64_t)v;
		return 0;
	}
	return -1;
}

static struct budget *new_budget(struct budgets *bs, const char *name,
				 const char *origin)
{
	struct budget bd = {0};

	bd.name = xstrdup(name);
	bd.origin = origin;
	VEC_PUSH(bs, bd);
	return &VEC_LAST(bs);
}

static void add_pattern(struct budget *bd, const char *p)
{
	bd->patterns =
	    xrealloc(bd->patterns, (bd->npatterns + 1) * sizeof(char *));
	bd->patterns[bd->npatterns++] = xstrdup(p);
}

int budgets_add_arg(struct budgets *bs, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	char *pat, *lim;
	enum budget_size sz = BUDGET_BROTLI;
	struct budget *bd;
	uint64_t limit;
	size_t k;

	/* PATTERN:LIMIT or PATTERN:LIMIT:SIZE */
	if (colon) {
		for (k = 0; k < ARRAY_SIZE(budget_size_names); k++)
			if (!strcmp(colon + 1, budget_size_names[k]))
				break;
		if (k < ARRAY_SIZE(budget_size_names)) {
			sz = (enum budget_size)k;
			pat = xstrndup(arg, colon - arg);
			colon = strrchr(pat, ':');
		} else {
			pat = xstrdup(arg);
			colon = pat + (colon - arg);
		}
	} else {
		pat = xstrdup(arg);
	}
	if (!colon || colon == pat) {
		free(pat);
		return error("--budget '%s': write PATTERN:LIMIT[:raw|gzip|"
			     "brotli], e.g. 'main.js:170kB'",
			     arg);
	}
	lim = (char *)colon + 1;
	*(char *)colon = '\0';
	if (budget_parse_limit(lim, &limit) < 0) {
		error("--budget '%s': bad limit '%s' (write e.g. 170kB, "
		      "1.5 MB, 100 KiB; kB = 1000 B, KiB = 1024 B)",
		      arg, lim);
		free(pat);
		return -1;
	}
	bd = new_budget(bs, pat, "--budget");
	add_pattern(bd, pat);
	bd->limit = limit;
	bd->size = sz;
	free(pat);
	return 0;
}

/* size-limit's running-time limits ("500 ms", "1 s"), as it tells them
 * from sizes: by their ending. */
static int is_time_limit(const char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		n--;
	return (n >= 2 && !strncasecmp(s + n - 2, "ms", 2)) ||
	       (n >= 1 && (s[n - 1] == 's' || s[n - 1] == 'S'));
}

/*
 * size-limit's keys besides path, limit, name, gzip, brotli and ignore
 * (its index.d.ts and get-config.js), and what perfops makes of each:
 * none is passed over in silence.  With reject, the entry is an error;
 * else a warning says the key changes nothing here.
 */
static const struct {
	const char *key;
	int reject;
	const char *why;
} other_keys[] = {
    {"import", 1,
     "size-limit rebuilds the path with only that import to test tree "
     "shaking, which built files cannot tell; budget the built chunk "
     "instead"},
    {"entry", 1,
     "it picks the entries of the bundle size-limit builds, perfops "
     "measures built files as they are; budget the built chunks instead"},
    {"config", 1,
     "it names the webpack configuration size-limit builds with, perfops "
     "measures built files as they are; build with it, then budget its "
     "output"},
    {"disableModuleConcatenation", 1,
     "it changes the bundle size-limit builds, perfops measures built "
     "files as they are"},
    {"modifyWebpackConfig", 1,
     "it changes the bundle size-limit builds, perfops measures built "
     "files as they are"},
    {"modifyEsbuildConfig", 1,
     "it changes the bundle size-limit builds, perfops measures built "
     "files as they are"},
    {"disablePlugins", 1,
     "it picks size-limit's own plugins, perfops measures built files "
     "as they are"},
    {"module", 1, "it is no size-limit key today"},
    {"running", 0,
     "perfops measures sizes, not running time (size-limit's time "
     "plugin)"},
    {"hidePassed", 0, "it only changes size-limit's own output"},
    {"highlightLess", 0, "it only changes size-limit's own output"},
    {"compareWith", 0, "it serves size-limit --why, not the budget"},
    {"uiReports", 0, "it serves size-limit --why, not the budget"},
};

/* Each key of entry i that is not path, limit, name, gzip, brotli or
 * ignore: rejected (-1, reported) or warned about. */
static int check_keys(json_t *e, const char *file, size_t i)
{
	const char *key;
	json_t *v;
	size_t k;

	json_object_foreach(e, key, v)
	{
		if (!strcmp(key, "path") || !strcmp(key, "limit") ||
		    !strcmp(key, "name") || !strcmp(key, "gzip") ||
		    !strcmp(key, "brotli") || !strcmp(key, "ignore"))
			continue;
		/* Measuring the files as they are is what perfops does. */
		if (!strcmp(key, "webpack") && json_is_false(v))
			continue;
		if (!strcmp(key, "webpack"))
			return error("%s: entry %zu: \"webpack\": true is not "
				     "supported: size-limit bundles the path "
				     "again, perfops measures built files as "
				     "they are; set it false or leave it out",
				     file, i);
		if (!strcmp(key, "running") && json_is_false(v))
			continue;
		for (k = 0; k < ARRAY_SIZE(other_keys); k++)
			if (!strcmp(key, other_keys[k].key))
				break;
		if (k == ARRAY_SIZE(other_keys))
			return error("%s: entry %zu: unknown key \"%s\" "
				     "(size-limit rejects it too)",
				     file, i, key);
		if (other_keys[k].reject)
			return error("%s: entry %zu: \"%s\" is not supported: "
				     "%s",
				     file, i, key, other_keys[k].why);
		warning("%s: entry %zu: \"%s\" is not used: %s", file, i, key,
			other_keys[k].why);
	}
	return 0;
}

/* An array of strings, empty or not as allowed. */
static int strings(json_t *a, int allow_empty)
{
	json_t *v;
	size_t k;

	if (!json_is_array(a) || (!allow_empty && !json_array_size(a)))
		return 0;
	json_array_foreach(a, k, v) if (!json_is_string(v)) return 0;
	return 1;
}

/* One size-limit entry: {path, limit, name?, gzip?, brotli?, ignore?};
 * the limit a string or a number of bytes.  Returns 1 when it is left
 * out. */
static int add_entry(struct budgets *bs, json_t *e, const char *file, size_t i,
		     const char *main_path)
{
	json_t *path = json_object_get(e, "path"), *p;
	json_t *lim = json_object_get(e, "limit");
	const char *limit = json_string_value(lim);
	const char *name = json_string_value(json_object_get(e, "name"));
	json_t *ign = json_object_get(e, "ignore");
	struct budget *bd;
	uint64_t bytes = UINT64_MAX;
	size_t k;

	/* Both are optional in size-limit: without a limit it shows the
	 * size, without a path it measures package.json's "main". */
	if (!json_is_object(e) || (lim && !limit && !json_is_number(lim)) ||
	    (path && !json_is_string(path) && !strings(path, 0)))
		return error("%s: entry %zu: \"path\" is a path or an array "
			     "of them, \"limit\" a size (size-limit's format)",
			     file, i);
	if (check_keys(e, file, i) < 0)
		return -1;
	if (ign && !strings(ign, 1))
		return error("%s: entry %zu: \"ignore\" must be an array of "
			     "package names (size-limit's format)",
			     file, i);
	if (json_is_number(lim)) {
		if (json_number_value(lim) < 0 ||
		    json_number_value(lim) >= 1.8e19)
			return error("%s: entry %zu: bad limit %g (a number of "
				     "bytes, or e.g. \"10 kB\")",
				     file, i, json_number_value(lim));
		bytes = (uint64_t)json_number_value(lim);
	} else if (!lim) {
		/* No limit: measured, never over. */
	} else if (is_time_limit(limit)) {
		warning("%s: entry %zu: '%s' is a running-time limit "
			"(size-limit's time plugin), which perfops does not "
			"measure: that entry is left out",
			file, i, limit);
		return 1;
	} else if (budget_parse_limit(limit, &bytes) < 0)
		return error("%s: entry %zu: bad limit '%s' (write e.g. "
			     "\"10 kB\"; kB = 1000 B, KiB = 1024 B)",
			     file, i, limit);
	if (!name)
		name = !path ? main_path
		       : json_is_string(path)
			   ? json_string_value(path)
			   : json_string_value(json_array_get(path, 0));
	bd = new_budget(bs, name ? name : "?", file);
	bd->limit = bytes;
	bd->no_limit = !lim;
	if (!path)
		add_pattern(bd, main_path);
	/* size-limit: brotli unless gzip: true, none with brotli: false. */
	if (json_is_true(json_object_get(e, "gzip")))
		bd->size = BUDGET_GZIP;
	else if (json_is_false(json_object_get(e, "brotli")))
		bd->size = BUDGET_RAW;
	if (json_is_string(path))
		add_pattern(bd, json_string_value(path));
	json_array_foreach(path, k, p) add_pattern(bd, json_string_value(p));
	json_array_foreach(ign, k, p)
	{
		bd->ignore =
		    xrealloc(bd->ignore, (bd->nignore + 1) * sizeof(char *));
		bd->ignore[bd->nignore++] = xstrdup(json_string_value(p));
	}
	return 0;
}

/* What size-limit measures for an entry without "path": package.json's
 * "main" ("./" cut, ".js" added as require.resolve() finds it), else
 * index.js. */
static char *package_main(json_t *pkg, const char *dir)
{
	const char *m = json_string_value(json_object_get(pkg, "main"));
	struct strbuf sb = STRBUF_INIT;

	if (!m || !*m)
		m = "index.js";
	while (!strncmp(m, "./", 2))
		m += 2;
	strbuf_addf(&sb, "%s/%s", dir, m);
	if (access(sb.buf, F_OK) < 0) {
		strbuf_addstr(&sb, ".js");
		if (access(sb.buf, F_OK) == 0) {
			strbuf_release(&sb);
			strbuf_addf(&sb, "%s.js", m);
			return strbuf_detach(&sb, NULL);
		}
	}
	strbuf_release(&sb);
	return xstrdup(m);
}

int budgets_load_size_limit(struct budgets *bs, const char *dir)
{
	/* size-limit's (lilconfig's) search places after package.json. */
	static const char *const names[] = {
	    ".size-limit.json", ".size-limit",	   ".size-limit.js",
	    ".size-limit.mjs",	".size-limit.cjs", ".size-limit.ts",
	    ".size-limit.mts",	".size-limit.cts",
	};
	struct strbuf p = STRBUF_INIT;
	json_error_t jerr;
	json_t *root, *list = NULL, *e;
	const char *file;
	char *main_path = NULL;
	size_t i, k;
	int ret = 0;

	/* As size-limit (lilconfig) searches: package.json when it has the
	 * "size-limit" key, then its files in names[] order. */
	strbuf_addf(&p, "%s/package.json", dir);
	file = "package.json";
	root = access(p.buf, F_OK) < 0 ? NULL : json_load_file(p.buf, 0, &jerr);
	if (!root && access(p.buf, F_OK) == 0) {
		ret = error("%s: %s (line %d)", p.buf, jerr.text, jerr.line);
		goto out;
	}
	main_path = package_main(root, dir);
	list = json_object_get(root, "size-limit");
	if (!list) {
		json_decref(root);
		root = NULL;
		for (k = 0; k < ARRAY_SIZE(names); k++) {
			strbuf_reset(&p);
			strbuf_addf(&p, "%s/%s", dir, names[k]);
			if (access(p.buf, F_OK) == 0)
				break;
		}
		if (k == ARRAY_SIZE(names))
			goto out;
		file = names[k];
		if (k >= 2) {
			warning("%s is JavaScript, which perfops does not "
				"run: its budgets are not checked; write them "
				"as .size-limit.json",
				file);
			goto out;
		}
		root = json_load_file(p.buf, 0, &jerr);
		if (!root) {
			ret = error("%s: %s (line %d)", p.buf, jerr.text,
				    jerr.line);
			goto out;
		}
		list = root;
	}
	if (!json_is_array(list)) {
		ret = error("%s: size-limit's budgets must be an array", p.buf);
		goto out;
	}
	json_array_foreach(list, i, e)
	{
		int r = add_entry(bs, e, file, i, main_path);

		if (r < 0) {
			ret = -1;
			break;
		}
		if (r == 0)
			ret++;
	}
out:
	json_decref(root);
	strbuf_release(&p);
	free(main_path);
	return ret;
}

int budgets_need_ranges(const struct budgets *bs)
{
	size_t i;

	for (i = 0; i < bs->len; i++)
		if (bs->v[i].nignore)
			return 1;
	return 0;
}

unsigned budgets_sizes(const struct budgets *bs)
{
	unsigned s = 0;
	size_t i;

	for (i = 0; i < bs->len; i++)
		s |= bs->v[i].size == BUDGET_GZIP     ? BUNDLE_GZIP
		     : bs->v[i].size == BUDGET_BROTLI ? BUNDLE_BROTLI
						      : 0;
	return s;
}

/*
 * fnmatch with "**" as a whole path segment matching any number of
 * folders, none included, as size-limit's globs (fast-glob) do:
 * the pattern dist/ ** /x.js (without spaces) matches dist/x.js and
 * dist/a/b/x.js.
 */
static int glob_match(const char *pat, const char *path)
{
	const char *gs = strstr(pat, "**"), *rest, *p;
	char *prefix;
	int ok;

	while (gs &&
	       !((gs == pat || gs[-1] == '/') && (gs[2] == '/' || !gs[2])))
		gs = strstr(gs + 2, "**");
	if (!gs)
		return !fnmatch(pat, path, FNM_PATHNAME);
	rest = gs[2] == '/' ? gs + 3 : gs + 2;
	prefix = xstrndup(pat, gs - pat);
	/* The part before "**" matches path up to a '/' (or nothing). */
	for (p = path;; p++) {
		if (p == path ? !*prefix : p[-1] == '/') {
			char *head = xstrndup(path, p - path);
			const char *q = p;

			ok = !fnmatch(prefix, head, FNM_PATHNAME);
			free(head);
			/* Then "**" takes no folder or several. */
			while (ok) {
				if (!*rest || glob_match(rest, q)) {
					free(prefix);
					return 1;
				}
				q = strchr(q, '/');
				if (!q)
					break;
				q++;
			}
		}
		if (!*p)
			break;
	}
	free(prefix);
	return 0;
}

/* An absolute path under the current directory, made relative to it:
 * size-limit's paths are relative to its configuration's folder, and DIR
 * may be given either way.  $PWD (the directory as the user wrote it)
 * and getcwd()'s (symbolic links resolved) are both tried. */
static const char *under_cwd(const char *path)
{
	static char cwd[PATH_MAX];
	static int have;
	const char *dirs[2] = {getenv("PWD"), NULL};
	size_t i, n;

	if (*path != '/')
		return path;
	if (!have)
		have = getcwd(cwd, sizeof(cwd)) ? 1 : -1;
	if (have > 0)
		dirs[1] = cwd;
	for (i = 0; i < 2; i++) {
		if (!dirs[i] || *dirs[i] != '/')
			continue;
		n = strlen(dirs[i]);
		while (n > 1 && dirs[i][n - 1] == '/')
			n--;
		if (!strncmp(path, dirs[i], n) && path[n] == '/')
			return path + n + 1;
	}
	return path;
}

static int matches(const char *pat, const char *path)
{
	const char *base = strrchr(path, '/');

	pat = under_cwd(pat);
	path = under_cwd(path);

	while (!strncmp(pat, "./", 2))
		pat += 2;
	while (!strncmp(path, "./", 2))
		path += 2;
	return glob_match(pat, path) ||
	       (!strchr(pat, '/') && base && !fnmatch(pat, base + 1, 0));
}

/* Whether a budget's patterns take path: some pattern matches it and no
 * '!' pattern does, as size-limit's globs. */
static int takes(const struct budget *bd, const char *path)
{
	size_t k;
	int in = 0;

	for (k = 0; k < bd->npatterns; k++) {
		const char *pat = bd->patterns[k];

		if (*pat == '!' && matches(pat + 1, path))
			return 0;
		if (*pat != '!' && matches(pat, path))
			in = 1;
	}
	return in;
}

/* The index in bd->ignore of the package of entry e, or -1. */
static int ignored_by(const struct budget *bd, const struct bundle *b,
		      const struct bundle_entry *e)
{
	size_t k;

	if (e->pkg < 0)
		return -1;
	for (k = 0; k < bd->nignore; k++)
		if (!strcmp(b->pkgs.v[e->pkg].name, bd->ignore[k]))
			return (int)k;
	return -1;
}

/*
 * The asset's size without the bytes of the packages bd ignores (those
 * ranges cut out, the rest compressed as it stands), as size-limit's
 * "ignore" makes them webpack externals; hit[k] is set for each ignored
 * package found.
 */
static uint64_t size_without(struct budget *bd, const struct bundle *b,
			     const struct bundle_asset *as, char *hit)
{
	struct strbuf left = STRBUF_INIT;
	uint64_t size;
	size_t r;

	for (r = 0; r < as->ranges.len; r++) {
		const struct bundle_range *rg = &as->ranges.v[r];
		int k = ignored_by(bd, b, &as->ent.v[rg->ent]);

		if (k >= 0) {
			hit[k] = 1;
			bd->ignored += rg->end - rg->start;
		} else {
			strbuf_add(&left, as->code + rg->start,
				   rg->end - rg->start);
		}
	}
	size = bd->size == BUDGET_GZIP ? bundle_gzip_size(left.buf, left.len)
	       : bd->size == BUDGET_BROTLI
		   ? bundle_brotli_size(left.buf, left.len)
		   : left.len;
	strbuf_release(&left);
	return size;
}

int budgets_check(struct budgets *bs, const struct bundle *b)
{
	size_t i, k, a;
	int over = 0, ret = 0;

	for (i = 0; i < bs->len; i++) {
		struct budget *bd = &bs->v[i];
		char *hit = xcalloc(bd->nignore + 1, 1);
		int nocode = 0;

		bd->actual = 0;
		bd->matched = 0;
		bd->ignored = 0;
		for (a = 0; a < b->assets.len; a++) {
			const struct bundle_asset *as = &b->assets.v[a];

			if (!takes(bd, as->path))
				continue;
			if (!as->code && bd->size != BUDGET_RAW) {
				/* No bytes here to compress (a stats or
				 * metafile output that is not on disk). */
				nocode = 1;
				ret = error("budget '%s': '%s' is known only "
					    "from %s, so it has no %s size: "
					    "give the built assets, or a raw "
					    "budget",
					    bd->name, as->path, as->from,
					    budget_size_names[bd->size]);
				continue;
			}
			bd->matched++;
			if (bd->nignore && as->ranges.len)
				bd->actual += size_without(bd, b, as, hit);
			else
				bd->actual += bd->size == BUDGET_GZIP ? as->gzip
					      : bd->size == BUDGET_BROTLI
						  ? as->brotli
						  : as->bytes;
		}
		for (k = 0; bd->matched && k < bd->nignore; k++)
			if (!hit[k])
				warning("budget '%s': its \"ignore\" names "
					"'%s', a package none of its assets "
					"holds (by their source maps): nothing "
					"is left out for it",
					bd->name, bd->ignore[k]);
		free(hit);
		if (!bd->matched && !nocode)
			ret = error("budget '%s' (%s): no asset matches '%s'",
				    bd->name, bd->origin, bd->patterns[0]);
		else if (bd->actual > bd->limit)
			over++;
	}
	return ret < 0 ? -1 : over;
}

static void kb(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "%.2f kB", v / 1000.0);
}

void budgets_write_text(const struct budgets *bs, FILE *fp)
{
	size_t i;

	fprintf(fp, "%-30s %-7s %12s %12s %12s  %s\n", "BUDGET", "SIZE",
		"ACTUAL", "LIMIT", "OVER BY", "STATUS");
	for (i = 0; i < bs->len; i++) {
		const struct budget *bd = &bs->v[i];
		char a[32], l[32], o[32];
		struct strbuf name = STRBUF_INIT;

		kb(a, sizeof(a), bd->actual);
		if (bd->no_limit)
			snprintf(l, sizeof(l), "-");
		else
			kb(l, sizeof(l), bd->limit);
		if (bd->actual > bd->limit)
			kb(o, sizeof(o), bd->actual - bd->limit);
		else
			snprintf(o, sizeof(o), "-");
		utf8_add_printable(&name, bd->name, strlen(bd->name));
		fprintf(fp, "%-30s %-7s %12s %12s %12s  %s\n", name.buf,
			budget_size_names[bd->size], a, l, o,
			!bd->matched		 ? "NO ASSET"
			: bd->actual > bd->limit ? "OVER"
						 : "ok");
		strbuf_release(&name);
	}
}
