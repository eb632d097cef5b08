#include "core/compat.h"
#include "bundle/bundle.h"
#include "bundle/sourcemap.h"
#include "core/error.h"
#include "core/utf8.h"
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define ENT_UNMAPPED (-2)

struct bundle_entry *bundle_entry(struct bundle_asset *a, const char *path)
{
	int added;
	uint32_t id = intern_add(&a->names, path, strlen(path), &added);

	if (added) {
		struct bundle_entry e = {.path = xstrdup(path), .pkg = -1};

		strbuf_init(&e.text, 0);
		VEC_PUSH(&a->ent, e);
	}
	return &a->ent.v[id];
}

struct attrib {
	struct bundle_asset *a;
	struct sourcemap *sm;
	const struct sm_comment *c;
	int keep_text, keep_ranges;
	int32_t *src_ent; /* map source -> entry index, -1 until first use */
	int32_t nosrc_ent, unmapped_ent, url_ent, eol_ent;
};

/* *content (may be NULL) is taken by the entry when it has none. */
static int32_t ent_index(struct attrib *at, int32_t *slot, const char *path,
			 char **content)
{
	if (*slot < 0) {
		struct bundle_entry *e = bundle_entry(at->a, path);

		if (content && *content && !e->content) {
			e->content = *content;
			*content = NULL;
		}
		*slot = (int32_t)(e - at->a->ent.v);
	}
	return *slot;
}

static void add_bytes(struct attrib *at, int32_t ent, size_t s, size_t e)
{
	struct bundle_entry *en = &at->a->ent.v[ent];

	en->bytes += e - s;
	if (at->keep_text)
		strbuf_add(&en->text, at->a->code + s, e - s);
	if (at->keep_ranges) {
		struct bundle_range r = {s, e, ent};

		if (at->a->ranges.len && VEC_LAST(&at->a->ranges).ent == ent &&
		    VEC_LAST(&at->a->ranges).end == s)
			VEC_LAST(&at->a->ranges).end = e;
		else
			VEC_PUSH(&at->a->ranges, r);
	}
}

/* Credit code[s..e) to the mapping src (a source index, SM_NO_SOURCE or
 * ENT_UNMAPPED), minus what lies in the sourceMappingURL comment. */
static void credit(struct attrib *at, int32_t src, size_t s, size_t e)
{
	int32_t ent;

	if (s >= e)
		return;
	if (at->c && s < at->c->end && e > at->c->start) {
		size_t cs = MAX(s, at->c->start), ce = MIN(e, at->c->end);

		credit(at, src, s, cs);
		add_bytes(at,
			  ent_index(at, &at->url_ent, BUNDLE_URL_COMMENT, NULL),
			  cs, ce);
		credit(at, src, ce, e);
		return;
	}
	if (src >= 0) {
		ent = ent_index(at, &at->src_ent[src], at->sm->sources[src],
				&at->sm->contents[src]);
		/* Two sources of one path (two sections): either list does. */
		if (at->sm->ignored && at->sm->ignored[src])
			at->a->ent.v[ent].ignored = 1;
	} else if (src == SM_NO_SOURCE)
		ent = ent_index(at, &at->nosrc_ent, BUNDLE_NO_SOURCE, NULL);
	else
		ent = ent_index(at, &at->unmapped_ent, BUNDLE_UNMAPPED, NULL);
	add_bytes(at, ent, s, e);
}

void bundle_attribute(struct bundle_asset *a, struct sourcemap *sm,
		      const struct sm_comment *c, unsigned keep)
{
	struct attrib at = {.a = a,
			    .sm = sm,
			    .c = c,
			    .keep_text = !!(keep & BUNDLE_KEEP_TEXT),
			    .keep_ranges = !!(keep & BUNDLE_KEEP_RANGES),
			    .nosrc_ent = -1,
			    .unmapped_ent = -1,
			    .url_ent = -1,
			    .eol_ent = -1};
	const char *code = a->code;
	size_t len = a->len, pos = 0, si = 0, i;
	uint32_t line = 0;

	at.src_ent = xmalloc((sm->nsources + 1) * sizeof(int32_t));
	for (i = 0; i < sm->nsources; i++)
		at.src_ent[i] = -1;
	for (;;) {
		const char *nl = memchr(code + pos, '\n', len - pos);
		size_t line_end = nl ? (size_t)(nl - code) : len;
		size_t cend = line_end, b = pos, prev_b = pos;
		uint64_t u16 = 0;
		int32_t prev = ENT_UNMAPPED;

		if (nl && cend > pos && code[cend - 1] == '\r')
			cend--;
		if (si < sm->nseg && sm->seg[si].line == line &&
		    cend - pos > a->long_len) {
			a->long_len = cend - pos;
			a->long_line = line + 1;
		}
		for (; si < sm->nseg && sm->seg[si].line == line; si++) {
			uint32_t col = sm->seg[si].col;

			if (col)
				a->col_mapped = 1;

			/* Walk to the column: a 4-byte character is two
			 * UTF-16 units, an invalid byte one (U+FFFD). */
			while (b < cend && u16 < col) {
				size_t n;
				uint64_t w;

				/* Eight ASCII bytes are eight units: the
				 * usual case, a word at a time. */
				if (col - u16 >= 8 && cend - b >= 8) {
					memcpy(&w, code + b, 8);
					if (!(w & 0x8080808080808080ULL)) {
						b += 8;
						u16 += 8;
						continue;
					}
				}

				/* ASCII, the usual case, without a call. */
				if (!((unsigned char)code[b] & 0x80)) {
					b++;
					u16++;
					continue;
				}
				n = utf8_len(code + b, cend - b);

				u16 += n == 4 ? 2 : 1;
				b += n ? n : 1;
			}
			if (u16 < col && !a->past_end++) {
				a->first_past_line = line + 1;
				a->first_past_col = col;
			}
			credit(&at, prev, prev_b, b);
			prev_b = b;
			prev = sm->seg[si].src;
		}
		credit(&at, prev, prev_b, cend);
		if (line_end + (nl ? 1 : 0) > cend)
			add_bytes(
			    &at, ent_index(&at, &at.eol_ent, BUNDLE_EOLS, NULL),
			    cend, line_end + (nl ? 1 : 0));
		line++;
		if (!nl)
			break;
		pos = line_end + 1;
		/* Skip mappings of lines the walk has passed (none when
		 * sorted). */
		while (si < sm->nseg && sm->seg[si].line < line)
			si++;
	}
	a->nlines = line;
	for (; si < sm->nseg; si++)
		if (sm->seg[si].line >= line)
			a->beyond++;
	free(at.src_ent);
}

static void release_entry(struct bundle_entry *e)
{
	free(e->path);
	free(e->content);
	strbuf_release(&e->text);
}

void bundle_init(struct bundle *b)
{
	memset(b, 0, sizeof(*b));
	b->sizes = BUNDLE_GZIP | BUNDLE_BROTLI;
	b->threads = 1;
	graph_init(&b->graph);
}

struct bundle_asset *bundle_new_asset(struct bundle *b, const char *path)
{
	struct bundle_asset a = {0};

	a.path = xstrdup(path);
	a.from = "source map";
	intern_init(&a.names);
	VEC_PUSH(&b->assets, a);
	return &VEC_LAST(&b->assets);
}

void bundle_add_graph_asset(struct bundle *b, const char *path)
{
	struct strbuf name = STRBUF_INIT;
	struct bundle_asset *a;
	size_t i;

	strbuf_addf(&name, "%s (stat sizes)", path);
	a = bundle_new_asset(b, name.buf);
	a->from = "webpack stats";
	for (i = 0; i < b->graph.mods.len; i++) {
		const struct graph_module *m = &b->graph.mods.v[i];

		if (!m->has_size || !m->size)
			continue;
		bundle_entry(a, graph_name(&b->graph, (uint32_t)i))->bytes +=
		    m->size;
		a->bytes += m->size;
	}
	strbuf_release(&name);
}

void bundle_release(struct bundle *b)
{
	size_t i, j;

	for (i = 0; i < b->assets.len; i++) {
		struct bundle_asset *a = &b->assets.v[i];

		for (j = 0; j < a->ent.len; j++)
			release_entry(&a->ent.v[j]);
		VEC_RELEASE(&a->ent);
		VEC_RELEASE(&a->ranges);
		intern_release(&a->names);
		free(a->path);
		free(a->map_path);
		if (a->code_mapped)
			munmap(a->code, a->len);
		else
			free(a->code);
	}
	VEC_RELEASE(&b->assets);
	graph_release(&b->graph);
	for (i = 0; i < b->pkgs.len; i++) {
		free(b->pkgs.v[i].why);
		free(b->pkgs.v[i].esm);
		free(b->pkgs.v[i].name);
		free(b->pkgs.v[i].version);
		free(b->pkgs.v[i].root);
	}
	VEC_RELEASE(&b->pkgs);
	for (i = 0; i < b->dups.len; i++) {
		free(b->dups.v[i].name);
		VEC_RELEASE(&b->dups.v[i].pkgs);
	}
	VEC_RELEASE(&b->dups);
	for (i = 0; i < b->findings.len; i++) {
		struct bundle_finding *f = &b->findings.v[i];

		free(f->message);
		for (j = 0; j < f->rules.len; j++)
			free(f->rules.v[j].selector);
		VEC_RELEASE(&f->rules);
	}
	VEC_RELEASE(&b->findings);
	for (i = 0; i < b->pages.len; i++)
		free(b->pages.v[i]);
	VEC_RELEASE(&b->pages);
}

/* A line longer than this, mapped by a line-only map, is minified code. */
#define BUNDLE_CHEAP_LINE 1024

/* webpack's eval devtools: each module is a string given to eval(), its
 * sourceURL or sourceMappingURL comment inside the string (escaped, so
 * no comment of the asset's own). */
static int is_eval_build(const char *code, size_t len)
{
	return memmem(code, len, "eval(", 5) &&
	       (memmem(code, len, "//# sourceMappingURL=", 21) ||
		memmem(code, len, "//# sourceURL=", 14));
}

int bundle_add_asset(struct bundle *b, const char *path, const char *map_path)
{
	struct sm_file code = SM_FILE_INIT, json = SM_FILE_INIT;
	struct sourcemap sm = SOURCEMAP_INIT;
	struct sm_comment c;
	struct bundle_asset a = {0};
	char *mp = NULL;
	int ret = 0, r;

	if (sm_file_read(&code, path) < 0)
		return -2;
	a.path = xstrdup(path);
	a.from = "source map";
	a.len = code.len;
	a.bytes = code.len;
	a.code = code.buf;
	a.code_mapped = code.mapped;
	intern_init(&a.names);
	a.map_comment = sourcemap_find_comment(a.code, a.len, &c);
	if (a.map_comment && !map_path && c.url_len > 5 &&
	    !strncmp(c.url, "data:", 5))
		a.map_inline = c.end - c.start;
	if (map_path) {
		mp = xstrdup(map_path);
		r = sm_file_read(&json, map_path) < 0 ? -1 : 1;
	} else {
		r = sourcemap_load_for(path, a.map_comment ? &c : NULL, &json,
				       &mp);
	}
	if (r == 0 && is_eval_build(a.code, a.len)) {
		warning("'%s' was built with an eval devtool (webpack's eval, "
			"eval-source-map, eval-cheap-*): its modules are "
			"strings given to eval(), their maps inside them, "
			"which perfops does not read: its bytes are all "
			"[unmapped]; build with devtool 'source-map' or "
			"'hidden-source-map'",
			path);
	} else if (r == 0) {
		warning("'%s' has no source map (no sourceMappingURL comment, "
			"no '%s.map'): its bytes are all [unmapped]",
			path, path);
	} else if (r < 0 || sourcemap_parse(&sm, json.buf, json.len, mp) < 0) {
		a.failed = 1;
		ret = -1;
	}
	a.map_path = mp;
	bundle_attribute(&a, &sm, a.map_comment ? &c : NULL,
			 (b->sizes && !b->no_estimates ? BUNDLE_KEEP_TEXT : 0) |
			     (b->keep_ranges ? BUNDLE_KEEP_RANGES : 0));
	if (a.beyond) {
		error("'%s' does not match '%s': %llu mappings are below its "
		      "last line (%u): is it the map of another build?",
		      mp, path, (unsigned long long)a.beyond, a.nlines);
		a.failed = 1;
		ret = -1;
	}
	/* A line-only map (webpack's cheap-*) cannot split a minified
	 * line between the modules on it: say so when there is one. */
	if (sm.nseg && !a.col_mapped && a.long_len > BUNDLE_CHEAP_LINE)
		warning("'%s' maps lines, not columns (webpack's cheap-* "
			"devtools): each line is credited whole to the source "
			"of its first mapping, so line %u (%zu bytes, "
			"minified) is not split between its modules; build "
			"with devtool 'source-map' for bytes per source",
			mp, a.long_line, a.long_len);
	if (a.past_end)
		warning("'%s': %llu mappings point past the end of their line "
			"in '%s' (the first at line %u, column %u): each is "
			"counted to the end of the line; if there are many, "
			"the map does not match the file",
			mp, (unsigned long long)a.past_end, path,
			a.first_past_line, a.first_past_col);
	VEC_PUSH(&b->assets, a);
	sourcemap_release(&sm);
	sm_file_release(&json);
	return ret;
}

static int is_asset_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (!strcmp(dot, ".js") || !strcmp(dot, ".mjs") ||
		       !strcmp(dot, ".cjs") || !strcmp(dot, ".css"));
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct strvec {
	char **v;
	size_t len, alloc;
};

static int is_page_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (!strcmp(dot, ".html") || !strcmp(dot, ".htm"));
}

static int collect(const char *dir, struct strvec *out, struct strvec *pages,
		   int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return error_errno("cannot open the directory '%s'", dir);
	while ((de = readdir(d))) {
		struct strbuf p = STRBUF_INIT;
		struct stat st;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "node_modules"))
			continue;
		strbuf_addf(&p, "%s%s%s", dir,
			    dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		if (stat(p.buf, &st) == 0 && S_ISDIR(st.st_mode) && depth < 32)
			collect(p.buf, out, pages, depth + 1);
		else if (S_ISREG(st.st_mode) && is_asset_name(de->d_name))
			VEC_PUSH(out, strbuf_detach(&p, NULL));
		else if (S_ISREG(st.st_mode) && is_page_name(de->d_name))
			VEC_PUSH(pages, strbuf_detach(&p, NULL));
		strbuf_release(&p);
	}
	closedir(d);
	return 0;
}

int bundle_add_dir(struct bundle *b, const char *dir)
{
	struct strvec files = VEC_INIT, pages = VEC_INIT;
	size_t i;
	int ret = 0, r;

	if (collect(dir, &files, &pages, 0) < 0)
		return -2;
	for (i = 0; i < pages.len; i++)
		VEC_PUSH(&b->pages, pages.v[i]);
	VEC_RELEASE(&pages);
	if (!files.len) {
		VEC_RELEASE(&files);
		return error("no .js, .mjs, .cjs or .css file under '%s'", dir),
		       -2;
	}
	qsort(files.v, files.len, sizeof(char *), path_cmp);
	for (i = 0; i < files.len; i++) {
		r = bundle_add_asset(b, files.v[i], NULL);
		if (r < ret)
			ret = r;
		free(files.v[i]);
	}
	VEC_RELEASE(&files);
	return ret;
}
