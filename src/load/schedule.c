#include "core/compat.h"
#include "load/schedule.h"
#include <math.h>

double sched_duration(const struct sched_stage *stages, size_t nstages)
{
	double d = 0;
	size_t i;

	for (i = 0; i < nstages; i++)
		d += stages[i].dur_s;
	return d;
}

double sched_area(const struct sched_stage *stages, size_t nstages,
		  double start, double t)
{
	double n = 0, a = start;
	size_t i;

	for (i = 0; i < nstages && t > 0; i++) {
		double d = stages[i].dur_s, b = stages[i].target;
		double tau = MIN(t, d);

		if (d > 0)
			n += a * tau + (b - a) * tau * tau / (2 * d);
		t -= d;
		a = b;
	}
	return n;
}

double sched_invert(const struct sched_stage *stages, size_t nstages,
		    double start, double n)
{
	double t0 = 0, a = start;
	size_t i;

	for (i = 0; i < nstages; i++) {
		double d = stages[i].dur_s, b = stages[i].target;
		double area = (a + b) / 2 * d;

		if (n <= 0)
			return t0;
		if (n <= area && area > 0) {
			/* a*tau + c*tau^2 = n, c = (b-a)/2d, in the form
			 * that stays exact when c is 0 or negative. */
			double c = (b - a) / (2 * d);
			double disc = a * a + 4 * c * n;
			double tau = 2 * n / (a + sqrt(MAX(disc, 0)));

			return t0 + MIN(tau, d);
		}
		n -= area;
		t0 += d;
		a = b;
	}
	return -1;
}

double sched_value_at(const struct sched_stage *stages, size_t nstages,
		      double start, double t)
{
	double a = start;
	size_t i;

	for (i = 0; i < nstages; i++) {
		double d = stages[i].dur_s, b = stages[i].target;

		if (t < d)
			return d > 0 ? a + (b - a) * t / d : b;
		t -= d;
		a = b;
	}
	return a;
}

/* xorshift64*: a fast generator, seeded per thread. */
static double uniform(struct sched *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	/* (0, 1]: log() of it stays finite. */
	return ((s->rng * 0x2545F4914F6CDD1DULL >> 11) + 1) *
	       (1.0 / 9007199254740992.0);
}

void sched_init(struct sched *s, const struct sched_stage *stages,
		size_t nstages, double start, unsigned thread,
		unsigned nthreads, int poisson, uint64_t seed)
{
	s->stages = stages;
	s->nstages = nstages;
	s->start = start;
	s->total =
	    sched_area(stages, nstages, start, sched_duration(stages, nstages));
	s->step = nthreads ? nthreads : 1;
	s->poisson = poisson;
	s->rng = (seed ^ (0x9E3779B97F4A7C15ULL * (thread + 1))) | 1;
	if (poisson)
		s->pos = -log(uniform(s)) * s->step;
	else
		s->pos = thread;
}

int64_t sched_next(struct sched *s)
{
	double t;

	if (s->pos >= s->total)
		return -1;
	t = sched_invert(s->stages, s->nstages, s->start, s->pos);
	if (t < 0)
		return -1;
	s->pos += s->poisson ? -log(uniform(s)) * s->step : s->step;
	return (int64_t)llround(t * 1e9);
}
