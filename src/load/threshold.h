#ifndef PERFOPS_THRESHOLD_H
#define PERFOPS_THRESHOLD_H

struct load_result;

/*
 * Pass/fail criteria in k6's grammar: METRIC OP VALUE, as in p(99)<200ms,
 * p(99.9)<1s, avg<50ms, med<=10ms, max<1s, error_rate<1%, rps>1000.
 * Latencies are the headline latency (from the intended send time); a
 * number without a unit is milliseconds, as in k6.  error_rate takes a
 * percentage or a fraction (1% or 0.01).  Holds no allocation.
 */
enum threshold_metric {
	TH_PERCENTILE,
	TH_AVG,
	TH_MIN,
	TH_MED,
	TH_MAX,
	TH_ERROR_RATE,
	TH_RPS,
};

enum threshold_op { TH_LT, TH_LE, TH_GT, TH_GE, TH_EQ, TH_NE };

struct threshold {
	const char *text; /* as given (borrowed) */
	enum threshold_metric metric;
	double p; /* for TH_PERCENTILE */
	enum threshold_op op;
	double value; /* ms, a fraction, or req/s */
};

/* Parse text into t; -1 with a message saying what was expected. */
int threshold_parse(struct threshold *t, const char *text);
/* The metric's measured value in r, in the unit of t->value. */
double threshold_measure(const struct threshold *t,
			 const struct load_result *r);
/* Whether measured meets t. */
int threshold_ok(const struct threshold *t, double measured);

#endif
