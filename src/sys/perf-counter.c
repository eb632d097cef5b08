#include "core/compat.h"
#include "sys/perf-counter.h"
#include "sys/perf_event.h"
#include <sys/ioctl.h>

static const struct {
	const char *name;
	uint32_t type;
	uint64_t config;
} events[PC_NR] = {
    [PC_TASK_CLOCK] = {"task-clock", PERF_TYPE_SOFTWARE,
		       PERF_COUNT_SW_TASK_CLOCK},
    [PC_CONTEXT_SWITCHES] = {"context-switches", PERF_TYPE_SOFTWARE,
			     PERF_COUNT_SW_CONTEXT_SWITCHES},
    [PC_CPU_MIGRATIONS] = {"cpu-migrations", PERF_TYPE_SOFTWARE,
			   PERF_COUNT_SW_CPU_MIGRATIONS},
    [PC_PAGE_FAULTS] = {"page-faults", PERF_TYPE_SOFTWARE,
			PERF_COUNT_SW_PAGE_FAULTS},
    [PC_CYCLES] = {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    [PC_INSTRUCTIONS] = {"instructions", PERF_TYPE_HARDWARE,
			 PERF_COUNT_HW_INSTRUCTIONS},
};

const char *perf_counter_name(int ev)
{
	return ev >= 0 && ev < PC_NR ? events[ev].name : "?";
}

int perf_counter_lookup(const char *name)
{
	int i;

	for (i = 0; i < PC_NR; i++)
		if (!strcmp(events[i].name, name))
			return i;
	return -1;
}

static int open_event(int ev, pid_t pid, int on_exec)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = events[ev].type;
	attr.config = events[ev].config;
	attr.disabled = 1;
	attr.enable_on_exec = on_exec;
	/* Children of the command (a shell's, a make's) count too. */
	attr.inherit = 1;
	attr.exclude_hv = 1;
	return perf_event_open_fd(&attr, pid, -1, -1);
}

unsigned perf_counters_probe(int *why_not)
{
	unsigned ok = 0;
	int i;

	*why_not = 0;
	for (i = 0; i < PC_NR; i++) {
		int fd = open_event(i, 0, 0);

		if (fd >= 0) {
			ok |= 1u << i;
			close(fd);
		} else if (!*why_not) {
			*why_not = -fd;
		}
	}
	return ok;
}

void perf_counters_attach(struct perf_counters *pc, pid_t pid)
{
	int i;

	pc->ok = 0;
	for (i = 0; i < PC_NR; i++) {
		pc->fd[i] = -1;
		pc->value[i] = 0;
		if (pc->enabled & (1u << i))
			pc->fd[i] = open_event(i, pid, 1);
	}
}

void perf_counters_read(struct perf_counters *pc)
{
	int i;

	for (i = 0; i < PC_NR; i++) {
		uint64_t v;

		if (pc->fd[i] < 0)
			continue;
		if (read(pc->fd[i], &v, sizeof(v)) == sizeof(v)) {
			pc->value[i] = v;
			pc->ok |= 1u << i;
		}
		close(pc->fd[i]);
		pc->fd[i] = -1;
	}
}
