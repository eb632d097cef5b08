#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "db/digest.h"
#include "db/fingerprint.h"
#include "db/gate.h"
#include "db/nplus1.h"
#include "db/pglog.h"
#include <criterion/criterion.h>

#ifndef PERFOPS_SRCDIR
#define PERFOPS_SRCDIR "."
#endif

static void norm_is(const char *sql, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	sql_normalize(sql, strlen(sql), &sb, 0);
	cr_assert_str_eq(sb.buf, want, "%s", sql);
	strbuf_release(&sb);
}

/* pt-query-digest's normalization (spec §3). */
Test(queries, normalize)
{
	norm_is("SELECT * FROM t WHERE a = 'x''y' AND b IN (1, 2, 3)",
		"select * from t where a = ? and b in(?+)");
	norm_is("select  *\n\tfrom t1 -- a comment\n where x = 1.5e3 /* c */",
		"select * from t1 where x = ?");
	norm_is("INSERT INTO t VALUES (1, 'a'), (2, 'b'),(3,'c');",
		"insert into t values(?+)");
	norm_is("SELECT a FROM t WHERE b = true OR c IS NULL LIMIT 10, 20",
		"select a from t where b = ? or c is ? limit ?");
	norm_is("SELECT * FROM t WHERE id = $1 AND s IN (SELECT x FROM u)",
		"select * from t where id = ? and s in (select x from u)");
	norm_is("SELECT 'it''s' || \"Col\" FROM t",
		"select ? || \"col\" from t");
}

static void mysql_is(const char *sql, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	sql_normalize(sql, strlen(sql), &sb, SQL_NORM_MYSQL);
	cr_assert_str_eq(sb.buf, want, "%s", sql);
	strbuf_release(&sb);
}

/* pt-query-digest's rules where MySQL differs, and the ';' that hid the
 * LIMIT rule. */
Test(queries, normalize_mysql)
{
	norm_is("SELECT a FROM t LIMIT 10, 20;", "select a from t limit ?");
	mysql_is("SELECT a FROM t LIMIT 10, 20 ;", "select a from t limit ?");
	mysql_is("SELECT a FROM t LIMIT 5 OFFSET 10",
		 "select a from t limit ?");
	norm_is("SELECT a FROM t LIMIT 5 OFFSET 10",
		"select a from t limit ? offset ?");
	mysql_is("SELECT * FROM u WHERE n = \"O\\\"Brien\" OR n = \"it's\"",
		 "select * from u where n = ? or n = ?");
	mysql_is(
	    "SELECT * FROM a WHERE b > -500 AND c IN (-1, +2) AND d = 1.5e-3",
	    "select * from a where b > ? and c in(?+) and d = ?");
	mysql_is("SELECT a - 1, b-2 FROM t", "select a - ?, b-? from t");
	mysql_is("SELECT * FROM t LIMIT -1", "select * from t limit ?");
}

/* The same fingerprint whatever the constants and the IN list length;
 * libpg_query's normalized text keeps the statement's case. */
Test(queries, fingerprint)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, n = STRBUF_INIT;

	cr_assert_eq(
	    sql_fingerprint("SELECT * FROM t WHERE id IN (1, 2, 3)", &a, &n),
	    0);
	cr_assert_eq(a.len, 16);
	cr_assert_str_eq(n.buf, "SELECT * FROM t WHERE id IN ($1, $2, $3)");
	cr_assert_eq(sql_fingerprint("select * from t where id in (7)", &b, &n),
		     0);
	cr_assert_str_eq(a.buf, b.buf);
	cr_assert_eq(sql_fingerprint("SELECT * FROM u WHERE id IN (1)", &b, &n),
		     0);
	cr_assert_str_neq(a.buf, b.buf);
	/* Coarser than pg_stat_statements' queryid, as the manual says:
	 * "=", IN and "= ANY" of one column are one fingerprint. */
	cr_assert_eq(sql_fingerprint("SELECT * FROM t WHERE id = 5", &b, &n),
		     0);
	cr_assert_str_eq(a.buf, b.buf);
	cr_assert_eq(
	    sql_fingerprint("SELECT * FROM t WHERE id = ANY('{1,2}')", &b, &n),
	    0);
	cr_assert_str_eq(a.buf, b.buf);
	/* What libpg_query cannot parse falls back. */
	cr_assert_eq(sql_fingerprint("SELEC broken 'x'", &b, &n), -1);
	cr_assert_eq(b.buf[0], 'x');
	cr_assert_str_eq(n.buf, "selec broken ?");
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&n);
}

static void digest_file(struct digest *d, const char *name,
			struct pglog_counts *c)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/tests/data/db/logs/%s", PERFOPS_SRCDIR,
		 name);
	digest_init(d, 5, 1.0);
	cr_assert_eq(pglog_read(path, digest_add, d, c), 0);
	digest_finish(d);
}

/* digest_file() of a log every line of which is PostgreSQL's, with this
 * many statements. */
static void digest_whole(struct digest *d, const char *name,
			 uint64_t statements)
{
	struct pglog_counts c;

	digest_file(d, name, &c);
	cr_assert_eq(d->statements, statements, "%s", name);
	cr_assert_eq(c.unknown, 0, "%s", name);
}

static const struct digest_group *group(const struct digest *d,
					const char *query)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->groups[i].query, query))
			return &d->groups[i];
	cr_assert_fail("no group '%s'", query);
	return NULL;
}

/* A real PostgreSQL 15 log: simple and extended protocol. */
Test(queries, pg15_log)
{
	struct digest d;
	const struct digest_group *g;

	digest_whole(&d, "pg15-default-prefix.log", 40);
	g = group(&d, "SELECT * FROM orders WHERE id = $1");
	cr_assert_eq(g->count, 30);
	cr_assert_float_eq(g->max_ms, 0.683, 1e-9);
	cr_assert_str_eq(g->example, "SELECT * FROM orders WHERE id = 1;");
	cr_assert_str_eq(g->first_seen, "2026-12-02 02:15:11.135 UTC");
	g = group(&d, "SELECT * FROM orders WHERE customer_id = $1");
	cr_assert_eq(g->count, 5);
	cr_assert_float_eq(g->total_ms,
			   0.005 + 19.318 + 15.412 + 16.512 + 14.411, 1e-9);
	cr_assert_float_eq(g->median_ms, 15.412, 1e-9);
	cr_assert_str_eq(g->example_params, "$1 = '3873'");
	/* Ordered by total time. */
	cr_assert_eq(&d.groups[0], g);
	digest_release(&d);
}

/* log_destination = syslog, as rsyslog writes it: a message longer than a
 * line goes on in "[N-2]", "[N-3]" lines, its TABs as "#011"; the time is
 * syslog's own. */
Test(queries, syslog)
{
	struct digest d;
	const struct digest_group *g;

	digest_whole(&d, "syslog.log", 3);
	g = group(&d, "SELECT *\n  FROM orders\n WHERE id = $1");
	cr_assert_eq(g->count, 1);
	cr_assert_str_eq(g->first_seen, "Dec  2 05:06:35");
	g = group(&d, "SELECT * FROM orders WHERE customer_id = $1");
	cr_assert_eq(g->count, 2);
	cr_assert_str_eq(g->example_params, "$1 = '270'");
	digest_release(&d);
}

/* log_statement + log_duration: a bare duration pairs with its own
 * session's statement, continuation lines join, junk is counted. */
Test(queries, statement_then_duration)
{
	struct pglog_counts c;
	struct digest d;
	const struct digest_group *g;

	digest_file(&d, "log-statement-duration.log", &c);
	cr_assert_eq(d.statements, 3);
	cr_assert_eq(c.unknown, 1);
	cr_assert_eq(c.first_unknown, 10);
	g = group(&d, "SELECT $1");
	cr_assert_eq(g->count, 2);
	cr_assert_float_eq(g->total_ms, 2.0, 1e-9);
	g = group(&d, "UPDATE t SET a = $1\n  WHERE id = $2");
	cr_assert_float_eq(g->total_ms, 3.0, 1e-9);
	cr_assert_str_eq(g->first_seen, "2026-12-02 10:00:01 UTC");
	digest_release(&d);
}

static int keep_session(const struct pglog_stmt *st, void *data)
{
	struct strbuf *sb = data;

	strbuf_addf(sb, "%s|", st->session);
	return 0;
}

/* Prefixes that end right before the severity ('< %m >', '%m|%p|%u|'):
 * real PostgreSQL 15 logs, every statement read, the pid found. */
Test(queries, prefix_without_space)
{
	struct pglog_counts c;
	struct strbuf sb = STRBUF_INIT;
	struct digest d;
	char path[512];

	digest_whole(&d, "prefix-angle.log", 33);
	cr_assert_eq(
	    group(&d, "SELECT * FROM orders WHERE customer_id = $1")->count,
	    10);
	digest_release(&d);
	digest_whole(&d, "prefix-pipe.log", 3);
	cr_assert_str_eq(d.groups[0].first_seen, "2026-12-02 05:09:46.761 UTC");
	digest_release(&d);
	snprintf(path, sizeof(path), "%s/tests/data/db/logs/prefix-pipe.log",
		 PERFOPS_SRCDIR);
	cr_assert_eq(pglog_read(path, keep_session, &sb, &c), 0);
	cr_assert_str_eq(sb.buf, "pid 18123|pid 18123|pid 18123|");
	strbuf_release(&sb);
}

/* %c sessions; an unparsable statement; auto_explain is no statement. */
Test(queries, session_and_fallback)
{
	struct strbuf sb = STRBUF_INIT;
	struct pglog_counts c;
	struct digest d;
	char path[512];

	snprintf(path, sizeof(path), "%s/tests/data/db/logs/session-id.log",
		 PERFOPS_SRCDIR);
	cr_assert_eq(pglog_read(path, keep_session, &sb, &c), 0);
	cr_assert_str_eq(sb.buf, "6569d1a3.64|6569d1a3.64|6569d1a3.64|");
	strbuf_release(&sb);
	digest_file(&d, "session-id.log", &c);
	cr_assert_eq(d.statements, 3);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(group(&d, "SELECT * FROM t WHERE id = $1")->count, 2);
	cr_assert_eq(group(&d, "selec broken syntax ?")->count, 1);
	cr_assert_eq(d.unparsed, 1);
	digest_release(&d);
}

Test(queries, single_key)
{
	cr_assert(nplus1_single_key("SELECT * FROM t WHERE id = $1"));
	cr_assert(nplus1_single_key("SELECT * FROM t WHERE id IN ($1)"));
	cr_assert(nplus1_single_key("SELECT * FROM t WHERE a = $1 AND b > $2"));
	cr_assert_not(
	    nplus1_single_key("SELECT * FROM t WHERE id IN ($1, $2)"));
	cr_assert_not(nplus1_single_key("SELECT * FROM t WHERE id >= $1"));
	cr_assert_not(nplus1_single_key("SELECT * FROM t WHERE id <> $1"));
	cr_assert_not(nplus1_single_key("SELECT * FROM t"));
	cr_assert_not(nplus1_single_key("BEGIN"));
	/* pt-query-digest's normalization (MySQL) */
	cr_assert(nplus1_single_key("select * from t where id = ?"));
	cr_assert_not(nplus1_single_key("select * from t where id >= ?"));
	cr_assert_not(nplus1_single_key("select * from t where data ? $1"));
}

/* Runs per session, broken by another shape or a gap over the window;
 * interleaved sessions do not break each other's runs. */
Test(queries, nplus1_runs)
{
	static const char fp_parent[] = "p", fp_child[] = "c";
	char ts[64];
	struct nplus1 x;
	int i;

	nplus1_init(&x, 5, 1.0);
	nplus1_add(&x, "s1", fp_parent, "SELECT id FROM a", 1,
		   "2026-12-02 10:00:00.000 UTC");
	for (i = 0; i < 6; i++) {
		snprintf(ts, sizeof(ts), "2026-12-02 10:00:00.%03d UTC",
			 100 + i * 100);
		nplus1_add(&x, "s1", fp_child, "SELECT * FROM b WHERE a = $1",
			   0.5, ts);
		/* Another session in between. */
		nplus1_add(&x, "s2", fp_child, "SELECT * FROM b WHERE a = $1",
			   0.5, ts);
		if (i == 2) /* s2: a gap of 2 s ends its run at 3 */
			nplus1_add(&x, "s2", fp_child,
				   "SELECT * FROM b WHERE a = $1", 0.5,
				   "2026-12-02 10:00:03.000 UTC");
	}
	nplus1_add(&x, "s1", fp_parent, "SELECT id FROM a", 1,
		   "2026-12-02 10:00:01.000 UTC");
	nplus1_finish(&x);
	cr_assert_eq(x.n, 1);
	cr_assert_str_eq(x.runs[0].session, "s1");
	cr_assert_str_eq(x.runs[0].parent, "SELECT id FROM a");
	cr_assert_eq(x.runs[0].n, 6);
	cr_assert_float_eq(x.runs[0].total_ms, 3.0, 1e-9);
	cr_assert_str_eq(x.runs[0].first_seen, "2026-12-02 10:00:00.100 UTC");
	nplus1_release(&x);
}

Test(queries, gates)
{
	struct gate g;

	cr_assert_eq(gate_parse("p95>200ms", &g), 0);
	cr_assert_eq(g.metric, GATE_P95);
	cr_assert_eq(g.op, '>');
	cr_assert_float_eq(g.value, 200, 0);
	cr_assert_eq(gate_parse(" max >= 1.5s", &g), 0);
	cr_assert_eq(g.op, 'g');
	cr_assert_float_eq(g.value, 1500, 1e-9);
	cr_assert_eq(gate_parse("avg<250us", &g), 0);
	cr_assert_float_eq(g.value, 0.25, 1e-12);
	cr_assert_eq(gate_parse("n_plus_one>0", &g), 0);
	cr_assert_eq(g.metric, GATE_N_PLUS_ONE);
	error_set_quiet(1);
	cr_assert_eq(gate_parse("n_plus_one>0ms", &g), -1);
	cr_assert_eq(gate_parse("p99>1", &g), -1);
	cr_assert_eq(gate_parse("p95=1", &g), -1);
	cr_assert_eq(gate_parse("p95>", &g), -1);
	error_set_quiet(0);
}

/* log_lock_waits on a real PostgreSQL 15: a wait completed by its
 * "acquired" line, one ended by a deadlock, and the deadlock itself. */
Test(queries, lock_waits)
{
	struct pglog_counts c;
	struct digest d;

	digest_file(&d, "pg15-locks.log", &c);
	cr_assert_eq(d.nlocks, 3);
	cr_assert_str_eq(d.locks[0].session, "6b0f8261.5d5a");
	cr_assert_str_eq(d.locks[0].lock, "ShareLock on transaction 782");
	cr_assert_str_eq(d.locks[0].blocker, "23773");
	cr_assert_float_eq(d.locks[0].wait_ms, 948.995, 1e-9);
	cr_assert(d.locks[0].acquired);
	cr_assert_str_eq(d.locks[0].statement,
			 "UPDATE orders SET amount = amount + 0 WHERE id = 1");
	cr_assert_float_eq(d.locks[2].wait_ms, 103.806, 1e-9);
	cr_assert_not(d.locks[2].acquired);
	cr_assert_eq(d.ndeadlocks, 1);
	cr_assert(strstr(d.deadlocks[0].detail,
			 "Process 24104: UPDATE orders SET amount = amount "
			 "WHERE id = 11"));
	cr_assert_str_eq(d.deadlocks[0].statement,
			 "UPDATE orders SET amount = amount WHERE id = 10");
	/* The waits' statements still count as statements. */
	cr_assert_eq(group(&d, "UPDATE orders SET amount = amount + $1 WHERE "
			       "id = $2")
			 ->count,
		     1);
	digest_release(&d);
}

static void check_two(const char *name)
{
	struct pglog_counts c;
	struct digest d;
	const struct digest_group *g;

	digest_file(&d, name, &c);
	cr_assert_eq(d.statements, 2, "%s", name);
	cr_assert_eq(c.unknown, 0, "%s", name);
	g = group(&d, "SELECT $1 AS s,\n       count(*)\n  FROM orders");
	cr_assert_str_eq(
	    g->example,
	    "SELECT 'a,b\"c' AS s,\n       count(*)\n  FROM orders;");
	cr_assert_float_eq(g->total_ms, 46.94, 1e-9);
	cr_assert_str_eq(g->first_seen, "2026-12-02 02:33:30.013 UTC");
	cr_assert_eq(group(&d, "SELECT * FROM orders WHERE id = $1")->count, 1);
	digest_release(&d);
}

/* csvlog (26 columns; 23 as PostgreSQL 12 writes it) with a quoted
 * newline, comma and quote in a field; jsonlog; the same statements. */
Test(queries, csvlog_and_jsonlog)
{
	check_two("pg15-csvlog.csv");
	check_two("pg12-csvlog.csv");
	check_two("pg15-jsonlog.json");
}

/* '%l %p %m ': found in each line, the line number would pass for the
 * pid (one session per line, no N+1); the given prefix tells them apart. */
Test(queries, given_prefix)
{
	struct pglog_counts c;
	struct digest d;
	char path[512];

	snprintf(path, sizeof(path), "%s/tests/data/db/logs/prefix-l-p.log",
		 PERFOPS_SRCDIR);
	digest_init(&d, 5, 1.0);
	cr_assert_eq(pglog_read(path, digest_add, &d, &c), 0);
	digest_finish(&d);
	cr_assert_eq(d.np.n, 0);
	digest_release(&d);

	digest_init(&d, 5, 1.0);
	cr_assert_eq(pglog_read_prefix(path, "%l %p %m ", digest_add, &d, &c),
		     0);
	digest_finish(&d);
	cr_assert_eq(c.prefix_mismatch, 0);
	cr_assert_eq(d.np.n, 1);
	cr_assert_str_eq(d.np.runs[0].session, "pid 4242");
	cr_assert_eq(d.np.runs[0].n, 5);
	cr_assert_str_eq(d.groups[0].first_seen, "2026-12-02 10:00:00.101 UTC");
	digest_release(&d);

	/* A prefix that does not fit: counted, and the line still read. */
	digest_init(&d, 5, 1.0);
	cr_assert_eq(pglog_read_prefix(path, "[%p] ", digest_add, &d, &c), 0);
	cr_assert_eq(c.prefix_mismatch, 5);
	cr_assert_eq(c.first_mismatch, 1);
	cr_assert_eq(d.statements, 5);
	digest_release(&d);
}

/* Past exact_cap durations a fingerprint's go to a histogram: memory
 * stays bounded, the median and p95 within 3 significant figures. */
Test(queries, bounded_percentiles)
{
	struct digest exact, bounded;
	struct pglog_stmt st = {.ts = "", .session = "s", .rows = -1};
	int i;

	digest_init(&exact, 5, 1.0);
	digest_init(&bounded, 5, 1.0);
	bounded.exact_cap = 100;
	for (i = 1; i <= 5000; i++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "SELECT * FROM t WHERE a > %d", i);
		st.sql = sql;
		st.ms = (i * 7919 % 5000) * 0.25 + 0.25;
		digest_add(&st, &exact);
		digest_add(&st, &bounded);
	}
	digest_finish(&exact);
	digest_finish(&bounded);
	cr_assert_null(exact.groups[0].hist);
	cr_assert_not_null(bounded.groups[0].hist);
	cr_assert_eq(bounded.groups[0].nms, 0);
	cr_assert_eq(bounded.groups[0].count, 5000);
	cr_assert_float_eq(bounded.groups[0].total_ms, exact.groups[0].total_ms,
			   1e-6);
	cr_assert_float_eq(bounded.groups[0].max_ms, 1250, 0);
	cr_assert_float_eq(bounded.groups[0].p95_ms, exact.groups[0].p95_ms,
			   exact.groups[0].p95_ms * 2e-3);
	cr_assert_float_eq(bounded.groups[0].median_ms,
			   exact.groups[0].median_ms,
			   exact.groups[0].median_ms * 2e-3);
	digest_release(&exact);
	digest_release(&bounded);
}
