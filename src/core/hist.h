#ifndef PERFOPS_HIST_H
#define PERFOPS_HIST_H

#include <stddef.h>
#include <stdint.h>

/*
 * An HdrHistogram: counts of integer values from lowest to highest with a
 * fixed number of significant figures, in constant memory however many
 * values are recorded (1 us..1 h at 3 figures is about 184 KiB).  The
 * bucket layout and the percentile rule (the highest equivalent value of
 * the bucket holding count ceil(p/100 * N)) are HdrHistogram's
 * (Java, C, JS), and load/hdrcodec.h writes and reads its V2 encoding, so
 * histograms merge with theirs.  Written by hand: Debian has no C package
 * of HdrHistogram.  The struct owns its counts array; hist_release()
 * frees it.
 */
struct hist {
	int64_t lowest, highest;
	int sigfigs;
	int unit_magnitude;
	int sub_bucket_half_count_magnitude;
	int32_t sub_bucket_count, sub_bucket_half_count;
	int64_t sub_bucket_mask;
	int32_t bucket_count;
	int32_t counts_len;
	int64_t total_count;
	int64_t min_value, max_value; /* of the recorded values; 0 when none */
	int64_t *counts;
};

/* Set h up for values in [lowest, highest] (lowest >= 1, highest >=
 * 2 * lowest) with sigfigs in 1..5; -1 on other parameters. */
int hist_init(struct hist *h, int64_t lowest, int64_t highest, int sigfigs);
void hist_release(struct hist *h);
/* Forget every value, keep the parameters. */
void hist_reset(struct hist *h);

/* Count value n times; -1 (nothing recorded) when it is out of range. */
int hist_record_n(struct hist *h, int64_t value, int64_t n);
static inline int hist_record(struct hist *h, int64_t value)
{
	return hist_record_n(h, value, 1);
}
/* Add every count of src to dst; -1 (dst unchanged) when src holds a value
 * dst cannot. */
int hist_add(struct hist *dst, const struct hist *src);

/* The value below which p percent of the values lie (0 <= p <= 100),
 * rounded up to the highest equivalent value of its bucket; 0 if empty. */
int64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
double hist_stddev(const struct hist *h);
/* Highest / lowest equivalent value of the largest / smallest value. */
int64_t hist_max(const struct hist *h);
int64_t hist_min(const struct hist *h);

/* The range of values counted together with v. */
int64_t hist_lowest_equivalent(const struct hist *h, int64_t v);
int64_t hist_highest_equivalent(const struct hist *h, int64_t v);
int hist_values_equivalent(const struct hist *h, int64_t a, int64_t b);

/*
 * Walk the recorded buckets in order: *index starts at 0; each call
 * returns 1 with the bucket's highest equivalent value and its count, 0
 * at the end.
 */
int hist_next(const struct hist *h, int32_t *index, int64_t *value,
	      int64_t *count);

#endif
