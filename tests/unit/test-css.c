#include "core/compat.h"
#include "bundle/css.h"
#include "core/strbuf.h"
#include <criterion/criterion.h>

/* The selectors of every rule, "|"-separated, and the rules' bytes. */
struct seen {
	struct strbuf sels;
	size_t bytes;
};

static void record(const char *css, const struct css_rule *r, void *ctx)
{
	struct seen *s = ctx;

	if (s->sels.len)
		strbuf_addch(&s->sels, '|');
	strbuf_add(&s->sels, css + r->sel_start, r->sel_end - r->sel_start);
	s->bytes += r->end - r->start;
	cr_assert(r->start <= r->sel_start && r->sel_end <= r->end);
}

static struct seen scan(const char *css)
{
	struct seen s = {STRBUF_INIT, 0};

	css_each_rule(css, strlen(css), record, &s);
	return s;
}

Test(css, rules_inside_groups_but_not_font_face_or_keyframes)
{
	struct seen s = scan(
	    "@charset \"utf-8\";@import url(a.css) screen;@layer base, x;\n"
	    "/* .c{} { */ a { b: c }\n"
	    "@font-face{font-family:x;src:url(x.woff)}\n"
	    "@keyframes k{from{opacity:0}to{opacity:1}}\n"
	    "@media (min-width: 1px) { .m { x: y } @supports (display:grid) "
	    "{ .s{} } }\n"
	    "@layer base { .l { } }\n"
	    ".q::after { content: \"} .fake {\"; }\n"
	    ".e { background: url(\"a}b\") }");

	cr_assert_str_eq(s.sels.buf, "a|.m|.s|.l|.q::after|.e");
	strbuf_release(&s.sels);
}

Test(css, rule_bytes_run_from_the_selector_to_the_brace)
{
	/* ".a{x:y}" 7 bytes, ".b { }" 6; the comment and spaces between are
	 * no rule's. */
	struct seen s = scan(".a{x:y}  /* c */ .b { }\n");

	cr_assert_eq(s.bytes, 7 + 6);
	strbuf_release(&s.sels);
}

Test(css, truncated_and_unbalanced_text_ends_quietly)
{
	struct seen s = scan("} .a{x:y} @media x { .b{ .c");

	cr_assert_str_eq(s.sels.buf, ".a|.b");
	strbuf_release(&s.sels);
	s = scan(".a{content:\"unterminated");
	cr_assert_str_eq(s.sels.buf, ".a");
	strbuf_release(&s.sels);
	s = scan("/* never closed .a{}");
	cr_assert_eq(s.sels.len, 0);
	strbuf_release(&s.sels);
}

/* Names known to the test: "btn", "md:flex", "10", "w-1/2", "caf\xc3\xa9". */
static int known(const char *name, size_t n, void *ctx)
{
	static const char *const names[] = {"btn", "md:flex", "10", "w-1/2",
					    "caf\xc3\xa9"};
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strlen(names[i]) == n && !memcmp(names[i], name, n))
			return 1;
	return 0;
}

static int used(const char *sel)
{
	return css_selector_used(sel, strlen(sel), known, NULL);
}

Test(css, selectors_by_their_class_and_id_names)
{
	cr_assert(used("body"), "no class or id: kept");
	cr_assert(used("a[href$=\".pdf\"]::after"));
	cr_assert(used("input:focus-visible"));
	cr_assert(used(".btn"));
	cr_assert(!used(".nope"));
	cr_assert(!used("#ghost"));
	cr_assert(used(".nope .btn"), "any of its names mentioned keeps it");
	cr_assert(used(".nope, div"), "one selector of the list kept");
	cr_assert(!used(".nope, #ghost > .x"));
	cr_assert(!used("[class=\"btn\"] .nope"),
		  "attribute values name nothing");
}

Test(css, escapes_and_not)
{
	cr_assert(used(".md\\:flex"));
	cr_assert(used(".w-1\\/2"));
	cr_assert(used(".\\31 0"), "a hex escape and its space");
	cr_assert(used(".caf\\e9"), "a hex escape to UTF-8");
	cr_assert(used(".caf\xc3\xa9"));
	cr_assert(!used(".md\\:hidden"));
	cr_assert(used("div:not(.nope)"), "names in :not() are not needed");
	cr_assert(!used(".x:not(.btn)"));
	cr_assert(used(":is(.nope, .btn) a"));
	cr_assert(used("li:nth-child(2n+1)"));
	cr_assert(used(""));
}

/* The groups, "|"-separated: "prelude bytes first+nrules other". */
static void record_group(const char *css, const struct css_group *g, void *ctx)
{
	struct strbuf *sb = ctx;

	if (sb->len)
		strbuf_addch(sb, '|');
	strbuf_add(sb, css + g->pre_start, g->pre_end - g->pre_start);
	strbuf_addf(sb, " %zu %zu+%zu %d", g->end - g->start, g->first_rule,
		    g->nrules, g->other);
	cr_assert(g->start == g->pre_start && g->pre_end <= g->end);
}

static void no_rule(const char *css, const struct css_rule *r, void *ctx)
{
	(void)css;
	(void)r;
	(void)ctx;
}

Test(css, groups_after_their_rules_with_what_else_they_hold)
{
	struct strbuf sb = STRBUF_INIT;
	/* "@supports (x) { .b{} }" is 22 bytes, the @media around it 44;
	 * "@media y{@keyframes k{}.c{}}" 28; "@media z {}" 11. */
	const char *css = ".a{}@media print { .b{} @supports (x) { .b{} } }\n"
			  "@media y{@keyframes k{}.c{}}@media z {}"
			  "@layer l{@import x;.d{}}";

	cr_assert_eq(
	    css_each_rule_group(css, strlen(css), no_rule, record_group, &sb),
	    5);
	cr_assert_str_eq(sb.buf, "@supports (x) 22 2+1 0|"
				 "@media print 44 1+2 0|"
				 "@media y 28 3+1 1|"
				 "@media z 11 4+0 0|"
				 "@layer l 24 4+1 1");
	strbuf_release(&sb);
}
