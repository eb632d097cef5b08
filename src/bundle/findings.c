#include "core/compat.h"
#include "bundle/bundle.h"
#include <ctype.h>
#include <stdarg.h>
#include <sys/stat.h>

static const char *const finding_names[] = {
    [FIND_MOMENT] = "moment",
    [FIND_FULL_LODASH] = "full-lodash",
    [FIND_BARREL_IMPORT] = "barrel-import",
    [FIND_INLINE_DATA_URI] = "inline-data-uri",
    [FIND_EMBEDDED_FONT] = "embedded-font",
    [FIND_DUPLICATE] = "duplicate",
    [FIND_UNMINIFIED] = "unminified",
    [FIND_SOURCEMAP_SHIPPED] = "sourcemap-shipped",
    [FIND_NO_CODE_SPLITTING] = "no-code-splitting",
    [FIND_CJS_TREE_SHAKING] = "cjs-tree-shaking",
    [FIND_UNUSED_CSS] = "unused-css",
};

const char *bundle_finding_name(enum bundle_finding_kind k)
{
	return finding_names[k];
}

void bundle_add_finding(struct bundle *b, enum bundle_finding_kind k,
			uint64_t bytes, const char *fmt, ...)
{
	struct bundle_finding f = {k, NULL, bytes, VEC_INIT};
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	f.message = strbuf_detach(&sb, NULL);
	VEC_PUSH(&b->findings, f);
}

const char *bundle_kb(uint64_t bytes, char buf[32])
{
	snprintf(buf, 32, "%.1f kB", bytes / 1000.0);
	return buf;
}

static int is_js(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot && strcmp(dot, ".css");
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* What can replace a CommonJS package that ships no ES module build. */
static const char *const esm_alternatives[][2] = {
    {"lodash", "use lodash-es, or import per method (lodash/debounce)"},
    {"moment", "use date-fns or dayjs"},
};

/*
 * CommonJS defeats tree shaking; the fix depends on what the package's
 * own package.json offers: an ES module build the bundler did not pick
 * (a require() call, or its mainFields/conditions), an alternative
 * package, or nothing at all, which is then said as a fact.
 */
static void cjs_finding(struct bundle *b, const struct bundle_pkg *p,
			uint64_t cjs)
{
	struct strbuf fix = STRBUF_INIT;
	char k1[32];
	size_t i;

	if (p->has_esm > 0) {
		strbuf_addf(&fix,
			    "it has an ES module build (package.json %s) "
			    "that the bundler did not pick: import it with "
			    "import rather than require(), and check the "
			    "bundler's mainFields and conditions",
			    p->esm);
	} else if (p->has_esm == 0) {
		strbuf_addstr(&fix,
			      "it ships no ES module build (its package.json "
			      "has no \"module\", no \"import\" condition in "
			      "\"exports\" and no \"type\": \"module\")");
		for (i = 0; i < ARRAY_SIZE(esm_alternatives); i++)
			if (!strcmp(p->name, esm_alternatives[i][0]))
				strbuf_addf(&fix, ": %s",
					    esm_alternatives[i][1]);
	} else {
		strbuf_addf(&fix,
			    "whether it has an ES module build is unknown "
			    "(no %s/package.json)",
			    p->root);
	}
	bundle_add_finding(b, FIND_CJS_TREE_SHAKING, cjs,
			   "%s (%s of CommonJS at %s) cannot be tree-shaken: "
			   "every export is kept; %s",
			   p->name, bundle_kb(cjs, k1), p->root, fix.buf);
	strbuf_release(&fix);
}

/* moment and its locales; full lodash; CommonJS packages. */
static void package_findings(struct bundle *b)
{
	size_t i, j, k;
	char k1[32], k2[32];

	for (i = 0; i < b->pkgs.len; i++) {
		const struct bundle_pkg *p = &b->pkgs.v[i];
		uint64_t locales = 0, cjs = 0;
		size_t nloc = 0, rootlen = strlen(p->root);
		int whole = 0;

		/* Its sources lie anywhere: no file in it to look for. */
		if (p->ignored)
			continue;
		for (j = 0; j < b->assets.len; j++) {
			const struct bundle_asset *a = &b->assets.v[j];

			for (k = 0; k < a->ent.len; k++) {
				const struct bundle_entry *e = &a->ent.v[k];

				if (e->pkg != (int)i)
					continue;
				if (!strncmp(e->path + rootlen, "/locale/",
					     8) &&
				    ends_with(e->path, ".js")) {
					locales += e->bytes;
					nloc++;
				}
				if (!strcmp(e->path + rootlen, "/lodash.js") ||
				    !strcmp(e->path + rootlen,
					    "/lodash.min.js"))
					whole = 1;
				if (e->content &&
				    (strstr(e->content, "module.exports") ||
				     strstr(e->content, "exports.")) &&
				    !strstr(e->content, "export "))
					cjs += e->bytes;
			}
		}
		if (!strcmp(p->name, "moment"))
			bundle_add_finding(
			    b, FIND_MOMENT, p->bytes,
			    "moment (%s at %s, %zu locales %s) is large and "
			    "not tree-shakeable: use date-fns or dayjs, or "
			    "at least leave the locales out (webpack "
			    "IgnorePlugin for ./locale)",
			    bundle_kb(p->bytes, k1), p->root, nloc,
			    bundle_kb(locales, k2));
		if (!strcmp(p->name, "lodash") && whole)
			bundle_add_finding(
			    b, FIND_FULL_LODASH, p->bytes,
			    "the whole of lodash (%s at %s) is bundled: "
			    "import per method (lodash/debounce) or use "
			    "lodash-es so unused functions are dropped",
			    bundle_kb(p->bytes, k1), p->root);
		if (cjs >= 10000)
			cjs_finding(b, p, cjs);
	}
}

/* A source that only re-exports (export ... from) others, in a package
 * whose bytes it pulls in whole. */
static int is_barrel(const char *content)
{
	const char *p = content;
	int reexports = 0, other = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n &&
		    !(n >= 2 && p[0] == '/' && (p[1] == '/' || p[1] == '*')) &&
		    *p != '*') {
			if (!strncmp(p, "export", 6) &&
			    memmem(p, n, " from ", 6))
				reexports++;
			else if (!(n == 1 && (*p == '}' || *p == ';')))
				other++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return reexports >= 3 && reexports >= 4 * other;
}

static void source_findings(struct bundle *b)
{
	size_t i, j;
	char k1[32];

	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];

		for (j = 0; j < a->ent.len; j++) {
			const struct bundle_entry *e = &a->ent.v[j];
			const char *base = strrchr(e->path, '/');
			uint64_t pulled;
			char *text;
			int barrel;

			base = base ? base + 1 : e->path;
			if (!e->content || strncmp(base, "index.", 6))
				continue;
			text = sourcemap_unescape(e->content);
			barrel = is_barrel(text);
			free(text);
			if (!barrel)
				continue;
			pulled =
			    e->pkg >= 0 ? b->pkgs.v[e->pkg].bytes : e->bytes;
			bundle_add_finding(
			    b, FIND_BARREL_IMPORT, pulled,
			    "%s: '%s' is a barrel file (it only "
			    "re-exports); importing from it pulled in %s: "
			    "import from the modules themselves",
			    a->path, e->path, bundle_kb(pulled, k1));
		}
	}
}

/* data: URIs of 1 kB or more inlined in the asset; fonts apart. */
static void data_uri_findings(struct bundle *b, const struct bundle_asset *a)
{
	const char *p = a->code, *end = a->code + a->len, *hit;
	char k1[32];

	while ((hit = memmem(p, end - p, "data:", 5))) {
		const char *q = hit + 5, *mime = q;
		size_t mlen;

		while (q < end &&
		       (isalnum((unsigned char)*q) || strchr("/+-.;=", *q)))
			q++;
		mlen = q - mime;
		if (q < end && *q == ',' && mlen) {
			const char *d = q + 1;
			char quote = hit > a->code ? hit[-1] : 0;

			/* Quoted, it runs to the closing quote (escapes
			 * skipped): text that is not base64 (an SVG as
			 * esbuild's dataurl loader writes it) holds quotes
			 * of the other kind and spaces. */
			if (quote == '"' || quote == '\'' || quote == '`') {
				while (d < end && *d != quote && *d != '\n')
					d += *d == '\\' && d + 1 < end ? 2 : 1;
			} else {
				while (d < end && !strchr("\"')\n `", *d))
					d++;
			}
			if (d - hit >= 1024) {
				int font = memmem(mime, mlen, "font", 4) ||
					   memmem(mime, mlen, "woff", 4) ||
					   memmem(mime, mlen, "opentype", 8);

				bundle_add_finding(
				    b,
				    font ? FIND_EMBEDDED_FONT
					 : FIND_INLINE_DATA_URI,
				    (uint64_t)(d - hit),
				    "%s: %s data: URI of %s (%.*s) at byte "
				    "%zu: %s",
				    a->path,
				    font ? "a font inlined as a" : "an inline",
				    bundle_kb(d - hit, k1), (int)MIN(mlen, 40),
				    mime, (size_t)(hit - a->code),
				    font ? "serve the font as a file (woff2) "
					   "so it is cached and loaded only "
					   "when used"
					 : "serve it as a file (lower the "
					   "bundler's inline limit) so it "
					   "is cached apart from the code");
				p = d;
				continue;
			}
		}
		p = hit + 5;
	}
}

/* Indentation and short lines: a minifier leaves neither. */
static int looks_unminified(const struct bundle_asset *a)
{
	const char *p = a->code, *end = a->code + a->len;
	size_t lines = 0, indent = 0;

	if (a->len < 4096)
		return 0;
	/* Line by line with memchr: a minified asset has few, long ones. */
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);

		while (p < end && (*p == ' ' || *p == '\t')) {
			p++;
			indent++;
		}
		if (!nl)
			break;
		lines++;
		p = nl + 1;
	}
	return lines > 20 && (indent * 20 > a->len || a->len / lines < 80);
}

/* A file's size, 0 when it is not a file (an inline map). */
static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode)
		   ? (uint64_t)st.st_size
		   : 0;
}

void bundle_find(struct bundle *b)
{
	size_t i, k, njs = 0;
	const struct bundle_asset *biggest = NULL;
	char k1[32], k2[32];

	package_findings(b);
	source_findings(b);
	for (i = 0; i < b->dups.len; i++) {
		const struct bundle_dup *d = &b->dups.v[i];
		struct strbuf sb = STRBUF_INIT;

		for (k = 0; k < d->pkgs.len; k++) {
			const struct bundle_pkg *p = &b->pkgs.v[d->pkgs.v[k]];

			strbuf_addf(&sb, "%s%s@%s at %s (%s)", k ? ", " : "",
				    p->name, *p->version ? p->version : "?",
				    p->root, bundle_kb(p->bytes, k1));
		}
		bundle_add_finding(b, FIND_DUPLICATE, d->saving,
				   "%s is bundled %zu times: %s; deduplicate "
				   "(npm dedupe, one version range, or a "
				   "resolve alias) to save %s",
				   d->name, d->pkgs.len, sb.buf,
				   bundle_kb(d->saving, k2));
		strbuf_release(&sb);
	}
	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];

		if (a->code)
			data_uri_findings(b, a);
		if (a->code && looks_unminified(a))
			bundle_add_finding(
			    b, FIND_UNMINIFIED, a->bytes,
			    "%s (%s) is not minified: build for "
			    "production (esbuild --minify, webpack "
			    "--mode=production)",
			    a->path, bundle_kb(a->bytes, k1));
		if (a->map_inline)
			bundle_add_finding(
			    b, FIND_SOURCEMAP_SHIPPED, a->map_inline,
			    "%s carries its source map inline (%s of its own "
			    "bytes, downloaded by every user): ship the map "
			    "as a separate file, or none (webpack "
			    "hidden-source-map, esbuild --sourcemap=external)",
			    a->path, bundle_kb(a->map_inline, k1));
		else if (a->map_comment && a->map_path &&
			 access(a->map_path, F_OK) == 0)
			bundle_add_finding(
			    b, FIND_SOURCEMAP_SHIPPED, file_size(a->map_path),
			    "%s points at its source map (%s): maps shipped "
			    "with production assets publish the sources; "
			    "upload them to the error tracker instead "
			    "(webpack hidden-source-map, esbuild "
			    "--sourcemap=external)",
			    a->path, a->map_path);
		/* Stat sizes are before minification: no threshold fits. */
		if (is_js(a->path) && strcmp(a->from, "webpack stats")) {
			njs++;
			if (!biggest || a->bytes > biggest->bytes)
				biggest = a;
		}
	}
	bundle_find_unused_css(b);
	if (njs == 1 && biggest->bytes >= 250000)
		bundle_add_finding(
		    b, FIND_NO_CODE_SPLITTING, biggest->bytes,
		    "%s (%s) is the only script: nothing is split out; "
		    "load heavy code that is not needed at start with "
		    "import() so it becomes its own chunk",
		    biggest->path, bundle_kb(biggest->bytes, k1));
}
