#ifndef PERFOPS_NPLUS1_H
#define PERFOPS_NPLUS1_H

#include <stddef.h>
#include <stdint.h>
#include "core/intern.h"

/*
 * N+1 from logs alone (spec §5): within one session (the %c session id,
 * else the pid), a run of at least min_run consecutive statements with the
 * same fingerprint that each look up a single key ("= $1", or an IN list
 * of one), no two of them further apart than the window.  Each run found
 * is reported with the statement that came before it (the parent, whose
 * rows the loop walks), the child's normalized text, N and the child's
 * time within the run.  The detector owns its runs and strings;
 * nplus1_release() frees them.
 */

struct nplus1_run {
	char *session;
	char *parent; /* normalized text, or NULL when the run opens the
			 session */
	char *child;
	uint64_t n;
	double total_ms;
	char *first_seen;
	double parent_rows;	/* rows the parent sent (MySQL), or -1 */
	const char *confidence; /* "high": the parent sent about N rows;
				   "medium": a parent; "low": none */
};

struct nplus1_session {
	const char *child; /* the run's fingerprint (owned by the digest) */
	char *child_query;
	char *parent;	  /* the statement before the run */
	char *last_query; /* the last statement's normalized text */
	const char *last_fp;
	uint64_t n;
	double total_ms, last_t;
	char *first_seen;
	int single_key;
	double last_rows, parent_rows;
};

struct nplus1 {
	unsigned min_run;
	double window_s;
	struct intern sessions;
	struct nplus1_session *s;
	size_t ns, as;
	struct nplus1_run *runs;
	size_t n, alloc;
};

void nplus1_init(struct nplus1 *x, unsigned min_run, double window_s);
void nplus1_release(struct nplus1 *x);
/*
 * One statement of session (in log order): its fingerprint (a string that
 * outlives the detector), normalized text, time and timestamp.
 */
void nplus1_add(struct nplus1 *x, const char *session, const char *fp,
		const char *query, double ms, const char *ts);
/* The rows the session's last statement sent, when the log says (MySQL's
 * Rows_sent); -1 when it does not. */
void nplus1_rows(struct nplus1 *x, const char *session, double rows);
/* End the open runs (at the end of the logs). */
void nplus1_finish(struct nplus1 *x);

/* Whether a normalized statement looks up one key: "= $1" or "IN ($1)",
 * and no IN list of several. */
int nplus1_single_key(const char *query);

#endif
