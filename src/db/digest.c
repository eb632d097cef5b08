#include "core/compat.h"
#include "db/digest.h"
#include "core/json.h"
#include "core/stats.h"
#include "core/strbuf.h"
#include "db/fingerprint.h"
#include "db/pglog.h"
#include <math.h>

void digest_init(struct digest *d, unsigned min_run, double window_s)
{
	memset(d, 0, sizeof(*d));
	nplus1_init(&d->np, min_run, window_s);
	d->exact_cap = 10000;
	intern_init(&d->fingerprints);
	intern_init(&d->shapes);
}

void digest_release(struct digest *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct digest_group *g = &d->groups[i];

		free(g->fingerprint);
		free(g->query);
		free(g->ms);
		if (g->hist)
			hist_release(g->hist);
		free(g->hist);
		free(g->first_seen);
		free(g->last_seen);
		free(g->example);
		free(g->example_params);
	}
	free(d->groups);
	for (i = 0; i < d->nlocks + d->ndeadlocks; i++) {
		struct digest_lock *l =
		    i < d->nlocks ? &d->locks[i] : &d->deadlocks[i - d->nlocks];

		free(l->session);
		free(l->blocker);
		free(l->lock);
		free(l->statement);
		free(l->first_seen);
		free(l->detail);
	}
	free(d->locks);
	free(d->deadlocks);
	free(d->shape_group);
	free(d->first_seen);
	free(d->last_seen);
	intern_release(&d->fingerprints);
	intern_release(&d->shapes);
	nplus1_release(&d->np);
	memset(d, 0, sizeof(*d));
}

/* Timestamps of one log compare as text (ISO dates, one time zone). */
static void seen(char **first, char **last, const char *ts)
{
	if (!*ts)
		return;
	if (!*first || strcmp(ts, *first) < 0) {
		free(*first);
		*first = xstrdup(ts);
	}
	if (!*last || strcmp(ts, *last) > 0) {
		free(*last);
		*last = xstrdup(ts);
	}
}

/*
 * The group of a statement.  libpg_query parses each new statement shape
 * once: statements whose literals alone differ share the shape (the
 * case-keeping normalization) and so the fingerprint.
 */
static struct digest_group *group_of(struct digest *d, const char *sql,
				     int mysql)
{
	struct strbuf shape = STRBUF_INIT, fp = STRBUF_INIT, norm = STRBUF_INIT;
	struct digest_group *g;
	uint32_t sid, gid;
	int added;

	/* The shape must tell apart whatever the fingerprint does: MySQL's
	 * is read in its dialect. */
	sql_normalize(sql, strlen(sql), &shape,
		      SQL_NORM_KEEP_CASE | (mysql ? SQL_NORM_MYSQL : 0));
	sid = intern_add(&d->shapes, shape.buf, shape.len, &added);
	if (!added) {
		strbuf_release(&shape);
		return &d->groups[d->shape_group[sid]];
	}
	/* MySQL statements get pt-query-digest's fingerprint. */
	if (mysql) {
		sql_mysql_fingerprint(sql, &fp, &norm);
		d->unparsed++;
	} else if (sql_fingerprint(sql, &fp, &norm) == 0) {
		d->parsed++;
	} else {
		d->unparsed++;
	}
	gid = intern_add(&d->fingerprints, fp.buf, fp.len, &added);
	if (added) {
		ALLOC_GROW(d->groups, d->n + 1, d->alloc);
		g = &d->groups[d->n++];
		memset(g, 0, sizeof(*g));
		g->fingerprint = strbuf_detach(&fp, NULL);
		g->query = strbuf_detach(&norm, NULL);
		g->min_ms = INFINITY;
		g->rows = -1;
	}
	ALLOC_GROW(d->shape_group, sid + 1, d->shape_alloc);
	d->shape_group[sid] = gid;
	strbuf_release(&shape);
	strbuf_release(&fp);
	strbuf_release(&norm);
	return &d->groups[gid];
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

/*
 * A wait is logged once after deadlock_timeout ("still waiting") and once
 * when the lock comes ("acquired"): the second completes the first.
 */
static void add_lock(struct digest *d, const struct pglog_stmt *st)
{
	struct digest_lock *l = NULL;
	size_t i;

	if (st->kind == PGLOG_DEADLOCK) {
		ALLOC_GROW(d->deadlocks, d->ndeadlocks + 1, d->adeadlocks);
		l = &d->deadlocks[d->ndeadlocks++];
		memset(l, 0, sizeof(*l));
		l->session = xstrdup(st->session);
		l->first_seen = xstrdup(st->ts);
		l->detail = dup_or_null(st->detail);
		l->statement = dup_or_null(st->sql);
		return;
	}
	for (i = d->nlocks; st->acquired && i-- > 0 && d->nlocks - i <= 1000;) {
		struct digest_lock *c = &d->locks[i];

		if (!c->acquired && !strcmp(c->session, st->session) &&
		    !strcmp(c->lock, st->lock)) {
			l = c;
			break;
		}
	}
	if (!l) {
		ALLOC_GROW(d->locks, d->nlocks + 1, d->alocks);
		l = &d->locks[d->nlocks++];
		memset(l, 0, sizeof(*l));
		l->session = xstrdup(st->session);
		l->lock = xstrdup(st->lock);
		l->first_seen = xstrdup(st->ts);
	}
	l->wait_ms = MAX(l->wait_ms, st->ms);
	l->acquired |= st->acquired;
	if (!l->blocker)
		l->blocker = dup_or_null(st->blocker);
	if (!l->statement)
		l->statement = dup_or_null(st->sql);
}

/* A day, in microseconds: longer statements count as a day. */
#define HIST_MAX_US (86400LL * 1000000)

static void record_us(struct hist *h, double ms)
{
	double us = ms * 1000;

	hist_record(h, us < 1		  ? 1
		       : us > HIST_MAX_US ? HIST_MAX_US
					  : (int64_t)us);
}

int digest_add(const struct pglog_stmt *st, void *data)
{
	struct digest *d = data;
	struct digest_group *g;

	if (st->kind != PGLOG_STATEMENT) {
		add_lock(d, st);
		return 0;
	}
	g = group_of(d, st->sql, st->mysql);
	if (st->rows >= 0)
		g->rows = (g->rows < 0 ? 0 : g->rows) + st->rows;

	g->count++;
	g->total_ms += st->ms;
	g->min_ms = MIN(g->min_ms, st->ms);
	g->max_ms = MAX(g->max_ms, st->ms);
	if (!g->hist && g->nms < d->exact_cap) {
		ALLOC_GROW(g->ms, g->nms + 1, g->ams);
		g->ms[g->nms++] = st->ms;
	} else {
		size_t k;

		if (!g->hist) {
			g->hist = xmalloc(sizeof(*g->hist));
			hist_init(g->hist, 1, HIST_MAX_US, 3);
			for (k = 0; k < g->nms; k++)
				record_us(g->hist, g->ms[k]);
			free(g->ms);
			g->ms = NULL;
			g->nms = g->ams = 0;
		}
		record_us(g->hist, st->ms);
	}
	seen(&g->first_seen, &g->last_seen, st->ts);
	seen(&d->first_seen, &d->last_seen, st->ts);
	if (!g->example || st->ms > g->example_ms) {
		free(g->example);
		free(g->example_params);
		g->example = xstrdup(st->sql);
		g->example_params = st->params ? xstrdup(st->params) : NULL;
		g->example_ms = st->ms;
	}
	d->statements++;
	d->total_ms += st->ms;
	nplus1_add(&d->np, st->session, g->fingerprint, g->query, st->ms,
		   st->ts);
	nplus1_rows(&d->np, st->session, st->rows);
	return 0;
}

static int by_total(const void *a, const void *b)
{
	const struct digest_group *x = a, *y = b;

	if (x->total_ms != y->total_ms)
		return x->total_ms < y->total_ms ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->fingerprint, y->fingerprint);
}

void digest_finish(struct digest *d)
{
	size_t i;

	nplus1_finish(&d->np);
	for (i = 0; i < d->n; i++) {
		struct digest_group *g = &d->groups[i];

		if (g->hist) {
			g->median_ms = hist_percentile(g->hist, 50) / 1000.0;
			g->p95_ms = hist_percentile(g->hist, 95) / 1000.0;
			continue;
		}
		stats_sort(g->ms, g->nms);
		g->median_ms = stats_median_sorted(g->ms, g->nms);
		g->p95_ms = stats_percentile_sorted(g->ms, g->nms, 95);
	}
	/* The shape table points into the old order; it is done with. */
	if (d->n)
		qsort(d->groups, d->n, sizeof(*d->groups), by_total);
}

/* One line of at most width characters of a query, for the table. */
static void one_line(const char *q, size_t width, struct strbuf *out)
{
	strbuf_reset(out);
	for (; *q && out->len < width; q++) {
		char c = *q == '\n' || *q == '\t' || *q == '\r' ? ' ' : *q;

		if (c == ' ' && out->len && out->buf[out->len - 1] == ' ')
			continue;
		strbuf_addch(out, c);
	}
	if (*q)
		strbuf_addstr(out, "...");
}

static const char nplus1_fix[] =
    "batch the lookups into one query: WHERE key = ANY($1) (or IN (...)) "
    "with all the keys, or a join with the parent query";

static void print_nplus1(const struct nplus1 *x, FILE *fp)
{
	size_t i;

	if (!x->n) {
		fprintf(fp,
			"\nNo N+1 run (%u or more single-key lookups of "
			"one shape in a row in a session).\n",
			x->min_run);
		return;
	}
	fprintf(fp,
		"\nN+1 runs (%zu): %u or more single-key lookups of one "
		"shape in a row in a session, %g s apart at most\n",
		x->n, x->min_run, x->window_s);
	for (i = 0; i < x->n; i++) {
		const struct nplus1_run *r = &x->runs[i];

		fprintf(
		    fp,
		    "  session %s at %s: %llu x %s (%.3f ms, %s confidence)\n",
		    r->session, r->first_seen, (unsigned long long)r->n,
		    r->child, r->total_ms, r->confidence);
		fprintf(fp, "    after: %s\n",
			r->parent ? r->parent : "(the session's first)");
	}
	fprintf(fp, "  fix: %s\n", nplus1_fix);
}

struct lock_group {
	char *shape;
	const struct digest_lock *first;
	size_t n;
	double total, max;
};

static int by_wait(const void *a, const void *b)
{
	const struct lock_group *x = a, *y = b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

/* Lock waits grouped by the waiting statement's shape, most time first. */
static void print_locks(const struct digest *d, FILE *fp)
{
	struct lock_group *g = NULL;
	size_t ng = 0, ag = 0, i, k;
	struct strbuf sb = STRBUF_INIT;

	if (!d->nlocks && !d->ndeadlocks)
		return;
	for (i = 0; i < d->nlocks; i++) {
		const struct digest_lock *l = &d->locks[i];

		strbuf_reset(&sb);
		if (l->statement)
			sql_normalize(l->statement, strlen(l->statement), &sb,
				      0);
		for (k = 0; k < ng && strcmp(g[k].shape, sb.buf); k++)
			;
		if (k == ng) {
			ALLOC_GROW(g, ng + 1, ag);
			memset(&g[ng], 0, sizeof(g[ng]));
			g[ng].shape = xstrdup(sb.buf);
			g[ng].first = l;
			ng++;
		}
		g[k].n++;
		g[k].total += l->wait_ms;
		g[k].max = MAX(g[k].max, l->wait_ms);
	}
	if (ng)
		qsort(g, ng, sizeof(*g), by_wait);
	fprintf(fp, "\nLock waits (%zu), by waiting statement:\n", d->nlocks);
	for (k = 0; k < ng; k++) {
		fprintf(fp, "  %zu wait%s, %.3f ms in all, max %.3f ms: %s\n",
			g[k].n, g[k].n == 1 ? "" : "s", g[k].total, g[k].max,
			*g[k].shape ? g[k].shape : "(statement not logged)");
		fprintf(fp, "    e.g. %s waited for %s, held by %s\n",
			g[k].first->session, g[k].first->lock,
			g[k].first->blocker ? g[k].first->blocker : "?");
		free(g[k].shape);
	}
	free(g);
	if (d->ndeadlocks)
		fprintf(fp, "\nDeadlocks (%zu):\n", d->ndeadlocks);
	for (i = 0; i < d->ndeadlocks; i++) {
		const struct digest_lock *l = &d->deadlocks[i];

		const char *s;

		fprintf(fp, "  %s %s: %s\n    ", l->first_seen, l->session,
			l->statement ? l->statement : "?");
		for (s = l->detail ? l->detail : ""; *s; s++)
			fputs(*s == '\n' ? "\n    " : (char[2]){*s, 0}, fp);
		fputc('\n', fp);
	}
	strbuf_release(&sb);
}

void digest_print_text(const struct digest *d, size_t top, FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = top && top < d->n ? top : d->n;

	fprintf(fp, "%llu statements, %zu fingerprints, %.3f ms in all",
		(unsigned long long)d->statements, d->n, d->total_ms);
	if (d->first_seen)
		fprintf(fp, ", from %s to %s", d->first_seen, d->last_seen);
	fputs("\n\n", fp);
	fprintf(fp, "%4s %12s %6s %8s %10s %10s %10s %10s  %s\n", "rank",
		"total ms", "share", "count", "avg ms", "median ms", "p95 ms",
		"max ms", "query");
	for (i = 0; i < n; i++) {
		const struct digest_group *g = &d->groups[i];

		one_line(g->query, 60, &sb);
		fprintf(fp,
			"%4zu %12.3f %5.1f%% %8llu %10.3f %10.3f %10.3f %10.3f "
			" %s\n",
			i + 1, g->total_ms,
			d->total_ms > 0 ? 100 * g->total_ms / d->total_ms : 0,
			(unsigned long long)g->count, g->total_ms / g->count,
			g->median_ms, g->p95_ms, g->max_ms, sb.buf);
	}
	for (i = 0; i < n; i++) {
		const struct digest_group *g = &d->groups[i];

		fprintf(
		    fp,
		    "\n# Query %zu: fingerprint %s, %llu call%s, min %.3f ms",
		    i + 1, g->fingerprint, (unsigned long long)g->count,
		    g->count == 1 ? "" : "s", g->min_ms);
		if (g->rows >= 0)
			fprintf(fp, ", %.0f rows sent", g->rows);
		if (g->first_seen)
			fprintf(fp, ", first seen %s, last seen %s",
				g->first_seen, g->last_seen);
		fprintf(fp, "\n%s\n# slowest (%.3f ms): %s\n", g->query,
			g->example_ms, g->example);
		if (g->example_params)
			fprintf(fp, "# parameters: %s\n", g->example_params);
	}
	if (n < d->n)
		fprintf(fp, "\n(%zu more fingerprints; --top 0 shows all)\n",
			d->n - n);
	print_locks(d, fp);
	print_nplus1(&d->np, fp);
	strbuf_release(&sb);
}

static double ms3(double v)
{
	return round(v * 1000) / 1000;
}

static void json_lock(struct json_writer *w, const struct digest_lock *l,
		      int deadlock)
{
	json_begin_object(w);
	json_kv_string(w, "session", l->session);
	if (!deadlock) {
		json_kv_string(w, "blocker", l->blocker);
		json_kv_string(w, "lock", l->lock);
		json_kv_double(w, "wait_ms", l->wait_ms);
		json_kv_bool(w, "acquired", l->acquired);
	} else {
		json_kv_string(w, "detail", l->detail);
	}
	json_kv_string(w, "statement", l->statement);
	json_kv_string(w, "first_seen", l->first_seen);
	json_end_object(w);
}

void digest_write_json(const struct digest *d, size_t top, FILE *fp)
{
	struct json_writer w;
	size_t i, n = top && top < d->n ? top : d->n;

	json_init(&w, fp, 1);
	json_begin_object(&w);
	json_kv_uint(&w, "statements", d->statements);
	json_kv_uint(&w, "fingerprints", d->n);
	json_kv_double(&w, "total_ms", ms3(d->total_ms));
	json_key(&w, "queries");
	json_begin_array(&w);
	for (i = 0; i < n; i++) {
		const struct digest_group *g = &d->groups[i];

		json_begin_object(&w);
		json_kv_string(&w, "fingerprint", g->fingerprint);
		json_kv_string(&w, "query", g->query);
		json_kv_uint(&w, "count", g->count);
		json_kv_double(&w, "total_ms", ms3(g->total_ms));
		json_key(&w, "share");
		json_double(&w,
			    d->total_ms > 0
				? round(g->total_ms / d->total_ms * 1e4) / 1e4
				: 0);
		json_key(&w, "rows");
		if (g->rows >= 0)
			json_double(&w, g->rows);
		else
			json_null(&w);
		json_kv_double(&w, "avg_ms", ms3(g->total_ms / g->count));
		json_kv_double(&w, "min_ms", g->min_ms);
		json_kv_double(&w, "max_ms", g->max_ms);
		json_kv_double(&w, "median_ms", ms3(g->median_ms));
		json_kv_double(&w, "p95_ms", ms3(g->p95_ms));
		json_key(&w, "first_seen");
		if (g->first_seen)
			json_string(&w, g->first_seen);
		else
			json_null(&w);
		json_key(&w, "last_seen");
		if (g->last_seen)
			json_string(&w, g->last_seen);
		else
			json_null(&w);
		json_kv_string(&w, "example", g->example);
		json_kv_double(&w, "example_ms", g->example_ms);
		json_key(&w, "example_params");
		if (g->example_params)
			json_string(&w, g->example_params);
		else
			json_null(&w);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "lock_waits");
	json_begin_array(&w);
	for (i = 0; i < d->nlocks; i++)
		json_lock(&w, &d->locks[i], 0);
	json_end_array(&w);
	json_key(&w, "deadlocks");
	json_begin_array(&w);
	for (i = 0; i < d->ndeadlocks; i++)
		json_lock(&w, &d->deadlocks[i], 1);
	json_end_array(&w);
	json_key(&w, "n_plus_one");
	json_begin_array(&w);
	for (i = 0; i < d->np.n; i++) {
		const struct nplus1_run *r = &d->np.runs[i];

		json_begin_object(&w);
		json_kv_string(&w, "session", r->session);
		json_key(&w, "parent");
		if (r->parent)
			json_string(&w, r->parent);
		else
			json_null(&w);
		json_kv_string(&w, "child", r->child);
		json_kv_uint(&w, "n", r->n);
		json_kv_double(&w, "total_ms", ms3(r->total_ms));
		json_kv_string(&w, "first_seen", r->first_seen);
		json_key(&w, "parent_rows");
		if (r->parent_rows >= 0)
			json_double(&w, r->parent_rows);
		else
			json_null(&w);
		json_kv_string(&w, "confidence", r->confidence);
		json_kv_string(&w, "fix", nplus1_fix);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	fputc('\n', fp);
}
