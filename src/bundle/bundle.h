#ifndef PERFOPS_BUNDLE_H
#define PERFOPS_BUNDLE_H

#include <stdint.h>
#include <stdio.h>
#include "core/intern.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "bundle/graph.h"
#include "bundle/sourcemap.h"

/*
 * Front-end bundle analysis: what each byte of a generated .js/.css asset
 * comes from (by its source map), grouped by source, package and
 * directory; exact gzip -9 and brotli -11 sizes of every asset and their
 * estimated shares; duplicate packages and the findings of the size
 * checklist.  A struct bundle owns every asset, entry, package and string
 * it holds; bundle_release() frees them all.
 */

/* The keys of bytes that no source accounts for, as source-map-explorer
 * names them. */
#define BUNDLE_UNMAPPED "[unmapped]"
#define BUNDLE_URL_COMMENT "[sourceMappingURL]"
#define BUNDLE_EOLS "[EOLs]"
#define BUNDLE_NO_SOURCE "[no source]"

enum bundle_sizes {
	BUNDLE_GZIP = 1 << 0,
	BUNDLE_BROTLI = 1 << 1,
};

/* The bytes one source (or special key) contributes to one asset. */
struct bundle_entry {
	char *path;
	uint64_t bytes;
	double gzip, brotli; /* estimated shares of the asset's sizes */
	struct strbuf text;  /* its bytes in order, kept for the estimates */
	char *content;	     /* sourcesContent JSON-escaped, or NULL */
	int pkg;	     /* index into bundle.pkgs, or -1 */
	int ignored;	     /* the map's ignoreList names it: third-party */
};

/* A run of an asset's bytes credited to one entry. */
struct bundle_range {
	size_t start, end;
	int32_t ent; /* index into the asset's ent */
};

struct bundle_asset {
	char *path;
	char *map_path; /* NULL when the asset has no map */
	char *code;	/* the asset's bytes, not NUL-terminated */
	size_t len;
	int code_mapped; /* code is a read-only mapping of the file */
	uint64_t bytes, gzip, brotli;
	VEC(struct bundle_entry) ent;
	struct intern names; /* entry path -> index in ent */
	uint64_t past_end;   /* mappings past the end of their line */
	uint32_t first_past_line, first_past_col;
	uint64_t beyond;    /* mappings below the last line */
	int col_mapped;	    /* some mapping is past column 0 */
	uint32_t long_line; /* the longest line with mappings (1-based) */
	size_t long_len;    /* and its bytes */
	uint32_t nlines;
	int map_comment;   /* it has a sourceMappingURL comment */
	size_t map_inline; /* bytes of an inline data: map's comment, or 0 */
	const char *from;  /* "source map", "esbuild metafile", ... */
	int has_brotli;	   /* .brotli holds the exact size */
	int failed;	   /* the map could not be (fully) read */
	/* Filled when bundle.keep_ranges: every byte's entry, in order. */
	VEC(struct bundle_range) ranges;
};

struct bundle_pkg {
	char *name, *version; /* version "" when unknown */
	char *root;	      /* the install path, up to the name */
	char *why;	      /* the shortest import chain, or NULL */
	uint64_t bytes;
	double gzip, brotli;
	/* BUNDLE_IGNORED: the sources outside node_modules that a map's
	 * ignoreList names, as one package (name and root "[ignored]"). */
	int ignored;
	/* Its package.json: -1 not found, 0 no ES module build, 1 one that
	 * esm says (see bundle_package_esm()). */
	int has_esm;
	char *esm;
};

#define BUNDLE_IGNORED "[ignored]"

struct bundle_dup {
	char *name;
	VEC(int) pkgs; /* indices into bundle.pkgs, largest first */
	uint64_t saving;
};

enum bundle_finding_kind {
	FIND_MOMENT,
	FIND_FULL_LODASH,
	FIND_BARREL_IMPORT,
	FIND_INLINE_DATA_URI,
	FIND_EMBEDDED_FONT,
	FIND_DUPLICATE,
	FIND_UNMINIFIED,
	FIND_SOURCEMAP_SHIPPED,
	FIND_NO_CODE_SPLITTING,
	FIND_CJS_TREE_SHAKING,
	FIND_UNUSED_CSS,
};

/* One unused CSS rule of an unused-css finding. */
struct bundle_css_rule {
	char *selector;
	uint64_t offset, bytes; /* where it starts in the asset, its size */
};

struct bundle_finding {
	enum bundle_finding_kind kind;
	char *message;
	uint64_t bytes;
	VEC(struct bundle_css_rule) rules; /* unused-css: every rule */
};

struct bundle {
	VEC(struct bundle_asset) assets;
	VEC(struct bundle_pkg) pkgs;
	VEC(struct bundle_dup) dups;
	VEC(struct bundle_finding) findings;
	unsigned sizes; /* enum bundle_sizes */
	int threads;
	struct bundle_graph graph; /* from --stats or --metafile */
	int no_estimates;	   /* whole assets only: no per-source shares */
	/* The .html files under the directories read: scanned for the class
	 * names the CSS "never used" finding looks for. */
	VEC(char *) pages;
	/* Keep each asset's ranges (for budgets that leave packages out). */
	int keep_ranges;
};

/* Sizes: all; threads: 1. */
void bundle_init(struct bundle *b);
void bundle_release(struct bundle *b);
/* A new, empty asset named path (for assets that come from a metafile or
 * stats rather than a file and its map). */
struct bundle_asset *bundle_new_asset(struct bundle *b, const char *path);
/* The modules of the graph with a size, as one asset named
 * "PATH (stat sizes)": webpack stats alone, without the emitted files. */
void bundle_add_graph_asset(struct bundle *b, const char *path);

/*
 * Read one asset and attribute its bytes through its map (map_path, or
 * the one sourcemap_load_for() finds when NULL).  An asset without a map
 * is added with all its bytes [unmapped] and a warning.  Returns 0, or -1
 * after reporting a bad map; the asset is then still added with what
 * could be attributed (the rest [unmapped]).  -2: the asset itself could
 * not be read (reported, not added).
 */
int bundle_add_asset(struct bundle *b, const char *path, const char *map_path);

/* Every .js, .mjs, .cjs and .css file under dir (node_modules skipped), in
 * name order.  Returns the worst result of bundle_add_asset(), or -2 when
 * dir holds no asset. */
int bundle_add_dir(struct bundle *b, const char *dir);

/*
 * Attribute code[0..len) by the map sm to a's entries: per generated line
 * each mapping covers its column to the next mapping's column, the last
 * one to the end of the line; columns are UTF-16 units, counted here as
 * UTF-8 bytes; mappings past the end of a line are clamped.  c (may be
 * NULL) is the sourceMappingURL comment.  keep: BUNDLE_KEEP_TEXT fills
 * entry.text, BUNDLE_KEEP_RANGES the asset's ranges.
 * The entries take sm's sourcesContent strings (sm->contents[i] becomes
 * NULL) rather than copies.
 */
struct sourcemap;
struct sm_comment;
enum bundle_keep { BUNDLE_KEEP_TEXT = 1 << 0, BUNDLE_KEEP_RANGES = 1 << 1 };
void bundle_attribute(struct bundle_asset *a, struct sourcemap *sm,
		      const struct sm_comment *c, unsigned keep);

/* The entry named path of a, created with 0 bytes when new. */
struct bundle_entry *bundle_entry(struct bundle_asset *a, const char *path);

/* Exact gzip -9 / brotli -11 sizes of every asset and the estimated shares
 * of every entry, as b->sizes asks, on b->threads threads. */
int bundle_compress(struct bundle *b);
/* gzip -9 (zlib, gzip header) and brotli -11 (22-bit window) sizes. */
uint64_t bundle_gzip_size(const void *data, size_t len);
uint64_t bundle_brotli_size(const void *data, size_t len);

/*
 * A package from a source path: the last node_modules/ segment's name
 * (@scope/name), with pnpm's .pnpm/NAME@VER and yarn's cache zip names for
 * the version.  Returns 1 and fills the lengths of the install root (up
 * to the end of the name) and the name (at path + name_off), and version
 * (a new string, "" when the path does not tell), else 0.
 */
int bundle_package_of(const char *path, size_t *root_len, size_t *name_off,
		      size_t *name_len, char **version);

/*
 * Whether a package.json (its text) names an ES module build, as bundlers
 * pick one: "module", an "import" (or "module") condition in "exports" (or
 * a .mjs target there), "type": "module".  Returns 1 with *where a new
 * string saying which ("module": "es/index.js"), 0 when it names none,
 * -1 when the text is no JSON object.
 */
int bundle_package_esm(const char *pkg_json, char **where);

/* Packages, duplicates and findings from the attributed assets; dir is
 * where relative source paths are resolved to find package.json files
 * (NULL: each map's own directory). */
void bundle_analyze(struct bundle *b);

void bundle_write_text(const struct bundle *b, FILE *fp);
/* Read back a report of `perfops bundle --json` (assets with their
 * sources, packages), for bundle diff; reports errors. */
int bundle_load_json(struct bundle *b, const char *path);
/* What grew and shrank from old to new, by asset, package and source, as
 * text or Markdown; the args are the names the sides were given as. */
void bundle_write_diff(const struct bundle *old, const char *old_arg,
		       const struct bundle *new, const char *new_arg,
		       int markdown, FILE *fp);

/* Whether a and b are the same name but for a content hash (a segment of
 * 6 or more hex, base32 or base64url characters between '.', '-' or '/'
 * with a digit or a capital, of one length): main.3f2a1c.js and
 * main.9b8e77.js, index-GSI4QWDU.js and index-5XZ2KQ4N.js. */
int bundle_names_differ_by_hash(const char *a, const char *b);

/* A self-contained HTML page: a zoomable treemap (asset > package >
 * directory > source; raw, gzip, brotli) and the findings. */
void bundle_write_html(const struct bundle *b, FILE *fp);

/* bs (may be NULL) adds "budgets". */
struct budgets;
void bundle_write_json(const struct bundle *b, const struct budgets *bs,
		       FILE *fp);

const char *bundle_finding_name(enum bundle_finding_kind k);
/* "findings": [...] as --json and the treemap page write it. */
struct json_writer;
void bundle_write_findings_json(const struct bundle *b, struct json_writer *w);

/* The checklist's findings over analyzed assets and packages
 * (findings.c); bundle_add_finding() appends one. */
void bundle_find(struct bundle *b);
/* unused-css: per CSS asset, the style rules whose selectors name only
 * classes and ids that no script, page or script source mentions
 * (unused-css.c). */
void bundle_find_unused_css(struct bundle *b);
void bundle_add_finding(struct bundle *b, enum bundle_finding_kind k,
			uint64_t bytes, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "12.3 kB" (kB = 1000 B), for messages. */
const char *bundle_kb(uint64_t bytes, char buf[32]);

#endif
