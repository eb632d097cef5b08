#ifndef PERFOPS_FINGERPRINT_H
#define PERFOPS_FINGERPRINT_H

#include <stddef.h>

/*
 * Query fingerprints (spec §3).  PostgreSQL statements get libpg_query's
 * parse-tree fingerprint (close to pg_stat_statements' queryid, but "=",
 * IN lists and "= ANY" of one column share one), and its
 * normalized text ($1, $2 for the constants); a statement it cannot parse
 * (truncated in the log, another dialect) falls back to the pt-query-digest
 * normalization and a hash of it.  The caller owns the strbufs.
 */
struct strbuf;

/*
 * pt-query-digest's normalization of sql[0..len): comments stripped;
 * strings, numbers, true/false/null to '?'; whitespace collapsed; lower
 * case; IN (?, ?) to in(?+); VALUES (...),(...) to one values(?+);
 * "limit ?, ?" to "limit ?".  With SQL_NORM_KEEP_CASE the case is kept (a
 * cache key that cannot merge "Foo" and "foo").  With SQL_NORM_MYSQL the
 * MySQL dialect: "..." is a string, a signed number one constant, "limit ?
 * offset ?" is "limit ?".  Appends to out.
 */
enum sql_norm_flags {
	SQL_NORM_KEEP_CASE = 1 << 0,
	SQL_NORM_MYSQL = 1 << 1,
};
void sql_normalize(const char *sql, size_t len, struct strbuf *out,
		   unsigned flags);

/*
 * The PostgreSQL fingerprint of sql (NUL-terminated) as 16 hex digits in
 * fp and its normalized text in norm.  Returns 0, or -1 when libpg_query
 * cannot parse it (or is not built in); fp and norm then hold the
 * fallback: "x" and the hash of sql_normalize(), and that normalization.
 */
int sql_fingerprint(const char *sql, struct strbuf *fp, struct strbuf *norm);

/* The fallback alone (for the libpg_query-less build and its failures). */
void sql_fallback_fingerprint(const char *sql, struct strbuf *fp,
			      struct strbuf *norm);

/* A MySQL statement's fingerprint: the same, in the MySQL dialect. */
void sql_mysql_fingerprint(const char *sql, struct strbuf *fp,
			   struct strbuf *norm);

#endif
