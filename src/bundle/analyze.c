#include "core/compat.h"
#include "bundle/bundle.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>

/* The directory relative source paths of a's map are resolved against. */
static char *map_dir(const struct bundle_asset *a)
{
	const char *p;

	/* Paths in stats and metafiles are relative to the bundler's
	 * working directory: the current one. */
	if (strcmp(a->from, "source map"))
		return xstrdup("");
	p = a->map_path && access(a->map_path, F_OK) == 0 ? a->map_path
							  : a->path;
	const char *slash = strrchr(p, '/');

	return slash ? xstrndup(p, slash - p + 1) : xstrdup("");
}

/* "version" of ROOT/package.json, looked for beside the map, then in the
 * current directory (webpack's paths are relative to its context). */
/* "version" of DIR/package.json, or NULL. */
static char *version_in(const char *dir)
{
	struct strbuf p = STRBUF_INIT;
	json_t *j;
	char *v = NULL;

	strbuf_addf(&p, "%s/package.json", dir);
	j = json_load_file(p.buf, 0, NULL);
	if (j && json_is_string(json_object_get(j, "version")))
		v = xstrdup(json_string_value(json_object_get(j, "version")));
	json_decref(j);
	strbuf_release(&p);
	return v;
}

/*
 * The version in the nearest package.json with one, from the source's own
 * directory up to the package's root (root_len bytes of src), looked for
 * beside the map (dir) and then in the current directory (webpack's paths
 * are relative to its context).
 */
static char *read_version(const char *dir, const char *src, size_t root_len)
{
	struct strbuf p = STRBUF_INIT;
	char *v = NULL;
	int pass;

	for (pass = 0; pass < 2 && !v; pass++) {
		size_t base;

		if (pass == 1 && (*src == '/' || !*dir))
			break;
		strbuf_reset(&p);
		if (*src != '/' && pass == 0)
			strbuf_addstr(&p, dir);
		base = p.len;
		strbuf_addstr(&p, src);
		/* Up from the source's directory to the root. */
		for (;;) {
			char *slash = strrchr(p.buf + base, '/');

			if (!slash ||
			    (size_t)(slash - (p.buf + base)) < root_len)
				break;
			strbuf_setlen(&p, slash - p.buf);
			v = version_in(p.buf);
			if (v || p.len - base == root_len)
				break;
		}
	}
	strbuf_release(&p);
	return v;
}

static int read_beside(const char *dir, const char *rel, struct strbuf *text);

/* Whether the package's own package.json names an ES module build (for
 * the cjs-tree-shaking finding's advice), read as its version is. */
static void read_esm(struct bundle_pkg *p, const char *dir)
{
	struct strbuf rel = STRBUF_INIT, text = STRBUF_INIT;

	p->has_esm = -1;
	strbuf_addf(&rel, "%s/package.json", p->root);
	if (!read_beside(dir, rel.buf, &text))
		p->has_esm =
		    bundle_package_esm(text.len ? text.buf : "", &p->esm);
	strbuf_release(&rel);
	strbuf_release(&text);
}

/* A package at path[0..root_len); takes version (may be replaced by the
 * one of its package.json). */
static void add_package(struct bundle *b, const char *path, size_t root_len,
			size_t name_off, size_t name_len, char *version,
			const char *dir)
{
	struct bundle_pkg p = {0};
	char *v = read_version(dir, path, root_len);

	if (v) {
		free(version);
		version = v;
	}
	p.name = xstrndup(path + name_off, name_len);
	p.root = xstrndup(path, root_len);
	p.version = version;
	read_esm(&p, dir);
	VEC_PUSH(&b->pkgs, p);
}

static void add_ignored_package(struct bundle *b)
{
	struct bundle_pkg p = {0};

	p.name = xstrdup(BUNDLE_IGNORED);
	p.root = xstrdup(BUNDLE_IGNORED);
	p.version = xstrdup("");
	p.ignored = 1;
	VEC_PUSH(&b->pkgs, p);
}

static void find_packages(struct bundle *b)
{
	struct intern roots;
	size_t i, j;

	intern_init(&roots);
	for (i = 0; i < b->assets.len; i++) {
		struct bundle_asset *a = &b->assets.v[i];
		char *dir = map_dir(a);

		for (j = 0; j < a->ent.len; j++) {
			struct bundle_entry *e = &a->ent.v[j];
			size_t root_len, name_off, name_len;
			char *version;
			int added;
			uint32_t id;

			if (bundle_package_of(e->path, &root_len, &name_off,
					      &name_len, &version)) {
				id = intern_add(&roots, e->path, root_len,
						&added);
				if (added)
					add_package(b, e->path, root_len,
						    name_off, name_len, version,
						    dir);
				else
					free(version);
			} else if (e->ignored) {
				/* Third-party by the map's word alone. */
				id = intern_add(&roots, BUNDLE_IGNORED,
						strlen(BUNDLE_IGNORED), &added);
				if (added)
					add_ignored_package(b);
			} else {
				continue;
			}
			e->pkg = (int)id;
			b->pkgs.v[id].bytes += e->bytes;
			b->pkgs.v[id].gzip += e->gzip;
			b->pkgs.v[id].brotli += e->brotli;
		}
		free(dir);
	}
	intern_release(&roots);
}

static const struct bundle *sort_b;

static int by_bytes_desc(const void *x, const void *y)
{
	const struct bundle_pkg *a = &sort_b->pkgs.v[*(const int *)x],
				*c = &sort_b->pkgs.v[*(const int *)y];

	if (a->bytes != c->bytes)
		return a->bytes < c->bytes ? 1 : -1;
	return strcmp(a->root, c->root);
}

static void find_duplicates(struct bundle *b)
{
	struct intern names;
	struct dupvec {
		int *v;
		size_t len, alloc;
	} *groups = NULL;
	size_t i, ngroups = 0, agroups = 0;

	intern_init(&names);
	for (i = 0; i < b->pkgs.len; i++) {
		int added;
		uint32_t id = intern_add(&names, b->pkgs.v[i].name,
					 strlen(b->pkgs.v[i].name), &added);

		if (added) {
			ALLOC_GROW(groups, ngroups + 1, agroups);
			memset(&groups[ngroups++], 0, sizeof(*groups));
		}
		VEC_PUSH(&groups[id], (int)i);
	}
	sort_b = b;
	for (i = 0; i < ngroups; i++) {
		struct bundle_dup d = {0};
		uint64_t total = 0;
		size_t k;

		if (groups[i].len < 2) {
			VEC_RELEASE(&groups[i]);
			continue;
		}
		qsort(groups[i].v, groups[i].len, sizeof(int), by_bytes_desc);
		for (k = 0; k < groups[i].len; k++)
			total += b->pkgs.v[groups[i].v[k]].bytes;
		d.name = xstrdup(b->pkgs.v[groups[i].v[0]].name);
		d.pkgs.v = groups[i].v;
		d.pkgs.len = groups[i].len;
		d.pkgs.alloc = groups[i].alloc;
		d.saving = total - b->pkgs.v[groups[i].v[0]].bytes;
		VEC_PUSH(&b->dups, d);
	}
	free(groups);
	intern_release(&names);
}

/* "why is this included": the shortest import chain from an entry to
 * each package, as the stats or metafile tell. */
static void find_chains(struct bundle *b)
{
	struct idvec chain = {0};
	size_t i, k;

	for (i = 0; i < b->pkgs.len; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (!graph_chain_to(&b->graph, b->pkgs.v[i].root, &chain))
			continue;
		for (k = 0; k < chain.len; k++)
			strbuf_addf(&sb, "%s%s", k ? "\n" : "",
				    graph_name(&b->graph, chain.v[k]));
		b->pkgs.v[i].why = strbuf_detach(&sb, NULL);
	}
	free(chain.v);
}

/* Text as a JSON string's body, the form of a map's sourcesContent. */
static char *json_escape_text(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			strbuf_addf(&sb, "\\%c", c);
		else if (c == '\n')
			strbuf_addstr(&sb, "\\n");
		else if (c < 0x20)
			strbuf_addf(&sb, "\\u%04x", c);
		else
			strbuf_addch(&sb, (char)c);
	}
	return strbuf_detach(&sb, NULL);
}

/* DIR/REL's text (then REL's from the current directory, when REL is
 * relative and DIR not empty) into text; -1 when it is no regular file
 * there. */
static int read_beside(const char *dir, const char *rel, struct strbuf *text)
{
	struct strbuf p = STRBUF_INIT;
	int pass, fd, ret = -1;
	struct stat st;

	for (pass = 0; pass < 2 && ret < 0; pass++) {
		if (pass == 1 && (*rel == '/' || !*dir))
			break;
		strbuf_reset(&p);
		if (pass == 0 && *rel != '/')
			strbuf_addstr(&p, dir);
		strbuf_addstr(&p, rel);
		fd = open(p.buf, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		strbuf_reset(text);
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) &&
		    strbuf_read_fd(text, fd, p.buf) == 0)
			ret = 0;
		close(fd);
	}
	strbuf_release(&p);
	return ret;
}

/* DIR/SRC (then SRC from the current directory) as a JSON string body,
 * or NULL when it is no regular file there. */
static char *read_source(const char *dir, const char *src)
{
	struct strbuf text = STRBUF_INIT;
	char *ret = NULL;

	if (!read_beside(dir, src, &text))
		ret = json_escape_text(text.buf, text.len);
	strbuf_release(&text);
	return ret;
}

/*
 * A map without sourcesContent (webpack's nosources-source-map, null
 * entries) leaves the findings that read the sources (CommonJS, barrel
 * files, class names in scripts) blind: read the sources from disk,
 * where the build left them, as packages' versions are.
 */
static void read_missing_sources(struct bundle *b)
{
	size_t i, j;

	for (i = 0; i < b->assets.len; i++) {
		struct bundle_asset *a = &b->assets.v[i];
		char *dir;

		if (strcmp(a->from, "source map") || !a->map_path)
			continue;
		dir = map_dir(a);
		for (j = 0; j < a->ent.len; j++) {
			struct bundle_entry *e = &a->ent.v[j];

			if (!e->content && e->path[0] != '[')
				e->content = read_source(dir, e->path);
		}
		free(dir);
	}
}

void bundle_analyze(struct bundle *b)
{
	read_missing_sources(b);
	find_packages(b);
	find_chains(b);
	find_duplicates(b);
	bundle_find(b);
}
