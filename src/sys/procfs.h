#ifndef PERFOPS_SYS_PROCFS_H
#define PERFOPS_SYS_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Counters of processes, threads and the whole system read from /proc, for
 * `perfops diagnose`.  Each reader fills a caller-owned struct and opens
 * only the few small files it needs, so that sampling ten times a second
 * costs the watched process nothing measurable.  Readers return 0, or a
 * negative errno (-ENOENT when the process is gone) and report nothing.
 */

/* One thread. */
struct proc_thread {
	pid_t pid, tid;
	char state; /* R S D T Z ..., from stat */
	char comm[16];
	char wchan[32];	  /* where it sleeps (or slept, if woken but not yet
			   * run); "" when on a CPU or unknown */
	uint64_t run_ns;  /* schedstat: time on a CPU */
	uint64_t wait_ns; /* schedstat: time runnable, waiting for a CPU */
	uint64_t vcsw;	  /* voluntary context switches (it blocked) */
	uint64_t ivcsw;	  /* involuntary ones (it was preempted) */
	double when;	  /* monotonic seconds when schedstat was read */
	char blocked;	  /* the reader's own: the state ('D', 'S') it was
			   * last seen blocked in, carried across readings */
};

/*
 * Append the threads of process pid to *v (grown with ALLOC_GROW over its
 * n and alloc).  Threads that end while they are read are skipped.
 */
int procfs_read_threads(pid_t pid, struct proc_thread **v, size_t *n,
			size_t *alloc);

/* One process (all its threads together). */
struct proc_counters {
	pid_t ppid;
	char comm[16];
	uint64_t minflt, majflt; /* page faults, exited threads included */
	uint64_t rss;		 /* bytes resident (statm) */
	uint64_t pss;		 /* bytes, smaps_rollup; 0 when not read */
	int io_ok;		 /* the io fields below were readable */
	uint64_t rchar, wchar, read_bytes, write_bytes, syscr, syscw;
	int nfds;		 /* open descriptors; -1 when not read */
	long fd_limit;		 /* soft RLIMIT_NOFILE; -1 unknown/unlimited */
	uint64_t start_ticks;	 /* start time, to tell a reused PID */
	uint64_t cpu_ticks;	 /* utime + stime, clock ticks */
	uint64_t children_ticks; /* cutime + cstime: children it reaped */
};

enum procfs_flags {
	PROCFS_PSS = 1 << 0, /* read smaps_rollup (walks the page tables) */
	PROCFS_FDS = 1 << 1, /* count /proc/PID/fd and read the limit */
};

int procfs_read_process(pid_t pid, struct proc_counters *c, unsigned flags);

/*
 * The descendants of root (children, grandchildren...), found by scanning
 * /proc for parent PIDs, appended to *v.  Returns how many were found.
 */
int procfs_descendants(pid_t root, pid_t **v, size_t *n, size_t *alloc);

/*
 * The command line of pid as a NULL-terminated argv (the caller frees
 * each string and the array); NULL when it cannot be read or is empty
 * (a kernel thread).
 */
char **procfs_cmdline(pid_t pid);

/* Pressure stall information of one resource: "some" and "full" lines. */
struct proc_psi {
	int ok;
	double some10, full10;	   /* % of the last 10 s */
	uint64_t some_us, full_us; /* totals, microseconds */
};

/* The whole machine. */
struct sys_counters {
	/* /proc/stat "cpu" line, in USER_HZ ticks: user nice system idle
	 * iowait irq softirq steal */
	uint64_t cpu[8];
	int procs_running, procs_blocked;
	double load[3];
	uint64_t mem_total, mem_avail; /* bytes */
	struct proc_psi psi_cpu, psi_mem, psi_io;
};

int procfs_read_system(struct sys_counters *s);

/* Parse one line of /proc/pressure/X ("some avg10=... total=...") into p;
 * -1 when it is not one (exposed for the unit tests). */
int procfs_parse_psi_line(const char *line, struct proc_psi *p);

#endif
