#include "core/compat.h"
#include "load/load.h"
#include "load/threshold.h"
#include "core/error.h"
#include <criterion/criterion.h>

static void quiet(void)
{
	error_set_quiet(1);
}

Test(threshold, grammar)
{
	struct threshold t;

	cr_assert_eq(threshold_parse(&t, "p(99)<200ms"), 0);
	cr_assert_eq(t.metric, TH_PERCENTILE);
	cr_assert_float_eq(t.p, 99, 1e-12);
	cr_assert_eq(t.op, TH_LT);
	cr_assert_float_eq(t.value, 200, 1e-12);
	cr_assert_eq(threshold_parse(&t, "p(99.9) <= 1s"), 0);
	cr_assert_float_eq(t.p, 99.9, 1e-12);
	cr_assert_eq(t.op, TH_LE);
	cr_assert_float_eq(t.value, 1000, 1e-12);
	cr_assert_eq(threshold_parse(&t, "avg<50"), 0);
	cr_assert_eq(t.metric, TH_AVG);
	cr_assert_float_eq(t.value, 50, 1e-12);
	cr_assert_eq(threshold_parse(&t, "med<250us"), 0);
	cr_assert_float_eq(t.value, 0.25, 1e-12);
	cr_assert_eq(threshold_parse(&t, "error_rate<1%"), 0);
	cr_assert_eq(t.metric, TH_ERROR_RATE);
	cr_assert_float_eq(t.value, 0.01, 1e-12);
	cr_assert_eq(threshold_parse(&t, "error_rate<=0.05"), 0);
	cr_assert_float_eq(t.value, 0.05, 1e-12);
	cr_assert_eq(threshold_parse(&t, "rps>1000"), 0);
	cr_assert_eq(t.metric, TH_RPS);
	cr_assert_eq(t.op, TH_GT);
	cr_assert_eq(threshold_parse(&t, "max>=2m"), 0);
	cr_assert_float_eq(t.value, 120000, 1e-12);
}

Test(threshold, rejects, .init = quiet)
{
	static const char *const bad[] = {
	    "p(101)<1ms", "p(x)<1",	    "p99<1",
	    "avg",	  "avg<",	    "avg<x",
	    "avg<5h",	  "rps>1k",	    "error_rate<1ms",
	    "mean<1",	  "avg=1",	    "avg<-1",
	    "",		  "p(99)<1ms junk",
	};
	struct threshold t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(threshold_parse(&t, bad[i]), -1, "accepted '%s'",
			     bad[i]);
}

Test(threshold, measured_on_a_result)
{
	struct load_result r;
	struct threshold t;
	int i;

	cr_assert_eq(load_result_init(&r), 0);
	/* 1..1000 ms: p(99) is 990 ms within 0.1%. */
	for (i = 1; i <= 1000; i++)
		hist_record(&r.latency, i * 1000);
	r.requests = 990;
	r.window_requests = 990; /* all arrived within the window */
	r.errors[LOAD_ERR_TIMEOUT] = 10;
	r.duration_s = 10;
	r.drain_s = 1; /* rps is over the window, not the drain */
	cr_assert_eq(threshold_parse(&t, "p(99)<1s"), 0);
	cr_assert_float_eq(threshold_measure(&t, &r), 990.207, 1e-9);
	cr_assert(threshold_ok(&t, threshold_measure(&t, &r)));
	cr_assert_eq(threshold_parse(&t, "error_rate<1%"), 0);
	cr_assert_float_eq(threshold_measure(&t, &r), 0.01, 1e-12);
	cr_assert(!threshold_ok(&t, threshold_measure(&t, &r)));
	cr_assert_eq(threshold_parse(&t, "rps>=99"), 0);
	cr_assert_float_eq(threshold_measure(&t, &r), 99, 1e-12);
	cr_assert(threshold_ok(&t, 99));
	cr_assert_eq(threshold_parse(&t, "avg<500.5ms"), 0);
	cr_assert_float_eq(threshold_measure(&t, &r), 500.5, 0.5);
	load_result_release(&r);
}
