#ifndef PFH_H
#define PFH_H

/*
 * Internals of libperfops-heap.so, the allocation tracer `perfops heap`
 * preloads.  Everything here is hidden (-fvisibility=hidden) and named
 * pfh_ so that nothing collides with the traced program; only the
 * interposed functions in hooks.c are exported.
 *
 * The tracer never allocates with malloc: its buffers and tables are
 * mmap'd, so it cannot recurse into itself, and a thread-local guard
 * (initial-exec TLS, which never allocates either) keeps the allocations
 * made by what it calls (dlsym, libunwind, pthread_create) out of the
 * trace.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "heap/format.h"

/*
 * Declarations hidden as well as definitions (-fvisibility=hidden only
 * covers these): the hooks then read pfh_real's pointers and the filter
 * PC-relative, without an address loaded first.
 */
#pragma GCC visibility push(hidden)

#define PFH_TLS __thread __attribute__((tls_model("initial-exec")))

struct pfh_real {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*reallocarray)(void *, size_t, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	void *(*mremap)(void *, size_t, size_t, int, ...);
	void (*_exit)(int) __attribute__((noreturn));
	int (*execve)(const char *, char *const[], char *const[]);
	int (*close)(int);
	int (*close_range)(unsigned, unsigned, int);
	void (*closefrom)(int);
};

extern struct pfh_real pfh_real;
/* 0 not started, 1 starting, 2 ready (tracing or not), in that order. */
extern int pfh_state;
/* Tracing is on (the command set PERFOPS_HEAP_FILE). */
extern int pfh_on;
extern int pfh_mode;
extern uint64_t pfh_interval; /* sampled mode: mean bytes between samples */
extern uint64_t pfh_seed;     /* PERFOPS_HEAP_SEED, 0 = from the clock */
extern unsigned pfh_depth;
extern PFH_TLS int pfh_guard;
/* Whether fd is one of the library's (the trace, the command's pipe):
 * kept from a program that closes every descriptor. */
int pfh_kept_fd(int fd);
/* Those descriptors in increasing order: how many (0 to 2). */
int pfh_kept_fds(int fds[2]);
/* End the helper task before the credentials change; start a new one,
 * with the new credentials, after. */
void pfh_helper_stop(void);
void pfh_helper_restart(void);

/* Start the tracer if not yet (the first interposed call does it). */
void pfh_init(void);

/* Whether p lies in the bootstrap pool that served dlsym's own calls. */
int pfh_boot_owns(const void *p);
void *pfh_boot_alloc(size_t size);

/*
 * Events: called with the guard held.  ra and fp are the interposed
 * function's return address and frame (its caller's frame follows).
 */
void pfh_alloc(unsigned kind, const void *p, size_t size, void *fp);
/* The same once the sampling decision is made (sampled mode: taken). */
void pfh_alloc_record(unsigned kind, const void *p, size_t size, void *fp);
void pfh_free(unsigned kind, const void *p, size_t size);
/* A seq reserved before a realloc, used for its free if it succeeds. */
uint64_t pfh_seq_next(void);
void pfh_free_at(unsigned kind, const void *p, size_t size, uint64_t seq);
/* Flush every buffer and record how the stream ends. */
void pfh_finish(unsigned reason, int status);

/* Stacks (unwind.c). */
void pfh_unwind_init(void);
void pfh_unwind_reset(void); /* in a forked child */
/* The id of the stack that called the interposed function whose frame
 * is fp (0 when the table is full); a new stack is written to the
 * calling thread's buffer first. */
uint32_t pfh_stack_id(void *fp);
/* Record the loaded objects again if dlopen or dlclose changed them. */
void pfh_maps_refresh(void);
/*
 * What the copy of the process that runs __libc_freeres (tracer.c) hands
 * back: its last sequence number, and the stack slots it filled, which
 * the process must not give to other stacks (the ids are the copy's in
 * the same stream).  pfh_claims is set in the copy only.
 */
#define PFH_CLAIMS_MAX 240
struct pfh_claims {
	uint64_t seq;
	uint32_t n, done;
	uint32_t slot[PFH_CLAIMS_MAX];
	uint64_t hash[PFH_CLAIMS_MAX];
};
extern struct pfh_claims *pfh_claims;
/* Keep a slot the copy filled from being filled again. */
void pfh_stack_reserve(uint32_t slot, uint64_t hash);
/* Append a stack definition record (tracer.c, with the buffer locked). */
void pfh_emit_stack(uint32_t id, const uintptr_t *ips, unsigned n);

/* Sampled pointers (sample.c). */
int pfh_sampled_add(const void *p);
int pfh_sampled_del(const void *p);
void pfh_sampled_reset(void); /* at start: the set, in sampled mode */
/*
 * Bytes left before this thread's next sample, taken off inline by the
 * hooks' fast path while it stays positive.  The slow path keeps it at
 * or below zero whenever every call must come through it (exact mode, a
 * thread not started yet) and sets it to INT64_MAX when nothing is
 * traced.
 */
extern PFH_TLS int64_t pfh_countdown;
/* Take size bytes off the countdown (slow path): whether this
 * allocation is sampled. */
int pfh_sample_take(size_t size);
/* A free that may be of a recorded block (else it is not recorded). */
#define PFH_FILTER_SLOTS (1u << 16)
extern unsigned char pfh_filter[PFH_FILTER_SLOTS];
static inline unsigned char *pfh_filter_slot(const void *p)
{
	return &pfh_filter[((uintptr_t)p >> 4) & (PFH_FILTER_SLOTS - 1)];
}
static inline int pfh_maybe_sampled(const void *p)
{
	return *pfh_filter_slot(p) != 0;
}

/*
 * A system call without glibc: the result, or -errno.  For the helper
 * task, which shares another thread's TLS (and so its errno).
 */
static inline long pfh_sys(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Raw memory for tables and buffers, outside any allocator. */
void *pfh_map(size_t size);

#pragma GCC visibility pop

#endif
