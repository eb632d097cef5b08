#include "core/compat.h"
#include "bundle/css.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include <ctype.h>
#include <strings.h>

/* Nesting deeper than this is skipped whole, not walked. */
#define CSS_MAX_DEPTH 64

static const char *skip_comment(const char *p, const char *end)
{
	const char *q =
	    p + 2 < end ? memmem(p + 2, end - p - 2, "*/", 2) : NULL;

	return q ? q + 2 : end;
}

static int at_comment(const char *p, const char *end)
{
	return p + 1 < end && p[0] == '/' && p[1] == '*';
}

/* p at a quote: past the closing one; an unescaped newline ends a bad
 * string, as in CSS Syntax. */
static const char *skip_string(const char *p, const char *end)
{
	char q = *p++;

	while (p < end) {
		if (*p == '\\')
			p += p + 1 < end ? 2 : 1;
		else if (*p == q)
			return p + 1;
		else if (*p == '\n')
			return p;
		else
			p++;
	}
	return end;
}

/* Comments, strings and escapes skipped: the next byte that means
 * something to the structure, or end. */
static const char *next_token(const char *p, const char *end)
{
	while (p < end) {
		if (at_comment(p, end))
			p = skip_comment(p, end);
		else if (*p == '"' || *p == '\'')
			p = skip_string(p, end);
		else if (*p == '\\')
			p += p + 1 < end ? 2 : 1;
		else
			return p;
	}
	return end;
}

/* p at '{': past its matching '}', or end. */
static const char *skip_block(const char *p, const char *end)
{
	size_t depth = 0;

	for (p = next_token(p, end); p < end; p = next_token(p, end)) {
		if (*p == '{') {
			depth++;
		} else if (*p == '}') {
			if (!--depth)
				return p + 1;
		}
		p++;
	}
	return end;
}

static int is_name_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c >= 0x80;
}

/* At-rules whose block holds rules rather than declarations. */
static int is_group_rule(const char *name, size_t n)
{
	static const char *const groups[] = {
	    "media", "supports", "layer",	  "container",
	    "scope", "document", "-moz-document", "starting-style",
	};
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(*groups); i++)
		if (strlen(groups[i]) == n && !strncasecmp(name, groups[i], n))
			return 1;
	return 0;
}

struct walk {
	const char *css;
	void (*fn)(const char *css, const struct css_rule *r, void *ctx);
	void (*group)(const char *css, const struct css_group *g, void *ctx);
	void *ctx;
	size_t nrules;
};

static const char *rules(struct walk *w, const char *p, const char *end,
			 int depth, int *other);

/* A group rule from start ('@') with its '{' at brace: its rules, then
 * the group callback; returns past its '}'. */
static const char *group(struct walk *w, const char *start, const char *brace,
			 const char *end, int depth, int *other)
{
	struct css_group g = {0};
	const char *pe = brace, *p;

	while (pe > start && isspace((unsigned char)pe[-1]))
		pe--;
	g.first_rule = w->nrules;
	p = rules(w, brace + 1, end, depth + 1, &g.other);
	g.start = start - w->css;
	g.end = p - w->css;
	g.pre_start = g.start;
	g.pre_end = pe - w->css;
	g.nrules = w->nrules - g.first_rule;
	if (g.other)
		*other = 1;
	if (w->group)
		w->group(w->css, &g, w->ctx);
	return p;
}

/* The rules from p up to the '}' that closes the enclosing block (or
 * end); returns past that '}'.  *other is set when the block holds
 * anything but style rules and groups of them. */
static const char *rules(struct walk *w, const char *p, const char *end,
			 int depth, int *other)
{
	while (p < end) {
		const char *start, *q;

		while (p < end &&
		       (isspace((unsigned char)*p) || at_comment(p, end))) {
			if (at_comment(p, end))
				p = skip_comment(p, end);
			else
				p++;
		}
		if (p >= end)
			return end;
		if (*p == '}')
			return p + 1;
		/* <!-- and --> may stand between rules: no rule. */
		if (end - p >= 4 && !memcmp(p, "<!--", 4)) {
			p += 4;
			continue;
		}
		if (end - p >= 3 && !memcmp(p, "-->", 3)) {
			p += 3;
			continue;
		}
		start = p;
		if (*p == '@') {
			const char *name = ++p;

			while (p < end && is_name_char(*p))
				p++;
			for (q = next_token(p, end);
			     q < end && *q != '{' && *q != ';' && *q != '}';
			     q = next_token(q + 1, end))
				;
			if (q >= end)
				return end;
			if (*q == ';') {
				p = q + 1;
				*other = 1;
			} else if (*q == '}') {
				return q + 1;
			} else if (is_group_rule(name, p - name) &&
				   depth < CSS_MAX_DEPTH) {
				p = group(w, start, q, end, depth, other);
			} else {
				p = skip_block(q, end);
				*other = 1;
			}
			continue;
		}
		/* A style rule: its selector runs to the '{'. */
		for (q = next_token(p, end); q < end && *q != '{' && *q != '}';
		     q = next_token(q + 1, end))
			;
		if (q >= end)
			return end;
		if (*q == '}')
			return q + 1;
		{
			struct css_rule r;
			const char *se = q;

			while (se > start && isspace((unsigned char)se[-1]))
				se--;
			p = skip_block(q, end);
			r.start = start - w->css;
			r.end = p - w->css;
			r.sel_start = start - w->css;
			r.sel_end = se - w->css;
			w->nrules++;
			w->fn(w->css, &r, w->ctx);
		}
	}
	return end;
}

size_t css_each_rule(const char *css, size_t len,
		     void (*fn)(const char *css, const struct css_rule *r,
				void *ctx),
		     void *ctx)
{
	return css_each_rule_group(css, len, fn, NULL, ctx);
}

size_t css_each_rule_group(const char *css, size_t len,
			   void (*fn)(const char *css, const struct css_rule *r,
				      void *ctx),
			   void (*group)(const char *css,
					 const struct css_group *g, void *ctx),
			   void *ctx)
{
	struct walk w = {css, fn, group, ctx, 0};
	const char *p = css, *end = css + len;
	int other = 0;

	/* A stray '}' at the top level ends nothing: go on after it. */
	while (p < end)
		p = rules(&w, p, end, 0, &other);
	return w.nrules;
}

/* A valid escape: a backslash not followed by a newline (or the end). */
static int is_escape(const char *p, const char *end)
{
	return p + 1 < end && p[0] == '\\' && p[1] != '\n' && p[1] != '\r' &&
	       p[1] != '\f';
}

/* An identifier at p, unescaped into out (1 to 6 hex digits and one
 * optional white space, or the character itself); returns past it. */
static const char *read_name(const char *p, const char *end, struct strbuf *out)
{
	strbuf_reset(out);
	while (p < end) {
		if (is_escape(p, end)) {
			unsigned long cp = 0;
			int n = 0;

			p++;
			while (p < end && n < 6 &&
			       isxdigit((unsigned char)*p)) {
				cp = cp * 16 + (isdigit((unsigned char)*p)
						    ? *p - '0'
						    : (*p | 0x20) - 'a' + 10);
				p++;
				n++;
			}
			if (n) {
				/* U+0000 is U+FFFD in CSS. */
				utf8_add_codepoint(out, cp ? cp : 0xfffd);
				if (p < end && strchr(" \t\n\r\f", *p))
					p += (*p == '\r' && p + 1 < end &&
					      p[1] == '\n')
						 ? 2
						 : 1;
			} else {
				strbuf_addch(out, *p++);
			}
		} else if (is_name_char(*p)) {
			strbuf_addch(out, *p++);
		} else {
			break;
		}
	}
	return p;
}

int css_selector_used(const char *sel, size_t len,
		      int (*known)(const char *name, size_t n, void *ctx),
		      void *ctx)
{
	const char *p = sel, *end = sel + len;
	struct strbuf name = STRBUF_INIT;
	long depth = 0, ignore_from = -1;
	int need = 0, hit = 0, kept = 0;

	while (p < end && !kept) {
		char c = *p;

		if (at_comment(p, end)) {
			p = skip_comment(p, end);
		} else if (c == '"' || c == '\'') {
			p = skip_string(p, end);
		} else if (c == '[') {
			/* An attribute selector: its value names nothing. */
			for (p = next_token(p + 1, end); p < end && *p != ']';
			     p = next_token(p + 1, end))
				;
			p += p < end;
		} else if (c == '(') {
			depth++;
			p++;
		} else if (c == ')') {
			if (depth > 0)
				depth--;
			if (ignore_from >= 0 && depth < ignore_from)
				ignore_from = -1;
			p++;
		} else if (c == ',' && depth == 0) {
			kept = !need || hit;
			need = hit = 0;
			p++;
		} else if ((c == '.' || c == '#') && p + 1 < end &&
			   (is_escape(p + 1, end) ||
			    (is_name_char(p[1]) &&
			     (c == '#' || !isdigit((unsigned char)p[1]))))) {
			p = read_name(p + 1, end, &name);
			if (ignore_from < 0 && name.len) {
				need = 1;
				if (!hit && known(name.buf, name.len, ctx))
					hit = 1;
			}
		} else if (c == ':') {
			while (p < end && *p == ':')
				p++;
			p = read_name(p, end, &name);
			if (p < end && *p == '(' && ignore_from < 0 &&
			    !strcasecmp(name.buf, "not"))
				ignore_from = depth + 1;
		} else if (c == '\\') {
			const char *q = read_name(p, end, &name);

			/* A backslash before a newline escapes nothing. */
			p = q > p ? q : p + 1;
		} else {
			p++;
		}
	}
	if (!kept)
		kept = !need || hit;
	strbuf_release(&name);
	return kept;
}
