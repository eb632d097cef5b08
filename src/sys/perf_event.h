#ifndef PERFOPS_SYS_PERF_EVENT_H
#define PERFOPS_SYS_PERF_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/perf_event.h>

/*
 * Sampling events and their ring buffers.  perf_ring_open() opens one
 * event with perf_event_open() and maps its ring buffer; perf_ring_read()
 * hands every complete record to a callback, copying records that wrap
 * around the end of the buffer so the callback always sees contiguous
 * bytes.  The ring owns its fd and mapping; perf_ring_close() frees both.
 */
struct perf_ring {
	int fd;
	void *base;	     /* metadata page, then the data pages */
	size_t data_size;    /* bytes of data (a power of two pages) */
	unsigned char *copy; /* scratch for records that wrap */
	size_t copy_size;
	int cpu;
	pid_t tid;
};

/* Call perf_event_open(); returns the fd or -errno. */
int perf_event_open_fd(struct perf_event_attr *attr, pid_t pid, int cpu,
		       int group_fd);

/*
 * Open the event on (pid, cpu) and map 2^k data pages, k chosen so that
 * the buffer holds at most *pages pages; when mmap() fails with EPERM
 * (the perf_event_mlock_kb budget) the page count is halved down to
 * one page and *pages tells what was mapped.  Returns 0 or -errno (the
 * errno of perf_event_open() or of the last mmap()); reports nothing.
 */
int perf_ring_open(struct perf_ring *r, struct perf_event_attr *attr, pid_t pid,
		   int cpu, unsigned *pages);
/* Open an event writing into r's buffer (same cpu); fd or -errno. */
int perf_ring_add(struct perf_ring *r, struct perf_event_attr *attr, pid_t pid,
		  int cpu);
int perf_ring_enable(struct perf_ring *r);
int perf_ring_disable(struct perf_ring *r);
/* The kernel's id of an event fd (PERF_EVENT_IOC_ID), 0 on error. */
uint64_t perf_event_id(int fd);

typedef void (*perf_record_fn)(const struct perf_event_header *h, void *ctx);
/* Consume every complete record; returns how many were read. */
size_t perf_ring_read(struct perf_ring *r, perf_record_fn fn, void *ctx);
void perf_ring_close(struct perf_ring *r);

/* A kernel callchain entry that marks a context (kernel, user, ...). */
static inline int perf_callchain_is_context(uint64_t ip)
{
	return ip >= (uint64_t)PERF_CONTEXT_MAX;
}

/*
 * The parsed body of a PERF_RECORD_SAMPLE for the sample_type perfops
 * uses (IDENTIFIER, IP, TID, TIME, CPU, PERIOD, CALLCHAIN, REGS_USER,
 * STACK_USER); pointers point into the record.
 */
struct perf_sample {
	uint64_t id, ip, time, period;
	uint32_t pid, tid, cpu;
	uint64_t nr; /* callchain entries */
	const uint64_t *ips;
	uint64_t regs_abi;
	const uint64_t *regs; /* popcount(regs_mask) values in bit order */
	uint64_t stack_size;  /* bytes copied at stack */
	const unsigned char *stack;
};

/*
 * Parse a sample of the given sample_type and regs mask.  Returns 0, or -1
 * when the record is shorter than its fields say (reports nothing).
 */
int perf_sample_parse(const struct perf_event_header *h, uint64_t type,
		      uint64_t regs_mask, struct perf_sample *s);

/*
 * The sample_id_all trailer of a non-sample record (TID, TIME, CPU,
 * IDENTIFIER as perfops asks for them): tid and time, -1 if absent.
 */
int perf_record_id(const struct perf_event_header *h, uint64_t type,
		   uint32_t *tid, uint64_t *time);

/* Read a sysctl-like integer file such as perf_event_paranoid; def on error. */
long perf_read_long(const char *path, long def);

#endif
