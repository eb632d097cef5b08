#include "core/compat.h"
#include "load/schedule.h"
#include <criterion/criterion.h>
#include <math.h>

Test(schedule, constant_rate_threads_interleave)
{
	struct sched_stage st = {1.0, 1000};
	struct sched s[4];
	int64_t all[1000];
	size_t n = 0, i;
	int k;

	/* 4 threads at 1000/s in total: together every 1 ms, exactly. */
	for (k = 0; k < 4; k++) {
		int64_t t;

		sched_init(&s[k], &st, 1, 1000, (unsigned)k, 4, 0, 1);
		while ((t = sched_next(&s[k])) >= 0) {
			cr_assert_lt(n, 1000);
			all[n++] = t;
		}
	}
	cr_assert_eq(n, 1000);
	/* Thread k's j-th request is due at (4j + k) ms. */
	n = 0;
	for (k = 0; k < 4; k++)
		for (i = 0; i < 250; i++)
			cr_assert_eq(all[n++], (int64_t)(4 * i + k) * 1000000);
}

Test(schedule, linear_ramp_is_quadratic)
{
	/* 0 -> 100/s over 10 s: N(t) = 5 t^2, so request i is due at
	 * sqrt(i / 5) s, and 500 requests in all. */
	struct sched_stage st = {10, 100};
	struct sched s;
	int64_t t;
	int i = 0;

	cr_assert_float_eq(sched_area(&st, 1, 0, 4), 80, 1e-9);
	sched_init(&s, &st, 1, 0, 0, 1, 0, 1);
	while ((t = sched_next(&s)) >= 0) {
		cr_assert_eq(t, llround(sqrt(i / 5.0) * 1e9), "request %d", i);
		i++;
	}
	cr_assert_eq(i, 500);
}

Test(schedule, stages_up_hold_down)
{
	/* 10 s up to 100, 10 s at 100, 10 s down to 0: 500 + 1000 + 500. */
	struct sched_stage st[] = {{10, 100}, {10, 100}, {10, 0}};
	struct sched s;
	int64_t t, last = -1;
	int n = 0;

	cr_assert_float_eq(sched_invert(st, 3, 0, 1500), 20, 1e-9);
	/* Down ramp: N(20 + x) = 1500 + 100x - 5x^2. */
	cr_assert_float_eq(sched_invert(st, 3, 0, 1500 + 100 * 4 - 5 * 16), 24,
			   1e-9);
	cr_assert_float_eq(sched_value_at(st, 3, 0, 25), 50, 1e-9);
	sched_init(&s, st, 3, 0, 0, 1, 0, 1);
	while ((t = sched_next(&s)) >= 0) {
		cr_assert_geq(t, last);
		last = t;
		n++;
	}
	cr_assert_eq(n, 2000);
}

Test(schedule, poisson_mean_and_spread)
{
	/* 10000/s for 10 s: about 100000 requests (sd 316), gaps with a
	 * coefficient of variation near 1 (exponential). */
	struct sched_stage st = {10, 10000};
	struct sched s;
	int64_t t, last = 0;
	double sum = 0, sum2 = 0, mean, sd;
	int n = 0;

	sched_init(&s, &st, 1, 10000, 0, 1, 1, 42);
	while ((t = sched_next(&s)) >= 0) {
		double gap = (double)(t - last);

		sum += gap;
		sum2 += gap * gap;
		last = t;
		n++;
	}
	cr_assert(n > 100000 - 2000 && n < 100000 + 2000, "n = %d", n);
	mean = sum / n;
	sd = sqrt(sum2 / n - mean * mean);
	cr_assert(fabs(mean - 100000) < 2000, "mean gap %f ns", mean);
	cr_assert(fabs(sd / mean - 1) < 0.05, "cv %f", sd / mean);
}

Test(schedule, poisson_threads_differ)
{
	struct sched_stage st = {1, 1000};
	struct sched a, b;

	sched_init(&a, &st, 1, 1000, 0, 2, 1, 7);
	sched_init(&b, &st, 1, 1000, 1, 2, 1, 7);
	cr_assert_neq(sched_next(&a), sched_next(&b));
}
