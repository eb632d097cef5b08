#ifndef PERFOPS_REPORT_H
#define PERFOPS_REPORT_H

#include <stdio.h>
#include "profile/profile.h"

/*
 * Top functions of a profile, as `perf report` and `pprof -top` list them.
 * A function's self value is the value of the stacks it is the leaf of;
 * its total value counts each stack it appears in once, even when it
 * recurses.  A synthetic root frame that only names the thread is not a
 * function.  Percentages are of the scope's total (the whole profile, or
 * one thread with --per-thread).
 *
 * A struct report owns its rows; report_release() frees them.
 */
enum report_sort {
	REPORT_SORT_SELF = 0,
	REPORT_SORT_TOTAL,
};

/* Which stacks a report covers. */
enum report_scope {
	REPORT_ALL = 0,
	REPORT_THREAD, /* stacks of thread .key */
	REPORT_ROOT,   /* stacks whose root frame is .key (no thread info) */
};

struct report_row {
	uint32_t frame;
	int64_t self, total;
	/* Sample counts, or -1 when the profile cannot tell them. */
	int64_t self_samples, total_samples;
};

struct report {
	struct report_row *rows;
	size_t nrows;
	int64_t total, samples; /* of the scope; samples -1 when unknown */
};

/* Compute the rows of value k over a scope, sorted as asked. */
void report_compute(const struct profile *p, unsigned k,
		    enum report_scope scope, uint32_t key,
		    enum report_sort sort, struct report *r);
void report_release(struct report *r);

/*
 * The index of a value named by spec: an index ("0", "1") or a sample
 * type name ("cpu", "samples").  Reports its own errors.
 */
int report_value_index(const struct profile *p, const char *spec, unsigned *k);

struct report_opts {
	size_t top; /* rows per table; 0 = all */
	enum report_sort sort;
	int per_thread;
	unsigned value;	  /* index of the value reported */
	const char *name; /* the input, for the header */
};

/* The report as text tables or as one JSON document. */
int report_print(const struct profile *p, const struct report_opts *o,
		 FILE *fp);
int report_json(const struct profile *p, const struct report_opts *o, FILE *fp);

#endif
