#ifndef PERFOPS_SYS_PERF_COUNTER_H
#define PERFOPS_SYS_PERF_COUNTER_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Counting events of one child with perf_event_open(): software events
 * (task-clock, context switches, CPU migrations, page faults) work on any
 * Linux; cycles and instructions need a hardware PMU, which virtual
 * machines often lack.  Each event has its own fd (not a group), so that
 * a missing PMU leaves the software counters working.  The struct owns its
 * fds; perf_counters_read() closes them.
 */
enum pc_event {
	PC_TASK_CLOCK,
	PC_CONTEXT_SWITCHES,
	PC_CPU_MIGRATIONS,
	PC_PAGE_FAULTS,
	PC_CYCLES,
	PC_INSTRUCTIONS,
	PC_NR
};

struct perf_counters {
	unsigned enabled; /* bit i: count event i */
	int fd[PC_NR];
	uint64_t value[PC_NR];
	unsigned ok; /* bit i: value[i] is valid */
};

/* The event's name as perf stat spells it ("task-clock", "cycles", ...). */
const char *perf_counter_name(int ev);
/* The event for a name, or -1. */
int perf_counter_lookup(const char *name);

/*
 * Which events this machine can count for a child: a bit mask.  *why_not
 * gets the errno of the first hardware event that failed (0 if none).
 */
unsigned perf_counters_probe(int *why_not);

/*
 * Attach the enabled counters to pid (stopped before exec) with
 * enable_on_exec; events that cannot be opened are left out.
 */
void perf_counters_attach(struct perf_counters *pc, pid_t pid);
/* Read the values after the child was reaped and close the fds. */
void perf_counters_read(struct perf_counters *pc);

#endif
