#ifndef PERFOPS_PRESET_H
#define PERFOPS_PRESET_H

#include "load/load.h"
#include "load/threshold.h"
#include <stdio.h>

/*
 * The six test types as stage shapes, scaled by a peak P (the rate, or
 * the connections in closed loop) and the whole duration D:
 *   smoke       1 (one request/s or one connection) for D
 *   load        0 -> P over 10% of D, P for 80%, P -> 0 over 10%
 *   stress      0 -> P over 10%, P for 30%, P -> 2P over 10%, 2P for 40%,
 *               2P -> 0 over 10%
 *   spike       0 -> P/10 over 5%, P/10 for 35%, P/10 -> P over 5%, P for
 *               10%, P -> P/10 over 5%, P/10 for 35%, P/10 -> 0 over 5%
 *   soak        0 -> P over 5%, P for 90%, P -> 0 over 5% (with a long D)
 *   breakpoint  0 -> P over D, a steady climb to find where it breaks
 */
extern const char *const load_preset_names[]; /* NULL-terminated */

/* Fill stages (room for 8) for preset index i; returns their number. */
size_t load_preset_stages(int i, double peak, double duration,
			  struct sched_stage *stages);

/*
 * Search the highest open-loop rate at which every threshold holds (and
 * nothing is dropped or fails): double the rate from o->rate until a run
 * fails, then bisect between the last rate that held and the first that
 * failed until they are within 10% (at most 8 runs more).  Each try is a
 * run of o->duration_s, printed to log as it ends.  Sets *best to the
 * highest rate that held (0 if none did); -1 on a setup failure.
 */
int load_find_max(const struct load_opts *o, const struct threshold *th,
		  size_t nth, FILE *log, double *best);

#endif
