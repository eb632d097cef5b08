#ifndef PERFOPS_DIAGNOSE_H
#define PERFOPS_DIAGNOSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * `perfops diagnose`: watch a process (its threads and children) or the
 * whole machine from /proc, then walk the seed's decision tree over the
 * recorded series and name the symptoms that hold, each with the figures
 * that decided it.  The sampler, the rules and the report only share the
 * series below, so the rules run the same on a live watch and on a
 * recorded or synthetic series (the unit tests).
 */

/* The leaves of the tree, in the order they are documented. */
enum diag_id {
	DIAG_CPU_ONE_CORE,
	DIAG_CPU_ALL_CORES,
	DIAG_CPU_PERIODIC,
	DIAG_MEMORY_GROWING,
	DIAG_MEMORY_SUDDEN,
	DIAG_MEMORY_STABLE_HIGH,
	DIAG_IO_BOUND,
	DIAG_LOCK_CONTENTION,
	DIAG_SYSTEM_CPU_SATURATED,
	DIAG_RESOURCE_EXHAUSTION,
	/* The latency and throughput branch: only with --url (load). */
	DIAG_SLOW_ALL_ENDPOINTS,
	DIAG_SLOW_ONE_ENDPOINT,
	DIAG_LATENCY_SPIKES,
	DIAG_THROUGHPUT_CPU_BOUND,
	DIAG_THROUGHPUT_IO_BOUND,
	DIAG_NIDS
};

/* "cpu_one_core", ...; the ids of the JSON output. */
const char *diag_id_name(enum diag_id id);
/* -1 when name is no id. */
int diag_id_from_name(const char *name);

/*
 * One sample.  Rates are over the interval since the previous sample (dt);
 * the first sample of a series only sets the baseline and has dt == 0.
 * In system mode the process fields describe the whole machine (cpu is
 * the busy CPUs, rss the memory in use, st_disk the blocked tasks).
 */
struct diag_sample {
	double t;  /* seconds since the watch began */
	double dt; /* seconds since the previous sample */
	int nprocs, nthreads;
	double cpu;	   /* CPUs' worth of time on a CPU */
	double wait;	   /* CPUs' worth of time runnable, waiting for one */
	double top_demand; /* cpu + wait of the busiest thread */
	pid_t top_tid;
	int top_running;  /* it was running or runnable at the sample */
	double top_cpu;	  /* CPUs it used (of its top_demand) */
	int busy_threads; /* threads with cpu + wait >= 0.5 */
	/* Thread states at the sample: running or runnable, in D state
	 * (disk), on a futex (a lock or condition: asleep, or woken and
	 * waiting for a CPU), waiting on the network or for events (epoll,
	 * poll, select, a socket), asleep elsewhere. */
	int st_run, st_disk, st_futex, st_net, st_sleep;
	/* Threads' worth of time blocked in D state over the interval: each
	 * thread's time neither on a CPU nor queued for one (schedstat),
	 * when it was last seen blocked in D.  A thread that blocks for
	 * 40 us at a time is seen running at most instants (st_disk misses
	 * it) but its time off a CPU is counted exactly. */
	double t_disk;
	char disk_wchan[32];	    /* the wait channel of a D thread, if any */
	double vcsw, ivcsw;	    /* context switches per second */
	double minflt, majflt;	    /* page faults per second */
	double read_bps, write_bps; /* bytes per second from/to storage */
	double syscalls;	    /* read + write system calls per second */
	uint64_t rss, pss;	    /* bytes; pss 0 when not read */
	int nfds;		    /* -1 unknown */
	long fd_limit;		    /* -1 unknown */
	/* The machine. */
	double sys_busy; /* share of all CPU time neither idle nor iowait */
	double sys_iowait, sys_steal; /* shares of all CPU time */
	double load1;
	int procs_running, procs_blocked;
	/* Pressure stall: % of the interval some (or all) tasks stalled. */
	double psi_cpu, psi_mem, psi_mem_full, psi_io, psi_io_full;
	uint64_t mem_avail;
};

struct diag_series {
	struct diag_sample *s;
	size_t n, alloc;
	int ncpus;
	uint64_t mem_total; /* bytes */
	int system;	    /* the whole machine rather than one process */
	pid_t pid;	    /* the process watched (0 for the machine) */
	int timed_states;   /* t_disk is measured (not in older series) */
};

void diag_series_release(struct diag_series *s);
/*
 * The series as tab-separated text (a line with the machine, a header,
 * one row per sample), for plotting, and read back for classifying again
 * (--replay) and for the tests.  diag_series_read() reports its errors
 * with file and line and leaves s empty on failure.
 */
int diag_series_write(FILE *fp, const struct diag_series *s);
int diag_series_read(const char *path, struct diag_series *s);

/*
 * The thresholds the rules use; diag_thresholds_init() sets the defaults
 * documented in perfops-diagnose(1).
 */
struct diag_thresholds {
	double one_core;       /* busiest thread's demand (cores), median */
	double all_cores_gap;  /* process demand >= ncpus - gap */
	double seen_running;   /* share of samples it is seen runnable */
	double fair_share;     /* of its fair share of CPU it must get */
	double periodic_acf;   /* autocorrelation at the period */
	double periodic_swing; /* p90 - p10 of the demand, cores */
	double grow_r2;	       /* least-squares fit quality */
	uint64_t grow_min;     /* bytes over the window */
	uint64_t sudden_min;   /* bytes within sudden_window seconds */
	double sudden_window;
	uint64_t high_mem;  /* stable_high: bytes (0: from mem_total) */
	double io_share;    /* D among R+D thread samples */
	double lock_futex;  /* futex sleepers among busy-ish threads */
	double lock_vcsw;   /* voluntary switches per CPU-second used */
	double lock_demand; /* CPUs the process wants, at least */
	double sat_busy;    /* machine busy share */
	double sat_wait;    /* the target's wait / (cpu + wait) */
	double fd_ratio;    /* fds / limit */
	double psi_full;    /* % full stall of memory or io */
	/* Under load (--url); milliseconds. */
	double slow_ms;	       /* slow_all: idle p50 of every URL */
	double slow_one_ratio; /* slowest idle p50 / the next one */
	double slow_one_gap;   /* and above it by, ms */
	double spike_ratio;    /* p99 / p50 under load */
	double spike_gap;      /* p99 - p50, ms */
	double queue_ratio;    /* loaded p50 / idle p50: requests queue */
	double queue_gap;      /* loaded p50 - idle p50, ms */
	double busy_cpu;       /* throughput_cpu_bound: CPUs the process
				* wants, or its busiest thread wants */
};

void diag_thresholds_init(struct diag_thresholds *th);

struct diag_finding {
	enum diag_id id;
	double confidence; /* 0..1 */
	char evidence[640];
	double period; /* cpu_periodic: seconds */
	/* The latency branch: the URL concerned, its measured rate and
	 * whether the process was mostly off its CPUs. */
	char url[256];
	double rps;
	int offcpu;
};

struct diag_result {
	struct diag_finding f[DIAG_NIDS];
	size_t n; /* ranked by confidence, highest first */
};

/* Apply every rule to the series; r is filled and ranked. */
void diag_classify(const struct diag_series *s,
		   const struct diag_thresholds *th, struct diag_result *r);

/* The rules one at a time (for the unit tests): 1 and f filled when the
 * symptom holds, else 0. */
int diag_rule(enum diag_id id, const struct diag_series *s,
	      const struct diag_thresholds *th, struct diag_finding *f);

/*
 * What load (--url) measured, one entry per URL, each URL driven alone in
 * turn: first with one connection (the idle latency), then with the load
 * asked; and what the process did meanwhile, from the series.
 */
struct diag_url {
	const char *url;
	double idle_p50;	  /* ms, one connection, closed loop */
	double p50, p99;	  /* ms, under load */
	double rps;		  /* responses per second under load */
	int64_t requests, errors; /* under load */
	double cpu;		  /* CPUs the process wanted (median) */
	double top;		  /* CPUs its busiest thread wanted */
	double t0, t1;		  /* the loaded window, seconds of the watch */
};

struct diag_load {
	struct diag_url *u;
	size_t n;
	int connections; /* closed loop, or the open loop's pool */
	double rate;	 /* open loop req/s, 0 closed loop */
	int ncpus;
};

/* The medians of the process's demand and its busiest thread's over the
 * samples within [t0, t1] of s, into u->cpu and u->top. */
void diag_url_cpu(const struct diag_series *s, struct diag_url *u);

/* 0 below lo, 1 above hi, linear between; and a confidence between
 * base and 1 that grows so with x (the margin over a threshold). */
double diag_ramp(double x, double lo, double hi);
double diag_conf(double base, double x, double lo, double hi);

/* The ranking of findings, for qsort(). */
int diag_cmp_finding(const void *a, const void *b);

/* The latency rules (they add to r, then rank it again), and one at a
 * time for the tests, as diag_rule(). */
void diag_classify_load(const struct diag_load *l,
			const struct diag_thresholds *th,
			struct diag_result *r);
int diag_load_rule(enum diag_id id, const struct diag_load *l,
		   const struct diag_thresholds *th, struct diag_finding *f);

/*
 * Driving the URLs with the load engine on a thread while the watch runs
 * (drive.c): prepared (URLs parsed, resolved: NULL with a message), then
 * started at the watch's start (sys_now()), done after duration seconds.
 * diag_drive_finish() waits for it and points l at its figures (owned by
 * d); -1 (reported) when a URL got no answers.
 */
struct diag_drive;
struct diag_drive *diag_drive_new(const char *const *urls, size_t n, int conns,
				  double rate, double duration);
int diag_drive_start(struct diag_drive *d, double start);
int diag_drive_done(const struct diag_drive *d);
void diag_drive_stop(struct diag_drive *d);
int diag_drive_finish(struct diag_drive *d, struct diag_load *l);
void diag_drive_free(struct diag_drive *d);

/* Least-squares line y = a + b x, with r2 its coefficient of
 * determination (1 for a perfect fit, NaN when y is constant). */
struct diag_fit {
	double a, b, r2;
};
int diag_fit_line(const double *x, const double *y, size_t n,
		  struct diag_fit *fit);

/*
 * The period of y (in samples, interpolated between lags) from its
 * autocorrelation: its first peak after it has dropped below zero, at a
 * lag of at most n / 2 (two periods seen), provided it went below -0.15
 * before that peak (anti-correlated half a period away).  Returns the
 * period, or 0 when there is none; *acf gets its autocorrelation.
 */
double diag_period(const double *y, size_t n, double *acf);

/* Watching a target. */
struct diag_sampler;
/*
 * pid > 0: that process and its descendants; pid == 0: the machine.
 * Returns NULL (reported) when the process cannot be read, unless it was
 * started by us (started != 0) and is already over: then the series
 * stays empty.
 */
struct diag_sampler *diag_sampler_new(pid_t pid, struct diag_series *out,
				      int started);
/* Take one sample into the series; -ENOENT once the process is gone. */
int diag_sampler_sample(struct diag_sampler *s);
void diag_sampler_free(struct diag_sampler *s);

/* What the `next` commands name: a PID or the command line. */
struct diag_target {
	pid_t pid;	   /* 0 in system mode */
	char *const *argv; /* the command when diagnose started it */
	char comm[16];
	double duration; /* of the watch, seconds */
	int exited;	 /* the process ended during the watch */
	/* -- CMD: its CPU seconds by wait4(), children it reaped included;
	 * -1 unknown */
	double command_cpu;
	int started; /* diagnose started the command (-- CMD) */
	/* A command that ended by itself during the watch: its exit status,
	 * or the signal that ended it; -1 when not known (or still running
	 * when the watch ended: diagnose stopped it). */
	int exit_status, signal;
	const struct diag_load *load; /* --url: what the load measured */
};

/* The perfops command that investigates f next, filled in; NULL-free.
 * argv_out (when not NULL) gets its words, owned by the caller (free each
 * and the array), for --next; returns its word count. */
size_t diag_next(const struct diag_finding *f, const struct diag_target *t,
		 char *buf, size_t size, char ***argv_out);

/* The final summary and the findings as text, or as JSON. */
void diag_print_text(FILE *fp, const struct diag_series *s,
		     const struct diag_result *r, const struct diag_target *t);
void diag_print_json(FILE *fp, const struct diag_series *s,
		     const struct diag_result *r, const struct diag_target *t);

/* "▁▂▃..." of the last width values of v (UTF-8) into buf: from their
 * smallest to their largest value (full 0), or from zero to full at
 * least (CPUs: one for a process, all of them for the machine), where a
 * constant is not the bottom bar nor a trickle a full one. */
void diag_sparkline(const double *v, size_t n, size_t width, double full,
		    char *buf, size_t size);

#endif
