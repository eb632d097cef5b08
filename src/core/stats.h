#ifndef PERFOPS_STATS_H
#define PERFOPS_STATS_H

#include <stddef.h>

/*
 * Descriptive statistics and distribution-free tests over arrays of
 * doubles, libc (and libm) only.  No function keeps a pointer to its input;
 * the caller owns every array.  Functions named *_sorted expect the values
 * in ascending order (stats_sort()).  An undefined figure (the standard
 * deviation of one value, a confidence interval from too few values) is
 * NaN.
 */

void stats_sort(double *x, size_t n);
double stats_mean(const double *x, size_t n);
/* Sample standard deviation (divisor n - 1); NaN when n < 2. */
double stats_stddev(const double *x, size_t n);
double stats_min(const double *x, size_t n);
double stats_max(const double *x, size_t n);
double stats_median_sorted(const double *sorted, size_t n);
/* Median of unsorted values (sorts a copy). */
double stats_median(const double *x, size_t n);
/*
 * The p-th percentile (0 <= p <= 100) by linear interpolation between the
 * closest ranks, h = (n - 1) p / 100 (Hyndman-Fan type 7, the default of R
 * and NumPy).
 */
double stats_percentile_sorted(const double *sorted, size_t n, double p);
/* Median absolute deviation from the median, unscaled. */
double stats_mad(const double *x, size_t n);
/*
 * Modified z-scores (x - median) / MAD into z[n], as hyperfine computes
 * them (a MAD of 0 is replaced by DBL_EPSILON).
 */
void stats_modified_z(const double *x, size_t n, double *z);
/* hyperfine's threshold: 10 standard deviations expressed in MADs. */
#define STATS_OUTLIER_Z (1.4826 * 10.0)
size_t stats_count_outliers(const double *x, size_t n);

/*
 * Distribution-free confidence interval for the median from order
 * statistics: [x(k), x(n+1-k)] with the largest k such that
 * 2 P(B <= k - 1) <= 1 - level, B ~ Binomial(n, 1/2).  Returns the actual
 * coverage, or -1 (and NaN bounds) when n is too small for the level
 * (a 95% interval needs n >= 6).
 */
double stats_median_ci_sorted(const double *sorted, size_t n, double level,
			      double *lo, double *hi);

/* Two-sided Mann-Whitney U test of sample a against sample b. */
struct stats_mwu {
	double u; /* U of sample a: pairs (a_i, b_j) with a_i > b_j, ties 1/2 */
	double z; /* normal approximation statistic (0 when exact) */
	double p; /* two-sided p-value */
	int exact; /* p from the exact null distribution (no ties, small n) */
};
/* The exact distribution is used when there are no ties and both n <= 50. */
#define STATS_MWU_EXACT_MAX 50
void stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			struct stats_mwu *r);
/*
 * The smallest two-sided p-value the test can give for these sample sizes,
 * 2 / C(na + nb, na): when it exceeds alpha no data can be significant.
 */
double stats_mwu_min_p(size_t na, size_t nb);
/*
 * P(U <= u) under the null hypothesis for sample sizes m and n without
 * ties (exact, by counting).
 */
double stats_mwu_cdf(size_t m, size_t n, double u);

/*
 * Hodges-Lehmann estimate of the shift b - a (the median of all pairwise
 * differences b_j - a_i) and its distribution-free confidence interval
 * (the order statistics of those differences that the Mann-Whitney
 * distribution gives).  Returns the actual coverage, or -1 when the
 * samples are too small for the level (bounds then NaN).
 */
double stats_shift_ci(const double *a, size_t na, const double *b, size_t nb,
		      double level, double *est, double *lo, double *hi);

/*
 * Ratio r = slow / fast and its spread by hyperfine's propagation of
 * uncertainty, sigma_r = r sqrt((sa/ma)^2 + (sb/mb)^2); NaN sigma when a
 * deviation is NaN.
 */
double stats_ratio(double mean_slow, double sd_slow, double mean_fast,
		   double sd_fast, double *sigma);

/* The standard normal upper tail P(Z > z). */
double stats_normal_sf(double z);

#endif
