#ifndef PERFOPS_FOLDED_H
#define PERFOPS_FOLDED_H

#include <stdio.h>
#include "profile/profile.h"

/*
 * Folded ("collapsed") stacks: one "root;...;leaf COUNT" line per stack,
 * or "stack BEFORE AFTER" for a differential profile (difffolded.pl).
 */

/*
 * Write p as folded lines in byte order of the stacks: one count (the
 * main value), or "BEFORE AFTER" for a differential profile.
 */
int folded_write(const struct profile *p, FILE *fp);
/*
 * An exact count, as "%" PRId64 prints it, in buf (at least 21 bytes),
 * without snprintf: this runs for every line of an output.
 */
void folded_format_count(int64_t v, char *buf);
/* Format a value the way Perl prints a number (integers without ".0"). */
void folded_format_value(double v, char *buf, size_t size);

#endif
