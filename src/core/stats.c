#include "core/compat.h"
#include "core/stats.h"
#include <float.h>
#include <math.h>

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

void stats_sort(double *x, size_t n)
{
	if (n > 1)
		qsort(x, n, sizeof(*x), cmp_double);
}

double stats_mean(const double *x, size_t n)
{
	double sum = 0;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++)
		sum += x[i];
	return sum / (double)n;
}

double stats_stddev(const double *x, size_t n)
{
	double mean, ss = 0;
	size_t i;

	if (n < 2)
		return NAN;
	/* Two passes: the one-pass formula loses digits when the spread is
	 * tiny next to the mean, which is the usual case for timings. */
	mean = stats_mean(x, n);
	for (i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	return sqrt(ss / (double)(n - 1));
}

double stats_min(const double *x, size_t n)
{
	double m = n ? x[0] : NAN;
	size_t i;

	for (i = 1; i < n; i++)
		if (x[i] < m)
			m = x[i];
	return m;
}

double stats_max(const double *x, size_t n)
{
	double m = n ? x[0] : NAN;
	size_t i;

	for (i = 1; i < n; i++)
		if (x[i] > m)
			m = x[i];
	return m;
}

double stats_median_sorted(const double *s, size_t n)
{
	if (!n)
		return NAN;
	if (n % 2)
		return s[n / 2];
	return (s[n / 2 - 1] + s[n / 2]) / 2;
}

double stats_median(const double *x, size_t n)
{
	double *c, m;

	if (!n)
		return NAN;
	c = xmalloc(st_mult(n, sizeof(*c)));
	memcpy(c, x, n * sizeof(*c));
	stats_sort(c, n);
	m = stats_median_sorted(c, n);
	free(c);
	return m;
}

double stats_percentile_sorted(const double *s, size_t n, double p)
{
	double h, frac;
	size_t lo;

	if (!n || p < 0 || p > 100)
		return NAN;
	h = (double)(n - 1) * p / 100.0;
	lo = (size_t)floor(h);
	if (lo >= n - 1)
		return s[n - 1];
	frac = h - (double)lo;
	return s[lo] + frac * (s[lo + 1] - s[lo]);
}

double stats_mad(const double *x, size_t n)
{
	double med, *dev, mad;
	size_t i;

	if (!n)
		return NAN;
	med = stats_median(x, n);
	dev = xmalloc(st_mult(n, sizeof(*dev)));
	for (i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	mad = stats_median(dev, n);
	free(dev);
	return mad;
}

void stats_modified_z(const double *x, size_t n, double *z)
{
	double med, mad;
	size_t i;

	if (!n)
		return;
	med = stats_median(x, n);
	mad = stats_mad(x, n);
	if (!(mad > 0))
		mad = DBL_EPSILON;
	for (i = 0; i < n; i++)
		z[i] = (x[i] - med) / mad;
}

size_t stats_count_outliers(const double *x, size_t n)
{
	double *z;
	size_t i, count = 0;

	if (!n)
		return 0;
	z = xmalloc(st_mult(n, sizeof(*z)));
	stats_modified_z(x, n, z);
	for (i = 0; i < n; i++)
		if (fabs(z[i]) > STATS_OUTLIER_Z)
			count++;
	free(z);
	return count;
}

/* P(B <= k) for B ~ Binomial(n, 1/2), summed in logs to avoid overflow. */
static double binom_half_cdf(size_t n, size_t k)
{
	double sum = 0;
	size_t i;

	for (i = 0; i <= k && i <= n; i++)
		sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) -
			   lgamma((double)(n - i) + 1) - (double)n * M_LN2);
	return MIN(sum, 1.0);
}

double stats_median_ci_sorted(const double *s, size_t n, double level,
			      double *lo, double *hi)
{
	double alpha = 1 - level, tail = 0;
	size_t k = 0;

	*lo = *hi = NAN;
	/* The coverage of [x(k), x(n+1-k)] is 1 - 2 P(B <= k - 1); take the
	 * narrowest interval (largest k) that still covers the level. */
	while (k + 1 <= n / 2) {
		double t = binom_half_cdf(n, k);

		if (2 * t > alpha)
			break;
		tail = t;
		k++;
	}
	if (!k)
		return -1;
	*lo = s[k - 1];
	*hi = s[n - k];
	return 1 - 2 * tail;
}

/*
 * The null distribution of U for sample sizes m and n without ties, as
 * probabilities freq[0..m*n].  Counting uses the recurrence on who holds
 * the largest value: f(u; m, n) = f(u - n; m - 1, n) + f(u; m, n - 1),
 * kept as one row per m' that is updated in place for n' = 1..n.
 */
static double *mwu_distribution(size_t m, size_t n)
{
	size_t width = m * n + 1, i, j, u;
	double *f = xcalloc(st_mult(m + 1, width), sizeof(*f));
	double *out, total = 0;

	for (i = 0; i <= m; i++)
		f[i * width] = 1;
	for (j = 1; j <= n; j++) {
		for (i = 1; i <= m; i++) {
			double *row = f + i * width,
			       *prev = f + (i - 1) * width;

			/* row holds (i, j-1); prev already holds (i-1, j).
			 * Walk down so that row[u] is read before written. */
			for (u = i * j + 1; u-- > j;)
				row[u] += prev[u - j];
		}
	}
	out = xmalloc(st_mult(width, sizeof(*out)));
	for (u = 0; u < width; u++)
		total += f[m * width + u];
	for (u = 0; u < width; u++)
		out[u] = f[m * width + u] / total;
	free(f);
	return out;
}

double stats_mwu_cdf(size_t m, size_t n, double u)
{
	double *dist, sum = 0;
	size_t i;

	if (u < 0)
		return 0;
	if (u >= (double)(m * n))
		return 1;
	dist = mwu_distribution(m, n);
	for (i = 0; (double)i <= u; i++)
		sum += dist[i];
	free(dist);
	return MIN(sum, 1.0);
}

double stats_mwu_min_p(size_t na, size_t nb)
{
	/* 2 / C(na + nb, na) in logs. */
	double lc = lgamma((double)(na + nb) + 1) - lgamma((double)na + 1) -
		    lgamma((double)nb + 1);

	return MIN(1.0, 2 * exp(-lc));
}

double stats_normal_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

struct ranked {
	double v;
	int from_a;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	return (a->v > b->v) - (a->v < b->v);
}

void stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			struct stats_mwu *r)
{
	size_t N = na + nb, i, j;
	struct ranked *all;
	double rank_a = 0, tie_term = 0, mu, sigma, u2;

	memset(r, 0, sizeof(*r));
	r->p = 1;
	if (!na || !nb)
		return;
	all = xmalloc(st_mult(N, sizeof(*all)));
	for (i = 0; i < na; i++)
		all[i] = (struct ranked){a[i], 1};
	for (i = 0; i < nb; i++)
		all[na + i] = (struct ranked){b[i], 0};
	qsort(all, N, sizeof(*all), cmp_ranked);
	/* Tied values share the mean of the ranks they span (midranks). */
	for (i = 0; i < N; i = j) {
		double mid, t;

		for (j = i + 1; j < N && all[j].v == all[i].v; j++)
			;
		mid = ((double)(i + 1) + (double)j) / 2;
		t = (double)(j - i);
		tie_term += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (all[k].from_a)
				rank_a += mid;
	}
	free(all);
	r->u = rank_a - (double)na * (double)(na + 1) / 2;
	u2 = (double)na * (double)nb - r->u;

	if (tie_term == 0 && na <= STATS_MWU_EXACT_MAX &&
	    nb <= STATS_MWU_EXACT_MAX) {
		r->exact = 1;
		r->p = MIN(1.0, 2 * stats_mwu_cdf(na, nb, MIN(r->u, u2)));
		return;
	}
	/* Normal approximation with the tie correction of the variance and a
	 * continuity correction of 1/2 (as SciPy's mannwhitneyu does). */
	mu = (double)na * (double)nb / 2;
	sigma =
	    sqrt((double)na * (double)nb / 12 *
		 ((double)(N + 1) - tie_term / ((double)N * (double)(N - 1))));
	if (!(sigma > 0)) {
		r->p = 1;
		return;
	}
	r->z = (MAX(r->u, u2) - mu - 0.5) / sigma;
	r->p = MIN(1.0, 2 * stats_normal_sf(r->z));
}

double stats_shift_ci(const double *a, size_t na, const double *b, size_t nb,
		      double level, double *est, double *lo, double *hi)
{
	double alpha = 1 - level, *d, coverage;
	size_t mn = na * nb, i, j, k = 0;

	*est = *lo = *hi = NAN;
	if (!na || !nb)
		return -1;
	d = xmalloc(st_mult(mn, sizeof(*d)));
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			d[i * nb + j] = b[j] - a[i];
	stats_sort(d, mn);
	*est = stats_median_sorted(d, mn);
	/* [d(k), d(mn+1-k)] covers 1 - 2 P(U <= k - 1); find the largest k. */
	if (na <= STATS_MWU_EXACT_MAX && nb <= STATS_MWU_EXACT_MAX) {
		double *dist = mwu_distribution(na, nb), cum = 0;

		while (k < mn / 2 && 2 * (cum + dist[k]) <= alpha)
			cum += dist[k++];
		free(dist);
		coverage = 1 - 2 * cum;
	} else {
		double z = 1.959963984540054; /* 95% */
		double sd = sqrt((double)mn * (double)(na + nb + 1) / 12);

		if (fabs(level - 0.95) > 1e-9) {
			/* Only 95% is used with large samples; a bisection on
			 * the normal tail gives any other level. */
			double l = 0, h = 10;

			for (i = 0; i < 100; i++) {
				z = (l + h) / 2;
				if (2 * stats_normal_sf(z) > alpha)
					l = z;
				else
					h = z;
			}
		}
		k = (size_t)MAX(0.0, floor((double)mn / 2 - z * sd));
		coverage = level;
	}
	if (k) {
		*lo = d[k - 1];
		*hi = d[mn - k];
	}
	free(d);
	return k ? coverage : -1;
}

double stats_ratio(double mean_slow, double sd_slow, double mean_fast,
		   double sd_fast, double *sigma)
{
	double r = mean_slow / mean_fast;

	if (sigma) {
		double ea = sd_slow / mean_slow, eb = sd_fast / mean_fast;

		*sigma = r * sqrt(ea * ea + eb * eb);
	}
	return r;
}
