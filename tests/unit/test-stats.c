#include "core/compat.h"
#include "core/stats.h"
#include <criterion/criterion.h>
#include <math.h>

#define EPS 1e-9
#define NEAR(a, b, tol)                                                        \
	cr_assert(fabs((a) - (b)) <= (tol), "%.12g != %.12g", (double)(a),     \
		  (double)(b))

Test(stats, mean_and_sample_stddev)
{
	/* mean = 40 / 8 = 5; squared deviations 9,1,1,1,0,0,4,16 sum to 32;
	 * sample variance 32 / 7, sd = sqrt(32/7) = 2.138089935299395. */
	double x[] = {2, 4, 4, 4, 5, 5, 7, 9};

	NEAR(stats_mean(x, 8), 5, EPS);
	NEAR(stats_stddev(x, 8), 2.138089935299395, EPS);
	cr_assert(isnan(stats_stddev(x, 1)), "sd of one value is undefined");
	cr_assert(isnan(stats_mean(x, 0)));
	NEAR(stats_min(x, 8), 2, 0);
	NEAR(stats_max(x, 8), 9, 0);
}

Test(stats, stddev_keeps_digits_with_a_large_mean)
{
	/* 1e9 + {1, 2, 3}: the spread is that of {1, 2, 3}, sd = 1. */
	double x[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};

	NEAR(stats_stddev(x, 3), 1, 1e-6);
}

Test(stats, median)
{
	/* Odd count: the middle one; even: the mean of the two middle. */
	double odd[] = {3, 1, 2}, even[] = {4, 1, 3, 2};

	NEAR(stats_median(odd, 3), 2, 0);
	NEAR(stats_median(even, 4), 2.5, 0);
	cr_assert(isnan(stats_median(odd, 0)));
}

Test(stats, percentiles_type7)
{
	/* sorted 1..10, h = 9 p / 100:
	 * p5: h = 0.45 -> 1 + 0.45 = 1.45;   p25: h = 2.25 -> 3.25;
	 * p50: h = 4.5 -> 5.5;  p75: h = 6.75 -> 7.75;
	 * p95: h = 8.55 -> 9.55; p99: h = 8.91 -> 9.91; p0 = 1, p100 = 10. */
	double s[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

	NEAR(stats_percentile_sorted(s, 10, 5), 1.45, EPS);
	NEAR(stats_percentile_sorted(s, 10, 25), 3.25, EPS);
	NEAR(stats_percentile_sorted(s, 10, 50), 5.5, EPS);
	NEAR(stats_percentile_sorted(s, 10, 75), 7.75, EPS);
	NEAR(stats_percentile_sorted(s, 10, 95), 9.55, EPS);
	NEAR(stats_percentile_sorted(s, 10, 99), 9.91, EPS);
	NEAR(stats_percentile_sorted(s, 10, 0), 1, 0);
	NEAR(stats_percentile_sorted(s, 10, 100), 10, 0);
	NEAR(stats_percentile_sorted(s, 1, 95), 1, 0);
	cr_assert(isnan(stats_percentile_sorted(s, 10, 101)));
}

Test(stats, mad)
{
	/* median 2; |x - 2| = 1,1,0,0,2,4,7 -> sorted 0,0,1,1,2,4,7 -> 1. */
	double x[] = {1, 1, 2, 2, 4, 6, 9};

	NEAR(stats_mad(x, 7), 1, 0);
}

Test(stats, modified_z_and_outliers)
{
	/* median 5.5; |x - 5.5| = 4.5,3.5,2.5,1.5,.5,.5,1.5,2.5,3.5,94.5 ->
	 * MAD = 2.5.  z(100) = 94.5 / 2.5 = 37.8 > 14.826: one outlier;
	 * z(1) = -4.5 / 2.5 = -1.8.  With 40 instead of 100:
	 * z = 34.5 / 2.5 = 13.8, below the threshold. */
	double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 100};
	double y[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 40};
	double z[10];

	stats_modified_z(x, 10, z);
	NEAR(z[9], 37.8, EPS);
	NEAR(z[0], -1.8, EPS);
	cr_assert_eq(stats_count_outliers(x, 10), 1);
	cr_assert_eq(stats_count_outliers(y, 10), 0);
	NEAR(STATS_OUTLIER_Z, 14.826, EPS);
}

Test(stats, modified_z_with_zero_mad)
{
	/* MAD 0 is replaced by DBL_EPSILON as hyperfine does: any value off
	 * the median is then an outlier, equal values are not. */
	double x[] = {5, 5, 5, 5, 6};

	cr_assert_eq(stats_count_outliers(x, 5), 1);
	cr_assert_eq(stats_count_outliers(x, 4), 0);
}

Test(stats, median_ci_order_statistics)
{
	/* n = 6: P(B <= 0) = 1/64; 2/64 = 0.03125 <= 0.05 -> k = 1,
	 * [x1, x6], coverage 1 - 2/64 = 0.96875.
	 * n = 10: P(B <= 1) = 11/1024, 2 * 11/1024 = 0.0215 <= 0.05, but
	 * P(B <= 2) = 56/1024 and 0.109 > 0.05 -> k = 2, [x2, x9],
	 * coverage 1 - 22/1024 = 0.978515625.
	 * n = 5: 2/32 = 0.0625 > 0.05 -> no interval. */
	double s[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	double lo, hi, cov;

	cov = stats_median_ci_sorted(s, 6, 0.95, &lo, &hi);
	NEAR(cov, 0.96875, EPS);
	NEAR(lo, 1, 0);
	NEAR(hi, 6, 0);
	cov = stats_median_ci_sorted(s, 10, 0.95, &lo, &hi);
	NEAR(cov, 0.978515625, EPS);
	NEAR(lo, 2, 0);
	NEAR(hi, 9, 0);
	cov = stats_median_ci_sorted(s, 5, 0.95, &lo, &hi);
	cr_assert(cov < 0);
	cr_assert(isnan(lo) && isnan(hi));
}

Test(stats, mwu_exact_separated)
{
	/* a all below b: U_a = 0.  P(U = 0) = 1 / C(6,3) = 1/20, two-sided
	 * p = 0.1; for 4 vs 4, 2 / C(8,4) = 2/70. */
	double a[] = {1, 2, 3}, b[] = {4, 5, 6};
	double c[] = {1, 2, 3, 4}, d[] = {5, 6, 7, 8};
	struct stats_mwu r;

	stats_mann_whitney(a, 3, b, 3, &r);
	cr_assert(r.exact);
	NEAR(r.u, 0, 0);
	NEAR(r.p, 0.1, EPS);
	stats_mann_whitney(d, 4, c, 4, &r);
	NEAR(r.u, 16, 0);
	NEAR(r.p, 2.0 / 70, EPS);
}

Test(stats, mwu_exact_interleaved)
{
	/* a = {1,3,5} has ranks 1,3,5: R = 9, U_a = 9 - 6 = 3, U_b = 6.
	 * U for 3 vs 3 counts (partitions in a 3x3 box), u = 0..9:
	 * 1,1,2,3,3,3,3,2,1,1 (sum 20); P(U <= 3) = 7/20; p = 0.7. */
	double a[] = {1, 3, 5}, b[] = {2, 4, 6};
	struct stats_mwu r;

	stats_mann_whitney(a, 3, b, 3, &r);
	cr_assert(r.exact);
	NEAR(r.u, 3, 0);
	NEAR(r.p, 0.7, EPS);
	NEAR(stats_mwu_cdf(3, 3, 3), 7.0 / 20, EPS);
	NEAR(stats_mwu_cdf(3, 3, 4), 10.0 / 20, EPS);
}

Test(stats, mwu_cdf_6x6)
{
	/* Partitions of u into at most 6 parts of at most 6, u = 0..6:
	 * 1,1,2,3,5,7,11; cumulative 1,2,4,7,12,19,30 of C(12,6) = 924. */
	NEAR(stats_mwu_cdf(6, 6, 5), 19.0 / 924, EPS);
	NEAR(stats_mwu_cdf(6, 6, 6), 30.0 / 924, EPS);
	NEAR(stats_mwu_cdf(6, 6, 36), 1, EPS);
}

Test(stats, mwu_normal_with_ties)
{
	/* a = {1,2,2,3}, b = {2,3,4,4}.  Midranks: 1 -> 1; the three 2s
	 * share 2..4 -> 3; the two 3s share 5,6 -> 5.5; the two 4s -> 7.5.
	 * R_a = 1 + 3 + 3 + 5.5 = 12.5, U_a = 12.5 - 10 = 2.5, U_b = 13.5.
	 * mu = 8; ties: (27-3) + (8-2) + (8-2) = 36;
	 * sigma^2 = 16/12 (9 - 36/56) = 11.142857, sigma = 3.3380918;
	 * z = (13.5 - 8 - 0.5) / sigma = 1.4978617;
	 * p = 2 P(Z > z) = erfc(z / sqrt 2) = 0.1341692. */
	double a[] = {1, 2, 2, 3}, b[] = {2, 3, 4, 4};
	struct stats_mwu r;

	stats_mann_whitney(a, 4, b, 4, &r);
	cr_assert(!r.exact);
	NEAR(r.u, 2.5, 0);
	NEAR(r.z, 1.4978617237881953, 1e-9);
	NEAR(r.p, 0.13416918012812581, 1e-9);
}

Test(stats, mwu_normal_large_samples)
{
	/* 60 vs 60 without ties, a below b: U_a = 0, mu = 1800,
	 * sigma = sqrt(3600 * 121 / 12) = 190.52559, z = 1799.5 / sigma =
	 * 9.4449255, p = erfc(z / sqrt 2) = 3.5566e-21. */
	double a[60], b[60];
	struct stats_mwu r;
	int i;

	for (i = 0; i < 60; i++) {
		a[i] = i;
		b[i] = 60 + i;
	}
	stats_mann_whitney(a, 60, b, 60, &r);
	cr_assert(!r.exact);
	NEAR(r.u, 0, 0);
	NEAR(r.z, 9.444925540061197, 1e-9);
	NEAR(r.p / 3.556570974984777e-21, 1, 1e-6);
}

Test(stats, mwu_all_tied)
{
	/* Every value equal: no evidence of a difference, p = 1. */
	double a[] = {1, 1, 1}, b[] = {1, 1, 1};
	struct stats_mwu r;

	stats_mann_whitney(a, 3, b, 3, &r);
	NEAR(r.p, 1, 0);
}

Test(stats, mwu_min_p)
{
	/* 2 / C(6,3) = 0.1 (never below 0.05); 2 / C(8,4) = 2/70. */
	NEAR(stats_mwu_min_p(3, 3), 0.1, EPS);
	NEAR(stats_mwu_min_p(4, 4), 2.0 / 70, EPS);
	NEAR(stats_mwu_min_p(3, 4), 2.0 / 35, EPS);
}

Test(stats, shift_ci_hodges_lehmann)
{
	/* b = a + 10 with a = 1..6: the 36 differences are 10 + d for
	 * d = -5..5 with multiplicity 6 - |d|; their median is 10.
	 * From the 6x6 counts above, P(U <= 5) = 19/924 <= 0.025 and
	 * P(U <= 6) = 30/924 > 0.025, so k = 6: [d(6), d(31)].  Sorted
	 * differences: 5 (1), 6 (2), 7 (3) -> d(6) = 7, and by symmetry
	 * d(31) = 13; coverage 1 - 38/924 = 0.958874. */
	double a[] = {1, 2, 3, 4, 5, 6}, b[6];
	double est, lo, hi, cov;
	int i;

	for (i = 0; i < 6; i++)
		b[i] = a[i] + 10;
	cov = stats_shift_ci(a, 6, b, 6, 0.95, &est, &lo, &hi);
	NEAR(est, 10, 0);
	NEAR(lo, 7, 0);
	NEAR(hi, 13, 0);
	NEAR(cov, 0.9588744588744589, EPS);
	/* 3 vs 3 cannot give a 95% interval (min two-sided 0.1). */
	cov = stats_shift_ci(a, 3, b, 3, 0.95, &est, &lo, &hi);
	cr_assert(cov < 0);
	NEAR(est, 10, 0);
}

Test(stats, ratio_uncertainty)
{
	/* r = 20 / 10 = 2; sigma = 2 sqrt((1/20)^2 + (0.5/10)^2)
	 * = 2 sqrt(0.0025 + 0.0025) = 0.14142136. */
	double sigma, r = stats_ratio(20, 1, 10, 0.5, &sigma);

	NEAR(r, 2, 0);
	NEAR(sigma, 0.14142135623730953, EPS);
	r = stats_ratio(20, NAN, 10, 0.5, &sigma);
	cr_assert(isnan(sigma));
}

Test(stats, normal_tail)
{
	/* P(Z > 1.959964) = 0.025; P(Z > 0) = 0.5. */
	NEAR(stats_normal_sf(1.959963984540054), 0.025, 1e-12);
	NEAR(stats_normal_sf(0), 0.5, 0);
}
