#ifndef PERFOPS_DIGEST_H
#define PERFOPS_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/hist.h"
#include "core/intern.h"
#include "db/nplus1.h"

/*
 * A query-log digest in pt-query-digest's shape (spec §4): statements
 * grouped by fingerprint, each group with its count, total, min, max,
 * mean, median and p95 time, share of the total, first and last seen and
 * an example (the slowest statement, with its parameters).  Every logged
 * statement counts, BEGIN, COMMIT and utility statements included.
 *
 * The digest owns its groups and strings; digest_release() frees them.
 * Memory grows with the number of distinct statement shapes, not with the
 * number of statements (see exact_cap).
 */
struct pglog_stmt;

struct digest_group {
	char *fingerprint; /* 16 hex digits (libpg_query), or "x..." */
	char *query;	   /* the normalized text */
	uint64_t count;
	double total_ms, min_ms, max_ms;
	double *ms; /* the durations, for the median and p95 ... */
	size_t nms, ams;
	struct hist *hist; /* ... or, past exact_cap of them, all of them in
			      microseconds at 3 significant figures */
	char *first_seen, *last_seen;
	char *example, *example_params;
	double example_ms;
	double rows; /* the sum of Rows_sent (MySQL), or -1 */
	/* Derived by digest_finish(). */
	double median_ms, p95_ms;
};

/* One lock wait (log_lock_waits), or a deadlock (no lock, wait 0). */
struct digest_lock {
	char *session, *blocker, *lock, *statement, *first_seen, *detail;
	double wait_ms;
	int acquired;
};

struct digest {
	struct digest_group *groups;
	size_t n, alloc;
	struct intern fingerprints; /* id = index in groups */
	struct intern shapes;	    /* cheap normalization -> group */
	uint32_t *shape_group;
	size_t shape_alloc;
	uint64_t statements;
	double total_ms;
	char *first_seen, *last_seen;
	size_t parsed, unparsed; /* fingerprints from libpg_query or not */
	/* Durations kept exactly per fingerprint (default 10000); past it a
	 * fingerprint's go to a histogram, so memory stays bounded however
	 * long the log. */
	size_t exact_cap;
	struct nplus1 np; /* N+1 runs, spec §5 */
	struct digest_lock *locks, *deadlocks;
	size_t nlocks, alocks, ndeadlocks, adeadlocks;
};

/* An N+1 run is min_run statements or more, no two further apart than
 * window_s seconds (defaults 5 and 1 s). */
void digest_init(struct digest *d, unsigned min_run, double window_s);
void digest_release(struct digest *d);
/* Add one statement (a pglog_fn: returns 0). */
int digest_add(const struct pglog_stmt *st, void *digest);
/* Sort the groups by total time and compute the percentiles. */
void digest_finish(struct digest *d);

void digest_print_text(const struct digest *d, size_t top, FILE *fp);
void digest_write_json(const struct digest *d, size_t top, FILE *fp);

#endif
