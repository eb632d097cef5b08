/*
 * libFuzzer target: the perf map parser.  /tmp/perf-PID.map can be
 * written by any process, so its text is untrusted; every symbol found
 * must cover the address it was found for.
 */
#include "core/compat.h"
#include "sym/symtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so reading past the end is caught. */
	char *text = xmalloc(size ? size : 1);
	struct symtab st;
	size_t i, n;

	memcpy(text, data, size);
	symtab_init(&st);
	n = symtab_parse_perfmap(&st, text, size);
	symtab_sort(&st);
	if (st.nr > n)
		abort();
	for (i = 0; i < st.nr; i++) {
		const struct sym_symbol *s = &st.syms[i];
		uint64_t probe[] = {s->start, s->start + s->size / 2,
				    s->start + s->size - 1};
		size_t k;

		if (i && st.syms[i - 1].start >= s->start)
			abort();
		for (k = 0; k < ARRAY_SIZE(probe); k++) {
			const struct sym_symbol *f =
			    symtab_find(&st, probe[k], 0);

			if (f && (probe[k] < f->start ||
				  probe[k] - f->start >= f->size))
				abort();
		}
	}
	symtab_release(&st);
	free(text);
	return 0;
}
