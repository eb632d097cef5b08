#ifndef PERFOPS_SOURCEMAP_H
#define PERFOPS_SOURCEMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Source Map v3 (ECMA-426) reading: the base64 VLQ "mappings" decoder,
 * plain and index maps ("sections"), and finding the map of a generated
 * file (its last sourceMappingURL comment, a data: URL, or FILE.map).
 * Only what attribution needs is kept: for every segment its generated
 * line and column (UTF-16 code units) and its source.  A struct sourcemap
 * owns its sources array, every string in it and its segments;
 * sourcemap_release() frees them all.
 */

#define SM_NO_SOURCE (-1) /* a 1-field segment: generated code, no source */

struct sm_segment {
	uint32_t line; /* 0-based generated line */
	uint32_t col;  /* 0-based generated column, UTF-16 code units */
	int32_t src;   /* index into sources[], or SM_NO_SOURCE */
};

struct sourcemap {
	char **
	    sources; /* sourceRoot joined, webpack://NS/ stripped, normalized */
	char **contents; /* sourcesContent[i] JSON-escaped, or NULL */
	/* ignored[i]: the map's "ignoreList" (or the older
	 * "x_google_ignoreList") names source i as third-party code. */
	unsigned char *ignored;
	size_t nsources;
	struct sm_segment *seg; /* sorted by (line, col), stable */
	size_t nseg, aseg;
};

#define SOURCEMAP_INIT                                                         \
	{                                                                      \
		0                                                              \
	}

void sourcemap_release(struct sourcemap *sm);

/*
 * Decode one base64 VLQ value at *p (not past end) into *out and advance
 * *p.  Returns 0, or -1 with *p at the offending character: a character
 * outside the base64 alphabet, a value of 2^31 or more, or a value cut off
 * by the end (*p == end then).  why (if not NULL) says which.
 */
int vlq_decode(const char **p, const char *end, int32_t *out, const char **why);

/*
 * Decode a "mappings" string and append its segments to sm, their lines
 * shifted by line_off, the columns of their first line by col_off, and
 * their sources by src_off (nsrc sources belong to this map).  On a bad
 * segment reports "NAME: mappings: ... at offset N (generated line L)"
 * and returns -1; the segments before it stay in sm.
 */
int sourcemap_decode_mappings(struct sourcemap *sm, const char *s, size_t len,
			      uint32_t line_off, uint32_t col_off,
			      int32_t src_off, size_t nsrc, const char *name);

/*
 * Parse a source map (plain or index) from JSON text; name is for
 * messages.  Returns 0, or -1 after reporting the problem; sm then holds
 * what could be read (sources, segments before a bad one) and must still
 * be released.
 */
int sourcemap_parse(struct sourcemap *sm, const char *json, size_t len,
		    const char *name);

/* The JSON reading of sourcemap_parse() (smjson.c), without the sort. */
int sourcemap_parse_json(struct sourcemap *sm, const char *json, size_t len,
			 const char *name);
/* A JSON-escaped string (a sourcesContent item) decoded; caller frees. */
char *sourcemap_unescape(const char *raw);
/* sources[i] as a path: sourceRoot joined, webpack://NS/ stripped,
 * normalized (a URL as browsers resolve it); "[no source]" for a null one.  The
 * caller frees it. */
char *sourcemap_source_path(const char *root, const char *src);

/* The sourceMappingURL comment of a generated file. */
struct sm_comment {
	size_t start, end; /* the comment's bytes, trimmed, in the file */
	const char *url;   /* points into the file; url_len bytes */
	size_t url_len;
};

/*
 * Find the last `//# sourceMappingURL=URL` (or `//@`, or CSS's
 * `/\*# sourceMappingURL=URL *\/`) that ends its line.  Returns 1 and fills
 * c when there is one, else 0.
 */
int sourcemap_find_comment(const char *code, size_t len, struct sm_comment *c);

/*
 * A file's bytes (not NUL-terminated): a regular file is mapped read-only,
 * as maps and bundles of several megabytes are read once and copying them
 * cost more than the rest of reading them; anything else is read.
 * sm_file_release() unmaps or frees buf.
 */
struct sm_file {
	char *buf;
	size_t len;
	int mapped;
};

#define SM_FILE_INIT                                                           \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* Returns 0, or -1 after reporting "cannot open/read 'PATH'". */
int sm_file_read(struct sm_file *f, const char *path);
void sm_file_release(struct sm_file *f);

/*
 * Load the map of the generated file at path whose sourceMappingURL
 * comment is c (NULL when it has none): the map the comment names (a data:
 * URL, or a file relative to path's directory), else path.map beside it.
 * Fills json (release it) and *map_path (a name for messages, caller
 * frees; "the inline map of 'FILE'" for data: URLs).  Returns 1 when a map
 * was found and read, 0 when there is none, -1 after reporting an
 * unreadable or undecodable one.
 */
int sourcemap_load_for(const char *path, const struct sm_comment *c,
		       struct sm_file *json, char **map_path);

/*
 * Normalize a source path in place: drop "." and empty segments, fold
 * "dir/.." (leading ".." stay), keep a leading "/".
 */
void sourcemap_normalize_path(char *path);

#endif
