#include "core/compat.h"
#include "db/live.h"
#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "db/pqdl.h"

/* Run sql with text parameters; the result, or NULL (reported). */
static PGresult *query(PGconn *c, const char *sql, int n,
		       const char *const *params)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, PQresultErrorMessage(r));
		strbuf_trim(&sb);
		error("query failed: %s", sb.buf);
		strbuf_release(&sb);
		PQclear(r);
		return NULL;
	}
	return r;
}

static const char *val(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static double num(PGresult *r, int row, int col)
{
	const char *v = val(r, row, col);

	return v ? strtod(v, NULL) : 0;
}

/* A query on one line for the text report. */
static const char *flat(const char *q, struct strbuf *sb, size_t max)
{
	strbuf_reset(sb);
	for (; q && *q && sb->len < max; q++) {
		char ch = *q == '\n' || *q == '\t' || *q == '\r' ? ' ' : *q;

		if (ch == ' ' && sb->len && sb->buf[sb->len - 1] == ' ')
			continue;
		strbuf_addch(sb, ch);
	}
	if (q && *q)
		strbuf_addstr(sb, "...");
	return sb->buf;
}

/*
 * The column kinds of each section, so one loop writes text and JSON:
 * 's' a string, 'n' a number, 'i' an integer, 'a' a Postgres int[] shown
 * as is in text and as an array in JSON.
 */
struct section {
	const char *key, *title, *empty;
	const char *const *names;
	const char *kinds;
};

static void json_pg_array(struct json_writer *w, const char *a)
{
	json_begin_array(w);
	for (a = a ? a + 1 : ""; *a && *a != '}';) {
		json_int(w, strtoll(a, (char **)&a, 10));
		if (*a == ',')
			a++;
	}
	json_end_array(w);
}

static void write_section(const struct section *s, PGresult *r,
			  const struct live_opts *o, struct json_writer *w,
			  FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	int i, k, n = r ? PQntuples(r) : 0, nk = (int)strlen(s->kinds);

	if (o->json) {
		json_key(w, s->key);
		if (!r) {
			json_null(w);
			return;
		}
		json_begin_array(w);
		for (i = 0; i < n; i++) {
			json_begin_object(w);
			for (k = 0; k < nk; k++) {
				json_key(w, s->names[k]);
				if (PQgetisnull(r, i, k))
					json_null(w);
				else if (s->kinds[k] == 's')
					json_string(w, val(r, i, k));
				else if (s->kinds[k] == 'a')
					json_pg_array(w, val(r, i, k));
				else if (s->kinds[k] == 'i')
					json_int(
					    w, strtoll(val(r, i, k), NULL, 10));
				else
					json_double(w, num(r, i, k));
			}
			json_end_object(w);
		}
		json_end_array(w);
		return;
	}
	fprintf(fp, "\n%s\n", s->title);
	if (!r || !n)
		fprintf(fp, "  %s\n", r ? s->empty : "(not available)");
	for (i = 0; i < n; i++) {
		fputs(" ", fp);
		for (k = 0; k < nk; k++) {
			const char *v = val(r, i, k);

			if (s->kinds[k] == 'n')
				fprintf(fp, " %s=%.3f", s->names[k],
					num(r, i, k));
			else if (s->kinds[k] == 's' && k == nk - 1)
				fprintf(fp, "  %s", flat(v, &sb, 120));
			else if (s->kinds[k] == 's' && v)
				fprintf(fp, " %s=%s", s->names[k],
					flat(v, &sb, 60));
			else
				fprintf(fp, " %s=%s", s->names[k], v ? v : "-");
		}
		fputc('\n', fp);
	}
	strbuf_release(&sb);
}

static const char *const pss_names[] = {"queryid", "calls", "total_ms",
					"mean_ms", "rows",  "query"};
static const char *const block_names[] = {
    "pid",	     "blocked_by",    "wait_ms", "wait_event",
    "blocker_state", "blocker_query", "query",
};
static const char *const txn_names[] = {"pid",	 "user",   "database",
					"state", "age_ms", "query"};

int live_report(const char *conninfo, const struct live_opts *o, FILE *fp)
{
	static const struct section pss = {
	    "pg_stat_statements",
	    "Top statements (pg_stat_statements):",
	    "(none yet)",
	    pss_names,
	    "sinnis",
	};
	static const struct section blocking = {
	    "blocking", "Blocked sessions (pg_blocking_pids):",
	    "(none)",	block_names,
	    "ianssss",
	};
	static const struct section txns = {
	    "long_transactions",
	    "Long-running transactions:",
	    "(none)",
	    txn_names,
	    "isssns",
	};
	struct json_writer w;
	struct strbuf sb = STRBUF_INIT, p1 = STRBUF_INIT, p2 = STRBUF_INIT;
	PGresult *ext = NULL, *top = NULL, *blk = NULL, *lt = NULL;
	PGconn *c;
	const char *params[1];
	int ret = -1, pre13;

	if (pqdl_load() < 0)
		return -2;
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		strbuf_addstr(&sb, PQerrorMessage(c));
		strbuf_trim(&sb);
		error("cannot connect to PostgreSQL: %s",
		      flat(sb.buf, &p1, 400));
		ret = -2;
		goto out;
	}
	pre13 = PQserverVersion(c) < 130000;
	ext = query(c,
		    "SELECT 1 FROM pg_extension WHERE extname = "
		    "'pg_stat_statements'",
		    0, NULL);
	if (!ext)
		goto out;
	strbuf_addf(&p1, "%d", o->top);
	params[0] = p1.buf;
	/* PostgreSQL 13 renamed total_time to total_exec_time. */
	if (PQntuples(ext)) {
		strbuf_addf(&sb,
			    "SELECT queryid::text, calls, %s, %s, rows, query "
			    "FROM pg_stat_statements WHERE dbid = (SELECT oid "
			    "FROM pg_database WHERE datname = "
			    "current_database()) ORDER BY 3 DESC LIMIT $1",
			    pre13 ? "total_time" : "total_exec_time",
			    pre13 ? "mean_time" : "mean_exec_time");
		top = query(c, sb.buf, 1, params);
		if (!top)
			goto out;
	}
	blk = query(c,
		    "SELECT a.pid, pg_blocking_pids(a.pid)::text, "
		    "extract(epoch FROM now() - a.state_change) * 1000, "
		    "a.wait_event_type || ':' || a.wait_event, b.state, "
		    "b.query, a.query "
		    "FROM pg_stat_activity a LEFT JOIN pg_stat_activity b "
		    "ON b.pid = (pg_blocking_pids(a.pid))[1] "
		    "WHERE cardinality(pg_blocking_pids(a.pid)) > 0 "
		    "ORDER BY 3 DESC",
		    0, NULL);
	if (!blk)
		goto out;
	strbuf_addf(&p2, "%.6f", o->long_txn_s);
	params[0] = p2.buf;
	lt = query(c,
		   "SELECT pid, usename::text, datname::text, state, "
		   "extract(epoch FROM now() - xact_start) * 1000, query "
		   "FROM pg_stat_activity WHERE xact_start IS NOT NULL AND "
		   "pid <> pg_backend_pid() AND now() - xact_start > "
		   "make_interval(secs => $1::float8) ORDER BY xact_start",
		   1, params);
	if (!lt)
		goto out;
	if (o->json) {
		json_init(&w, fp, 1);
		json_begin_object(&w);
	} else {
		fprintf(fp, "PostgreSQL %s, database %s\n",
			PQparameterStatus(c, "server_version"), PQdb(c));
	}
	write_section(&pss, top, o, &w, fp);
	if (!o->json && !top)
		fputs("  (CREATE EXTENSION pg_stat_statements, with it in "
		      "shared_preload_libraries, to see them)\n",
		      fp);
	write_section(&blocking, blk, o, &w, fp);
	write_section(&txns, lt, o, &w, fp);
	if (o->json) {
		json_end_object(&w);
		fputc('\n', fp);
	}
	ret = 0;
out:
	PQclear(ext);
	PQclear(top);
	PQclear(blk);
	PQclear(lt);
	PQfinish(c);
	strbuf_release(&sb);
	strbuf_release(&p1);
	strbuf_release(&p2);
	return ret;
}
