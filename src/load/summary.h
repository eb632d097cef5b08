#ifndef PERFOPS_LOAD_SUMMARY_H
#define PERFOPS_LOAD_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

struct load_result;
struct threshold;

/* What the summary says about the run besides its result. */
struct load_summary_info {
	const char *url; /* NULL for merged logs */
	const struct threshold *thresholds;
	size_t nthresholds;
};

/*
 * Print r as wrk and wrk2 do: thread stats, the latency distribution, the
 * detailed percentile spectrum with its #[Mean...] footer, then errors,
 * status codes, connections, req/s and transfer/s, and the thresholds
 * with their measured values.  Returns how many thresholds failed
 * (dropped requests fail the run as one more).
 */
int load_print_text(FILE *fp, const struct load_result *r,
		    const struct load_summary_info *info);
/* The same as one JSON object. */
int load_print_json(FILE *fp, const struct load_result *r,
		    const struct load_summary_info *info);

/*
 * HdrHistogram's percentile spectrum (its outputPercentileDistribution
 * with ticks_per_half = 5): value (scaled down by scale), percentile,
 * total count and 1/(1-percentile), then the #[Mean...] footer.
 */
struct hist;
void load_print_spectrum(FILE *fp, const struct hist *h, double scale);
/* The same walk: fn gets each line's value (unscaled), percentile (0..100)
 * and total count. */
void load_spectrum_walk(const struct hist *h,
			void (*fn)(void *ctx, int64_t value, double pct,
				   int64_t count),
			void *ctx);

#endif
