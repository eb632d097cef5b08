#ifndef PERFOPS_SYS_SPAWN_H
#define PERFOPS_SYS_SPAWN_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

struct perf_counters;

/*
 * Running one child and measuring it: the monotonic clock is read right
 * before the child is created and right after wait4() has reaped it, and
 * user/system time and peak RSS come from wait4()'s rusage of that child
 * alone (not RUSAGE_CHILDREN, which never goes down).  The caller owns
 * every array and fd in the options; spawn_run() closes none of them.
 */
struct spawn_opts {
	char *const *argv; /* argv[0] is looked up in PATH */
	char *const *envp; /* NULL: the current environment */
	int stdin_fd;	   /* -1: inherit */
	int stdout_fd;	   /* -1: inherit */
	int stderr_fd;	   /* -1: inherit */
	/* >= 0: read and discard until EOF while waiting */
	int drain_fd;
	const cpu_set_t *cpus; /* pin the child (set between fork and exec) */
	double timeout;	       /* seconds; 0: none */
	/* Counted from exec to exit when not NULL (opened before exec). */
	struct perf_counters *counters;
	/*
	 * fork() rather than vfork(): the kernel carries the peak RSS of the
	 * memory a child leaves at exec over into the exec'd program's, and a
	 * vfork child leaves ours, all of it.  A forked child leaves only a
	 * copy of our written pages, so a small caller measures the
	 * program's own peak.
	 */
	int fresh_mm;
	/* The child leads its own process group (always with a timeout). */
	int own_group;
	/* The child's signal mask (NULL: the caller's). */
	const sigset_t *child_sigmask;
	/* Called with the child's pid once it runs (before the wait). */
	void (*started)(pid_t pid, void *arg);
	void *started_arg;
};

struct spawn_result {
	double wall;	 /* seconds */
	double user;	 /* seconds */
	double sys;	 /* seconds */
	uint64_t maxrss; /* bytes */
	int exit_code;	 /* -1 when ended by a signal */
	int signal;
	int timed_out; /* killed (with its process group) at the timeout */
};

/*
 * Run the command to completion.  Returns 0 (whatever the child's exit
 * status), or a negative errno when it could not be started (the exec
 * error of the child, such as -ENOENT); reports nothing itself.
 */
int spawn_run(const struct spawn_opts *o, struct spawn_result *r);

/*
 * A child forked and held before exec until spawn_go(): the scheme of
 * perf stat and perf record, which attach their events (with
 * enable_on_exec) to the pid in between, so that they count from the
 * command's first instruction.  The caller owns the held child until
 * spawn_go() or spawn_abort().
 */
struct spawn_held {
	pid_t pid;
	int go_fd, err_fd; /* -1 once closed */
};

/*
 * Fork the child of o and hold it before exec.  Returns 0, or a negative
 * errno with nothing left open and no child.
 */
int spawn_hold(const struct spawn_opts *o, struct spawn_held *h);
/*
 * Let the held child exec.  Returns 0, or the negative errno of its exec
 * (such as -ENOENT), the child then reaped.  Either way h holds no fd.
 */
int spawn_go(struct spawn_held *h);
/* Let go of a child that must not run: it exits 127 and is reaped. */
void spawn_abort(struct spawn_held *h);
/* Reap pid if it has ended: 1 with *wstatus set, else 0 (no wait). */
int spawn_reap(pid_t pid, int *wstatus);
/* End pid: reap it if it has ended, else send SIGTERM and wait for it. */
void spawn_stop(pid_t pid, int *wstatus);
/* A wait status as a shell reports it: the exit code, or 128 + signal. */
int spawn_exit_status(int wstatus);

/*
 * Start the command and return at once with its pid (the caller waits
 * for it), or a negative errno when it could not be started.  timeout,
 * drain_fd and started are not used.
 */
pid_t spawn_start(const struct spawn_opts *o);

/*
 * Stop a child started by spawn_start() with own_group: SIGTERM to its
 * group, SIGKILL after grace seconds, and reap it.  Returns its wait
 * status; *cpu (when not NULL) gets its user + system time in seconds,
 * with that of the children it waited for (wait4's rusage).
 */
int spawn_stop_group(pid_t pid, double grace, double *cpu);

/* Seconds on the monotonic clock. */
double sys_now(void);
/* Nanoseconds on the monotonic clock (perf_event's clockid). */
uint64_t sys_now_ns(void);

/*
 * Parse a CPU list such as "0-2,5" into set; -1 on syntax error or a CPU
 * number out of range (reports nothing).
 */
int cpu_parse_list(const char *s, cpu_set_t *set);

#endif
