#include "core/compat.h"
#include "diagnose/diagnose.h"
#include <math.h>

int diag_fit_line(const double *x, const double *y, size_t n,
		  struct diag_fit *fit)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
	size_t i;

	fit->a = fit->b = 0;
	fit->r2 = NAN;
	if (n < 2)
		return -1;
	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	if (sxx == 0)
		return -1;
	fit->b = sxy / sxx;
	fit->a = my - fit->b * mx;
	if (syy > 0)
		fit->r2 = sxy * sxy / (sxx * syy);
	return 0;
}

/*
 * The autocorrelation at lag k, each lag's sum divided by its own number
 * of pairs so that a long lag is not shrunk towards zero just for having
 * fewer of them (the series are short: tens of samples).
 */
static double acf_at(const double *y, size_t n, double mean, double var,
		     size_t k)
{
	double sum = 0;
	size_t i;

	for (i = 0; i + k < n; i++)
		sum += (y[i] - mean) * (y[i + k] - mean);
	return MIN(1.0, sum / (double)(n - k) / var);
}

double diag_period(const double *y, size_t n, double *acf)
{
	double mean = 0, var = 0, *r;
	size_t i, k, maxk = n / 2;
	int dipped = 0;
	double period = 0, lowest = 0;

	*acf = 0;
	if (n < 8)
		return 0;
	for (i = 0; i < n; i++)
		mean += y[i];
	mean /= (double)n;
	for (i = 0; i < n; i++)
		var += (y[i] - mean) * (y[i] - mean);
	var /= (double)n;
	if (var <= 0)
		return 0;
	r = xmalloc((maxk + 2) * sizeof(*r));
	for (k = 0; k <= maxk + 1 && k < n; k++)
		r[k] = acf_at(y, n, mean, var, k);
	for (k = 1; k <= maxk && k + 1 < n; k++) {
		if (r[k] < 0)
			dipped = 1;
		lowest = MIN(lowest, r[k]);
		if (!dipped || k < 2)
			continue;
		if (r[k] > 0 && r[k] >= r[k - 1] && r[k] >= r[k + 1]) {
			/* Half a period away the series is anti-correlated
			 * with itself; a trend or a one-off step hardly is.
			 * A first peak without that is no period (looking
			 * further would find a multiple of it). */
			if (lowest > -0.15)
				break;
			/* A parabola through the three points puts the peak
			 * between lags. */
			double den = r[k - 1] - 2 * r[k] + r[k + 1];
			double off =
			    den != 0 ? 0.5 * (r[k - 1] - r[k + 1]) / den : 0;

			if (off < -0.5 || off > 0.5)
				off = 0;
			period = (double)k + off;
			*acf = r[k];
			break;
		}
	}
	free(r);
	return period;
}

void diag_sparkline(const double *v, size_t n, size_t width, double full,
		    char *buf, size_t size)
{
	static const char *const bars[] = {"▁", "▂", "▃", "▄",
					   "▅", "▆", "▇", "█"};
	double lo = INFINITY, hi = -INFINITY;
	size_t i, from = n > width ? n - width : 0, len = 0;

	buf[0] = '\0';
	for (i = from; i < n; i++) {
		lo = MIN(lo, v[i]);
		hi = MAX(hi, v[i]);
	}
	if (full > 0) {
		lo = MIN(lo, 0);
		hi = MAX(hi, full);
	}
	for (i = from; i < n && len + 4 < size; i++) {
		int b = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7.999) : 0;

		len += (size_t)snprintf(buf + len, size - len, "%s", bars[b]);
	}
}
