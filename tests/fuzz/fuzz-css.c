/*
 * libFuzzer target: the CSS scanner of the unused-css finding.  Every rule
 * it reports lies inside the input, after the one before, with its
 * selector inside it; deciding whether each selector is used never reads
 * outside the selector (ASan) and never loops.
 */
#include "core/compat.h"
#include "bundle/css.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	size_t len, last_end;
};

/* Every third name is "known", so both answers are exercised. */
static int known(const char *name, size_t n, void *ctx)
{
	(void)ctx;
	return n % 3 == 0 && name[0] != '\0';
}

static void check(const char *css, const struct css_rule *r, void *ctx)
{
	struct state *s = ctx;
	char *sel;

	assert(r->start >= s->last_end);
	assert(r->start <= r->sel_start && r->sel_start <= r->sel_end);
	assert(r->sel_end <= r->end && r->end <= s->len);
	s->last_end = r->end;
	/* A copy of exactly the selector, so ASan sees any overread. */
	sel = xmalloc(r->sel_end - r->sel_start + 1);
	memcpy(sel, css + r->sel_start, r->sel_end - r->sel_start);
	css_selector_used(sel, r->sel_end - r->sel_start, known, NULL);
	free(sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state s = {size, 0};
	char *css = xmalloc(size + 1);

	memcpy(css, data, size);
	css_each_rule(css, size, check, &s);
	css_selector_used(css, size, known, NULL);
	free(css);
	return 0;
}
