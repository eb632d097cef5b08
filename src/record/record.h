#ifndef PERFOPS_RECORD_H
#define PERFOPS_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"

/*
 * The sampling CPU profiler behind `perfops record`: opens sampling
 * events with perf_event_open() on a launched command (every thread and
 * child, across exec), on running processes or on every CPU, reads the
 * ring buffers, symbolizes in process (sym/) and fills a profile with two
 * values per stack: samples/count and cpu/nanoseconds (the main value);
 * with off_cpu four: samples/count, cpu/nanoseconds, offcpu/nanoseconds
 * (time blocked) and wall/nanoseconds (their sum, the main value).
 * Nothing here prints except error(), warning() and notice() lines; the
 * caller owns the profile and the stats.
 */

enum record_unwind {
	RECORD_UNWIND_FP,
	RECORD_UNWIND_DWARF,
	RECORD_UNWIND_AUTO,
};

struct record_opts {
	unsigned freq;	     /* samples per second per CPU (999) */
	const char *event;   /* "cpu-clock" (default), "task-clock", ... */
	int unwind;	     /* enum record_unwind */
	unsigned stack_size; /* bytes of user stack copied (16384) */
	double duration;     /* seconds; 0: until the target ends or SIGINT */
	int off_cpu, user_only, per_thread, no_inline;
	char **argv;	 /* launch this command, or NULL */
	const int *pids; /* attach to these processes, or NULL */
	size_t npids;
	int system_wide; /* -a */
};

struct record_stats {
	uint64_t samples, lost, throttled;
	uint64_t lost_switches;	    /* --off-cpu: context switches lost */
	uint64_t with_user, broken; /* samples with user frames; broken ones */
	uint64_t dwarf_used;	    /* samples whose stack came from DWARF */
	/* Broken stacks whose callchain holds exactly max_stack frames: cut
	 * by the kernel (kernel.perf_event_max_stack), not by bad unwinding. */
	uint64_t max_stack_hit;
	unsigned max_stack;
	uint64_t offcpu_switches;
	double offcpu_ns;
	double seconds;
	const char *event;   /* the event actually recorded */
	int env_error;	     /* the failure was the environment (exit 3) */
	int target_status;   /* launched command: exit code, 128+signal */
	int target_ended;    /* ... which ended before the recording did */
	int target_exited;   /* -p: a target ended during the recording */
	int interrupted;     /* ended by SIGINT */
	unsigned ring_pages; /* data pages per buffer actually mapped */
};

/*
 * Record until the target ends, the duration passes or SIGINT arrives.
 * p is an initialized, empty profile, set up again here with the values
 * above.  Returns 0 with p filled (even when the target died early), or -1
 * after reporting why; st->env_error then says whether the machine's setup is
 * to blame.  Samples recorded before a failure are kept in p.
 */
int record_run(const struct record_opts *o, struct profile *p,
	       struct record_stats *st);

#endif
