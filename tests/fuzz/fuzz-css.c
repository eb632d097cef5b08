/*
 * libFuzzer target: the CSS scanner of the unused-css finding.  Every rule
 * it reports lies inside the input, after the one before, with its
 * selector inside it; deciding whether each selector is used never reads
 * outside the selector (ASan) and never loops.  Every group rule lies
 * inside the input, around its prelude and the rules it counts.
 */
#include "core/compat.h"
#include "bundle/css.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	size_t len, last_end, nrules;
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
	s->nrules++;
	/* A copy of exactly the selector, so ASan sees any overread. */
	sel = xmalloc(r->sel_end - r->sel_start + 1);
	memcpy(sel, css + r->sel_start, r->sel_end - r->sel_start);
	css_selector_used(sel, r->sel_end - r->sel_start, known, NULL);
	free(sel);
}

static void check_group(const char *css, const struct css_group *g, void *ctx)
{
	struct state *s = ctx;

	(void)css;
	assert(g->start == g->pre_start && g->pre_end <= g->end);
	assert(g->end <= s->len && g->end >= s->last_end);
	assert(g->first_rule + g->nrules == s->nrules);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state s = {size, 0, 0};
	char *css = xmalloc(size + 1);

	memcpy(css, data, size);
	css_each_rule_group(css, size, check, check_group, &s);
	css_selector_used(css, size, known, NULL);
	free(css);
	return 0;
}
