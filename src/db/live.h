#ifndef PERFOPS_LIVE_H
#define PERFOPS_LIVE_H

#include <stdio.h>

/*
 * A live PostgreSQL seen through libpq (perfops queries --db): the top
 * statements of pg_stat_statements when the extension is installed, the
 * sessions blocked right now with the sessions blocking them
 * (pg_blocking_pids), and the transactions open longer than a threshold.
 */
struct live_opts {
	int top;	   /* pg_stat_statements rows */
	double long_txn_s; /* a transaction open longer is listed */
	int json;
};

/* Print the report on fp.  Returns 0, -1 when a query fails, -2 when the
 * server cannot be reached (both reported). */
int live_report(const char *conninfo, const struct live_opts *o, FILE *fp);

#endif
