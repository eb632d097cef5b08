#include "core/compat.h"
#include "core/strbuf.h"
#include "db/plan.h"
#include <ctype.h>
#include <math.h>

/*
 * EXPLAIN's YAML and XML formats hold the JSON format's tree under other
 * syntax (explain.c writes all three from the same calls), so they are
 * turned into JSON text and read by the JSON reader.  Only what explain.c
 * writes is understood: YAML mappings and "- " sequences by indentation,
 * strings in JSON's escaping; XML elements without mixed content.  One
 * JSON line is written per input line, so the JSON reader's line numbers
 * are the input's.
 */

static void add_string(struct strbuf *out, const char *v, size_t len)
{
	size_t i;

	strbuf_addch(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '"' || c == '\\')
			strbuf_addf(out, "\\%c", c);
		else if (c < 0x20)
			strbuf_addf(out, "\\u%04x", c);
		else
			strbuf_addch(out, (char)c);
	}
	strbuf_addch(out, '"');
}

/* A scalar: numbers, true, false and null as they are; with quoted, a
 * string already in quotes (YAML's, in JSON's escaping) as it is;
 * anything else quoted. */
static void add_scalar(struct strbuf *out, const char *v, size_t len,
		       int quoted)
{
	char *end;

	if (quoted && len && v[0] == '"') {
		strbuf_add(out, v, len);
		return;
	}
	if ((len == 4 && !strncmp(v, "true", 4)) ||
	    (len == 5 && !strncmp(v, "false", 5)) ||
	    (len == 4 && !strncmp(v, "null", 4))) {
		strbuf_add(out, v, len);
		return;
	}
	if (len && (isdigit((unsigned char)v[0]) || v[0] == '-')) {
		double d = strtod(v, &end);

		if (end == v + len && isfinite(d)) {
			strbuf_add(out, v, len);
			return;
		}
	}
	add_string(out, v, len);
}

struct yline {
	int indent, item;
	const char *text;
};

struct yaml {
	struct yline *l;
	size_t n, k;
	struct strbuf *out;
	int depth;
};

static void y_block(struct yaml *y, int ind);

/* "Key: value" or "Key:"; a quoted scalar is never a key. */
static const char *y_colon(const char *s)
{
	const char *c;

	if (*s == '"')
		return NULL;
	c = strstr(s, ": ");
	if (c)
		return c;
	c = s + strlen(s);
	return c > s && c[-1] == ':' ? c - 1 : NULL;
}

/* The end of input line k: the JSON line ends with it. */
static void y_next(struct yaml *y)
{
	strbuf_addch(y->out, '\n');
	y->k++;
}

static void y_seq(struct yaml *y, int ind)
{
	int first = 1;

	strbuf_addch(y->out, '[');
	while (y->k < y->n && y->l[y->k].indent == ind && y->l[y->k].item) {
		struct yline *l = &y->l[y->k];

		if (!first)
			strbuf_addch(y->out, ',');
		first = 0;
		/* "- Key: v" opens a mapping whose keys sit 2 further. */
		l->item = 0;
		l->indent = ind + 2;
		if (y_colon(l->text)) {
			y_block(y, ind + 2);
		} else {
			add_scalar(y->out, l->text, strlen(l->text), 1);
			y_next(y);
		}
	}
	strbuf_addch(y->out, ']');
}

static void y_map(struct yaml *y, int ind)
{
	int first = 1;

	strbuf_addch(y->out, '{');
	while (y->k < y->n && y->l[y->k].indent == ind && !y->l[y->k].item) {
		const char *t = y->l[y->k].text, *c = y_colon(t), *v;

		if (!c)
			break; /* the JSON reader names the line */
		if (!first)
			strbuf_addch(y->out, ',');
		first = 0;
		add_string(y->out, t, (size_t)(c - t));
		strbuf_addch(y->out, ':');
		v = c + 1 + strspn(c + 1, " ");
		if (*v) {
			add_scalar(y->out, v, strlen(v), 1);
			y_next(y);
			continue;
		}
		y_next(y);
		if (y->k < y->n &&
		    (y->l[y->k].indent > ind ||
		     (y->l[y->k].indent == ind && y->l[y->k].item)))
			y_block(y, y->l[y->k].indent);
		else
			strbuf_addstr(y->out, "[]"); /* "Triggers: " */
	}
	strbuf_addch(y->out, '}');
}

static void y_block(struct yaml *y, int ind)
{
	/* explain.c nests a few levels per plan node; a hostile input
	 * nests without end. */
	if (++y->depth > 2000) {
		y->k = y->n;
		strbuf_addstr(y->out, "null");
	} else if (y->l[y->k].item) {
		y_seq(y, ind);
	} else {
		y_map(y, ind);
	}
	y->depth--;
}

/* Whether a quoted scalar in JSON's escaping ends with its quote. */
static int quote_ends(const char *v)
{
	size_t i;

	for (i = 1; v[i]; i++) {
		if (v[i] == '\\' && v[i + 1])
			i++;
		else if (v[i] == '"')
			return !v[i + 1];
	}
	return 0;
}

int plan_yaml_line_cut(const char *s)
{
	const char *c;

	s += strspn(s, " ");
	if (s[0] == '-' && (s[1] == ' ' || !s[1]))
		s += 1 + strspn(s + 1, " ");
	else if (!(c = y_colon(s)))
		return 1;
	else
		s = c + 1 + strspn(c + 1, " ");
	return *s == '"' && !quote_ends(s);
}

void plan_yaml_to_json(const char *const *lines, size_t n, struct strbuf *out)
{
	struct yaml y = {.n = n, .out = out};
	size_t i;

	y.l = xcalloc(n + 1, sizeof(*y.l));
	for (i = 0; i < n; i++) {
		const char *s = lines[i];

		y.l[i].indent = (int)strspn(s, " ");
		s += y.l[i].indent;
		if (s[0] == '-' && (s[1] == ' ' || !s[1])) {
			y.l[i].item = 1;
			s += 1 + strspn(s + 1, " ");
		}
		y.l[i].text = s;
	}
	while (y.k < y.n) {
		size_t before = y.k;

		y_block(&y, y.l[y.k].indent);
		if (y.k == before)
			y_next(&y); /* a line the grammar does not know */
	}
	free(y.l);
}

/* XML: explain.c's tags are the JSON keys with '-' for ' ' (and for '/'
 * in "I/O"); lists are <Plans>, <Workers>, <Triggers> and <Item>s. */
struct xml {
	const char *s;
	struct strbuf *out;
	int depth;
};

static void x_space(struct xml *x)
{
	for (; isspace((unsigned char)*x->s); x->s++)
		if (*x->s == '\n')
			strbuf_addch(x->out, '\n');
}

/* Unescape &lt; &gt; &amp; &quot; &apos; into a scalar. */
static void x_text(struct xml *x, const char *b, const char *e)
{
	struct strbuf t = STRBUF_INIT;

	while (b < e) {
		static const char *const ent[][2] = {
		    {"&lt;", "<"},    {"&gt;", ">"},   {"&amp;", "&"},
		    {"&quot;", "\""}, {"&apos;", "'"},
		};
		size_t k;

		for (k = 0; k < ARRAY_SIZE(ent); k++)
			if (!strncmp(b, ent[k][0], strlen(ent[k][0])))
				break;
		if (k < ARRAY_SIZE(ent)) {
			strbuf_addstr(&t, ent[k][1]);
			b += strlen(ent[k][0]);
		} else {
			strbuf_addch(&t, *b++);
		}
	}
	add_scalar(x->out, t.buf, t.len, 0);
	strbuf_release(&t);
}

static void x_key(struct xml *x, const char *name, size_t len)
{
	struct strbuf k = STRBUF_INIT;
	size_t i;

	for (i = 0; i < len; i++)
		strbuf_addch(&k, name[i] == '-' ? ' ' : name[i]);
	if (!strncmp(k.buf, "I O ", 4))
		k.buf[1] = '/';
	add_string(x->out, k.buf, k.len);
	strbuf_release(&k);
}

static int is_list(const char *name, size_t len)
{
	static const char *const lists[] = {"Plans", "Workers", "Triggers",
					    "Grouping-Sets", "Group-Keys"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lists); i++)
		if (strlen(lists[i]) == len && !strncmp(name, lists[i], len))
			return 1;
	return 0;
}

/* One element at x->s ('<' seen): its value into out.  -1 on bad XML. */
static int x_element(struct xml *x)
{
	const char *name, *e;
	size_t nlen;
	int list, first = 1;

	if (*x->s != '<' || ++x->depth > 2000)
		return -1;
	name = ++x->s;
	while (*x->s && !isspace((unsigned char)*x->s) && *x->s != '>' &&
	       *x->s != '/')
		x->s++;
	nlen = (size_t)(x->s - name);
	while (*x->s && *x->s != '>')
		x->s++;
	if (!*x->s)
		return -1;
	if (x->s[-1] == '/') { /* <Empty/> */
		x->s++;
		strbuf_addstr(x->out, is_list(name, nlen) ? "[]" : "\"\"");
		x->depth--;
		return 0;
	}
	x->s++;
	e = x->s;
	x_space(x);
	/* Input cut short: nothing of this element is written, not even an
	 * empty value or the text so far. */
	if (!*x->s)
		return -1;
	if (*x->s == '<' && x->s[1] != '/') {
		/* Children: a list of Items or a known list, else an
		 * object. */
		list = is_list(name, nlen) || !strncmp(x->s, "<Item>", 6);
		strbuf_addch(x->out, list ? '[' : '{');
		while (*x->s == '<' && x->s[1] != '/') {
			const char *cn = x->s + 1;
			size_t cl = strcspn(cn, " />");

			if (!first)
				strbuf_addch(x->out, ',');
			first = 0;
			if (!list) {
				x_key(x, cn, cl);
				strbuf_addch(x->out, ':');
			}
			if (x_element(x) < 0)
				return -1;
			x_space(x);
		}
		strbuf_addch(x->out, list ? ']' : '}');
	} else if (*x->s == '<') {
		strbuf_addstr(x->out, is_list(name, nlen) ? "[]" : "\"\"");
	} else {
		x->s = e;
		while (*x->s && *x->s != '<')
			x->s++;
		if (!*x->s)
			return -1;
		x_text(x, e, x->s);
	}
	if (strncmp(x->s, "</", 2) || strncmp(x->s + 2, name, nlen) ||
	    x->s[2 + nlen] != '>')
		return -1;
	x->s += 3 + nlen;
	x->depth--;
	return 0;
}

int plan_xml_to_json(const char *const *lines, size_t n, struct strbuf *out)
{
	struct strbuf all = STRBUF_INIT;
	struct xml x = {.out = out};
	int ret = -1, first, any = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		strbuf_addstr(&all, lines[i]);
		strbuf_addch(&all, '\n');
	}
	x.s = all.buf;
	x_space(&x);
	/* <explain xmlns="..."> holds the <Query>s: a JSON array; in
	 * auto_explain's log it holds one query's elements directly.  A
	 * paste may hold several: their plans go in one array. */
	strbuf_addch(out, '[');
	while (!strncmp(x.s, "<explain", 8)) {
		int query;

		x.s = strchr(x.s, '>');
		if (!x.s)
			goto out;
		x.s++;
		x_space(&x);
		query = !strncmp(x.s, "<Query>", 7);
		if (any++)
			strbuf_addch(out, ',');
		if (!query)
			strbuf_addch(out, '{');
		first = 1;
		while (*x.s == '<' && x.s[1] != '/') {
			const char *cn = x.s + 1;

			if (!first)
				strbuf_addch(out, ',');
			first = 0;
			if (!query) {
				x_key(&x, cn, strcspn(cn, " />"));
				strbuf_addch(out, ':');
			}
			if (x_element(&x) < 0)
				break;
			x_space(&x);
		}
		/* Cut short: the JSON so far, for the JSON reader to
		 * close. */
		if (!*x.s) {
			ret = -2;
			goto out;
		}
		if (!query)
			strbuf_addch(out, '}');
		if (strncmp(x.s, "</explain>", 10))
			goto out;
		x.s += 10;
		x_space(&x);
	}
	strbuf_addch(out, ']');
	ret = *x.s || !any ? -1 : 0;
out:
	strbuf_release(&all);
	return ret;
}
