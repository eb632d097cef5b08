#ifndef PERFOPS_PERFSCRIPT_H
#define PERFOPS_PERFSCRIPT_H

#include "core/lines.h"
#include "profile/read.h"

/*
 * `perf script` text folded into the profile model with the rules of
 * FlameGraph's stackcollapse-perf.pl (commit 41fee1f), byte for byte:
 * each unique stack becomes one profile stack whose frames are the
 * collapsed names (the process name first) and whose value is the summed
 * period (or the sample count when perf printed no period).
 */

/*
 * Read every line of lr into p (initialised by the caller with one value).
 * Reports its own errors: a malformed line (with its number) or an input
 * without any stack ("no stacks found; record with -g").  What was read
 * stays in p even when it returns -1.
 */
int perfscript_read(struct profile *p, struct lines *lr,
		    const struct read_opts *opts);

/* Whether the first bytes of an input look like perf script text. */
int perfscript_detect(const char *data, size_t len);

#endif
