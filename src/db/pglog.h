#ifndef PERFOPS_PGLOG_H
#define PERFOPS_PGLOG_H

#include "core/intern.h"
#include <stdint.h>

/*
 * PostgreSQL stderr logs (spec §4): each line is a log_line_prefix, a
 * severity ("LOG:  ") and a message; continuation lines start with a TAB.
 * The prefix is not needed up front: the timestamp (%t, %m), the process
 * id (%p, as "[123]" or "pid=123"), the session id (%c) and user@db are
 * recognised in whatever prefix each line has, so a log whose
 * log_line_prefix is unknown is still read (pgBadger's "0 queries").
 *
 * Statements come from "duration: X ms  statement: SQL", "duration: X ms
 * execute NAME: SQL" (with its "DETAIL:  parameters: ..."), and a bare
 * "duration: X ms" paired with the session's earlier "statement:" line
 * (log_statement plus log_duration).  parse and bind phases and
 * auto_explain plans are not statements.  Plain files and gzip'd ones are
 * read the same way, streaming, in memory bounded by the longest message.
 */

enum pglog_kind {
	PGLOG_STATEMENT = 0,
	/* log_lock_waits: "process N still waiting for L after X ms" (the
	 * wait so far) or "process N acquired L after X ms" (the whole
	 * wait); sql is the waiting statement when logged, or "". */
	PGLOG_LOCK_WAIT,
	/* "ERROR:  deadlock detected"; detail holds who waited for whom. */
	PGLOG_DEADLOCK,
	/* auto_explain's "duration: X ms  plan:": sql is the plan's text
	 * (text or JSON format, "Query Text" first); pglog_read_plans()
	 * only. */
	PGLOG_PLAN,
};

struct pglog_stmt {
	enum pglog_kind kind;
	double ms;
	const char *ts;	     /* as logged, "" when the prefix has none */
	const char *session; /* %c, else "pid N", else "" */
	const char *sql;
	const char *params; /* "$1 = '42'" or NULL */
	uint64_t lineno;    /* where the statement's message starts */
	/* Lock waits and deadlocks only: */
	const char *lock;    /* "ShareLock on transaction 745" */
	const char *blocker; /* the holding pids as logged, "" if unknown */
	int acquired;
	const char *detail;
	/* MySQL slow log: Rows_sent (-1 when not logged), and fingerprints
	 * are pt-query-digest's, not libpg_query's. */
	double rows;
	int mysql;
};

/* Called for each statement, lock wait and deadlock (st->kind); the
 * strings live until it returns.  A
 * non-zero return stops the reading. */
typedef int (*pglog_fn)(const struct pglog_stmt *st, void *data);

struct pglog_counts {
	uint64_t lines, messages, statements, unknown;
	uint64_t first_unknown; /* line number of the first unknown line */
	/* Lines a given log_line_prefix did not fit, and the first. */
	uint64_t prefix_mismatch, first_mismatch;
};

/*
 * What one log leaves for the next when a rotated series is read in order:
 * each session's "statement:" line still waiting for its bare "duration:"
 * (log_statement with log_duration).  The carry owns its strings;
 * pglog_carry_release() frees them.
 */
struct pglog_carry {
	struct intern sessions;
	struct strbuf *last; /* by session id */
	size_t nlast, alast;
};
void pglog_carry_init(struct pglog_carry *c);
void pglog_carry_release(struct pglog_carry *c);

/* Read path ("-" for stdin, gzip or not); returns 0, or -1 (reported). */
int pglog_read(const char *path, pglog_fn fn, void *data,
	       struct pglog_counts *counts);

/* The same with a given log_line_prefix ("%m [%p] %q%u@%d "), which
 * tells the timestamp, pid and session apart where the prefix fits; NULL
 * or "" detects them from each line. */
int pglog_read_prefix(const char *path, const char *prefix, pglog_fn fn,
		      void *data, struct pglog_counts *counts);

/* The same, one log of a series: carry (or NULL) takes what the log
 * before left and keeps what this one leaves. */
int pglog_read_carry(const char *path, const char *prefix,
		     struct pglog_carry *carry, pglog_fn fn, void *data,
		     struct pglog_counts *counts);

/* One record of csvlog or jsonlog, the fields perfops reads. */
struct pglog_record {
	const char *ts, *pid, *session, *severity, *message, *detail,
	    *statement;
};
/*
 * Read one jsonlog line into r (strings kept in buf, which the caller
 * owns); -1 when it is no JSON object or jansson is not built in.
 */
struct strbuf;
int pglog_json_record(const char *line, size_t len, struct pglog_record *r,
		      struct strbuf *buf);

/* The same from fd, which it closes; name is for messages. */
int pglog_read_fd(int fd, const char *name, pglog_fn fn, void *data,
		  struct pglog_counts *counts);

/* The same for auto_explain's plans (PGLOG_PLAN) and nothing else: the
 * reader of a plan given as a csvlog or jsonlog file. */
int pglog_read_plans_fd(int fd, const char *name, pglog_fn fn, void *data,
			struct pglog_counts *counts);

#endif
