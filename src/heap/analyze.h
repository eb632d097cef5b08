#ifndef PERFOPS_HEAP_ANALYZE_H
#define PERFOPS_HEAP_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include "core/intern.h"
#include "core/vec.h"
#include "heap/trace.h"

/*
 * What a heap trace says: per process and in total, allocations, frees,
 * bytes, the exact peak of live heap bytes with the stacks live at that
 * moment, the blocks still live at exit (leaks, minus suppressions), and
 * temporary allocations (freed with at most temp_window other allocations
 * in between), by allocation site.  In sampled mode every figure is the
 * unbiased estimate (a sampled allocation of s bytes stands for 1/p
 * allocations and s/p bytes, p = 1 - exp(-s/interval)).
 *
 * The analysis owns its sites, names and arrays; heap_analysis_release()
 * frees them.  It points into the trace, which must outlive it.
 */
struct heap_stats {
	double allocations, frees, allocated_bytes;
	double peak_bytes, peak_blocks;
	double leaked_bytes, leaked_blocks;
	double suppressed_bytes, suppressed_blocks;
	double temporary;
	double live_bytes; /* at the end of the stream (leaked or not) */
	double
	    slack_at_peak; /* usable - requested bytes of the peak's blocks */
	double mmap_bytes, mmap_peak, mmap_live;
	uint64_t unknown_frees;
	uint64_t rss_peak;
};

struct heap_site {
	uint32_t stream, stack;
	double calls, bytes, temporary;
	double leaked_bytes, leaked_blocks;
	double peak_bytes, peak_blocks;
	/* Symbolized frames, root first, ids in heap_analysis.names. */
	uint32_t *frames;
	size_t depth;
	int suppressed;
};

#define HEAP_HIST_BUCKETS 48

struct heap_timeline_point {
	double t_ms; /* since the first sample of the stream */
	double heap;
	uint64_t rss;
};

struct heap_analysis {
	const struct heap_trace *trace;
	struct heap_stats *procs; /* one per stream */
	struct heap_stats total;  /* sums; peaks are the largest of one */
	int peak_stream;	  /* the stream of total.peak_bytes, -1 */
	VEC(struct heap_site) sites;
	struct intern names;
	double hist_count[HEAP_HIST_BUCKETS]; /* sizes in [2^k, 2^(k+1)) */
	double hist_bytes[HEAP_HIST_BUCKETS];
	double kind_calls[HEAP_KIND_NR];
	/* Heap and RSS of the peak stream over time (downsampled). */
	VEC(struct heap_timeline_point) timeline;
	unsigned temp_window;
	int sampled; /* some stream was sampled */
};

struct heap_analyze_opts {
	unsigned temp_window;	  /* default 0 */
	const char *suppressions; /* file of "leak:PATTERN" lines, or NULL */
	size_t timeline_points;	  /* default 100 */
	unsigned sym_flags;	  /* enum sym_flags */
	int no_files;		  /* name frames by address, read no file */
	/* temp_window was asked for: an aggregated profile made with
	 * another window is an error (else its own window is used). */
	int temp_window_set;
};

/* Analyze and symbolize t (the streams of an aggregated profile are
 * taken as they are, not replayed); reports its own errors (a bad
 * suppressions file, an aggregate made with another temp_window). */
int heap_analyze(struct heap_analysis *a, const struct heap_trace *t,
		 const struct heap_analyze_opts *o);
void heap_analysis_release(struct heap_analysis *a);

/* An estimate as the integer it stands for. */
static inline int64_t heap_round(double v)
{
	return v < 0 ? -(int64_t)(-v + 0.5) : (int64_t)(v + 0.5);
}

/* The name of an allocation kind ("malloc", "mmap", ...). */
const char *heap_kind_name(unsigned kind);

#endif
