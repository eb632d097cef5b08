#ifndef PERFOPS_PQ_H
#define PERFOPS_PQ_H

/*
 * Running EXPLAIN on a live PostgreSQL through libpq.  The statement runs
 * inside a transaction that is always rolled back; unless writes are
 * allowed that transaction is READ ONLY, so the server itself refuses a
 * statement that would write (a function with side effects, SELECT INTO,
 * a data-modifying CTE) instead of perfops guessing from the SQL text.
 */
struct strbuf;

enum db_explain_flags {
	DB_EXPLAIN_ANALYZE = 1 << 0, /* EXPLAIN (ANALYZE, BUFFERS, ...) */
	DB_EXPLAIN_WRITES = 1 << 1,  /* allow a statement that writes */
};

/*
 * Append the JSON plan of sql on the server conninfo names to out.
 * Returns 0; -1 (reported) when EXPLAIN fails; -2 (reported) when the
 * server cannot be reached.
 */
int db_explain(const char *conninfo, const char *sql, unsigned flags,
	       struct strbuf *out);

#endif
