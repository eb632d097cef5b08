#ifndef PERFOPS_INTERVAL_H
#define PERFOPS_INTERVAL_H

#include "core/atomic.h"
#include "core/hist.h"
#include <pthread.h>
#include <stdint.h>

struct load_result;

/*
 * The per-second view of a run: every thread swaps its interval
 * histograms each second (no atomics, no per-request storage) and hands
 * them here; once every thread has handed in second k, this writes it to
 * the HdrHistogram interval log (.hlog: untagged lines hold the latency,
 * Tag=service and Tag=send_lag the other two, values in microseconds,
 * V2-compressed), one CSV row and one row of the HTML report.  A closing
 * comment line,
 * #[perfops-summary: ...], carries the run's counters so that
 * `perfops load merge` rebuilds the whole summary.  Memory stays bounded:
 * only seconds some thread has not reached yet are held.  The log owns
 * its files and pending intervals; load_log_close() commits the files and
 * load_log_release() frees the rest.
 */
struct load_interval {
	struct hist latency, service, send_lag;
	int64_t requests, errors;
};

int load_interval_init(struct load_interval *iv);
/*
 * One request's three times (monotonic ns) into the three histograms, in
 * microseconds rounded to the nearest: latency = done - intended (the
 * headline), service time = done - sent, send lag = sent - intended.
 */
void load_record_times(struct load_interval *iv, int64_t intended, int64_t sent,
		       int64_t done);
void load_interval_release(struct load_interval *iv);
void load_interval_reset(struct load_interval *iv);

struct load_log_slot {
	int64_t k;
	int reported;
	double len_s;
	struct load_interval iv;
};

struct load_log {
	pthread_mutex_t lock;
	int nthreads;
	struct atomic_file hlog, csv, html;
	int have_hlog, have_csv, have_html, failed;
	double start_epoch; /* wall-clock time of second 0 */
	int64_t next_k;	    /* the next second to write */
	struct load_log_slot *slots;
	size_t nslots, alloc;
};

/* Open the files (any path may be NULL); reports its own errors. */
int load_log_open(struct load_log *lg, const char *hlog_path,
		  const char *csv_path, const char *html_path, int nthreads);
/* Second 0 starts at wall-clock time epoch (seconds); title names the
 * run in the HTML report. */
void load_log_start(struct load_log *lg, double epoch, const char *title);
/* One thread's second k (len_s long); thread-safe. */
void load_log_publish(struct load_log *lg, int64_t k, double len_s,
		      const struct load_interval *iv);
/* Write the summary line and commit the files; -1 on a write error. */
int load_log_close(struct load_log *lg, const struct load_result *r);
void load_log_release(struct load_log *lg);

/*
 * Merge interval logs written by `perfops load --hlog` (on one machine or
 * many) into r: histograms added, counters of their summary lines summed
 * (rates, threads and connections add up; the duration is the longest).
 * The logs are read side by side, their intervals aligned by start time
 * on the wall clock; with out (opened with one thread), each merged
 * second goes to its interval log, CSV or HTML report (title names it),
 * with the responses of a second counted from its latency histogram.
 * Returns 0, or -1 with a message naming the file and line.
 */
int load_hlog_merge(struct load_result *r, const char *const *paths, size_t n,
		    struct load_log *out, const char *title);

#endif
