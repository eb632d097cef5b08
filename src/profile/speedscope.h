#ifndef PERFOPS_SPEEDSCOPE_H
#define PERFOPS_SPEEDSCOPE_H

#include <stdio.h>
#include "profile/profile.h"

/*
 * speedscope's JSON file format (specs/profiling.md §5): every frame once
 * in "shared.frames" (with file and line when known), one "sampled"
 * profile per thread (or one named name for a profile without threads),
 * samples root first with their weights taken from the main value.  The
 * unit is "nanoseconds" or "bytes" when the main value has that unit, else
 * "none".  A synthetic root frame that only names the thread is left out
 * of a thread's samples (the profile carries the name).
 */
int speedscope_write(const struct profile *p, const char *name, FILE *fp);

#endif
