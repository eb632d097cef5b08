#include "core/compat.h"
#include "db/pq.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "db/pqdl.h"
#include <ctype.h>

/* libpq's messages end in a newline and may hold several lines. */
static const char *one_line(const char *msg, struct strbuf *sb)
{
	strbuf_reset(sb);
	strbuf_addstr(sb, msg ? msg : "");
	strbuf_trim(sb);
	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] == '\n' || sb->buf[i] == '\t')
			sb->buf[i] = ' ';
	return sb->buf;
}

/* Whether s starts with the keyword kw, as a whole word. */
static int keyword(const char *s, const char *kw)
{
	size_t n = strlen(kw);

	return !strncasecmp(s, kw, n) &&
	       !(isalnum((unsigned char)s[n]) || s[n] == '_');
}

/*
 * The SQL without an EXPLAIN of its own ("EXPLAIN ANALYZE SELECT ...",
 * "EXPLAIN (ANALYZE, BUFFERS) SELECT ...", pasted from psql): perfops
 * writes its own, and EXPLAIN EXPLAIN is a syntax error.
 */
static const char *skip_explain(const char *sql)
{
	const char *s = sql + strspn(sql, " \t\r\n");
	static const char *const legacy[] = {"ANALYZE", "ANALYSE", "VERBOSE"};
	size_t k;

	if (!keyword(s, "EXPLAIN"))
		return sql;
	s += 7;
	s += strspn(s, " \t\r\n");
	if (*s == '(') {
		int depth = 0;

		for (; *s; s++) {
			depth += *s == '(';
			depth -= *s == ')';
			if (!depth)
				break;
		}
		if (!*s)
			return sql;
		s++;
	} else {
		for (k = 0; k < ARRAY_SIZE(legacy); k++)
			if (keyword(s, legacy[k])) {
				s += strlen(legacy[k]);
				s += strspn(s, " \t\r\n");
				k = (size_t)-1;
			}
	}
	s += strspn(s, " \t\r\n");
	warning("the SQL's own EXPLAIN is dropped: perfops runs EXPLAIN "
		"(ANALYZE, BUFFERS, FORMAT JSON), or (FORMAT JSON) with "
		"--no-analyze");
	return s;
}

static int run(PGconn *conn, const char *cmd)
{
	struct strbuf sb = STRBUF_INIT;
	PGresult *r = PQexec(conn, cmd);
	int ret = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		ret = error("%s failed: %s", cmd,
			    one_line(PQresultErrorMessage(r), &sb));
	PQclear(r);
	strbuf_release(&sb);
	return ret;
}

int db_explain(const char *conninfo, const char *sql, unsigned flags,
	       struct strbuf *out)
{
	struct strbuf q = STRBUF_INIT, msg = STRBUF_INIT;
	PGresult *r = NULL;
	PGconn *conn;
	size_t len;
	int ret = -1, i;

	sql = skip_explain(sql);
	len = strlen(sql);

	/* EXPLAIN takes one statement: a trailing ';' is no second one. */
	while (len && (sql[len - 1] == ';' || sql[len - 1] == ' ' ||
		       sql[len - 1] == '\n' || sql[len - 1] == '\t'))
		len--;
	if (pqdl_load() < 0)
		return -2;
	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		error("cannot connect to PostgreSQL: %s",
		      one_line(PQerrorMessage(conn), &msg));
		ret = -2;
		goto out;
	}
	if (run(conn, "BEGIN") < 0)
		goto out;
	if (!(flags & DB_EXPLAIN_WRITES) &&
	    run(conn, "SET TRANSACTION READ ONLY") < 0)
		goto rollback;
	strbuf_addstr(&q, flags & DB_EXPLAIN_ANALYZE
			      ? "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
			      : "EXPLAIN (FORMAT JSON) ");
	strbuf_add(&q, sql, len);
	/* The extended protocol runs one statement only, so "SELECT 1;
	 * DROP TABLE t" is refused rather than run. */
	r = PQexecParams(conn, q.buf, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		if (state && !strcmp(state, "25006"))
			error(
			    "the statement writes to the database and EXPLAIN "
			    "ANALYZE would run it: add --analyze-writes to "
			    "run it in a transaction that is rolled back, or "
			    "use --no-analyze");
		else if (strstr(PQresultErrorMessage(r), "multiple commands"))
			error("EXPLAIN takes one statement and the SQL holds "
			      "several (';' between them): give one");
		else
			error("EXPLAIN failed: %s",
			      one_line(PQresultErrorMessage(r), &msg));
		goto rollback;
	}
	for (i = 0; i < PQntuples(r); i++) {
		strbuf_addstr(out, PQgetvalue(r, i, 0));
		strbuf_addch(out, '\n');
	}
	ret = 0;
rollback:
	if (run(conn, "ROLLBACK") < 0)
		ret = -1;
out:
	PQclear(r);
	PQfinish(conn);
	strbuf_release(&q);
	strbuf_release(&msg);
	return ret;
}
