/*
 * libFuzzer target: the VLQ "mappings" decoder, source map JSON (plain and
 * index maps) and the attribution of a generated file's bytes.  The input
 * is "CODE\0MAP": MAP is a whole source map when it starts with '{', else
 * a mappings string over 4 sources.  Whatever the input, every byte of
 * CODE is credited exactly once (asserted).
 */
#include "core/compat.h"
#include "bundle/bundle.h"
#include "bundle/sourcemap.h"
#include "core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *fake[] = {"a", "b", "c", "d"};
	static char *none[4];
	const char *nul = memchr(data, 0, size), *map;
	struct sourcemap sm = SOURCEMAP_INIT;
	struct bundle_asset a = {0};
	struct sm_comment c;
	size_t codelen, maplen, i;
	uint64_t sum = 0;
	int has_c;

	error_set_quiet(1);
	codelen = nul ? (size_t)(nul - (const char *)data) : size;
	map = nul ? nul + 1 : "";
	maplen = nul ? size - codelen - 1 : 0;
	if (maplen && *map == '{') {
		sourcemap_parse(&sm, map, maplen, "fuzz");
	} else {
		sourcemap_decode_mappings(&sm, map, maplen, 0, 0, 0, 4, "fuzz");
		sm.sources = fake;
		sm.contents = none;
		sm.nsources = 4;
	}
	a.code = xmalloc(codelen + 1);
	memcpy(a.code, data, codelen);
	a.len = a.bytes = codelen;
	intern_init(&a.names);
	has_c = sourcemap_find_comment(a.code, a.len, &c);
	if (has_c)
		assert(c.start < c.end && c.end <= a.len);
	bundle_attribute(&a, &sm, has_c ? &c : NULL, 1);
	for (i = 0; i < a.ent.len; i++) {
		sum += a.ent.v[i].bytes;
		assert(a.ent.v[i].text.len == a.ent.v[i].bytes);
		free(a.ent.v[i].path);
		free(a.ent.v[i].content);
		strbuf_release(&a.ent.v[i].text);
	}
	assert(sum == codelen);
	VEC_RELEASE(&a.ent);
	intern_release(&a.names);
	free(a.code);
	if (sm.sources == fake) {
		sm.sources = NULL;
		sm.contents = NULL;
		sm.nsources = 0;
	}
	sourcemap_release(&sm);
	return 0;
}
