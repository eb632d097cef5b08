#ifndef PERFOPS_HEAP_GATE_H
#define PERFOPS_HEAP_GATE_H

#include <stdint.h>
#include "heap/analyze.h"

/*
 * CI gates on a heap analysis: "METRIC OP VALUE" such as 'peak>200MB' or
 * 'leaked>0'.  Metrics: allocations, frees, allocated, peak, leaked,
 * leaked_blocks, temporary, rss; OP is one of > >= < <= == !=; VALUE is a
 * number with an optional unit B, kB/K, MB/M, GB/G (powers of 1024).
 */
struct heap_gate {
	int metric;
	int op;
	double value;
	const char *text;
};

/* Parse a gate; returns -1 with a message naming what is wrong. */
int heap_gate_parse(const char *text, struct heap_gate *g);
/* Whether the gate fails on a; *got is the metric's value. */
int heap_gate_fails(const struct heap_gate *g, const struct heap_analysis *a,
		    double *got);
/* Whether the metric is a size in bytes (for messages). */
int heap_gate_is_bytes(const struct heap_gate *g);

/* "512K", "1.5MB", "4096": bytes; -1 on junk or a negative value. */
int heap_parse_size(const char *s, double *bytes);

#endif
