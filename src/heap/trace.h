#ifndef PERFOPS_HEAP_TRACE_H
#define PERFOPS_HEAP_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "core/vec.h"
#include "heap/format.h"

/*
 * A trace file of libperfops-heap.so (see heap/format.h), read in two
 * passes so that memory follows what is live, not how long the program
 * ran.  heap_trace_parse() reads every chunk header, decodes the chunks
 * that hold more than events (all of them in a PFH1 trace), and keeps, per
 * stream (one traced process image), what is small: the process, its
 * stacks, its mappings, how it ended, and an index of its chunks (where
 * each lies, the range of its sequence numbers).  heap_events_open() then
 * hands the
 * stream's events out one at a time in sequence order, merging the chunks
 * of its threads; only the chunks whose range covers the current sequence
 * number are open, and the pages of those already read are given back.
 *
 * The trace owns everything it points to (and the mappings of the files it
 * read); heap_trace_release() frees it all.
 */
struct heap_event {
	uint64_t seq;
	uint64_t ptr;
	uint64_t size;	  /* an RSS sample: the RSS in bytes */
	uint64_t time_ns; /* an RSS sample: when, realtime ns */
	uint32_t stack;	  /* stream-local id, 0 = unknown */
	uint32_t slack;	  /* usable size - size, capped */
	uint8_t alloc;	  /* 1 allocation, 0 free */
	uint8_t kind;	  /* enum heap_kind */
	/* 1: an RSS sample taken when seq events had been numbered; it
	 * comes after the event of the same seq */
	uint8_t rss;
};

struct heap_map {
	uint64_t start, len, pgoff;
	char *path;
	char *build_id; /* hex, "" when none */
};

/* Where a chunk's records lie and the range of their (seq, rss) keys. */
struct heap_chunk_ref {
	const unsigned char *data; /* as stored (compressed or not) */
	uint32_t len, raw_len;
	uint32_t file; /* index in heap_trace.files */
	size_t off;    /* file offset of data, for messages */
	uint64_t first_seq, last_seq;
	uint8_t first_rss, last_rss;
	uint8_t sorted;	 /* its records are in key order (the rule) */
	uint8_t zstd;	 /* data is a zstd frame of raw_len bytes */
	uint8_t checked; /* decoded once already (else checked when read) */
};

struct heap_stream {
	int pid, ppid;
	uint64_t id; /* the stream's start, realtime ns */
	char *exe;
	int mode; /* enum heap_mode */
	uint64_t interval;
	int end_reason; /* enum heap_end, 0 = the file ends first */
	int64_t end_status;
	uint64_t end_seq;
	VEC(struct heap_chunk_ref) chunks; /* those with events, file order */
	VEC(struct heap_map) maps;
	/* Stacks: addresses of stack id i at frames[off[i]..off[i]+n[i]),
	 * innermost first; n[i] = 0 for an id never defined. */
	VEC(uint64_t) frames;
	VEC(uint32_t) stack_off;
	VEC(uint16_t) stack_n;
	/* From an aggregated profile (heap/aggregate.h): what the replay of
	 * its events found, which stand in for them; NULL for events. */
	struct heap_agg *agg;
};

struct heap_trace_file {
	char *name;
	const unsigned char *data;
	size_t len;
	int mapped;	    /* data is our mmap of the file */
	unsigned char *own; /* data is this copy (not a regular file) */
};

struct heap_trace {
	struct heap_stream **streams;
	size_t nstreams, streams_alloc;
	struct heap_trace_file *files;
	size_t nfiles, files_alloc;
	size_t torn; /* bytes at the end that were not a whole chunk */
	/* Bytes the open chunks of a stream may hold decompressed or sorted
	 * before the trace is refused as damaged; 0 = 1 GB. */
	size_t held_max;
};

void heap_trace_init(struct heap_trace *t);
void heap_trace_release(struct heap_trace *t);

/*
 * Index a trace held in memory and append its streams to t (name is for
 * messages); data must outlive t.  A torn last chunk is skipped and
 * counted in t->torn; anything else malformed is an error naming the
 * offset (in a chunk of events only, found when its events are read).
 */
int heap_trace_parse(struct heap_trace *t, const char *name,
		     const unsigned char *data, size_t len);
/* The same from a file (mapped, not read in); reports its own errors. */
int heap_trace_read(struct heap_trace *t, const char *path);

/*
 * The end of process pid as the command saw it (a wait status: an exit,
 * taken as _exit, or a signal; -1: still running when it stopped
 * waiting), given to its last stream when that one has no end of its
 * own: glibc's internal _exit (daemon's parent), a signal.
 */
void heap_trace_set_end(struct heap_trace *t, int pid, int status);

/* The frames of a stack, innermost first (NULL, 0 when undefined). */
const uint64_t *heap_stream_stack(const struct heap_stream *s, uint32_t id,
				  size_t *n);

/*
 * The events of stream si in sequence order.  heap_events_next() returns
 * 1 with the next event in *e, 0 after the last one, -1 (reported) when a
 * chunk no longer decodes (the file changed since it was indexed).
 */
struct heap_events;
struct heap_events *heap_events_open(const struct heap_trace *t, size_t si);
int heap_events_next(struct heap_events *it, struct heap_event *e);
void heap_events_close(struct heap_events *it);

#endif
