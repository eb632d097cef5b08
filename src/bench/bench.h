#ifndef PERFOPS_BENCH_H
#define PERFOPS_BENCH_H

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include "core/vec.h"
#include "sys/machine.h"
#include "sys/perf-counter.h"
#include "sys/spawn.h"

/*
 * Command benchmarking (`perfops bench`): the commands after parameter
 * expansion, their runs, the statistics of each, and the comparisons.
 * struct bench owns every command, string and array it points to;
 * bench_release() frees them all.
 *
 * The flow: bench_init(), set b->opts, bench_add_commands(),
 * bench_run() (runner.c), bench_summarize() (summary.c), then printing,
 * comparing and exporting.
 */

/* The primary metric: what the summary, the comparison and the gate use. */
enum bench_metric {
	BM_WALL,
	BM_CPU, /* user + system */
	BM_USER,
	BM_SYS,
	BM_RSS,
	BM_COUNTER, /* + enum pc_event */
};
#define BM_NR (BM_COUNTER + PC_NR)

enum bench_output { BO_NULL, BO_PIPE, BO_INHERIT, BO_FILE };
enum bench_sort { BS_AUTO, BS_COMMAND, BS_MEAN };
enum bench_unit { BU_AUTO, BU_SECOND, BU_MILLI, BU_MICRO };

struct bench_run {
	double wall, user, sys; /* seconds, shell start-up subtracted */
	uint64_t rss;		/* peak resident bytes of this child */
	int exit_code;		/* -1 when ended by a signal */
	int signal;
	int timed_out;
	unsigned counters_ok; /* bit per enum pc_event */
	uint64_t counter[PC_NR];
};

struct bench_param {
	char *name;
	char *value;
};

/* The statistics of one command over its runs that did not time out. */
struct bench_summary {
	size_t n, timed_out;
	double mean, stddev, median, min, max;
	double ci_lo, ci_hi, ci_level; /* level < 0: too few runs */
	double p5, p25, p75, p95, p99;
	double mad;
	size_t outliers;
	int slow_first; /* the first run is an outlier on the slow side */
	double user_mean, sys_mean, wall_mean;
	double rss_mean, rss_max;
	double *values; /* the metric of each kept run, in run order */
	double *sorted;
};

struct bench_cmd {
	char *name;    /* what the user sees (--command-name or the command) */
	char *label;   /* name with control characters escaped, for text */
	char *cmdline; /* the command after {param} substitution */
	char **argv;   /* what is executed (shell -c cmdline, or split) */
	char *prepare, *conclude, *setup, *cleanup; /* NULL: none */
	struct bench_param *params;
	size_t nr_params;
	VEC(struct bench_run) runs;
	size_t target; /* number of runs decided after the first */
	int is_reference;
	struct bench_summary sum;
};

/* One parameter of a scan: -P (a range) or -L (a list). */
struct bench_scan {
	char *name;
	char **values;
	size_t nr;
};

struct bench_opts {
	long warmup;
	long runs;	    /* 0: decided by the time budget */
	long min_runs;	    /* default 10 */
	long max_runs;	    /* 0: no cap */
	double time_budget; /* seconds, default 3 */
	char **shell;	    /* split shell command, NULL for -N */
	int ignore_all;
	int *ignore_codes;
	size_t nr_ignore;
	double timeout; /* seconds per run, 0: none */
	int use_cpus;
	cpu_set_t cpus;
	int interleave;
	int counters;
	int metric; /* enum bench_metric */
	const char *input;
	enum bench_output output;
	const char *output_file;
	int env_padding;
	uint64_t seed;
	int quiet; /* no progress line */
};

/* The process that starts the runs (launcher.c); pid -1: none. */
struct bench_launcher {
	pid_t pid;
	int fd;
};

struct bench {
	struct bench_opts opts;
	/* NULL: runs start from this process (whose peak RSS they inherit). */
	struct bench_launcher *launcher;
	/* The signal (SIGINT, SIGTERM, SIGHUP) that stopped the runs, 0. */
	int stopped;
	/* --interleave: every run of every command finished, even if a
	 * --cleanup then failed. */
	int runs_complete;
	struct bench_cmd *cmds;
	size_t nr_cmds, alloc_cmds;
	/* Mean start-up cost of the shell, subtracted from every run. */
	double shell_wall, shell_user, shell_sys;
	unsigned counters_avail; /* bit per enum pc_event */
	int counters_errno;	 /* why hardware counters are missing */
	struct machine_info machine;
	double alpha; /* significance level, 0.05 */
	/* Called when a command's runs are done (not with --interleave,
	 * where all finish together); its summary is ready then. */
	void (*done_cb)(const struct bench *b, size_t i, void *data);
	/* Called before a command's first run (not with --interleave). */
	void (*start_cb)(const struct bench *b, size_t i, void *data);
	void *cb_data;
};

void bench_init(struct bench *b);
void bench_release(struct bench *b);

/* --- command.c --- */

/*
 * Split a command line into words as a POSIX shell would without
 * expansions: '...' and "..." quoting, backslash escapes.  Returns a
 * NULL-terminated array the caller frees with bench_free_argv(), or NULL
 * (reporting the error) on an unterminated quote or an empty command.
 */
char **bench_split_args(const char *line);
void bench_free_argv(char **argv);
/* Replace every {name} by the value of that parameter. */
char *bench_substitute(const char *s, const struct bench_param *p, size_t n);
/*
 * Values of a -P scan from min to max by step (integers unless the
 * numbers have decimals, printed with the step's decimals as hyperfine
 * does).  Reports and returns -1 on a bad range.
 */
int bench_scan_range(struct bench_scan *sc, const char *name, const char *min,
		     const char *max, const char *step);
/* Values of a -L scan, comma-separated. */
int bench_scan_list(struct bench_scan *sc, const char *name, const char *list);
void bench_scan_release(struct bench_scan *sc);

/*
 * Build the commands: each command template once per combination of the
 * scans (the first scan varies fastest, as in hyperfine).  names (if
 * nr_names > 0) must match the number of templates or of expanded
 * commands; prepare/conclude likewise hold one entry for all or one per
 * template.  Reports and returns -1 on bad input.
 */
struct bench_templates {
	const char **cmds;
	size_t nr_cmds;
	const char **names;
	size_t nr_names;
	const char **prepare, **conclude;
	size_t nr_prepare, nr_conclude;
	const char *setup, *cleanup;
	const char *reference; /* NULL: none; run first */
	const char *reference_name;
	struct bench_scan *scans;
	size_t nr_scans;
};
int bench_add_commands(struct bench *b, const struct bench_templates *t);

/* --- runner.c --- */

/*
 * Measure every command (warmup, the decided number of runs, setup and
 * cleanup), printing progress on stderr.  Returns 0, or -1 after
 * reporting a failure (a non-zero exit that is not ignored, a command that
 * cannot start).  Runs that completed before a failure are kept.  After
 * bench_request_stop() it returns 0 with b->stopped set, keeping the runs
 * that completed (the one that was killed is dropped).
 */
int bench_run(struct bench *b);
/*
 * With --counters or a counter as metric: find which events this machine
 * counts, print a one-line notice when the hardware ones are missing, and
 * report and return -1 when the metric itself cannot be counted (an
 * environment problem).
 */
int bench_probe_counters(struct bench *b);
/* Whether an exit code is ignored by -i / --ignore-failure=CODES. */
int bench_exit_ignored(const struct bench_opts *o, int code);

/* --- launcher.c --- */

/*
 * Start the launcher, a small forked copy of this process that starts
 * every run with fork+exec, so that each run's peak RSS is its own and
 * not this process's (the kernel carries the peak of the memory left at
 * exec over).  Call it early, while this process is small.  Reports and
 * returns -1 on failure.
 */
int bench_launcher_start(struct bench_launcher *l);
/* The launcher's loop on its socket (perfops-launcher's main). */
int bench_launcher_serve(int sock);
/* spawn_run() in the launcher; *stopped gets the stop signal, if any. */
int bench_launcher_run(struct bench_launcher *l, const struct spawn_opts *o,
		       struct spawn_result *r, int *stopped);
void bench_launcher_stop(struct bench_launcher *l);
/*
 * From a signal handler: stop benchmarking.  The launcher kills the run in
 * progress (with its process group under --timeout) and no run starts
 * after it.  Async-signal-safe.
 */
void bench_request_stop(int sig);
/* The signal given to bench_request_stop(), or 0. */
int bench_stop_requested(void);

/* --- summary.c --- */

/* The value of the primary metric for one run (seconds, bytes or a count). */
double bench_metric_value(const struct bench_run *r, int metric);
const char *bench_metric_name(int metric);
int bench_metric_lookup(const char *name);
int bench_metric_is_time(int metric);
void bench_summarize(struct bench *b);
void bench_summarize_cmd(struct bench *b, size_t i);

/* Text output: hyperfine's summary blocks, plus our lines. */
struct bench_print_opts {
	enum bench_unit unit;
	int color;
	int histogram;
	enum bench_sort sort;
};
/* A command's summary in two halves: "Benchmark N: name" (printed before
 * the runs, as hyperfine does) and the statistics. */
void bench_print_header(const struct bench *b, size_t i,
			const struct bench_print_opts *po, FILE *fp);
void bench_print_body(const struct bench *b, size_t i,
		      const struct bench_print_opts *po, FILE *fp);
/* hyperfine's warnings (outliers, slow first run, short commands, ignored
 * exit codes), for stderr: they are printed even under --style none. */
void bench_print_warnings(const struct bench *b, size_t i,
			  const struct bench_print_opts *po, FILE *fp);
/* Whether every mean is above 0, so that the ratios of means exist. */
int bench_ratios_defined(const struct bench *b);
/* The "Summary" section: relative speed and significance; without defined
 * ratios, hyperfine's note on stderr instead. */
void bench_print_comparison(const struct bench *b,
			    const struct bench_print_opts *po, FILE *fp);

/* Format a metric value with a unit into buf ("21.5 ms", "98.3 MiB"). */
const char *bench_format_value(char *buf, size_t size, double v, int metric,
			       enum bench_unit unit);
/* The unit for times: auto picks ms below one second. */
enum bench_unit bench_pick_unit(double seconds, enum bench_unit forced);
double bench_unit_scale(enum bench_unit u);
const char *bench_unit_suffix(enum bench_unit u);

/* --- compare.c --- */

/* The command others are compared with: the reference or the fastest. */
size_t bench_pivot(const struct bench *b);
/* Commands in the order --sort asks for (an array of indices to free). */
size_t *bench_order(const struct bench *b, enum bench_sort sort, int summary);

struct bench_baseline_result {
	char *command;
	double *times; /* values of the primary metric */
	size_t n;
	double mean;
};
struct bench_baseline {
	char *path;
	int metric;
	struct bench_baseline_result *results;
	size_t nr;
};

enum bench_verdict {
	BV_NONE,      /* not compared (no baseline entry) */
	BV_NO_CHANGE, /* p >= alpha */
	BV_NOISE,     /* significant, but the CI is not beyond the threshold */
	BV_IMPROVED,
	BV_REGRESSED,
	BV_TOO_FEW, /* the test cannot reach significance with these n */
};

struct bench_change {
	enum bench_verdict verdict;
	double base_median;
	double pct, pct_lo, pct_hi; /* change of the median, and its CI, in % */
	double p;
	int exact;
	size_t base_n;
};

/*
 * Compare each command with its entry in the baseline.  threshold_pct is
 * the noise band: regressed/improved need p < alpha and the whole CI of
 * the change beyond it.  changes[] gets one entry per command.  Returns
 * the number of commands that regressed.
 */
size_t bench_compare_baseline(const struct bench *b,
			      const struct bench_baseline *base,
			      double threshold_pct,
			      struct bench_change *changes);
void bench_print_baseline(const struct bench *b,
			  const struct bench_baseline *base,
			  const struct bench_change *changes,
			  double threshold_pct,
			  const struct bench_print_opts *po, FILE *fp);

/* --- baseline.c --- */

/*
 * Read a JSON export of perfops or hyperfine.  Every command of b must
 * have an entry with per-run values; reports and returns -1 otherwise (a
 * file that is not JSON, has no results, or is for other commands).
 */
int bench_baseline_read(struct bench_baseline *base, const char *path,
			const struct bench *b);
void bench_baseline_release(struct bench_baseline *base);

/* --- export.c --- */

enum bench_export {
	BE_JSON,
	BE_CSV,
	BE_MARKDOWN,
	BE_ASCIIDOC,
	BE_ORG,
	BE_SVG,
	BE_HTML,
};
/* Write one export to an open file (commit and errors are the caller's). */
void bench_export_fp(const struct bench *b, enum bench_export kind, FILE *fp,
		     const struct bench_print_opts *po);
/* Write one export atomically to path ("-" for stdout). */
int bench_export(const struct bench *b, enum bench_export kind,
		 const char *path, const struct bench_print_opts *po);

/* --- plot.c --- */

/* A terminal histogram of one command's runs (primary metric). */
void bench_plot_histogram(const struct bench *b, size_t i,
			  const struct bench_print_opts *po, FILE *fp);
/* SVG with every command's distribution side by side (a strip plot with a
 * box per command).  Writes the <svg> element only. */
void bench_plot_svg(const struct bench *b, const struct bench_print_opts *po,
		    FILE *fp);

#endif
