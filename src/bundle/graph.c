#include "core/compat.h"
#include "bundle/graph.h"
#include "bundle/sourcemap.h"

void graph_init(struct bundle_graph *g)
{
	memset(g, 0, sizeof(*g));
	intern_init(&g->names);
}

void graph_release(struct bundle_graph *g)
{
	size_t i;

	for (i = 0; i < g->mods.len; i++)
		VEC_RELEASE(&g->mods.v[i].imports);
	VEC_RELEASE(&g->mods);
	intern_release(&g->names);
}

uint32_t graph_module(struct bundle_graph *g, const char *path, size_t len)
{
	char *p = xstrndup(path, len);
	int added;
	uint32_t id;

	sourcemap_normalize_path(p);
	id = intern_add(&g->names, p, strlen(p), &added);
	if (added) {
		struct graph_module m = {0};

		m.parent = -1;
		VEC_PUSH(&g->mods, m);
		g->searched = 0;
	}
	free(p);
	return id;
}

void graph_edge(struct bundle_graph *g, uint32_t from, uint32_t to)
{
	if (from != to)
		VEC_PUSH(&g->mods.v[from].imports, to);
}

/* Breadth-first from every entry: parent links give shortest chains. */
static void graph_search(struct bundle_graph *g)
{
	uint32_t *queue = xmalloc((g->mods.len + 1) * sizeof(*queue));
	size_t head = 0, tail = 0, i, k;
	char *seen = xcalloc(g->mods.len + 1, 1);

	for (i = 0; i < g->mods.len; i++) {
		g->mods.v[i].parent = -1;
		if (g->mods.v[i].entry) {
			queue[tail++] = (uint32_t)i;
			seen[i] = 1;
		}
	}
	while (head < tail) {
		uint32_t m = queue[head++];

		for (k = 0; k < g->mods.v[m].imports.len; k++) {
			uint32_t to = g->mods.v[m].imports.v[k];

			if (seen[to])
				continue;
			seen[to] = 1;
			g->mods.v[to].parent = (int32_t)m;
			queue[tail++] = to;
		}
	}
	/* Depth by walking parents is cheap enough for the few chains
	 * asked; mark unreachable modules by a parent of -2. */
	for (i = 0; i < g->mods.len; i++)
		if (!seen[i])
			g->mods.v[i].parent = -2;
	free(seen);
	free(queue);
	g->searched = 1;
}

static const char *from_node_modules(const char *p)
{
	const char *nm = strstr(p, "node_modules/");

	return nm ? nm : p;
}

size_t graph_chain_to(struct bundle_graph *g, const char *root,
		      struct idvec *chain)
{
	const char *r = from_node_modules(root);
	size_t rl = strlen(r), i, best_len = 0;
	int64_t best = -1;

	chain->len = 0;
	if (!g->mods.len)
		return 0;
	if (!g->searched)
		graph_search(g);
	for (i = 0; i < g->mods.len; i++) {
		const char *m = from_node_modules(graph_name(g, (uint32_t)i));
		size_t depth = 1;
		int32_t p;

		/* A module of the package itself, not of one nested in it. */
		if (g->mods.v[i].parent == -2 || strncmp(m, r, rl) ||
		    m[rl] != '/' || strstr(m + rl, "/node_modules/"))
			continue;
		for (p = g->mods.v[i].parent; p >= 0; p = g->mods.v[p].parent)
			depth++;
		if (best < 0 || depth < best_len) {
			best = (int64_t)i;
			best_len = depth;
		}
	}
	if (best < 0)
		return 0;
	VEC_GROW(chain, best_len);
	chain->len = best_len;
	for (i = best_len; i-- > 0;) {
		chain->v[i] = (uint32_t)best;
		best = g->mods.v[best].parent;
	}
	return best_len;
}
