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
 */
#define HEAP_CHUNK_MAGIC 0x31484650u /* "PFH1" little-endian */
#define HEAP_CHUNK_MAX (1u << 20)

struct heap_chunk_hdr {
	uint32_t magic;
	uint32_t len; /* bytes of records after the header */
	uint32_t pid;
	uint32_t tid;
	uint64_t stream;
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
#define HEAP_ENV_FILE "PERFOPS_HEAP_FILE"     /* the trace file (append) */
#define HEAP_ENV_MODE "PERFOPS_HEAP_MODE"     /* "exact" or "sample:BYTES" */
#define HEAP_ENV_DEPTH "PERFOPS_HEAP_DEPTH"   /* max frames, 1..256 */
#define HEAP_ENV_UNWIND "PERFOPS_HEAP_UNWIND" /* auto, fp or dwarf */
/* A fixed seed for the sampler, so a sampled run repeats exactly (tests). */
#define HEAP_ENV_SEED "PERFOPS_HEAP_SEED"
/* "0": no __libc_freeres at exit (glibc's own blocks stay as leaks). */
#define HEAP_ENV_FREERES "PERFOPS_HEAP_FREERES"
#define HEAP_MAX_DEPTH 256

#endif
