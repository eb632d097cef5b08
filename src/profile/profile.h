#ifndef PERFOPS_PROFILE_H
#define PERFOPS_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/intern.h"

/*
 * The one profile model every reader and writer shares: a set of unique
 * stacks (arrays of interned frame names, root first), each with one to
 * PROFILE_MAX_VALUES weights.  Weights are exact 64-bit integers (a count,
 * nanoseconds, bytes; signed, as pprof's are): a sum that leaves the
 * int64_t range saturates and sets .overflowed, which readers turn into an
 * error that names the line.  A CPU profile weighs stacks by samples or
 * nanoseconds, a heap profile by bytes, and a differential profile carries
 * two values per stack (before, after); a recording with off-CPU time
 * keeps on-CPU, off-CPU and their sum (wall) apart.  A stack may also
 * belong to a thread (an index
 * into .threads; 0 means "no thread information").
 *
 * The profile owns every string, stack and array it points to;
 * profile_release() frees them all.
 */

/* A recording with --off-cpu has four: samples, cpu, offcpu and wall. */
#define PROFILE_MAX_VALUES 4

/* What is known about a frame beyond its name (filled by symbolizers). */
enum profile_frame_kind {
	FRAME_USER = 0,
	FRAME_KERNEL = 1,
	FRAME_JIT = 2,
	FRAME_INLINE = 3,
	FRAME_SYNTHETIC = 4, /* a process/thread root, "[off-cpu]", ... */
};

struct profile_frame_info {
	uint32_t file;	  /* interned in .strings; 0 = unknown */
	uint32_t line;	  /* 0 = unknown */
	uint32_t dso;	  /* interned in .strings; 0 = unknown */
	uint32_t mapping; /* index into .mappings; 0 = unknown */
	uint64_t address; /* an address in the dso, 0 = unknown */
	uint8_t kind;	  /* enum profile_frame_kind */
};

/* A mapped file (executable, library, kernel) as pprof describes it. */
struct profile_mapping {
	uint64_t start, limit, offset;
	uint32_t file; /* interned in .strings */
	uint32_t
	    build_id; /* hex GNU build-id, interned in .strings; 0 = none */
};

enum profile_flags {
	/* Two values that are (before, after) of a comparison, drawn as a
	 * differential flame graph; otherwise two values are two measures
	 * of the same samples (e.g. count and nanoseconds). */
	PROFILE_DIFFERENTIAL = 1 << 0,
};

struct profile_thread {
	int pid, tid;
	uint32_t comm; /* interned in .strings */
};

struct profile {
	struct intern frames; /* frame names; id = frame id */
	struct intern
	    stacks; /* key: uint32_t thread, then frame ids root first */
	struct intern
	    strings;	     /* other strings (files, dsos, comms); id 0 = "" */
	int64_t *values;     /* values[stack * nvalues + k] */
	size_t values_alloc; /* in stacks */
	unsigned nvalues;
	/* Optional per-frame details, indexed by frame id (NULL if none). */
	struct profile_frame_info *finfo;
	size_t finfo_alloc;
	struct profile_thread *threads; /* [0] is the "no thread" entry */
	size_t nthreads, threads_alloc;
	struct profile_mapping *mappings; /* [0] is the "unknown" entry */
	size_t nmappings, mappings_alloc;
	unsigned flags;	     /* enum profile_flags */
	unsigned main_value; /* the value flame graphs and reports use */
	/* Sample type and unit of each value, e.g. "samples"/"count" or
	 * "cpu"/"nanoseconds"; "" when unknown (folded input). */
	char *type[PROFILE_MAX_VALUES];
	char *unit[PROFILE_MAX_VALUES];
	/* Nanoseconds between samples and the recording span, when known. */
	uint64_t period_ns, duration_ns, time_ns;
	/* The sum of each value over all stacks as profile_add() made it. */
	int64_t totals[PROFILE_MAX_VALUES];
	/* Set (and never cleared) when a stack's value or a total would
	 * have left the int64_t range. */
	int overflowed;
};

void profile_init(struct profile *p, unsigned nvalues);
void profile_release(struct profile *p);
void profile_set_type(struct profile *p, unsigned k, const char *type,
		      const char *unit);

/* The id of a frame name, interning it if new. */
uint32_t profile_frame(struct profile *p, const char *name, size_t len);
static inline const char *profile_frame_name(const struct profile *p,
					     uint32_t frame)
{
	return intern_str(&p->frames, frame);
}
static inline size_t profile_frame_len(const struct profile *p, uint32_t frame)
{
	return intern_len(&p->frames, frame);
}
/* The details of a frame, created zeroed on first use. */
struct profile_frame_info *profile_frame_info(struct profile *p,
					      uint32_t frame);

/* The details of a frame if any were recorded, else NULL (read only). */
static inline const struct profile_frame_info *
profile_frame_info_get(const struct profile *p, uint32_t frame)
{
	return frame < p->finfo_alloc ? &p->finfo[frame] : NULL;
}

/* Register a mapping (deduplicated); returns its index (>= 1). */
uint32_t profile_mapping(struct profile *p, uint64_t start, uint64_t limit,
			 uint64_t offset, const char *file,
			 const char *build_id);

/*
 * Register a thread, keyed by pid, tid and name (a thread that renames
 * itself or execs is another one from then on); returns its index (>= 1).
 */
uint32_t profile_thread(struct profile *p, int pid, int tid, const char *comm);

/*
 * Append the root frame name collapse --tid gives a thread:
 * "comm-PID/TID" (spaces in comm become '_'; "comm-PID" without a TID,
 * "comm" without either, "?" for an unknown PID or comm).
 */
struct strbuf;
void profile_thread_name(const struct profile *p, uint32_t thread,
			 struct strbuf *sb);
/*
 * Whether the root frame of a stack only repeats its thread: the stack
 * has a thread, and its first frame is FRAME_SYNTHETIC and named like
 * collapse names the thread ("comm", "comm-PID" or "comm-PID/TID").
 * Writers that store the thread separately (pprof labels, speedscope
 * profiles) leave that frame out.
 */
int profile_is_thread_root(const struct profile *p, uint32_t stack);

/*
 * Add values (nvalues of them) to the stack of depth frames (root first)
 * of the given thread (0 for none).  Returns the stack id.  A sum that
 * would leave the int64_t range saturates and sets p->overflowed.
 */
uint32_t profile_add(struct profile *p, uint32_t thread, const uint32_t *frames,
		     size_t depth, const int64_t *values);

static inline size_t profile_nstacks(const struct profile *p)
{
	return intern_count(&p->stacks);
}
/* The frames of a stack (root first) and its depth. */
static inline const uint32_t *profile_stack(const struct profile *p,
					    uint32_t stack, size_t *depth)
{
	const uint32_t *key = (const uint32_t *)intern_str(&p->stacks, stack);

	*depth = intern_len(&p->stacks, stack) / sizeof(uint32_t) - 1;
	return key + 1;
}
static inline uint32_t profile_stack_thread(const struct profile *p,
					    uint32_t stack)
{
	return ((const uint32_t *)intern_str(&p->stacks, stack))[0];
}
static inline int64_t profile_value(const struct profile *p, uint32_t stack,
				    unsigned k)
{
	assert(stack < profile_nstacks(p) && k < p->nvalues);
	return p->values[(size_t)stack * p->nvalues + k];
}

/* The sum of value k over all stacks (saturated at the int64_t range). */
int64_t profile_total(const struct profile *p, unsigned k);

/* a + b, or the int64_t limit it passes (then *overflow is set). */
static inline int64_t profile_sat_add(int64_t a, int64_t b, int *overflow)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r)) {
		*overflow = 1;
		return b > 0 ? INT64_MAX : INT64_MIN;
	}
	return r;
}

/*
 * Stack ids ordered by their folded text ("a;b;c", byte order), which is
 * the order flame graphs and folded files use.  The caller frees it.
 */
uint32_t *profile_sorted_stacks(const struct profile *p);

/*
 * Order two frame ids (pointed to by a and b) by their names in byte
 * order, a name before its extensions: a qsort_r() comparator whose
 * context is the profile.
 */
int profile_cmp_frame_ids(const void *a, const void *b, void *profile);

/* Append the folded text of a stack ("root;...;leaf") to sb. */
struct strbuf;
void profile_stack_text(const struct profile *p, uint32_t stack,
			struct strbuf *sb);

/*
 * Whether a frame name is one a complete user stack starts from: a
 * program's or thread's entry (_start, __libc_start_call_main,
 * start_thread, clone3, Go's runtime.goexit...).  perfops record ends
 * each stack at the first one from the leaf.
 */
int profile_is_root_frame(const char *name);

#endif
