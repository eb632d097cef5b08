#include "core/compat.h"
#include "db/fingerprint.h"
#include "core/hash.h"
#include "core/strbuf.h"
#include <ctype.h>

static int word_char(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

static void drop_space(struct strbuf *out)
{
	while (out->len && out->buf[out->len - 1] == ' ')
		strbuf_setlen(out, out->len - 1);
}

/* After "in" or "values": "(?, ?, ?)" becomes "(?+)"; for values the
 * following ",(...)" groups go too.  Returns the input position after. */
static size_t collapse_list(const char *s, size_t i, size_t len,
			    struct strbuf *out, int values)
{
	size_t j = i;
	int any;

	do {
		int depth = 0;

		any = 0;
		while (j < len && s[j] == ' ')
			j++;
		if (j >= len || s[j] != '(')
			return i;
		/* A list of literals only (strings, numbers, $n, commas). */
		for (j++; j < len; j++) {
			if (s[j] == '\'') {
				for (j++; j < len &&
					  !(s[j] == '\'' && s[j + 1] != '\'');
				     j++)
					if (s[j] == '\'')
						j++;
				any = 1;
			} else if (s[j] == '(') {
				depth++;
			} else if (s[j] == ')') {
				if (!depth--)
					break;
			} else if (isalpha((unsigned char)s[j]) && !values) {
				/* a subquery or expression: keep it */
				if (!(s[j] == 'e' || s[j] == 'E' ||
				      s[j] == 'x'))
					return i;
			} else if (!isspace((unsigned char)s[j])) {
				any = 1;
			}
		}
		if (j >= len)
			return i;
		j++;
		i = j;
		while (j < len && s[j] == ' ')
			j++;
	} while (values && j < len && s[j] == ',' && ++j);
	(void)any;
	drop_space(out);
	strbuf_addstr(out, "(?+)");
	return i;
}

/* Past the string quoted by s[i] ('' or a backslash escape a quote). */
static size_t string_end(const char *s, size_t i, size_t len)
{
	char q = s[i];

	for (i++; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		else if (s[i] == q && i + 1 < len && s[i + 1] == q)
			i++;
		else if (s[i] == q)
			break;
	}
	return i + 1;
}

/* The end of the number at s[i]: digits, letters (0x1F, 1e3), dots and
 * an exponent's sign (1.5e-3). */
static size_t number_end(const char *s, size_t i, size_t len)
{
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '.')) {
		if ((s[i] == 'e' || s[i] == 'E') && i + 2 < len &&
		    (s[i + 1] == '-' || s[i + 1] == '+') &&
		    isdigit((unsigned char)s[i + 2]))
			i++;
		i++;
	}
	return i;
}

/* Whether a sign at the end of out is unary: it follows an operator, a
 * parenthesis, a comma or a keyword, not an operand ("a - 1"). */
static int unary_position(const struct strbuf *out, size_t start)
{
	size_t k = out->len;

	while (k > start && out->buf[k - 1] == ' ')
		k--;
	if (k == start)
		return 1;
	if (out->buf[k - 1] == '?' || out->buf[k - 1] == ')' ||
	    out->buf[k - 1] == '"' || out->buf[k - 1] == '`')
		return 0;
	if (!word_char((unsigned char)out->buf[k - 1]))
		return 1;
	/* A keyword before the sign ("limit -1", "then -1"), not a column. */
	{
		static const char *const kw[] = {
		    "select", "where",	"and",	   "or",     "not",
		    "in",     "values", "then",	   "else",   "when",
		    "limit",  "like",	"between", "return", "set",
		    "by",     "is",	"having",  "on",     NULL};
		size_t w = k;
		int i;

		while (w > start && word_char((unsigned char)out->buf[w - 1]))
			w--;
		for (i = 0; kw[i]; i++)
			if (strlen(kw[i]) == k - w &&
			    !strncasecmp(out->buf + w, kw[i], k - w))
				return 1;
	}
	return 0;
}

void sql_normalize(const char *s, size_t len, struct strbuf *out,
		   unsigned flags)
{
	size_t i = 0, start = out->len;
	int keep_case = flags & SQL_NORM_KEEP_CASE;
	int mysql = flags & SQL_NORM_MYSQL;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			i += 2;
			while (i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'))
				i++;
			i += 2;
			continue;
		}
		if (isspace(c)) {
			if (out->len > start && out->buf[out->len - 1] != ' ')
				strbuf_addch(out, ' ');
			i++;
			continue;
		}
		/* '...' strings; in MySQL "..." too (pt-query-digest folds
		 * both). */
		if (c == '\'' || (mysql && c == '"')) {
			i = string_end(s, i, len);
			strbuf_addch(out, '?');
			continue;
		}
		if (mysql && (c == '-' || c == '+') && i + 1 < len &&
		    (isdigit((unsigned char)s[i + 1]) ||
		     (s[i + 1] == '.' && i + 2 < len &&
		      isdigit((unsigned char)s[i + 2]))) &&
		    unary_position(out, start)) {
			/* A signed number is one constant ("= -5" is "= 5"
			 * to pt-query-digest). */
			i = number_end(s, i + 1, len);
			strbuf_addch(out, '?');
			continue;
		}
		if (isdigit(c) &&
		    (out->len == start ||
		     !word_char((unsigned char)out->buf[out->len - 1]))) {
			i = number_end(s, i, len);
			strbuf_addch(out, '?');
			continue;
		}
		if (c == '$' && i + 1 < len &&
		    isdigit((unsigned char)s[i + 1])) {
			for (i++; i < len && isdigit((unsigned char)s[i]); i++)
				;
			strbuf_addch(out, '?');
			continue;
		}
		if (word_char(c)) {
			size_t w = i;

			while (i < len && word_char((unsigned char)s[i]))
				i++;
			if ((i - w == 4 && !strncasecmp(s + w, "true", 4)) ||
			    (i - w == 5 && !strncasecmp(s + w, "false", 5)) ||
			    (i - w == 4 && !strncasecmp(s + w, "null", 4))) {
				strbuf_addch(out, '?');
				continue;
			}
			{
				size_t wl = i - w, k, at = out->len;

				strbuf_add(out, s + w, wl);
				for (k = 0; !keep_case && k < wl; k++)
					out->buf[at + k] = (char)tolower(
					    (unsigned char)out->buf[at + k]);
				if (wl == 2 && !strncasecmp(s + w, "in", 2))
					i = collapse_list(s, i, len, out, 0);
				else if (wl == 6 &&
					 !strncasecmp(s + w, "values", 6))
					i = collapse_list(s, i, len, out, 1);
			}
			continue;
		}
		strbuf_addch(out, (char)c);
		i++;
	}
	drop_space(out);
	/* The statement's own ';' goes before the LIMIT rules look at its
	 * end. */
	while (out->len > start && out->buf[out->len - 1] == ';') {
		strbuf_setlen(out, out->len - 1);
		drop_space(out);
	}
	/* "limit ?, ?" is "limit ?" (MySQL's offset form); for MySQL,
	 * "limit ? offset ?" too, as pt-query-digest has it.  PostgreSQL's
	 * shapes keep the offset: libpg_query tells them apart. */
	if (out->len >= start + 10 &&
	    !strcasecmp(out->buf + out->len - 10, "limit ?, ?"))
		strbuf_setlen(out, out->len - 3);
	else if (mysql && out->len >= start + 16 &&
		 !strcasecmp(out->buf + out->len - 16, "limit ? offset ?"))
		strbuf_setlen(out, out->len - 9);
}

static void hashed_fingerprint(const char *sql, struct strbuf *fp,
			       struct strbuf *norm, unsigned flags)
{
	strbuf_reset(norm);
	sql_normalize(sql, strlen(sql), norm, flags);
	strbuf_reset(fp);
	strbuf_addf(fp, "x%015llx",
		    (unsigned long long)(hash_bytes(norm->buf, norm->len) &
					 0xfffffffffffffffULL));
}

/* The fingerprint of a statement libpg_query cannot read. */
void sql_fallback_fingerprint(const char *sql, struct strbuf *fp,
			      struct strbuf *norm)
{
	hashed_fingerprint(sql, fp, norm, 0);
}

void sql_mysql_fingerprint(const char *sql, struct strbuf *fp,
			   struct strbuf *norm)
{
	hashed_fingerprint(sql, fp, norm, SQL_NORM_MYSQL);
}
