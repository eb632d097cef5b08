#include "core/compat.h"
#include "core/hist.h"
#include "core/json.h"
#include "load/load.h"
#include "load/summary.h"
#include "load/threshold.h"
#include <math.h>

struct unit {
	const char *name;
	double size;
};

/* v in the largest unit it reaches (units in increasing size). */
static const char *fmt_units(char *buf, size_t n, double v,
			     const struct unit *units, size_t nunits)
{
	size_t i = 0;

	while (i + 1 < nunits && v >= units[i + 1].size)
		i++;
	snprintf(buf, n, "%.2f%s", v / units[i].size, units[i].name);
	return buf;
}

/* wrk's units: us, ms, s, m for times given in microseconds; k, M, G for
 * counts; KB, MB, GB for bytes. */
static const char *fmt_us(char *buf, size_t n, double us)
{
	static const struct unit u[] = {
	    {"us", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 6e7}};

	return fmt_units(buf, n, us, u, ARRAY_SIZE(u));
}

static const char *fmt_metric(char *buf, size_t n, double v)
{
	static const struct unit u[] = {
	    {"", 1}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}};

	return fmt_units(buf, n, v, u, ARRAY_SIZE(u));
}

static const char *fmt_bytes(char *buf, size_t n, double v)
{
	static const struct unit u[] = {{"B", 1},
					{"KB", 1024.0},
					{"MB", 1024.0 * 1024},
					{"GB", 1024.0 * 1024 * 1024},
					{"TB", 1024.0 * 1024 * 1024 * 1024}};

	return fmt_units(buf, n, v, u, ARRAY_SIZE(u));
}

/* The share of values within one standard deviation of the mean. */
static double within_stdev(const struct hist *h)
{
	double mean = hist_mean(h), sd = hist_stddev(h);
	int64_t v, c, in = 0;
	int32_t i = 0;

	if (!h->total_count)
		return 0;
	while (hist_next(h, &i, &v, &c))
		if (v >= mean - sd && v <= mean + sd)
			in += c;
	return 100.0 * (double)in / (double)h->total_count;
}

void load_spectrum_walk(const struct hist *h,
			void (*fn)(void *ctx, int64_t value, double pct,
				   int64_t count),
			void *ctx)
{
	const int ticks_per_half = 5;
	double next = 0;
	int64_t v, c, cum = 0;
	int32_t i = 0;

	/* HdrHistogram's percentile iterator: report at 0%, then ever finer
	 * steps toward 100% (5 per halving of the distance), each at the
	 * first bucket that reaches the step; the last bucket reports once
	 * and then 100%. */
	while (h->total_count && hist_next(h, &i, &v, &c)) {
		cum += c;
		while (next <= 100.0 * cum / h->total_count) {
			double ticks;

			fn(ctx, v, next, cum);
			ticks =
			    ticks_per_half *
			    pow(2, floor(log(100 / (100 - next)) / log(2)) + 1);
			next += 100 / ticks;
			if (cum == h->total_count) {
				fn(ctx, v, 100, cum);
				break;
			}
		}
	}
}

struct spectrum_out {
	FILE *fp;
	double scale;
};

static void spectrum_line(void *ctx, int64_t v, double pct, int64_t cum)
{
	struct spectrum_out *o = ctx;

	fprintf(o->fp, "%12.3f %12f %12" PRId64 " %12.2f\n",
		(double)v / o->scale, pct / 100, cum, 1 / (1 - pct / 100));
}

void load_print_spectrum(FILE *fp, const struct hist *h, double scale)
{
	struct spectrum_out o = {fp, scale};

	fprintf(fp, "%12s %12s %12s %12s\n\n", "Value", "Percentile",
		"TotalCount", "1/(1-Percentile)");
	load_spectrum_walk(h, spectrum_line, &o);
	fprintf(fp, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n",
		hist_mean(h) / scale, hist_stddev(h) / scale);
	fprintf(fp, "#[Max     = %12.3f, Total count    = %12" PRId64 "]\n",
		(double)hist_max(h) / scale, h->total_count);
	fprintf(fp, "#[Buckets = %12d, SubBuckets     = %12d]\n",
		h->bucket_count, h->sub_bucket_count);
}

static const double dist_pcts[] = {50, 75, 90, 99, 99.9, 99.99, 99.999, 100};

static int print_thresholds(FILE *fp, const struct load_result *r,
			    const struct load_summary_info *info)
{
	int failed = 0;
	size_t i;

	if (info->nthresholds || r->dropped)
		fprintf(fp, "Thresholds:\n");
	for (i = 0; i < info->nthresholds; i++) {
		const struct threshold *t = &info->thresholds[i];
		double m = threshold_measure(t, r);
		int ok = threshold_ok(t, m);

		failed += !ok;
		if (t->metric == TH_ERROR_RATE)
			fprintf(fp, "  %s %-24s measured %.4g%%\n",
				ok ? "ok  " : "FAIL", t->text, m * 100);
		else if (t->metric == TH_RPS)
			fprintf(fp, "  %s %-24s measured %.2f\n",
				ok ? "ok  " : "FAIL", t->text, m);
		else
			fprintf(fp, "  %s %-24s measured %.3fms\n",
				ok ? "ok  " : "FAIL", t->text, m);
	}
	if (r->dropped) {
		fprintf(fp, "  FAIL %-24s measured %" PRId64 "\n", "dropped==0",
			r->dropped);
		failed++;
	}
	return failed;
}

int load_print_text(FILE *fp, const struct load_result *r,
		    const struct load_summary_info *info)
{
	const struct hist *h = &r->latency;
	char a[32], b[32], c[32];
	size_t i;
	int any = 0;

	if (info->url)
		fprintf(fp, "Running %gs test @ %s\n", r->duration_s,
			info->url);
	fprintf(fp, "  %d threads and %d connections", r->threads,
		r->connections_asked);
	if (r->rate > 0)
		fprintf(fp, ", open loop at %g requests/s", r->rate);
	fputs("\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n", fp);
	fprintf(fp, "    Latency   %8s  %8s  %8s  %8.2f%%\n",
		fmt_us(a, sizeof(a), hist_mean(h)),
		fmt_us(b, sizeof(b), hist_stddev(h)),
		fmt_us(c, sizeof(c), (double)hist_max(h)), within_stdev(h));
	if (r->rps_n)
		fprintf(fp, "    Req/Sec   %8s  %8s  %8s\n",
			fmt_metric(a, sizeof(a), r->rps_mean),
			fmt_metric(b, sizeof(b),
				   r->rps_n > 1
				       ? sqrt(r->rps_m2 / (r->rps_n - 1))
				       : 0),
			fmt_metric(c, sizeof(c), r->rps_max));
	fputs("  Latency Distribution (HdrHistogram - Recorded Latency)\n", fp);
	for (i = 0; i < ARRAY_SIZE(dist_pcts); i++)
		fprintf(fp, "%7.3f%%  %8s\n", dist_pcts[i],
			fmt_us(a, sizeof(a),
			       (double)hist_percentile(h, dist_pcts[i])));
	fputs("\n  Detailed Percentile spectrum:\n", fp);
	load_print_spectrum(fp, h, 1000.0);
	fputs("----------------------------------------------------------\n",
	      fp);
	if (r->rate > 0) {
		fprintf(fp, "  Service time: p50 %s, p99 %s, max %s\n",
			fmt_us(a, sizeof(a),
			       (double)hist_percentile(&r->service, 50)),
			fmt_us(b, sizeof(b),
			       (double)hist_percentile(&r->service, 99)),
			fmt_us(c, sizeof(c), (double)hist_max(&r->service)));
		fprintf(fp, "  Send lag:     p50 %s, p99 %s, max %s\n",
			fmt_us(a, sizeof(a),
			       (double)hist_percentile(&r->send_lag, 50)),
			fmt_us(b, sizeof(b),
			       (double)hist_percentile(&r->send_lag, 99)),
			fmt_us(c, sizeof(c), (double)hist_max(&r->send_lag)));
	}
	fprintf(fp, "  %" PRId64 " requests in %.2fs, %s read, %s written\n",
		r->requests, r->duration_s + r->drain_s,
		fmt_bytes(a, sizeof(a), (double)r->bytes_read),
		fmt_bytes(b, sizeof(b), (double)r->bytes_written));
	if (r->warmup_s > 0)
		fprintf(
		    fp,
		    "  Warm-up before that: %.2fs, %" PRId64
		    " responses (not counted above), latency p50 %s, "
		    "p99 %s, max %s\n",
		    r->warmup_s, r->warm_requests,
		    fmt_us(a, sizeof(a), (double)hist_percentile(&r->warm, 50)),
		    fmt_us(b, sizeof(b), (double)hist_percentile(&r->warm, 99)),
		    fmt_us(c, sizeof(c), (double)hist_max(&r->warm)));
	fprintf(fp, "  Connections: %d asked, %d achieved\n",
		r->connections_asked, r->connections_achieved);
	if (load_result_errors(r)) {
		fputs("  Errors:", fp);
		for (i = 0; i < LOAD_ERR_N; i++)
			fprintf(fp, "%s %s %" PRId64, i ? "," : "",
				load_error_names[i], r->errors[i]);
		fputc('\n', fp);
	}
	if (r->errors[LOAD_ERR_CONNECT] && r->why[0])
		fprintf(fp, "  Last connect error: %s\n", r->why);
	fputs("  Status codes:", fp);
	for (i = 0; i < ARRAY_SIZE(r->status); i++)
		if (r->status[i]) {
			fprintf(fp, "%s %zu: %" PRId64, any ? "," : "", i,
				r->status[i]);
			any = 1;
		}
	fputs(any ? "\n" : " none\n", fp);
	if (r->scheduled)
		fprintf(fp,
			"  Scheduled: %" PRId64 ", dropped: %" PRId64 "%s\n",
			r->scheduled, r->dropped,
			r->dropped ? " (the queue was full: see --queue)" : "");
	if (load_result_fell_behind(r))
		fprintf(fp,
			"  WARNING: the generator fell behind its schedule "
			"(%" PRId64 " of %" PRId64 " requests noticed over "
			"10ms late): add threads or lower the rate\n",
			r->late, r->scheduled);
	fprintf(fp, "Requests/sec: %9.2f\n", load_result_rps(r));
	fprintf(fp, "Transfer/sec: %9s\n",
		fmt_bytes(a, sizeof(a),
			  r->duration_s > 0
			      ? r->window_bytes_read / r->duration_s
			      : 0));
	return print_thresholds(fp, r, info);
}

static void json_hist_ms(struct json_writer *w, const char *key,
			 const struct hist *h)
{
	static const struct {
		const char *key;
		double p;
	} ps[] = {
	    {"p50", 50},       {"p75", 75},	    {"p90", 90},
	    {"p95", 95},       {"p99", 99},	    {"p99_9", 99.9},
	    {"p99_99", 99.99}, {"p99_999", 99.999},
	};
	size_t i;

	json_key(w, key);
	json_begin_object(w);
	json_kv_int(w, "count", h->total_count);
	json_kv_double(w, "mean", hist_mean(h) / 1000);
	json_kv_double(w, "stddev", hist_stddev(h) / 1000);
	json_kv_double(w, "min", hist_min(h) / 1000.0);
	for (i = 0; i < ARRAY_SIZE(ps); i++) {
		json_key(w, ps[i].key);
		json_double(w, hist_percentile(h, ps[i].p) / 1000.0);
	}
	json_kv_double(w, "max", hist_max(h) / 1000.0);
	json_end_object(w);
}

int load_print_json(FILE *fp, const struct load_result *r,
		    const struct load_summary_info *info)
{
	struct json_writer w;
	char code[8];
	int failed = 0;
	size_t i;

	json_init(&w, fp, 1);
	json_begin_object(&w);
	if (info->url) {
		json_kv_string(&w, "url", info->url);
	}
	json_kv_string(&w, "mode", r->rate > 0 ? "open" : "closed");
	json_kv_double(&w, "rate", r->rate);
	json_kv_int(&w, "threads", r->threads);
	json_kv_double(&w, "duration_s", r->duration_s);
	json_kv_double(&w, "drain_s", r->drain_s);
	json_kv_double(&w, "start_unix", r->start_unix);
	json_kv_int(&w, "requests", r->requests);
	json_kv_int(&w, "requests_in_window", r->window_requests);
	json_kv_double(&w, "rps", load_result_rps(r));
	json_kv_int(&w, "bytes_read", r->bytes_read);
	json_kv_int(&w, "bytes_read_in_window", r->window_bytes_read);
	json_kv_int(&w, "bytes_written", r->bytes_written);
	json_key(&w, "errors");
	json_begin_object(&w);
	json_kv_int(&w, "total", load_result_errors(r));
	for (i = 0; i < LOAD_ERR_N; i++) {
		json_key(&w, i == LOAD_ERR_STATUS ? "non_2xx_3xx"
						  : load_error_names[i]);
		json_int(&w, r->errors[i]);
	}
	json_kv_int(&w, "dropped", r->dropped);
	json_end_object(&w);
	json_key(&w, "status");
	json_begin_object(&w);
	for (i = 0; i < ARRAY_SIZE(r->status); i++)
		if (r->status[i]) {
			snprintf(code, sizeof(code), "%zu", i);
			json_key(&w, code);
			json_int(&w, r->status[i]);
		}
	json_end_object(&w);
	json_key(&w, "connections");
	json_begin_object(&w);
	json_kv_int(&w, "asked", r->connections_asked);
	json_kv_int(&w, "achieved", r->connections_achieved);
	json_end_object(&w);
	json_kv_int(&w, "scheduled", r->scheduled);
	json_kv_int(&w, "late", r->late);
	json_kv_bool(&w, "fell_behind", load_result_fell_behind(r));
	json_hist_ms(&w, "latency_ms", &r->latency);
	json_hist_ms(&w, "service_ms", &r->service);
	json_hist_ms(&w, "send_lag_ms", &r->send_lag);
	json_key(&w, "warmup");
	json_begin_object(&w);
	json_kv_double(&w, "duration_s", r->warmup_s);
	json_kv_int(&w, "requests", r->warm_requests);
	json_hist_ms(&w, "latency_ms", &r->warm);
	json_end_object(&w);
	json_key(&w, "thresholds");
	json_begin_array(&w);
	for (i = 0; i < info->nthresholds; i++) {
		const struct threshold *t = &info->thresholds[i];
		double m = threshold_measure(t, r);

		json_begin_object(&w);
		json_kv_string(&w, "threshold", t->text);
		json_kv_double(&w, "measured", m);
		json_kv_bool(&w, "ok", threshold_ok(t, m));
		json_end_object(&w);
		failed += !threshold_ok(t, m);
	}
	if (r->dropped) {
		json_begin_object(&w);
		json_kv_string(&w, "threshold", "dropped==0");
		json_kv_int(&w, "measured", r->dropped);
		json_kv_bool(&w, "ok", 0);
		json_end_object(&w);
		failed++;
	}
	json_end_array(&w);
	json_end_object(&w);
	fputc('\n', fp);
	return failed;
}
