#ifndef PERFOPS_RECORD_SESSION_H
#define PERFOPS_RECORD_SESSION_H

#include "record/record.h"
#include "sym/sym.h"
#include "core/intern.h"
#include "sys/perf_event.h"

/*
 * Internal to record/: the state shared by the event loop (record.c) and
 * the record processing that fills the profile (process.c).
 */
struct rec_thread {
	int pid, tid;
	char comm[17];
	uint32_t profile_thread;
	/* Off-CPU: the stack of the last switch-out, waiting for switch-in. */
	uint64_t out_time;
	uint32_t *out_frames;
	size_t out_len, out_alloc;
	int pending;
};

/* The values of a stack with --off-cpu, after samples (0) and cpu (1). */
enum { REC_OFFCPU = 2, REC_WALL = 3 };

/* What a frame-pointer walk can trust at an address (see fpcheck.h). */
enum loc_flags {
	LOC_NO_FP = 1 << 0,    /* in a file built without frame pointers */
	LOC_FP_EDGE = 1 << 1,  /* its function's frame is not set up there */
	LOC_JIT_MISS = 1 << 2, /* anonymous memory no perf map names yet */
};

struct rec_session {
	const struct record_opts *o;
	struct profile *p;
	struct record_stats *st;
	struct symbolizer sy;
	uint64_t sample_type, regs_mask;
	/* Ids of the context-switch events: one per CPU or per thread. */
	uint64_t *offcpu_ids;
	size_t noffcpu, offcpu_alloc;
	int clock_event; /* period is nanoseconds */
	struct rec_thread **threads;
	size_t nthreads, threads_alloc;
	/* Symbolization cache: key {dso, address, pid} -> run of frame ids. */
	struct intern loc_keys;
	uint32_t *loc_start, *loc_len;
	unsigned char *loc_flags; /* enum loc_flags */
	uint64_t *loc_retry;	  /* LOC_JIT_MISS: look again after */
	size_t loc_alloc;
	/* Per dso pointer: whether its code keeps frame pointers. */
	struct intern fp_dsos;
	unsigned char *fp_keeps;
	size_t fp_keeps_alloc;
	uint32_t *pool;
	size_t npool, pool_alloc;
	/* Scratch for one sample. */
	uint32_t *stack;
	size_t stack_alloc;
	uint64_t *ips;
	int kptr_warned;
	uint64_t last_time; /* of the latest record, for closing intervals */
	/* Per frame id: 0 not looked at, 1 not a root frame, 2 a root. */
	unsigned char *root_known;
	size_t root_alloc;
	uint32_t unknown_frame, kernel_frame, offcpu_frame;
};

void rec_process_init(struct rec_session *s);
void rec_process_release(struct rec_session *s);
/* Handle one record (samples, MMAP2, COMM, FORK, LOST, SWITCH). */
void rec_process(struct rec_session *s, const struct perf_event_header *h);
/*
 * Close the off-CPU intervals still open when the recording ends (a
 * thread blocked until its process exited never switches back in).
 */
void rec_process_finish(struct rec_session *s);
/* Seed a thread's comm (for attached processes). */
void rec_thread_set(struct rec_session *s, int pid, int tid, const char *comm);

#endif
