#ifndef PERFOPS_SCHEDULE_H
#define PERFOPS_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The open-loop schedule: when each request is meant to be sent, never
 * waiting for responses.  The rate follows stages, each ramping linearly
 * from the previous target to its own over its duration (k6's
 * ramping-arrival-rate); a constant rate is one stage from R to R.  The
 * number of requests due by time t is N(t), the area under the rate curve
 * (a quadratic within a linear stage), and request i is due at N^-1(i).
 * Thread k of n takes requests k, k+n, k+2n...: each thread runs 1/n of
 * the rate, phase-offset so that threads do not fire in lockstep.  With
 * Poisson gaps the same inversion maps a unit-rate Poisson process, so the
 * rate still follows the stages on average.  Holds no allocation.
 */
struct sched_stage {
	double dur_s;
	double target; /* requests per second (or connections) at its end */
};

struct sched {
	const struct sched_stage *stages;
	size_t nstages;
	double start; /* the rate at time 0 */
	double total; /* N at the end of the last stage */
	double pos;   /* N-space position of the next request */
	double step;  /* threads */
	int poisson;
	uint64_t rng;
};

/* stages are borrowed and must outlive s. */
void sched_init(struct sched *s, const struct sched_stage *stages,
		size_t nstages, double start, unsigned thread,
		unsigned nthreads, int poisson, uint64_t seed);

/* Intended time (ns after the start) of the next request, -1 past the end. */
int64_t sched_next(struct sched *s);

/* N(t): requests due in [0, t] seconds (t within the stages). */
double sched_area(const struct sched_stage *stages, size_t nstages,
		  double start, double t);
/* t with N(t) = n, or -1 when n is beyond the total. */
double sched_invert(const struct sched_stage *stages, size_t nstages,
		    double start, double n);
/* The target (rate or connections) at t, interpolated within its stage. */
double sched_value_at(const struct sched_stage *stages, size_t nstages,
		      double start, double t);
/* The sum of the stages' durations. */
double sched_duration(const struct sched_stage *stages, size_t nstages);

#endif
