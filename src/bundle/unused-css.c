#include "core/compat.h"
#include "bundle/bundle.h"
#include "bundle/css.h"
#include "core/error.h"

/*
 * "CSS never used", as PurgeCSS decides it: the words of every script and
 * HTML page of the build (and of the scripts' sources, from
 * sourcesContent) are the names the code can use; a style rule none of
 * whose selectors can match, by css_selector_used(), is never used.  A
 * static scan: a class name the code builds at run time ('btn-' + size)
 * is a word nowhere, so its rules are reported though they are used.
 */

/* Longer words are data (base64, minified blobs), not class names. */
#define MAX_WORD 256

/* Bytes that end a word: white space, quotes and the operators and
 * brackets of JS and HTML around a class name. */
static unsigned char delim[256];

static void init_delims(void)
{
	const char *d = " \t\n\r\f\v\"'`<>=(){};,+!?|&*^%~\\$";

	for (; *d; d++)
		delim[(unsigned char)*d] = 1;
	delim[0] = 1;
}

/* "a.b", "#x", "md:flex" are words, and so are their parts split at
 * ".#:[]/@" (a selector string or a Tailwind variant). */
static void add_word(struct intern *words, const char *w, size_t n)
{
	const char *p = w, *end = w + n;

	while (n && (*w == '.' || *w == '#')) {
		w++;
		n--;
	}
	if (!n || n > MAX_WORD)
		return;
	intern_add(words, w, n, NULL);
	while (p < end) {
		const char *q = p;

		while (q < end && !strchr(".#:[]/@", *q))
			q++;
		if (q > p && (size_t)(q - p) != n)
			intern_add(words, p, q - p, NULL);
		p = q + 1;
	}
}

static void add_words(struct intern *words, const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *q;

		while (p < end && delim[(unsigned char)*p])
			p++;
		for (q = p; q < end && !delim[(unsigned char)*q]; q++)
			;
		if (q > p)
			add_word(words, p, q - p);
		p = q;
	}
}

static int is_style_source(const char *path)
{
	static const char *const ext[] = {".css",  ".scss", ".sass",   ".less",
					  ".styl", ".pcss", ".postcss"};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(ext) / sizeof(*ext); i++)
		if (!strcmp(dot, ext[i]))
			return 1;
	return 0;
}

static int is_css(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot && !strcmp(dot, ".css");
}

/* The words of the scripts, their sources and the pages; returns how many
 * files were scanned. */
static size_t scan_content(const struct bundle *b, struct intern *words)
{
	size_t i, j, n = 0;

	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];

		if (!a->code || is_css(a->path))
			continue;
		add_words(words, a->code, a->len);
		n++;
		for (j = 0; j < a->ent.len; j++) {
			const struct bundle_entry *e = &a->ent.v[j];
			char *text;

			if (!e->content || is_style_source(e->path))
				continue;
			text = sourcemap_unescape(e->content);
			add_words(words, text, strlen(text));
			free(text);
		}
	}
	for (i = 0; i < b->pages.len; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (strbuf_read_file(&sb, b->pages.v[i]) < 0) {
			warning("cannot read '%s': the CSS it uses may be "
				"reported unused",
				b->pages.v[i]);
		} else {
			add_words(words, sb.buf, sb.len);
			n++;
		}
		strbuf_release(&sb);
	}
	return n;
}

static int known(const char *name, size_t n, void *ctx)
{
	return intern_find(ctx, name, n) != INTERN_NONE;
}

#define SHOWN 5

struct unused {
	struct intern *words;
	uint64_t bytes;
	size_t rules, unused, groups;
	struct strbuf shown; /* the first SHOWN selectors */
	/* What can go: unused rules, and the groups that hold only them
	 * (in place of those rules), in order and apart. */
	VEC(struct bundle_css_rule) list;
	VEC(char) used; /* per rule, in walk order */
};

static void check_rule(const char *css, const struct css_rule *r, void *ctx)
{
	struct unused *u = ctx;
	size_t n = r->sel_end - r->sel_start;
	char used =
	    (char)css_selector_used(css + r->sel_start, n, known, u->words);

	u->rules++;
	VEC_PUSH(&u->used, used);
	if (used)
		return;
	{
		struct bundle_css_rule x = {xstrndup(css + r->sel_start, n),
					    r->start, r->end - r->start};

		VEC_PUSH(&u->list, x);
	}
	if (u->unused++ < SHOWN) {
		strbuf_addstr(&u->shown, u->shown.len ? ", " : "");
		if (n > 40)
			strbuf_addf(&u->shown, "%.37s...", css + r->sel_start);
		else
			strbuf_add(&u->shown, css + r->sel_start, n);
	}
}

/*
 * A group (@media, @supports, ...) whose rules are all unused goes whole:
 * its prelude and braces are bytes to remove too.  It replaces the rules
 * and inner groups listed for it (the last entries, as it ends after
 * them).  One that holds anything else (@font-face, @keyframes) stays.
 */
static void check_group(const char *css, const struct css_group *g, void *ctx)
{
	struct unused *u = ctx;
	struct bundle_css_rule x;
	size_t i;

	if (!g->nrules || g->other)
		return;
	for (i = g->first_rule; i < g->first_rule + g->nrules; i++)
		if (u->used.v[i])
			return;
	while (u->list.len && VEC_LAST(&u->list).offset >= g->start) {
		if (VEC_LAST(&u->list).selector[0] == '@')
			u->groups--;
		free(VEC_LAST(&u->list).selector);
		u->list.len--;
	}
	x.selector = xstrndup(css + g->pre_start, g->pre_end - g->pre_start);
	x.offset = g->start;
	x.bytes = g->end - g->start;
	VEC_PUSH(&u->list, x);
	u->groups++;
}

void bundle_find_unused_css(struct bundle *b)
{
	struct intern words;
	size_t i, ncss = 0, nscanned;
	char k1[32];

	for (i = 0; i < b->assets.len; i++)
		ncss += b->assets.v[i].code && is_css(b->assets.v[i].path);
	if (!ncss)
		return;
	if (!delim[0])
		init_delims();
	intern_init(&words);
	nscanned = scan_content(b, &words);
	for (i = 0; nscanned && i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];
		struct unused u = {&words, 0,		0,	  0,
				   0,	   STRBUF_INIT, VEC_INIT, VEC_INIT};
		struct strbuf groups = STRBUF_INIT;
		size_t k;

		if (!a->code || !is_css(a->path))
			continue;
		css_each_rule_group(a->code, a->len, check_rule, check_group,
				    &u);
		for (k = 0; k < u.list.len; k++)
			u.bytes += u.list.v[k].bytes;
		if (u.groups)
			strbuf_addf(&groups,
				    ", %zu at-rule block%s that hold%s only "
				    "them included",
				    u.groups, u.groups > 1 ? "s" : "",
				    u.groups > 1 ? "" : "s");
		if (u.unused) {
			bundle_add_finding(
			    b, FIND_UNUSED_CSS, u.bytes,
			    "%s: %zu of its %zu style rules (%s%s) select only "
			    "classes or ids that none of the %zu scripts and "
			    "pages scanned mentions (%s%s): remove them, "
			    "let PurgeCSS drop them at build time, or split "
			    "the CSS per page; a static scan: a class name "
			    "built at run time ('btn-' + size) is missed, "
			    "so check before deleting",
			    a->path, u.unused, u.rules, bundle_kb(u.bytes, k1),
			    groups.buf, nscanned, u.shown.buf,
			    u.unused > SHOWN ? ", ..." : "");
			/* The finding takes the list. */
			VEC_LAST(&b->findings).rules.v = u.list.v;
			VEC_LAST(&b->findings).rules.len = u.list.len;
			VEC_LAST(&b->findings).rules.alloc = u.list.alloc;
		}
		strbuf_release(&u.shown);
		strbuf_release(&groups);
		VEC_RELEASE(&u.used);
	}
	intern_release(&words);
}
