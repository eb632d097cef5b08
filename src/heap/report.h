#ifndef PERFOPS_HEAP_REPORT_H
#define PERFOPS_HEAP_REPORT_H

#include <stdio.h>
#include "heap/analyze.h"

struct profile;

/* The reports of `perfops heap` from an analysis. */
struct heap_report_opts {
	size_t top; /* rows per table; 0 = all */
};

/* The text report; returns -1 on a write error. */
int heap_report_print(const struct heap_analysis *a,
		      const struct heap_report_opts *o, FILE *fp);
/* The same as one JSON document. */
int heap_report_json(const struct heap_analysis *a,
		     const struct heap_report_opts *o, FILE *fp);

/* What a one-value profile (folded, flame graph) weighs stacks by. */
enum heap_weight {
	HEAP_WEIGHT_BYTES,     /* bytes allocated */
	HEAP_WEIGHT_COUNT,     /* allocations */
	HEAP_WEIGHT_LEAKED,    /* bytes live at exit, not suppressed */
	HEAP_WEIGHT_PEAK,      /* bytes live at the peak */
	HEAP_WEIGHT_TEMPORARY, /* temporary allocations */
	HEAP_WEIGHT_PPROF,     /* four values: alloc_space, alloc_objects,
				  inuse_space, inuse_objects (inuse = at exit) */
};
extern const char *const heap_weight_names[]; /* NULL-terminated */

/* Fill p (initialized here) with the sites weighed by w. */
void heap_profile(const struct heap_analysis *a, enum heap_weight w,
		  struct profile *p);

/* "1.5 MB": bytes in powers of 1024 (into a static buffer ring). */
const char *heap_bytes(double v);

/*
 * The heap and RSS timeline of the process with the largest peak as an
 * SVG chart (two lines over time); returns -1 on a write error.
 */
int heap_timeline_svg(const struct heap_analysis *a, FILE *fp);
#endif
