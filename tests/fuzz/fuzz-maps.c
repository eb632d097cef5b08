/*
 * libFuzzer target: the /proc/PID/maps line parser and the mapping table
 * it fills, which must stay sorted and without overlaps whatever lines
 * come in.
 */
#include "core/compat.h"
#include "sym/maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct sym_maps m;
	size_t i;

	maps_init(&m);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char *line;

		if (!eol)
			eol = end;
		/* One NUL-terminated line, as strbuf_getline() gives it. */
		line = xstrndup(p, (size_t)(eol - p));
		maps_parse_line(&m, line);
		free(line);
		p = eol + 1;
	}
	for (i = 0; i < m.nr; i++) {
		const struct sym_map *x = &m.v[i];

		if (x->start >= x->end || (i && m.v[i - 1].end > x->start))
			abort();
		if (maps_find(&m, x->start) != x ||
		    maps_find(&m, x->end - 1) != x)
			abort();
	}
	maps_release(&m);
	return 0;
}
