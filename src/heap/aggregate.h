#ifndef PERFOPS_HEAP_AGGREGATE_H
#define PERFOPS_HEAP_AGGREGATE_H

#include <stddef.h>
#include "heap/analyze.h"

/*
 * The aggregated heap profile `perfops heap` keeps instead of the event
 * stream: what heap_analyze() found before symbolizing, so that its size
 * follows the distinct allocation stacks, not the events.  Per traced
 * process: its header (pid, ppid, exe, mode, interval, how it ended), its
 * mappings (path, build-id), its stats, and per allocation site the
 * counters of the analysis (calls, bytes, temporary, leaked, at the peak)
 * with the site's stack (addresses); for the file: the size histogram,
 * the calls by function, the temporary window it was made with, and the
 * timeline of the process with the largest peak.
 *
 * A file is a 32-byte header (HEAP_AGG_MAGIC, the version as 4 bytes, the
 * length of the body as stored and once decompressed, 8 bytes each, the
 * CRC-32 of the stored body, 4 bytes of flags; all little-endian) and the
 * body, a zstd frame of the records: unsigned LEB128 varints, zigzag for
 * signed ones, IEEE doubles as 8 little-endian bytes.  Reading it
 * gives streams without events, each with a heap_agg that heap_analyze()
 * takes in place of replaying events; the figures are the same.
 *
 * A stream owns its heap_agg; heap_trace_release() frees it.
 */
#define HEAP_AGG_MAGIC "PFHA"
#define HEAP_AGG_VERSION 1
#define HEAP_AGG_HDR 32
/*
 * Flags: its temporaries are freed with at most temp_window other heap
 * events in between (heaptrack's count).  A profile without it, from an
 * older perfops, counted allocations only (frees in between allowed): it
 * is read with a warning.  A flag a reader does not know is refused.
 */
#define HEAP_AGG_TEMP_EVENTS 1u
#define HEAP_AGG_FLAGS_KNOWN HEAP_AGG_TEMP_EVENTS

struct heap_agg {
	uint32_t file; /* index in heap_trace.files, for messages */
	unsigned temp_window;
	struct heap_stats stats; /* leaks and suppressions left at 0 */
	/* Sites of the stream (stream unset, stack an id of the stream). */
	VEC(struct heap_site) sites;
	int file_first; /* the file's first stream: it has the tables */
	double hist_count[HEAP_HIST_BUCKETS], hist_bytes[HEAP_HIST_BUCKETS];
	double kind_calls[HEAP_KIND_NR];
	VEC(struct heap_timeline_point) timeline; /* the file's peak only */
};

/* Whether data starts as an aggregated profile. */
int heap_agg_is(const unsigned char *data, size_t len);

/*
 * Append the streams of an aggregated profile to t (data is the file
 * t->files[t->nfiles - 1]); reports its own errors (a truncated, damaged
 * or malformed file, a version this perfops does not read).
 */
int heap_agg_parse(struct heap_trace *t, const unsigned char *data, size_t len);

/* Write the aggregated profile of a to path through the atomic writer
 * (a failed write leaves an existing file alone); reports its own errors. */
int heap_agg_write(const struct heap_analysis *a, const char *path);

void heap_agg_free(struct heap_agg *g);

#endif
