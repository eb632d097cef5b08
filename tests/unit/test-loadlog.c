#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "load/interval.h"
#include "load/load.h"
#include <criterion/criterion.h>
#include <math.h>

/* Two threads hand in seconds 0 and 1 out of order; the log writes them
 * in order once both have, and reading it back gives every value. */
Test(loadlog, intervals_in_order_and_read_back)
{
	char dir[] = "/tmp/perfops-loadlog.XXXXXX", hlog[128], csv[128];
	const char *paths[1] = {hlog};
	struct load_interval a, b;
	struct load_result r, back;
	struct load_log lg;
	struct strbuf sb = STRBUF_INIT;
	int64_t v;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(hlog, sizeof(hlog), "%s/run.hlog", dir);
	snprintf(csv, sizeof(csv), "%s/run.csv", dir);
	cr_assert_eq(load_interval_init(&a), 0);
	cr_assert_eq(load_interval_init(&b), 0);
	cr_assert_eq(load_result_init(&r), 0);
	cr_assert_eq(load_log_open(&lg, hlog, csv, NULL, 2), 0);
	load_log_start(&lg, 1700000000.0, "test");
	/* Thread A: 1000 values of 1..1000 us in second 0, 10 ms in 1. */
	for (v = 1; v <= 1000; v++)
		hist_record(&a.latency, v);
	a.requests = 1000;
	load_log_publish(&lg, 0, 1.0, &a);
	load_interval_reset(&a);
	hist_record_n(&a.latency, 10000, 5);
	a.requests = 5;
	load_log_publish(&lg, 1, 0.5, &a);
	/* Thread B hands in second 1 before second 0. */
	hist_record_n(&b.latency, 2000000, 3);
	hist_record_n(&b.service, 7, 3);
	b.requests = 3;
	b.errors = 1;
	load_log_publish(&lg, 1, 0.5, &b);
	load_interval_reset(&b);
	hist_record(&b.latency, 500);
	b.requests = 1;
	load_log_publish(&lg, 0, 1.0, &b);
	r.requests = 1009;
	r.errors[LOAD_ERR_TIMEOUT] = 1;
	r.status[200] = 1009;
	r.duration_s = 1.5;
	r.rate = 100;
	r.threads = 2;
	cr_assert_eq(load_log_close(&lg, &r), 0);
	load_log_release(&lg);

	cr_assert_eq(strbuf_read_file(&sb, csv), 0);
	cr_assert_str_eq(
	    sb.buf, "second,requests,errors,rps,latency_p50_ms,"
		    "latency_p90_ms,latency_p99_ms,latency_max_ms,"
		    "service_p99_ms,send_lag_p99_ms\n"
		    /* 1001 values: the 501st is 500, the 901st 900,
		     * the 991st 990 (HdrHistogram's count rule). */
		    "0,1001,0,1001.00,0.500,0.900,0.990,1.000,0.000,0.000\n"
		    /* 10000 and 2000000 us count as the highest
		     * equivalent values of their buckets (8 and 1024
		     * wide). */
		    "1,8,1,16.00,10.007,2000.895,2000.895,2000.895,0.007,"
		    "0.000\n");
	cr_assert_eq(load_hlog_merge(&back, paths, 1, NULL, NULL), 0);
	cr_assert_eq(back.latency.total_count, 1009);
	cr_assert_eq(back.service.total_count, 3);
	cr_assert_eq(hist_max(&back.latency),
		     hist_highest_equivalent(&back.latency, 2000000));
	/* 1..1000 and an extra 500: the 505th value is 504. */
	cr_assert_eq(hist_percentile(&back.latency, 50), 504);
	cr_assert_eq(back.requests, 1009);
	cr_assert_eq(back.errors[LOAD_ERR_TIMEOUT], 1);
	cr_assert_eq(back.status[200], 1009);
	cr_assert_float_eq(back.duration_s, 1.5, 1e-9);
	cr_assert_float_eq(back.rate, 100, 1e-9);
	load_result_release(&back);

	/* Two logs merge: counters add, the duration is the longest. */
	paths[0] = hlog;
	{
		const char *two[2] = {hlog, hlog};

		cr_assert_eq(load_hlog_merge(&back, two, 2, NULL, NULL), 0);
		cr_assert_eq(back.latency.total_count, 2018);
		cr_assert_eq(back.requests, 2018);
		cr_assert_eq(back.threads, 4);
		cr_assert_float_eq(back.duration_s, 1.5, 1e-9);
		load_result_release(&back);
	}
	strbuf_release(&sb);
	load_result_release(&r);
	load_interval_release(&a);
	load_interval_release(&b);
	unlink(hlog);
	unlink(csv);
	rmdir(dir);
}

/* The per-thread req/s statistics merge as if computed over all samples
 * (Chan's parallel update). */
Test(loadlog, result_add_merges_rps_statistics)
{
	const double xs[] = {100, 120, 80, 95, 300, 310};
	struct load_result a, b;
	double mean = 0, m2 = 0;
	size_t i;

	cr_assert_eq(load_result_init(&a), 0);
	cr_assert_eq(load_result_init(&b), 0);
	for (i = 0; i < ARRAY_SIZE(xs); i++) {
		struct load_result *r = i < 4 ? &a : &b;
		double d;

		r->rps_n++;
		d = xs[i] - r->rps_mean;
		r->rps_mean += d / r->rps_n;
		r->rps_m2 += d * (xs[i] - r->rps_mean);
		r->rps_max = MAX(r->rps_max, xs[i]);
		mean += xs[i] / ARRAY_SIZE(xs);
	}
	for (i = 0; i < ARRAY_SIZE(xs); i++)
		m2 += (xs[i] - mean) * (xs[i] - mean);
	hist_record(&b.latency, 42);
	b.requests = 7;
	cr_assert_eq(load_result_add(&a, &b), 0);
	cr_assert_eq(a.rps_n, 6);
	cr_assert_float_eq(a.rps_mean, mean, 1e-9);
	cr_assert_float_eq(a.rps_m2, m2, 1e-6);
	cr_assert_float_eq(a.rps_max, 310, 1e-12);
	cr_assert_eq(a.latency.total_count, 1);
	cr_assert_eq(a.requests, 7);
	load_result_release(&a);
	load_result_release(&b);
}

/* The three histograms of one request: 2 ms late to go out, 3 ms to
 * answer: latency 5 ms from the intended time, service 3 ms, lag 2 ms. */
Test(loadlog, three_histograms_from_three_times)
{
	struct load_interval iv;

	cr_assert_eq(load_interval_init(&iv), 0);
	load_record_times(&iv, 1000000000, 1002000000, 1005000000);
	/* Nanoseconds round to the nearest microsecond. */
	load_record_times(&iv, 0, 499, 1500);
	cr_assert_eq(iv.latency.total_count, 2);
	/* (the maximum as HdrHistogram reports it: its bucket's top) */
	cr_assert_eq(hist_max(&iv.latency),
		     hist_highest_equivalent(&iv.latency, 5000));
	cr_assert_eq(hist_max(&iv.service),
		     hist_highest_equivalent(&iv.service, 3000));
	cr_assert_eq(hist_max(&iv.send_lag), 2000);
	cr_assert(!hist_values_equivalent(&iv.latency, 5000, 4990));
	cr_assert_eq(hist_min(&iv.latency), 2);
	cr_assert_eq(hist_min(&iv.service), 1);
	cr_assert_eq(hist_min(&iv.send_lag), 0);
	load_interval_release(&iv);
}
