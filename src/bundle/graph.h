#ifndef PERFOPS_BUNDLE_GRAPH_H
#define PERFOPS_BUNDLE_GRAPH_H

#include <stdint.h>
#include "core/intern.h"
#include "core/vec.h"

/*
 * The module graph a bundler reports (webpack's stats.json, esbuild's
 * metafile): each module's path (relative to the bundler's working
 * directory, normalized), its size, and who imports it, to answer "why is
 * this included" with the shortest import chain from an entry.  The graph
 * owns its modules and their import lists; graph_release() frees them.
 */
struct graph_module {
	uint64_t size; /* stat size (webpack) or bytes (esbuild input) */
	int entry;     /* an entry point */
	int has_size;  /* a size was given (not just a name in an import) */
	VEC(uint32_t) imports; /* modules it imports */
	int32_t parent;	       /* on a shortest chain from an entry, -1: none */
};

struct bundle_graph {
	VEC(struct graph_module) mods;
	struct intern names; /* module path -> id */
	const char *source;  /* "webpack stats", "esbuild metafile", NULL */
	int searched;
};

void graph_init(struct bundle_graph *g);
void graph_release(struct bundle_graph *g);
/* The id of the module at path (normalized here), created when new. */
uint32_t graph_module(struct bundle_graph *g, const char *path, size_t len);
void graph_edge(struct bundle_graph *g, uint32_t from, uint32_t to);
static inline const char *graph_name(const struct bundle_graph *g, uint32_t id)
{
	return g->names.keys[id].s;
}

/*
 * The shortest import chain from an entry to the nearest module whose path,
 * from its first "node_modules/" on, starts with the same part of root
 * followed by '/' (so "../node_modules/x" in a map matches
 * "node_modules/x/i.js" in stats).  Fills chain with ids, entry first;
 * returns its length, 0 when no module matches or none is reachable.
 */
struct idvec {
	uint32_t *v;
	size_t len, alloc;
};
size_t graph_chain_to(struct bundle_graph *g, const char *root,
		      struct idvec *chain);

/*
 * Read webpack's stats.json as a stream (yajl): bounded memory whatever the
 * size of the file, since only module names, sizes, reasons and chunks are
 * kept.  Reports errors (with the byte offset) and returns -1; what was
 * read before stays in g.
 */
int graph_read_webpack_stats(struct bundle_graph *g, const char *path);
/* The same from a buffer (for the fuzz target). */
int graph_parse_webpack_stats(struct bundle_graph *g, const char *data,
			      size_t len, const char *name);

/* Read esbuild's metafile (jansson); fills g, and (if b is not NULL) one
 * asset per output with esbuild's bytesInOutput per input. */
struct bundle;
int graph_read_esbuild_metafile(struct bundle_graph *g, struct bundle *b,
				const char *path);

#endif
