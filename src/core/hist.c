#include "core/compat.h"
#include "core/hist.h"
#include <assert.h>
#include <math.h>

/*
 * Layout (as HdrHistogram's): bucket 0 holds sub_bucket_count values at
 * unit resolution; each next bucket covers twice the range with the top
 * half of its sub-buckets (the bottom half would repeat the previous
 * bucket), so the counts array is (bucket_count + 1) * half_count long.
 */

static int bucket_index(const struct hist *h, int64_t v)
{
	int pow2ceiling =
	    64 - __builtin_clzll((uint64_t)(v | h->sub_bucket_mask));

	return pow2ceiling - h->unit_magnitude -
	       (h->sub_bucket_half_count_magnitude + 1);
}

static int32_t sub_bucket_index(const struct hist *h, int64_t v, int bucket)
{
	return (int32_t)(v >> (bucket + h->unit_magnitude));
}

static int32_t counts_index(const struct hist *h, int bucket, int32_t sub)
{
	int32_t base = (bucket + 1) << h->sub_bucket_half_count_magnitude;

	return base + (sub - h->sub_bucket_half_count);
}

static int32_t counts_index_for(const struct hist *h, int64_t v)
{
	int b = bucket_index(h, v);

	return counts_index(h, b, sub_bucket_index(h, v, b));
}

static int64_t value_from_index(const struct hist *h, int bucket, int32_t sub)
{
	return (int64_t)sub << (bucket + h->unit_magnitude);
}

static int64_t value_at_index(const struct hist *h, int32_t index)
{
	int bucket = (index >> h->sub_bucket_half_count_magnitude) - 1;
	int32_t sub =
	    (index & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;

	if (bucket < 0) {
		sub -= h->sub_bucket_half_count;
		bucket = 0;
	}
	return value_from_index(h, bucket, sub);
}

static int64_t equivalent_range(const struct hist *h, int64_t v)
{
	int b = bucket_index(h, v);
	int32_t sub = sub_bucket_index(h, v, b);

	if (sub >= h->sub_bucket_count)
		b++;
	return (int64_t)1 << (h->unit_magnitude + b);
}

int64_t hist_lowest_equivalent(const struct hist *h, int64_t v)
{
	int b = bucket_index(h, v);

	return value_from_index(h, b, sub_bucket_index(h, v, b));
}

int64_t hist_highest_equivalent(const struct hist *h, int64_t v)
{
	return hist_lowest_equivalent(h, v) + equivalent_range(h, v) - 1;
}

int hist_values_equivalent(const struct hist *h, int64_t a, int64_t b)
{
	return hist_lowest_equivalent(h, a) == hist_lowest_equivalent(h, b);
}

static int buckets_needed(const struct hist *h, int64_t value)
{
	int64_t smallest_untrackable = (int64_t)h->sub_bucket_count
				       << h->unit_magnitude;
	int n = 1;

	while (smallest_untrackable <= value) {
		if (smallest_untrackable > INT64_MAX / 2)
			return n + 1;
		smallest_untrackable <<= 1;
		n++;
	}
	return n;
}

int hist_init(struct hist *h, int64_t lowest, int64_t highest, int sigfigs)
{
	int64_t largest_single_unit;
	int count_magnitude;

	memset(h, 0, sizeof(*h));
	if (lowest < 1 || lowest > INT64_MAX / 4 || sigfigs < 1 ||
	    sigfigs > 5 || highest < 2 * lowest)
		return -1;
	largest_single_unit = 2 * (int64_t)pow(10, sigfigs);
	count_magnitude = (int)ceil(log2((double)largest_single_unit));
	h->lowest = lowest;
	h->highest = highest;
	h->sigfigs = sigfigs;
	h->sub_bucket_half_count_magnitude = MAX(count_magnitude, 1) - 1;
	h->unit_magnitude = 63 - __builtin_clzll((uint64_t)lowest);
	if (h->unit_magnitude + h->sub_bucket_half_count_magnitude > 61)
		return -1;
	h->sub_bucket_count = (int32_t)1
			      << (h->sub_bucket_half_count_magnitude + 1);
	h->sub_bucket_half_count = h->sub_bucket_count / 2;
	h->sub_bucket_mask = ((int64_t)h->sub_bucket_count - 1)
			     << h->unit_magnitude;
	h->bucket_count = buckets_needed(h, highest);
	h->counts_len = (h->bucket_count + 1) * h->sub_bucket_half_count;
	h->counts = xcalloc((size_t)h->counts_len, sizeof(*h->counts));
	return 0;
}

void hist_release(struct hist *h)
{
	free(h->counts);
	memset(h, 0, sizeof(*h));
}

void hist_reset(struct hist *h)
{
	memset(h->counts, 0, (size_t)h->counts_len * sizeof(*h->counts));
	h->total_count = h->min_value = h->max_value = 0;
}

int hist_record_n(struct hist *h, int64_t value, int64_t n)
{
	int32_t i;

	if (value < 0 || value > h->highest || n <= 0)
		return n == 0 ? 0 : -1;
	i = counts_index_for(h, value);
	if (i < 0 || i >= h->counts_len)
		return -1;
	h->counts[i] += n;
	if (!h->total_count || value < h->min_value)
		h->min_value = value;
	if (!h->total_count || value > h->max_value)
		h->max_value = value;
	h->total_count += n;
	return 0;
}

int hist_add(struct hist *dst, const struct hist *src)
{
	int32_t i = 0;
	int64_t v, c;

	if (src->total_count && src->max_value > dst->highest)
		return -1;
	if (src->lowest == dst->lowest && src->sigfigs == dst->sigfigs &&
	    src->counts_len <= dst->counts_len) {
		/* The same layout: add the arrays, keep exact min and max. */
		for (i = 0; i < src->counts_len; i++)
			dst->counts[i] += src->counts[i];
		if (src->total_count) {
			if (!dst->total_count ||
			    src->min_value < dst->min_value)
				dst->min_value = src->min_value;
			if (!dst->total_count ||
			    src->max_value > dst->max_value)
				dst->max_value = src->max_value;
			dst->total_count += src->total_count;
		}
		return 0;
	}
	while (hist_next(src, &i, &v, &c))
		hist_record_n(dst, hist_lowest_equivalent(src, v), c);
	return 0;
}

int hist_next(const struct hist *h, int32_t *index, int64_t *value,
	      int64_t *count)
{
	for (; *index < h->counts_len; (*index)++) {
		if (h->counts[*index]) {
			*count = h->counts[*index];
			*value = hist_highest_equivalent(
			    h, value_at_index(h, *index));
			(*index)++;
			return 1;
		}
	}
	return 0;
}

int64_t hist_percentile(const struct hist *h, double p)
{
	int64_t want, seen = 0;
	int32_t i;

	if (!h->total_count)
		return 0;
	/*
	 * The rank is rounded up, as HdrHistogram (Java, JS) does: one ulp
	 * below p keeps an exact rank from spilling into the next bucket.
	 * wrk2's older C library rounds half up instead, which can differ by
	 * one rank.
	 */
	p = MIN(MAX(nextafter(p, -INFINITY), 0.0), 100.0);
	want = (int64_t)ceil(p / 100.0 * (double)h->total_count);
	want = MAX(want, 1);
	for (i = 0; i < h->counts_len; i++) {
		seen += h->counts[i];
		if (seen >= want) {
			int64_t v = value_at_index(h, i);

			return p <= 0.0 ? hist_lowest_equivalent(h, v)
					: hist_highest_equivalent(h, v);
		}
	}
	return hist_max(h);
}

/* The middle of v's bucket, which HdrHistogram's mean and deviation use. */
static double median_equivalent(const struct hist *h, int64_t v)
{
	return (double)hist_lowest_equivalent(h, v) +
	       (double)(equivalent_range(h, v) >> 1);
}

double hist_mean(const struct hist *h)
{
	double sum = 0;
	int32_t i;

	if (!h->total_count)
		return 0;
	for (i = 0; i < h->counts_len; i++)
		if (h->counts[i])
			sum += (double)h->counts[i] *
			       median_equivalent(h, value_at_index(h, i));
	return sum / (double)h->total_count;
}

double hist_stddev(const struct hist *h)
{
	double mean = hist_mean(h), sum = 0;
	int32_t i;

	if (!h->total_count)
		return 0;
	for (i = 0; i < h->counts_len; i++) {
		if (h->counts[i]) {
			double d =
			    median_equivalent(h, value_at_index(h, i)) - mean;

			sum += (double)h->counts[i] * d * d;
		}
	}
	return sqrt(sum / (double)h->total_count);
}

int64_t hist_max(const struct hist *h)
{
	return h->total_count ? hist_highest_equivalent(h, h->max_value) : 0;
}

int64_t hist_min(const struct hist *h)
{
	return h->total_count ? hist_lowest_equivalent(h, h->min_value) : 0;
}
