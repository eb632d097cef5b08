#include "core/compat.h"
#include "bundle/bundle.h"
#include "bundle/graph.h"
#include "core/error.h"
#include <jansson.h>

/* One asset per JS/CSS output, its bytes credited to inputs as esbuild's
 * bytesInOutput says; what esbuild adds itself (its runtime helpers, the
 * glue between modules) is [unmapped]. */
static void add_output(struct bundle *b, const char *path, json_t *out)
{
	struct bundle_asset *a = bundle_new_asset(b, path);
	json_t *inputs = json_object_get(out, "inputs"), *in;
	const char *name;
	uint64_t sum = 0;
	struct strbuf code = STRBUF_INIT;

	a->from = "esbuild metafile";
	a->bytes = (uint64_t)json_integer_value(json_object_get(out, "bytes"));
	json_object_foreach(inputs, name, in)
	{
		json_int_t n =
		    json_integer_value(json_object_get(in, "bytesInOutput"));
		char *p;

		if (n <= 0)
			continue;
		p = xstrdup(name);
		sourcemap_normalize_path(p);
		bundle_entry(a, p)->bytes += (uint64_t)n;
		sum += (uint64_t)n;
		free(p);
	}
	if (a->bytes > sum)
		bundle_entry(a, BUNDLE_UNMAPPED)->bytes += a->bytes - sum;
	/* The emitted file, when it is there, gives the compressed sizes. */
	if (access(path, R_OK) == 0 && strbuf_read_file(&code, path) == 0 &&
	    code.len == a->bytes) {
		a->len = code.len;
		a->code = strbuf_detach(&code, NULL);
	}
	strbuf_release(&code);
}

static int is_asset_path(const char *p)
{
	const char *dot = strrchr(p, '.');

	return dot && (!strcmp(dot, ".js") || !strcmp(dot, ".mjs") ||
		       !strcmp(dot, ".cjs") || !strcmp(dot, ".css"));
}

int graph_read_esbuild_metafile(struct bundle_graph *g, struct bundle *b,
				const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *inputs, *outputs, *v;
	const char *name;

	if (!root)
		return error("%s: %s", path, jerr.text);
	inputs = json_object_get(root, "inputs");
	outputs = json_object_get(root, "outputs");
	if (!json_is_object(inputs) || !json_is_object(outputs)) {
		json_decref(root);
		return error("'%s' is not an esbuild metafile (no \"inputs\" "
			     "and \"outputs\" objects)",
			     path);
	}
	g->source = "esbuild metafile";
	json_object_foreach(inputs, name, v)
	{
		uint32_t id = graph_module(g, name, strlen(name));
		json_t *imp, *imports = json_object_get(v, "imports");
		size_t i;

		g->mods.v[id].size =
		    (uint64_t)json_integer_value(json_object_get(v, "bytes"));
		g->mods.v[id].has_size = 1;
		json_array_foreach(imports, i, imp)
		{
			const char *to =
			    json_string_value(json_object_get(imp, "path"));

			if (!to ||
			    json_is_true(json_object_get(imp, "external")))
				continue;
			graph_edge(g, id, graph_module(g, to, strlen(to)));
		}
	}
	json_object_foreach(outputs, name, v)
	{
		const char *entry =
		    json_string_value(json_object_get(v, "entryPoint"));

		if (entry)
			g->mods.v[graph_module(g, entry, strlen(entry))].entry =
			    1;
		if (b && is_asset_path(name))
			add_output(b, name, v);
	}
	json_decref(root);
	return 0;
}
