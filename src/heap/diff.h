#ifndef PERFOPS_HEAP_DIFF_H
#define PERFOPS_HEAP_DIFF_H

#include <stdio.h>
#include "heap/analyze.h"

/*
 * Two heap analyses compared: the totals side by side, and allocation
 * stacks (matched by their symbolized frames, whatever the pids) ordered
 * by how much their bytes allocated changed.  Returns -1 on a write error.
 */
int heap_diff_print(const struct heap_analysis *old,
		    const struct heap_analysis *new, size_t top, FILE *fp);
int heap_diff_json(const struct heap_analysis *old,
		   const struct heap_analysis *new, size_t top, FILE *fp);

#endif
