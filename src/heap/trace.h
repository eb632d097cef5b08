#ifndef PERFOPS_HEAP_TRACE_H
#define PERFOPS_HEAP_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "core/vec.h"
#include "heap/format.h"

/*
 * A trace file of libperfops-heap.so (see heap/format.h), decoded: one
 * stream per traced process image, with its events, stacks, mappings and
 * RSS samples.  The trace owns everything it points to;
 * heap_trace_release() frees it all.
 */
struct heap_event {
	uint64_t seq;
	uint64_t ptr;
	uint64_t size;
	uint32_t stack; /* stream-local id, 0 = unknown */
	uint32_t slack; /* usable size - size, capped */
	uint8_t alloc;	/* 1 allocation, 0 free */
	uint8_t kind;	/* enum heap_kind */
};

struct heap_map {
	uint64_t start, len, pgoff;
	char *path;
	char *build_id; /* hex, "" when none */
};

struct heap_rss {
	uint64_t time_ns, seq, rss;
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
	VEC(struct heap_event) events;
	VEC(struct heap_map) maps;
	VEC(struct heap_rss) rss;
	/* Stacks: addresses of stack id i at frames[off[i]..off[i]+n[i]),
	 * innermost first; n[i] = 0 for an id never defined. */
	VEC(uint64_t) frames;
	VEC(uint32_t) stack_off;
	VEC(uint16_t) stack_n;
};

struct heap_trace {
	struct heap_stream **streams;
	size_t nstreams, streams_alloc;
	size_t torn; /* bytes at the end that were not a whole chunk */
};

void heap_trace_init(struct heap_trace *t);
void heap_trace_release(struct heap_trace *t);

/*
 * Decode a trace held in memory and append its streams to t (name is for
 * messages).  A torn last chunk is skipped and counted in t->torn;
 * anything else malformed is an error naming the offset.  Events come out
 * sorted by their sequence number within each stream.
 */
int heap_trace_parse(struct heap_trace *t, const char *name,
		     const unsigned char *data, size_t len);
/* The same from a file; reports its own errors. */
int heap_trace_read(struct heap_trace *t, const char *path);

/* The frames of a stack, innermost first (NULL, 0 when undefined). */
const uint64_t *heap_stream_stack(const struct heap_stream *s, uint32_t id,
				  size_t *n);

#endif
