#ifndef PERFOPS_HEAP_FORMAT_H
#define PERFOPS_HEAP_FORMAT_H

#include <stdint.h>

/*
 * The trace file libperfops-heap.so writes and `perfops heap report`
 * reads.  Every traced process (a forked child, an exec'd program) appends
 * to the same file (O_APPEND): the file is a sequence of chunks, each one
 * write(2), so chunks of different processes and threads never interleave.
 * A chunk is a header and records; the reader skips a torn last chunk, so
 * a file cut short by SIGKILL stays readable up to its last whole chunk.
 *
 * A process's stream is told apart by (pid, stream): stream is the
 * CLOCK_REALTIME nanosecond the tracer started in it, so an exec in the
 * same pid and a reused pid both start a new stream.
 *
 * Records start with a one-byte tag; integers are unsigned LEB128
 * varints, signed ones zigzag-encoded.  Delta bases (seq, ptr) restart at
 * every chunk, so each chunk decodes on its own.
 *
 * A PFH2 chunk's header also says where its events lie in sequence order
 * (so that a reader indexes a file by its headers alone and merges the
 * threads' chunks without holding them) and how its records are stored (a
 * zstd frame, or as they are).  PFH1, the header without them, is still
 * read: its chunks are decoded to index them.
 */
#define HEAP_CHUNK_MAGIC 0x31484650u  /* "PFH1" little-endian */
#define HEAP_CHUNK_MAGIC2 0x32484650u /* "PFH2" */
#define HEAP_CHUNK_MAX (1u << 20)

struct heap_chunk_hdr {
	uint32_t magic;
	uint32_t len; /* bytes of records after the header */
	uint32_t pid;
	uint32_t tid;
	uint64_t stream;
};

/*
 * An event's key is (seq, 0); an RSS sample's is (seq, 1): it was taken
 * after the event numbered seq.  first and last are the smallest and the
 * largest key of the chunk's events and RSS samples.
 */
struct heap_chunk_hdr2 {
	uint32_t magic;
	uint32_t len; /* bytes stored after the header */
	uint32_t pid;
	uint32_t tid;
	uint64_t stream;
	uint64_t first_seq, last_seq;
	uint32_t raw_len; /* bytes of records once decompressed */
	uint32_t flags;	  /* enum heap_chunk_flags */
};

enum heap_chunk_flags {
	HEAP_CHUNK_EVENTS = 1 << 0,    /* it has events: the range is set */
	HEAP_CHUNK_FIRST_RSS = 1 << 1, /* the first key is an RSS sample's */
	HEAP_CHUNK_LAST_RSS = 1 << 2,  /* the last key is an RSS sample's */
	HEAP_CHUNK_UNSORTED = 1 << 3,  /* its events are not in key order */
	HEAP_CHUNK_META = 1 << 4,      /* it has records other than events */
	HEAP_CHUNK_ZSTD = 1 << 5,      /* the records are one zstd frame */
};

enum heap_rec {
	/* process: ppid, mode, sample interval, max depth, exe len, exe */
	HEAP_REC_PROCESS = 'P',
	/* alloc: kind, seq delta, ptr delta (zigzag), size, slack, stack */
	HEAP_REC_ALLOC = 'A',
	/* free: kind, seq delta, ptr delta (zigzag), size (munmap/mremap
	 * only, else 0) */
	HEAP_REC_FREE = 'F',
	/* stack: id, n, then n addresses, each a zigzag delta from the
	 * previous (from 0 for the first); the first is the caller's return
	 * address, root last */
	HEAP_REC_STACK = 'S',
	/* mapping: start, len, pgoff, build-id len, build-id, path len,
	 * path (an executable segment of a loaded file) */
	HEAP_REC_MAP = 'M',
	/* rss: realtime ns, seq then, rss bytes (every 10 ms) */
	HEAP_REC_RSS = 'R',
	/* end: reason (enum heap_end), seq, status */
	HEAP_REC_END = 'E',
};

enum heap_mode {
	HEAP_MODE_EXACT = 0,
	HEAP_MODE_SAMPLE = 1,
};

enum heap_end {
	HEAP_END_EXIT = 1,  /* exit() or return from main */
	HEAP_END__EXIT = 2, /* _exit() */
	HEAP_END_EXEC = 3,  /* an exec replaced the program */
	/* Never written by the library: the command saw the process end
	 * (its wait status) where the stream had no end of its own. */
	HEAP_END_SIGNAL = 4,  /* killed by the signal in the status */
	HEAP_END_RUNNING = 5, /* still running when perfops stopped waiting */
};

enum heap_kind {
	HEAP_KIND_MALLOC,
	HEAP_KIND_CALLOC,
	HEAP_KIND_REALLOC,
	HEAP_KIND_REALLOCARRAY,
	HEAP_KIND_POSIX_MEMALIGN,
	HEAP_KIND_ALIGNED_ALLOC,
	HEAP_KIND_MEMALIGN,
	HEAP_KIND_VALLOC,
	HEAP_KIND_PVALLOC,
	HEAP_KIND_FREE,
	HEAP_KIND_MMAP,
	HEAP_KIND_MUNMAP,
	HEAP_KIND_MREMAP,
	HEAP_KIND_NR,
};

/* Whether a kind is a mapping (mmap, munmap, mremap), not heap. */
static inline int heap_kind_is_map(unsigned kind)
{
	return kind >= HEAP_KIND_MMAP && kind <= HEAP_KIND_MREMAP;
}

/* The environment the command passes to the library. */
#define HEAP_ENV_FILE "PERFOPS_HEAP_FILE" /* the trace file (append) */
/* "TRACE:LIVE": the command's descriptors of the trace file and of the
 * write end of a pipe it reads until every traced process has ended. */
#define HEAP_ENV_FD "PERFOPS_HEAP_FD"
#define HEAP_ENV_MODE "PERFOPS_HEAP_MODE"     /* "exact" or "sample:BYTES" */
#define HEAP_ENV_DEPTH "PERFOPS_HEAP_DEPTH"   /* max frames, 1..256 */
#define HEAP_ENV_UNWIND "PERFOPS_HEAP_UNWIND" /* auto, fp or dwarf */
/* A fixed seed for the sampler, so a sampled run repeats exactly (tests). */
#define HEAP_ENV_SEED "PERFOPS_HEAP_SEED"
/* "1": chunks are zstd-compressed (smaller files, more CPU). */
#define HEAP_ENV_COMPRESS "PERFOPS_HEAP_COMPRESS"
/* "0": no __libc_freeres at exit (glibc's own blocks stay as leaks). */
#define HEAP_ENV_FREERES "PERFOPS_HEAP_FREERES"
#define HEAP_MAX_DEPTH 256

#endif
