#include "core/compat.h"
#include "db/nplus1.h"
#include <ctype.h>
#include <math.h>
#include <time.h>

void nplus1_init(struct nplus1 *x, unsigned min_run, double window_s)
{
	memset(x, 0, sizeof(*x));
	x->min_run = min_run;
	x->window_s = window_s;
	intern_init(&x->sessions);
}

static void session_clear(struct nplus1_session *s)
{
	free(s->child_query);
	free(s->parent);
	free(s->first_seen);
	s->child_query = s->parent = s->first_seen = NULL;
	s->child = NULL;
	s->n = 0;
	s->total_ms = 0;
}

void nplus1_release(struct nplus1 *x)
{
	size_t i;

	for (i = 0; i < x->ns; i++) {
		session_clear(&x->s[i]);
		free(x->s[i].last_query);
	}
	free(x->s);
	for (i = 0; i < x->n; i++) {
		free(x->runs[i].session);
		free(x->runs[i].parent);
		free(x->runs[i].child);
		free(x->runs[i].first_seen);
	}
	free(x->runs);
	intern_release(&x->sessions);
	memset(x, 0, sizeof(*x));
}

int nplus1_single_key(const char *q)
{
	const char *s;
	int eq = 0;

	/* Parameters are "$1" (libpg_query) or "?" (pt-query-digest). */
	for (s = q; (s = strpbrk(s, "$?")); s++) {
		const char *b = s;

		/* "= $1" */
		while (b > q && b[-1] == ' ')
			b--;
		if (b > q && b[-1] == '=' &&
		    (b - 1 == q ||
		     (b[-2] != '<' && b[-2] != '>' && b[-2] != '!')))
			eq = 1;
	}
	/* An IN list of several values is a batch already. */
	for (s = q; (s = strcasestr(s, " IN (")); s += 5) {
		const char *e = strchr(s + 5, ')');
		const char *c = strchr(s + 5, ',');

		if (c && (!e || c < e))
			return 0;
		if (!strncmp(s + 5, "$", 1))
			eq = 1;
	}
	return eq;
}

/* Seconds of a log timestamp ("2026-12-02 10:00:00.123"); the zone is the
 * same within one log and left out.  -1 when there is none. */
static double seconds(const char *ts)
{
	struct tm tm = {0};
	const char *rest;
	double frac = 0;

	if (!ts || !*ts)
		return -1;
	/* PostgreSQL, MySQL 5.7+ ("T", "Z") and MySQL 5.6 ("221202 10:00:01").
	 */
	rest = strptime(ts, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest)
		rest = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		rest = strptime(ts, "%y%m%d %H:%M:%S", &tm);
	if (!rest)
		return -1;
	if (*rest == '.')
		frac = strtod(rest, NULL);
	return (double)timegm(&tm) + frac;
}

static void end_run(struct nplus1 *x, const char *session,
		    struct nplus1_session *s)
{
	struct nplus1_run *r;

	if (s->child && s->single_key && s->n >= x->min_run) {
		ALLOC_GROW(x->runs, x->n + 1, x->alloc);
		r = &x->runs[x->n++];
		r->session = xstrdup(session);
		r->parent = s->parent;
		r->child = s->child_query;
		r->n = s->n;
		r->total_ms = s->total_ms;
		r->first_seen = s->first_seen;
		r->parent_rows = s->parent ? s->parent_rows : -1;
		/* Close: within a fifth of N (the parent's rows drive the
		 * loop). */
		if (r->parent_rows >= 0 &&
		    fabs(r->parent_rows - (double)r->n) <=
			MAX(1.0, (double)r->n / 5))
			r->confidence = "high";
		else
			r->confidence = s->parent ? "medium" : "low";
		s->parent = s->child_query = s->first_seen = NULL;
	}
	session_clear(s);
}

void nplus1_add(struct nplus1 *x, const char *session, const char *fp,
		const char *query, double ms, const char *ts)
{
	int added;
	uint32_t id =
	    intern_add(&x->sessions, session, strlen(session), &added);
	struct nplus1_session *s;
	double t = seconds(ts);

	if (added) {
		ALLOC_GROW(x->s, id + 1, x->as);
		memset(&x->s[id], 0, sizeof(x->s[id]));
		x->s[id].last_rows = -1;
		x->ns = id + 1;
	}
	s = &x->s[id];
	/* A run never spans a gap longer than the window (pids repeat in
	 * long logs). */
	if (s->child && (s->child != fp || (t >= 0 && s->last_t >= 0 &&
					    t - s->last_t > x->window_s)))
		end_run(x, session, s);
	if (!s->child) {
		s->child = fp;
		s->child_query = xstrdup(query);
		s->single_key = nplus1_single_key(query);
		s->parent = s->last_query && s->last_fp != fp
				? xstrdup(s->last_query)
				: NULL;
		s->first_seen = xstrdup(ts ? ts : "");
		s->parent_rows = s->last_rows;
	}
	s->n++;
	s->total_ms += ms;
	s->last_t = t;
	if (s->last_fp != fp) {
		free(s->last_query);
		s->last_query = xstrdup(query);
		s->last_fp = fp;
	}
}

void nplus1_rows(struct nplus1 *x, const char *session, double rows)
{
	uint32_t id = intern_find(&x->sessions, session, strlen(session));

	if (id != INTERN_NONE)
		x->s[id].last_rows = rows;
}

void nplus1_finish(struct nplus1 *x)
{
	size_t i;

	for (i = 0; i < x->ns; i++)
		end_run(x, intern_str(&x->sessions, (uint32_t)i), &x->s[i]);
}
