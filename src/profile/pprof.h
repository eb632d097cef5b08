#ifndef PERFOPS_PPROF_H
#define PERFOPS_PPROF_H

#include <stdio.h>
#include "profile/profile.h"

/*
 * pprof's profile.proto (package perftools.profiles), the format `go tool
 * pprof`, Grafana Pyroscope and Parca read.  See specs/profiling.md §4.
 *
 * Mapping to the profile model:
 * - one Function per frame name (with the file of the frame when known),
 *   one Location per run of a frame and the FRAME_INLINE frames after it
 *   (Lines innermost first), with the frame's address and mapping;
 * - sample_type from p->type/p->unit, the CPU convention (period_type
 *   cpu/nanoseconds, period, time and duration) when the values are
 *   samples/count and cpu/nanoseconds;
 * - the thread of a stack as labels "thread" (comm), "pid" and "tid";
 *   a FRAME_SYNTHETIC root frame that only names the thread (see
 *   profile_is_thread_root()) is left out, and the reader puts it back as
 *   "comm-PID/TID", so flame graphs of pprof input look like the output of
 *   `perfops collapse --tid`.
 */

/* Protobuf input (as read, before any inflating) larger than this is
 * refused. */
#define PPROF_MAX_SIZE ((size_t)1 << 30)

/*
 * A gzip-compressed profile that inflates to more than this many MB is
 * refused as soon as inflating passes it, so that a small gzip bomb costs
 * no more than the limit in memory and time.  PERFOPS_PPROF_MAX_MB
 * raises (or lowers) it.  Real profiles are far smaller: a Go CPU profile
 * is kilobytes, a large heap profile tens of MB.
 */
#define PPROF_INFLATE_MAX_MB 256
#define PPROF_INFLATE_ENV "PERFOPS_PPROF_MAX_MB"

/* Encode p as an uncompressed Profile message appended to out. */
struct strbuf;
void pprof_encode(const struct profile *p, struct strbuf *out);

/* Write p gzip-compressed (.pb.gz) to fp; reports its own errors. */
int pprof_write(const struct profile *p, FILE *fp);

/*
 * Read a profile (gzip-compressed or raw protobuf) from data into p, which
 * must be initialised; the reader re-initialises it with the number of
 * values it keeps (at most two: the default sample type, or the last one,
 * as the main value, and the one before it, e.g. Go's [samples, cpu]).
 * Stacks become root-first frames by function name, inline Lines become
 * separate frames.  Reports its own errors (prefixed with name) and
 * returns -1 on malformed input; never reads out of bounds.
 */
int pprof_read(struct profile *p, const char *data, size_t len,
	       const char *name);

/* The same with sample_type (e.g. "alloc_space") as the main value. */
int pprof_read_type(struct profile *p, const char *data, size_t len,
		    const char *name, const char *sample_type);

/*
 * Whether data (the first bytes of an input) looks like a pprof profile:
 * gzip, or protobuf whose leading fields are Profile fields with the
 * right wire types.
 */
int pprof_detect(const char *data, size_t len);

#endif
