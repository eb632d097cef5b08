#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "db/plan.h"
#include "db/plan-label.h"
#include <math.h>

/*
 * EXPLAIN's text format, as explain.c writes it and as users paste it:
 * first the paste is cleaned (psql frames, the QUERY PLAN header, the
 * "(N rows)" trailer, '+' marks, quotes, hard-wrapped lines), then each
 * line is a node ("->  Name  (cost=...) (actual ...)"), a detail of the
 * last node ("Key: value"), a subplan label ("InitPlan 1 (returns $0)",
 * "SubPlan 2", "CTE name") or a footer ("Planning Time: 0.1 ms").
 */

struct clean_line {
	char *text;
	size_t lineno; /* in the input, from 1 */
};

struct cleaned {
	struct clean_line *lines;
	size_t n, alloc;
	/* A server log with auto_explain plans: the one read (ae_pick-th,
	 * from 1), its line and duration; how many the log holds, and where
	 * the first of the others is. */
	size_t ae_pick, ae_count, ae_line, ae_more, ae_more_line;
	double ae_ms;
	int is_log; /* the first line is a server log's */
	/* psql's '+' ends the last line: the cell goes on past the paste. */
	int cut_plus;
};

static void cleaned_release(struct cleaned *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->lines[i].text);
	free(c->lines);
}

static int is_blank(const char *s)
{
	return !s[strspn(s, " \t")];
}

/* "-----", "+----+", "───┼───" and the like: a table rule. */
static int is_rule(const char *s)
{
	int any = 0;

	while (*s) {
		if (*s == '-' || *s == '+' || *s == '=') {
			any = 1;
			s++;
		} else if (*s == ' ' || *s == '|') {
			s++;
		} else if (!strncmp(s, "\xe2\x94", 2) ||
			   !strncmp(s, "\xe2\x95", 2)) {
			/* U+2500..U+257F, the box-drawing block */
			if (!s[2])
				return 0;
			any = 1;
			s += 3;
		} else {
			return 0;
		}
	}
	return any;
}

/* "(12 rows)" or "(1 row)". */
static int is_trailer(const char *s)
{
	s += strspn(s, " ");
	if (*s++ != '(')
		return 0;
	if (!(*s >= '0' && *s <= '9'))
		return 0;
	s += strspn(s, "0123456789");
	if (!strncmp(s, " rows)", 6))
		s += 6;
	else if (!strncmp(s, " row)", 5))
		s += 5;
	else
		return 0;
	return is_blank(s);
}

static void rstrip(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Remove a leading and trailing frame bar ('|' or U+2502 '│'). */
static void strip_frame(char *s)
{
	size_t lead = strspn(s, " "), n;
	size_t bar = 0;

	if (s[lead] == '|')
		bar = 1;
	else if (!strncmp(s + lead, "\xe2\x94\x82", 3))
		bar = 3;
	if (!bar)
		return;
	memmove(s, s + lead + bar, strlen(s + lead + bar) + 1);
	rstrip(s);
	n = strlen(s);
	if (n && s[n - 1] == '|')
		s[n - 1] = '\0';
	else if (n >= 3 && !strcmp(s + n - 3, "\xe2\x94\x82"))
		s[n - 3] = '\0';
	rstrip(s);
}

#define NL_MARK "\xe2\x86\xb5"	 /* U+21B5, psql's unicode '+' */
#define WRAP_MARK "\xe2\x80\xa6" /* U+2026, psql's unicode '.' */

/* The length of psql's newline mark ('+', or '↵' in its unicode
 * linestyle) ending s; 0 if none. */
static size_t ends_plus(const char *s)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '+')
		return 1;
	if (n >= 3 && !strcmp(s + n - 3, NL_MARK))
		return 3;
	return 0;
}

/* psql marks a cell's line break with '+' at the right edge, right after
 * the text on the widest line. */
static void strip_plus(char *s)
{
	size_t n = strlen(s);

	s[n - ends_plus(s)] = '\0';
	rstrip(s);
}

/* The length of psql's wrap mark ('.', or '…' in unicode) at the end of s,
 * or with at_start at its start; 0 if none.  \pset format wrapped cuts a
 * long line at the column width and marks both sides of the cut. */
static size_t wrap_mark(const char *s, int at_start)
{
	size_t n = strlen(s);

	if (at_start)
		return *s == '.' ? 1 : !strncmp(s, WRAP_MARK, 3) ? 3 : 0;
	if (n && s[n - 1] == '.')
		return 1;
	if (n >= 3 && !strcmp(s + n - 3, WRAP_MARK))
		return 3;
	return 0;
}

/* Characters, not bytes: the width psql laid the table out in. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* psql's expanded display (\x, or \x auto on a wide plan): each line is
 * a record, "-[ RECORD 1 ]----" (or "* Record 1" without border). */
static int is_record_header(const char *s)
{
	const char *r;

	s += strspn(s, " ");
	if (!strncmp(s, "* Record ", 9))
		return 1;
	r = strstr(s, "[ RECORD ");
	return r && r - s <= 6;
}

/* In expanded display a record's line is "QUERY PLAN | text" ("│" in
 * unicode, a space without border): keep the text. */
static void strip_record_label(char *s)
{
	const char *t = s + strspn(s, " ");

	/* The next lines of a multi-line value (a JSON plan) have the
	 * label's width in spaces instead. */
	if (t - s >= 10 &&
	    (!strncmp(t, "| ", 2) || !strncmp(t, "\xe2\x94\x82 ", 4) ||
	     !strcmp(t, "|") || !strcmp(t, "\xe2\x94\x82"))) {
		/* An empty line (a value's last line break) has only the
		 * bar. */
		t += *t == '|' ? (t[1] ? 2 : 1) : (t[3] ? 4 : 3);
		memmove(s, t, strlen(t) + 1);
		return;
	}
	if (strncmp(t, "QUERY PLAN", 10))
		return;
	t += 10;
	if (!strncmp(t, " | ", 3))
		t += 3;
	else if (!strncmp(t, " \xe2\x94\x82 ", 5))
		t += 5;
	else if (*t == ' ')
		t++;
	else
		return;
	memmove(s, t, strlen(t) + 1);
}

/* A line quoted as a CSV cell or a pgAdmin copy: "...", with "" inside. */
static void strip_quotes(char *s)
{
	size_t lead = strspn(s, " "), n = strlen(s), i, o;

	if (n - lead < 2 || s[lead] != '"' || s[n - 1] != '"')
		return;
	s[n - 1] = '\0';
	for (i = lead + 1, o = 0; s[i]; i++) {
		if (s[i] == '"' && s[i + 1] == '"')
			i++;
		s[o++] = s[i];
	}
	s[o] = '\0';
}

/* Parentheses opened and not closed, outside '...' literals. */
static int paren_balance(const char *s)
{
	int depth = 0, quote = 0;

	for (; *s; s++) {
		if (*s == '\'')
			quote = !quote;
		else if (!quote && *s == '(')
			depth++;
		else if (!quote && *s == ')')
			depth--;
	}
	return depth;
}

/* A line wrapped right before a node's cost or actual group. */
static int continues_group(const char *s)
{
	s += strspn(s, " ");
	return !strncmp(s, "(cost=", 6) || !strncmp(s, "(actual ", 8) ||
	       !strncmp(s, "(never executed)", 16);
}

static void clean_add(struct cleaned *c, char *text, size_t lineno)
{
	ALLOC_GROW(c->lines, c->n + 1, c->alloc);
	c->lines[c->n].text = text;
	c->lines[c->n].lineno = lineno;
	c->n++;
}

/*
 * auto_explain's entry in a server log: "<prefix>LOG:  duration: 12.3 ms
 * plan:", then the plan (text or JSON, "Query Text" first) on lines that
 * start with a TAB.  Returns the duration, or -1 for another line.
 */
static double autoexplain_header(const char *s, size_t l)
{
	const char *d;
	char *end;
	double ms;

	if (l < 10 || memcmp(s + l - 7, "  plan:", 7))
		return -1;
	d = memmem(s, l, ":  duration: ", 13);
	if (!d)
		return -1;
	ms = strtod(d + 13, &end);
	if (end == d + 13 || strncmp(end, " ms  plan:", 10) || ms < 0)
		return -1;
	return ms;
}

/* Whether a plan's text starts on s: a node line ("Seq Scan on t
 * (cost=...", "(actual ...", "(never executed)"), a JSON plan, or
 * auto_explain's YAML ("Plan:") or XML. */
static int plan_starts(const char *s)
{
	s += strspn(s, " \t");
	return *s == '{' || *s == '[' || !strncmp(s, "Plan:", 5) ||
	       !strncmp(s, "<explain", 8) || strstr(s, "  (cost=") ||
	       strstr(s, "  (actual ") || strstr(s, "  (never executed)");
}

/* Split data into lines and remove what psql and friends add around a
 * plan.  Quotes and wrapped lines are undone only in text plans. */
static void clean(const char *data, size_t len, struct cleaned *out,
		  int *is_json)
{
	struct cleaned raw = {0};
	size_t pos = 0, lineno = 0, i, plus = 0, all = 0, rule_w = 0;
	size_t wrapped_prev = 0, piece_w = 0; /* the last line's, as read */
	int ae = 0, ae_in = 0, ae_query = 0;
	int seen = 0, expanded = 0;

	/* One multi-line cell (a JSON plan, a text plan in some clients):
	 * most lines end in '+'.  A plan of one row per line has none. */
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (data + pos)) : len - pos;

		/* Past the right frame ('|', or U+2502 in unicode). */
		for (;;) {
			if (l && (data[pos + l - 1] == ' ' ||
				  data[pos + l - 1] == '\r' ||
				  data[pos + l - 1] == '|'))
				l--;
			else if (l >= 3 &&
				 !memcmp(data + pos + l - 3, "\xe2\x94\x82", 3))
				l -= 3;
			else
				break;
		}
		if (!ae && autoexplain_header(data + pos, l) >= 0)
			ae = 1;
		if (!all && l)
			out->is_log = l > 20 &&
				      isdigit((unsigned char)data[pos]) &&
				      data[pos + 4] == '-' &&
				      (memmem(data + pos, l, "LOG:  ", 6) ||
				       memmem(data + pos, l, "ERROR:  ", 8));
		if (l) {
			all++;
			plus +=
			    data[pos + l - 1] == '+' ||
			    (l >= 3 && !memcmp(data + pos + l - 3, NL_MARK, 3));
		}
		pos += l + (nl ? (size_t)(nl - (data + pos)) - l + 1 : 0);
		if (!nl)
			break;
	}
	pos = 0;

	*is_json = 0;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (data + pos)) : len - pos;
		char *s = xstrndup(data + pos, l);

		pos += l + (nl ? 1 : 0);
		lineno++;
		if (ae) {
			/* In a log, only the first auto_explain plan is read:
			 * its TAB-led lines, without the TAB and the query. */
			double ms = autoexplain_header(s, l);

			if (ms >= 0 && ++out->ae_count == out->ae_pick) {
				out->ae_line = lineno;
				out->ae_ms = ms;
				ae_in = ae_query = 1;
			} else if (ms >= 0) {
				if (!out->ae_more++)
					out->ae_more_line = lineno;
				ae_in = 0;
			} else if (ae_in && s[0] == '\t') {
				memmove(s, s + 1, l);
				if (ae_query && !plan_starts(s)) {
					free(s);
					continue;
				}
				ae_query = 0;
			} else {
				ae_in = 0;
			}
			if (!ae_in || ms >= 0) {
				free(s);
				continue;
			}
		}
		for (i = 0; s[i]; i++)
			if (s[i] == '\t' || s[i] == '\r')
				s[i] = s[i] == '\t' ? ' ' : '\0';
		rstrip(s);
		if (!rule_w && is_rule(s))
			rule_w = width(s);
		strip_frame(s);
		if (is_record_header(s)) {
			expanded = 1;
			free(s);
			continue;
		}
		if (expanded)
			strip_record_label(s);
		if (plus * 3 >= all && plus && ends_plus(s)) {
			strip_plus(s);
			/* A table's closing rule ("+----+") is no mark. */
			out->cut_plus = !is_rule(s);
		} else {
			/* A blank line too: a cell that ends with a line
			 * break has an empty last line. */
			out->cut_plus = 0;
		}
		/* The rest of a line \pset format wrapped cut: marked on
		 * both sides with a border, only on the first without (a
		 * first part one wider than the rule). */
		if (raw.n && wrapped_prev) {
			char *prev = raw.lines[raw.n - 1].text;
			size_t pl = strlen(prev) - wrapped_prev, skip;
			char *j;

			if (rule_w && piece_w == rule_w + 1)
				skip = 0;
			else if (!(skip = wrap_mark(s, 1)))
				goto not_wrapped;
			j = xmalloc(pl + strlen(s + skip) + 1);
			memcpy(j, prev, pl);
			memcpy(j + pl, s + skip, strlen(s + skip) + 1);
			free(prev);
			raw.lines[raw.n - 1].text = j;
			wrapped_prev = wrap_mark(j, 0);
			piece_w = width(s);
			free(s);
			continue;
		}
	not_wrapped:
		if (is_blank(s) || is_trailer(s) || is_rule(s) ||
		    !strcmp(s + strspn(s, " "), "QUERY PLAN") ||
		    !strcmp(s + strspn(s, " "), "\"QUERY PLAN\"")) {
			free(s);
			continue;
		}
		if (!seen) {
			const char *f = s + strspn(s, " \"");

			*is_json = *f == '[' || *f == '{' ? PLAN_FMT_JSON
				   : !strncmp(f, "- Plan:", 7) ||
					   !strncmp(f, "Plan:", 5)
				       ? PLAN_FMT_YAML
				   : !strncmp(f, "<explain", 8) ? PLAN_FMT_XML
								: 0;
			seen = 1;
		}
		clean_add(&raw, s, lineno);
		wrapped_prev = wrap_mark(s, 0);
		piece_w = width(s);
	}
	if (*is_json) {
		out->lines = raw.lines;
		out->n = raw.n;
		out->alloc = raw.alloc;
		return;
	}
	for (i = 0; i < raw.n; i++)
		strip_quotes(raw.lines[i].text);
	/* Re-join hard-wrapped lines by parenthesis balance. */
	for (i = 0; i < raw.n; i++) {
		struct strbuf sb = STRBUF_INIT;
		size_t first = i, k = 0;

		strbuf_addstr(&sb, raw.lines[i].text);
		while (i + 1 < raw.n && k < 32 &&
		       ((paren_balance(sb.buf) > 0 &&
			 !strstr(raw.lines[i + 1].text, "->  ")) ||
			continues_group(raw.lines[i + 1].text))) {
			i++;
			k++;
			strbuf_addch(&sb, ' ');
			strbuf_addstr(&sb, raw.lines[i].text +
					       strspn(raw.lines[i].text, " "));
		}
		clean_add(out, strbuf_detach(&sb, NULL),
			  raw.lines[first].lineno);
	}
	cleaned_release(&raw);
}

/* Parse a number at *s and advance; -1 if there is none. */
static int num(const char **s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(*s, &end);
	if (end == *s || errno == ERANGE || !isfinite(*v))
		return -1;
	*s = end;
	return 0;
}

static int expect(const char **s, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*s, lit, n))
		return -1;
	*s += n;
	return 0;
}

/* "(cost=S..T rows=R width=W)" */
static int parse_cost(const char *s, struct plan_node *n)
{
	double w;

	if (expect(&s, "(cost=") || num(&s, &n->startup_cost) ||
	    expect(&s, "..") || num(&s, &n->total_cost) ||
	    expect(&s, " rows=") || num(&s, &n->plan_rows) ||
	    expect(&s, " width=") || num(&s, &w) || expect(&s, ")"))
		return -1;
	n->has_cost = 1;
	return 0;
}

/* "(actual time=a..b rows=N loops=L)", "(actual rows=N loops=L)" or
 * "(never executed)" */
static int parse_actual(const char *s, struct plan_node *n)
{
	n->has_actual = 1;
	if (!strncmp(s, "(never executed)", 16)) {
		n->never_executed = 1;
		return 0;
	}
	if (expect(&s, "(actual "))
		return -1;
	if (!expect(&s, "time=")) {
		if (num(&s, &n->actual_startup_ms) || expect(&s, "..") ||
		    num(&s, &n->actual_total_ms) || expect(&s, " "))
			return -1;
		n->has_timing = 1;
	}
	if (expect(&s, "rows=") || num(&s, &n->rows) || expect(&s, " loops=") ||
	    num(&s, &n->loops) || expect(&s, ")"))
		return -1;
	return 0;
}

static const char *find_group(const char *s, const char *what)
{
	const char *g = strstr(s, what);

	return g;
}

/* A node line without its indentation and arrow: 0, -1 when it is no
 * node, -2 when its cost or actual group is malformed (the node is
 * kept). */
static int parse_node_line(const char *s, struct plan_node *n)
{
	const char *cost = find_group(s, "(cost=");
	const char *act = find_group(s, "(actual ");
	const char *never = find_group(s, "(never executed)");
	const char *end = s + strlen(s);
	int ret;

	if (cost && cost < end)
		end = cost;
	if (act && act < end)
		end = act;
	if (never && never < end)
		end = never;
	if (!never)
		never = act;
	while (end > s && end[-1] == ' ')
		end--;
	if (end == s)
		return -1;
	/* A line with neither group must name a node type PostgreSQL has
	 * (COSTS OFF without ANALYZE), so that a stray line is no node. */
	if (!plan_label_parse(n, s, (size_t)(end - s)) && !cost && !never) {
		plan_node_clear(n);
		return -1;
	}
	/* Each group is read even when the other is malformed. */
	ret = cost && parse_cost(cost, n) < 0 ? -2 : 0;
	if (never && parse_actual(never, n) < 0)
		ret = -2;
	return ret;
}

static char *dup_value(const char *s)
{
	return xstrdup(s + strspn(s, " "));
}

static void add_cond(struct plan_node *n, const char *text)
{
	struct strbuf sb = STRBUF_INIT;

	if (n->conds) {
		strbuf_addstr(&sb, n->conds);
		strbuf_addch(&sb, '\n');
		free(n->conds);
	}
	strbuf_addstr(&sb, text);
	n->conds = strbuf_detach(&sb, NULL);
}

/* "shared hit=1 read=2 dirtied=3 written=4, local ..., temp read=5
 * written=6"; returns -1 on something else. */
int plan_parse_buffers(const char *s, struct plan_buffers *b)
{
	uint64_t *hit = NULL, *rd = NULL, *dirt = NULL, *wr = NULL;

	while (*s) {
		double v;

		s += strspn(s, " ,");
		if (!*s)
			break;
		if (!expect(&s, "shared ")) {
			hit = &b->shared_hit, rd = &b->shared_read;
			dirt = &b->shared_dirtied, wr = &b->shared_written;
		} else if (!expect(&s, "local ")) {
			hit = &b->local_hit, rd = &b->local_read;
			dirt = &b->local_dirtied, wr = &b->local_written;
		} else if (!expect(&s, "temp ")) {
			hit = NULL, rd = &b->temp_read;
			dirt = NULL, wr = &b->temp_written;
		}
		if (!rd)
			return -1;
		if (!expect(&s, "hit=") && hit) {
			if (num(&s, &v))
				return -1;
			*hit = plan_u64(v);
		} else if (!expect(&s, "read=")) {
			if (num(&s, &v))
				return -1;
			*rd = plan_u64(v);
		} else if (!expect(&s, "dirtied=") && dirt) {
			if (num(&s, &v))
				return -1;
			*dirt = plan_u64(v);
		} else if (!expect(&s, "written=")) {
			if (num(&s, &v))
				return -1;
			*wr = plan_u64(v);
		} else {
			return -1;
		}
	}
	return 0;
}

/* The number after key in s (e.g. "Batches: "), or -1 when absent. */
static double num_after(const char *s, const char *key)
{
	const char *k = strstr(s, key);
	double v;

	if (!k)
		return -1;
	k += strlen(key);
	return num(&k, &v) ? -1 : v;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static const char *const cond_keys[] = {
    "Filter: ",	    "Index Cond: ",    "Recheck Cond: ",    "Hash Cond: ",
    "Merge Cond: ", "Join Filter: ",   "One-Time Filter: ", "TID Cond: ",
    "Order By: ",   "Cache Key: ",     "Output: ",	    "Group Key: ",
    "Sort Key: ",   "Presorted Key: ", "Run Condition: ",   NULL,
};

/* VERBOSE's "Worker 1:  actual time=a..b rows=N loops=L" (or "actual
 * rows=N loops=L" with TIMING OFF): 1 when s is one and was added to n,
 * 0 when s is another line, -1 when its figures are malformed. */
static int parse_worker(const char *s, struct plan_node *n)
{
	struct plan_worker w = {0};
	double num_v;

	if (expect(&s, "Worker ") || num(&s, &num_v) || expect(&s, ":"))
		return 0;
	s += strspn(s, " ");
	if (expect(&s, "actual "))
		return 0;
	w.num = plan_int(num_v);
	if (!expect(&s, "time=") &&
	    (num(&s, &w.startup_ms) || expect(&s, "..") ||
	     num(&s, &w.total_ms) || expect(&s, " ")))
		return -1;
	if (expect(&s, "rows=") || num(&s, &w.rows) || expect(&s, " loops=") ||
	    num(&s, &w.loops))
		return -1;
	plan_add_worker(n, &w);
	return 1;
}

/* A detail line of node n; -1 when it is no "Key: value". */
static int parse_detail(const char *s, struct plan_node *n)
{
	const char *sm;
	double v;
	int i;

	if ((i = parse_worker(s, n)) != 0)
		return i < 0 ? -1 : 0;

	for (i = 0; cond_keys[i]; i++) {
		if (starts(s, cond_keys[i])) {
			const char *val = s + strlen(cond_keys[i]);

			if (!strcmp(cond_keys[i], "Filter: ") && !n->filter)
				n->filter = dup_value(val);
			if (!strcmp(cond_keys[i], "Sort Key: ") && !n->sort_key)
				n->sort_key = dup_value(val);
			add_cond(n, val);
			return 0;
		}
	}
	if (starts(s, "Rows Removed by Filter: "))
		return (n->removed_filter = num_after(s, ": ")) < 0 ? -1 : 0;
	if (starts(s, "Rows Removed by Join Filter: "))
		return (n->removed_join_filter = num_after(s, ": ")) < 0 ? -1
									 : 0;
	if (starts(s, "Rows Removed by Index Recheck: "))
		return (n->removed_recheck = num_after(s, ": ")) < 0 ? -1 : 0;
	if (starts(s, "Buffers: ")) {
		n->has_buffers = 1;
		return plan_parse_buffers(s + 9, &n->buf);
	}
	if (starts(s, "Workers Planned: ")) {
		n->has_workers = 1;
		v = num_after(s, ": ");
		n->workers_planned = plan_int(v);
		return v < 0 ? -1 : 0;
	}
	if (starts(s, "Workers Launched: ")) {
		n->has_workers = 1;
		v = num_after(s, ": ");
		n->workers_launched = plan_int(v);
		return v < 0 ? -1 : 0;
	}
	sm = strstr(s, "Sort Method: ");
	if (sm) {
		const char *e;

		sm += 13;
		e = strstr(sm, "  ");
		if (!n->sort_method && !starts(s, "Worker "))
			n->sort_method = e ? xstrndup(sm, e - sm) : xstrdup(sm);
		if (starts(sm, "external"))
			n->sort_disk = 1;
	}
	if (sm && (v = num_after(sm, "  Disk: ")) >= 0) {
		n->sort_disk = 1;
		if (!starts(s, "Worker "))
			n->sort_space_kb = v;
	} else if (sm && (v = num_after(sm, "  Memory: ")) >= 0 &&
		   !starts(s, "Worker ")) {
		n->sort_space_kb = v;
	}
	if (strstr(s, "Average Disk: ") || strstr(s, "Peak Disk: "))
		n->sort_disk = 1;
	if ((v = num_after(s, "Disk Usage: ")) >= 0 && !starts(s, "Worker "))
		n->disk_usage_kb = v;
	if ((v = num_after(s, "Batches: ")) >= 0 && !starts(s, "Worker ")) {
		n->hash_batches = plan_int(v);
		n->hash_batches_orig = plan_int(v);
		if ((v = num_after(strstr(s, "Batches: "), "(originally ")) >=
		    0)
			n->hash_batches_orig = plan_int(v);
	}
	/* Every other detail (Heap Fetches, Heap Blocks, Hits, Worker N,
	 * I/O Timings, ...) is a "Key: value" line that is shown as is. */
	return strchr(s, ':') ? 0 : -1;
}

static int is_subplan_label(const char *s)
{
	return starts(s, "InitPlan ") || starts(s, "SubPlan ") ||
	       starts(s, "CTE ");
}

static double footer_ms(const char *s)
{
	const char *c = strchr(s, ':');
	double v;

	if (!c)
		return -1;
	c += 1 + strspn(c + 1, " ");
	if (num(&c, &v))
		return -1;
	return v;
}

/* A line at the root's indentation after the tree. */
static int parse_footer(struct plan *p, const char *s)
{
	double v;

	if (starts(s, "Planning Time: ") || starts(s, "Planning time: ")) {
		if ((v = footer_ms(s)) < 0)
			return -1;
		p->planning_ms = v;
		p->has_planning = 1;
	} else if (starts(s, "Execution Time: ") ||
		   starts(s, "Execution time: ") ||
		   starts(s, "Total runtime: ")) {
		if ((v = footer_ms(s)) < 0)
			return -1;
		p->execution_ms = v;
		p->has_execution = 1;
	} else if (starts(s, "Trigger ")) {
		if ((v = num_after(s, "time=")) >= 0)
			p->trigger_ms += v;
	} else if (!strchr(s, ':')) {
		return -1;
	}
	return 0;
}

struct level {
	int node;   /* -1 for a subplan label */
	size_t col; /* where its line starts */
	const char *label;
	int plain; /* children so far that are no InitPlan, SubPlan, CTE */
};

/* Read the plan that starts at line *at of c into p; *at is left where
 * the next plan starts (c->n when none does). */
static int parse_lines(struct plan *p, struct cleaned *c, const char *name,
		       size_t *at)
{
	struct level *stack = NULL;
	size_t nst = 0, alloc = 0, i, root_col = 0;
	size_t worker_col = 0, skipped = 0, nbad = 0, bad[3];
	int cur = -1, in_footer = 0, in_jit = 0, ret = 0;
	/* A log with no plan: one error says so, not a warning a line. */
	int quiet = c->is_log && !c->ae_line;

	for (i = *at; i < c->n; i++) {
		const char *line = c->lines[i].text;
		size_t col = strspn(line, " ");
		const char *s = line + col;
		int arrow = starts(s, "->");
		int is_node = arrow || (p->n == 0 && !in_footer) ||
			      ((strstr(s, "(cost=") || strstr(s, "(actual ")) &&
			       !strchr(s, ':'));

		if (in_footer && col > root_col) {
			/* Inside Planning:, JIT:, Settings: ...; JIT's
			 * "Timing: Generation x ms, ..., Total x ms". */
			if (in_jit && starts(s, "Timing: ") &&
			    strstr(s, "Total ") && num_after(s, "Total ") >= 0)
				p->jit_ms = num_after(s, "Total ");
			continue;
		}
		if (p->n && !arrow && col <= root_col) {
			in_footer = 1;
			in_jit = !strcmp(s, "JIT:");
			if (strstr(s, "(cost=") || strstr(s, "(actual ") ||
			    strstr(s, "(never executed)"))
				break; /* the next plan */
			/* Lines that are no footer may be a session's text
			 * before the next plan: named once it is known. */
			if (parse_footer(p, s) < 0 && nbad++ < 3)
				bad[nbad - 1] = i;
			continue;
		}
		if (in_footer) {
			error("%s:%zu: plan line after the footer: '%.60s'",
			      name, c->lines[i].lineno, s);
			ret = -1;
			continue;
		}
		if (is_node) {
			struct plan_node tmp = {0};
			const char *label = NULL;
			int parent = -1, k, r;

			if (arrow)
				s += 2 + strspn(s + 2, " ");
			while (nst && stack[nst - 1].col >= col)
				nst--;
			if (nst && stack[nst - 1].node < 0)
				label = stack[--nst].label;
			if (nst)
				parent = stack[nst - 1].node;
			if (p->n && parent < 0)
				break; /* the next plan */
			r = parse_node_line(s, &tmp);
			if (r < 0 && !p->n) {
				/* psql's "SET", an echoed query: not yet
				 * the plan. */
				/* A few name the lines; a page of them (a
				 * log, a mail) would bury the rest. */
				if (skipped++ < 3 && !quiet)
					warning("%s:%zu: skipped, not a plan "
						"node: '%.60s'",
						name, c->lines[i].lineno, s);
				plan_node_clear(&tmp);
				nst = 0;
				continue;
			}
			if (r == -1) {
				error("%s:%zu: not a plan node: '%.80s'", name,
				      c->lines[i].lineno, s);
				ret = -1;
				cur = -1;
				continue;
			}
			if (r == -2) {
				error("%s:%zu: cannot read the numbers of this "
				      "plan node: '%.100s'",
				      name, c->lines[i].lineno, s);
				ret = -1;
			}
			k = plan_add_node(p, parent);
			tmp.id = k;
			tmp.parent = parent;
			tmp.depth = p->nodes[k].depth;
			tmp.first_line = (int)c->lines[i].lineno;
			if (parent < 0) {
				root_col = col;
				tmp.rel = PLAN_REL_NONE;
			} else if (label) {
				tmp.subplan = xstrdup(label);
				tmp.rel = starts(label, "InitPlan ")
					      ? PLAN_REL_INITPLAN
					  : starts(label, "SubPlan ")
					      ? PLAN_REL_SUBPLAN
					      : PLAN_REL_CTE;
			} else {
				/* InitPlans and CTEs come before the outer
				 * child in text: they do not count. */
				tmp.rel = stack[nst - 1].plain++ == 0
					      ? PLAN_REL_OUTER
					      : PLAN_REL_INNER;
			}
			p->nodes[k] = tmp;
			ALLOC_GROW(stack, nst + 1, alloc);
			stack[nst].node = k;
			stack[nst].col = col;
			stack[nst].label = NULL;
			stack[nst].plain = 0;
			nst++;
			cur = k;
			worker_col = 0;
			continue;
		}
		if (is_subplan_label(s)) {
			while (nst && stack[nst - 1].col >= col)
				nst--;
			ALLOC_GROW(stack, nst + 1, alloc);
			stack[nst].node = -1;
			stack[nst].plain = 0;
			stack[nst].col = col;
			stack[nst].label = s;
			nst++;
			continue;
		}
		if (cur < 0)
			continue; /* details of a node that could not be read */
		/* VERBOSE puts a worker's own details under its "Worker N:"
		 * line: they are no totals of the node, but a spill of the
		 * worker is still the node's. */
		if (starts(s, "Worker ")) {
			worker_col = col;
		} else if (worker_col && col > worker_col) {
			if (strstr(s, "Disk: ") || strstr(s, "external"))
				p->nodes[cur].sort_disk = 1;
			continue;
		} else {
			worker_col = 0;
		}
		if (parse_detail(s, &p->nodes[cur]) < 0) {
			error("%s:%zu: cannot read this plan line: '%.80s'",
			      name, c->lines[i].lineno, s);
			ret = -1;
		}
	}
	if (skipped > 3 && !quiet)
		warning("%s: %zu more lines before the plan skipped", name,
			skipped - 3);
	for (size_t k = 0; k < MIN(nbad, 3); k++) {
		const char *s = c->lines[bad[k]].text;

		s += strspn(s, " ");
		if (i < c->n)
			warning("%s:%zu: skipped, not a plan line: '%.60s'",
				name, c->lines[bad[k]].lineno, s);
		else
			error("%s:%zu: not an EXPLAIN footer line: '%.60s'",
			      name, c->lines[bad[k]].lineno, s);
	}
	if (nbad > 3 && i < c->n)
		warning("%s: %zu more lines after the plan skipped", name,
			nbad - 3);
	else if (nbad > 3)
		error("%s: %zu more lines after the plan that are no footer",
		      name, nbad - 3);
	if (nbad && i >= c->n)
		ret = -1;
	*at = i;
	free(stack);
	return ret;
}

/* Children are Outer then Inner in text; Members of an Append and the
 * like are told apart by the parent's type. */
static void fix_relationships(struct plan *p)
{
	size_t i;

	for (i = 1; i < p->n; i++) {
		struct plan_node *n = &p->nodes[i];
		const char *pt = p->nodes[n->parent].type;

		if (n->rel != PLAN_REL_OUTER && n->rel != PLAN_REL_INNER)
			continue;
		if (!strcmp(pt, "Append") || !strcmp(pt, "Merge Append") ||
		    !strcmp(pt, "BitmapAnd") || !strcmp(pt, "BitmapOr"))
			n->rel = PLAN_REL_MEMBER;
		else if (!strcmp(pt, "Subquery Scan"))
			n->rel = PLAN_REL_SUBQUERY;
	}
}

/* auto_explain's duration is the plan's execution time (it prints no
 * Execution Time); the other plans of the log are named, not read. */
static void autoexplain_done(struct plan *p, const struct cleaned *c,
			     const char *name)
{
	if (!c->ae_line)
		return;
	if (p->n && !p->has_execution) {
		p->execution_ms = c->ae_ms;
		p->has_execution = 1;
	}
	if (c->ae_more && c->ae_pick == 1)
		warning("%s:%zu: %zu more auto_explain plan%s in the log from "
			"here; only the first (line %zu) is read: --plan N "
			"reads the N-th",
			name, c->ae_more_line, c->ae_more,
			c->ae_more == 1 ? "" : "s", c->ae_line);
}

/* Past the last line of plan i of l: where it ends in the input. */
static size_t plan_end_line(const struct plan_list *l, size_t i,
			    size_t last_line)
{
	if (i + 1 < l->n && l->v[i + 1].first_line > l->v[i].first_line)
		return l->v[i + 1].first_line - 1;
	return last_line;
}

/* The plans a YAML, XML or JSON text holds, into l from its plan first. */
static int parse_structured(struct plan_list *l, struct cleaned *c, int is_json,
			    const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	size_t *lineno = xcalloc(c->n + 1, sizeof(*lineno));
	const char **text = xcalloc(c->n + 1, sizeof(*text));
	const char *hint = NULL;
	size_t i;
	int ret;

	for (i = 0; i < c->n; i++) {
		text[i] = c->lines[i].text;
		lineno[i] = c->lines[i].lineno;
	}
	if (is_json == PLAN_FMT_YAML) {
		size_t n = c->n;

		/* A last line cut mid-way is left out. */
		if (n && plan_yaml_line_cut(text[n - 1])) {
			n--;
			hint = "its last line stops mid-way";
		}
		plan_yaml_to_json(text, n, &sb);
	} else if (is_json == PLAN_FMT_XML &&
		   plan_xml_to_json(text, c->n, &sb) == -1) {
		free(text);
		free(lineno);
		strbuf_release(&sb);
		return error("%s: not EXPLAIN's XML format (an element is not "
			     "closed, or text outside <explain>); FORMAT JSON "
			     "reads best",
			     name);
	} else if (is_json == PLAN_FMT_JSON) {
		for (i = 0; i < c->n; i++) {
			strbuf_addstr(&sb, c->lines[i].text);
			strbuf_addch(&sb, '\n');
		}
	}
	free(text);
	ret = plan_parse_json(l, sb.buf, sb.len, name, lineno, c->n);
	free(lineno);
	strbuf_release(&sb);
	if (l->n && !l->v[l->n - 1].cut_hint)
		l->v[l->n - 1].cut_hint = hint;
	for (i = 0; i < l->n; i++)
		l->v[i].format = (enum plan_format)is_json;
	return ret;
}

int plan_parse_text(struct plan_list *l, const char *data, size_t len,
		    const char *name, size_t pick, int from_log)
{
	struct cleaned c = {0};
	int is_json, ret = 0;
	size_t i, last_line, at = 0;

	c.ae_pick = pick ? pick : 1;
	clean(data, len, &c, &is_json);
	last_line = c.n ? c.lines[c.n - 1].lineno : 0;
	if (c.ae_count && !c.ae_line) {
		cleaned_release(&c);
		return error(
		    "%s: the log holds %zu auto_explain plan%s: --plan "
		    "%zu is past them",
		    name, c.ae_count, c.ae_count == 1 ? "" : "s", pick);
	}
	if (is_json) {
		ret = parse_structured(l, &c, is_json, name);
	} else {
		while (at < c.n) {
			struct plan *p = plan_list_add(l);
			size_t from = at;

			p->format = PLAN_FMT_TEXT;
			if (parse_lines(p, &c, name, &at) < 0) {
				p->bad = 1;
				ret = -1;
			}
			if (!p->n) {
				plan_release(p);
				l->n--;
				continue;
			}
			p->first_line = (size_t)p->nodes[0].first_line;
			fix_relationships(p);
			plan_compute(p);
			if (at == from)
				break; /* cannot happen: a node was read */
		}
	}
	if (l->n && c.cut_plus && !l->v[l->n - 1].cut_hint)
		l->v[l->n - 1].cut_hint =
		    "psql's '+' ends its last line: the plan goes on";
	for (i = 0; i < l->n; i++) {
		struct plan *p = &l->v[i];

		p->from_log = from_log || c.ae_line;
		if (c.ae_line)
			p->first_line = c.ae_line;
		autoexplain_done(p, &c, name);
		if (!p->bad &&
		    plan_check_cut(p, name, plan_end_line(l, i, last_line)) < 0)
			p->bad = 1, ret = -1;
	}
	if (c.ae_line)
		l->total = c.ae_count;
	cleaned_release(&c);
	if (!l->n && c.is_log && !c.ae_line)
		return error("%s: a PostgreSQL log without an auto_explain "
			     "plan (set auto_explain.log_min_duration)",
			     name);
	if (!l->n && !(is_json && ret < 0))
		return error("%s: no plan found (expected the output of "
			     "EXPLAIN in text, JSON, YAML or XML format)",
			     name);
	return l->n ? ret : -1;
}
