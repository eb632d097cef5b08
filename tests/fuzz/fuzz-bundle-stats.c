/*
 * libFuzzer target: the streaming webpack stats.json reader (yajl), then
 * the shortest-chain search over what it read.
 */
#include "core/compat.h"
#include "bundle/graph.h"
#include "core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_graph g;
	struct idvec chain = {0};

	error_set_quiet(1);
	graph_init(&g);
	graph_parse_webpack_stats(&g, (const char *)data, size, "fuzz");
	graph_chain_to(&g, "node_modules/a", &chain);
	free(chain.v);
	graph_release(&g);
	return 0;
}
