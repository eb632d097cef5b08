#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "load/hdrcodec.h"
#include "load/html.h"
#include "load/interval.h"
#include "load/load.h"
#include <time.h>

int load_interval_init(struct load_interval *iv)
{
	memset(iv, 0, sizeof(*iv));
	if (load_hist_init(&iv->latency) < 0 ||
	    load_hist_init(&iv->service) < 0 ||
	    load_hist_init(&iv->send_lag) < 0)
		return -1;
	return 0;
}

void load_interval_release(struct load_interval *iv)
{
	hist_release(&iv->latency);
	hist_release(&iv->service);
	hist_release(&iv->send_lag);
}

void load_interval_reset(struct load_interval *iv)
{
	hist_reset(&iv->latency);
	hist_reset(&iv->service);
	hist_reset(&iv->send_lag);
	iv->requests = iv->errors = 0;
}

int load_log_open(struct load_log *lg, const char *hlog_path,
		  const char *csv_path, const char *html_path, int nthreads)
{
	memset(lg, 0, sizeof(*lg));
	pthread_mutex_init(&lg->lock, NULL);
	lg->nthreads = nthreads;
	if (hlog_path) {
		if (atomic_open(&lg->hlog, hlog_path) < 0)
			return -1;
		lg->have_hlog = 1;
	}
	if (csv_path) {
		if (atomic_open(&lg->csv, csv_path) < 0) {
			load_log_release(lg);
			return -1;
		}
		lg->have_csv = 1;
		fputs(
		    "second,requests,errors,rps,latency_p50_ms,latency_p90_ms,"
		    "latency_p99_ms,latency_max_ms,service_p99_ms,"
		    "send_lag_p99_ms\n",
		    lg->csv.fp);
	}
	if (html_path) {
		if (atomic_open(&lg->html, html_path) < 0) {
			load_log_release(lg);
			return -1;
		}
		lg->have_html = 1;
	}
	return 0;
}

void load_log_start(struct load_log *lg, double epoch, const char *title)
{
	char date[64];
	time_t t = (time_t)epoch;
	struct tm tm;

	lg->start_epoch = epoch;
	if (lg->have_html)
		load_html_head(lg->html.fp, title);
	if (!lg->have_hlog)
		return;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a %b %d %H:%M:%S UTC %Y", &tm);
	fprintf(lg->hlog.fp,
		"#[Histogram log format version 1.2]\n"
		"#[StartTime: %.3f (seconds since epoch), %s]\n"
		"#[Written by perfops load: values in microseconds; untagged "
		"lines hold the latency from the intended send time]\n"
		"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		"\"Interval_Compressed_Histogram\"\n",
		epoch, date);
}

static void write_hist(struct load_log *lg, const char *tag, double start,
		       double len, const struct hist *h)
{
	struct strbuf sb = STRBUF_INIT;

	if (hdrcodec_encode(h, &sb) < 0) {
		lg->failed = 1;
		return;
	}
	/* The max is in milliseconds, as HdrHistogram's log writer scales
	 * it for readers (its value is in the histogram itself). */
	fprintf(lg->hlog.fp, "%s%s%.3f,%.3f,%.3f,%s\n", tag ? "Tag=" : "",
		tag ? tag : "", start, len, hist_max(h) / 1000.0, sb.buf);
	strbuf_release(&sb);
}

static void write_slot(struct load_log *lg, struct load_log_slot *s)
{
	const struct load_interval *iv = &s->iv;
	double start = (double)s->k;

	if (lg->have_hlog) {
		write_hist(lg, NULL, start, s->len_s, &iv->latency);
		write_hist(lg, "service,", start, s->len_s, &iv->service);
		write_hist(lg, "send_lag,", start, s->len_s, &iv->send_lag);
	}
	if (lg->have_html) {
		double ms[4] = {hist_percentile(&iv->latency, 50) / 1000.0,
				hist_percentile(&iv->latency, 90) / 1000.0,
				hist_percentile(&iv->latency, 99) / 1000.0,
				hist_max(&iv->latency) / 1000.0};

		load_html_second(lg->html.fp, s->k, s->len_s, iv->requests,
				 iv->errors, ms);
	}
	if (lg->have_csv)
		fprintf(lg->csv.fp,
			"%" PRId64 ",%" PRId64 ",%" PRId64
			",%.2f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n",
			s->k, iv->requests, iv->errors,
			s->len_s > 0 ? iv->requests / s->len_s : 0,
			hist_percentile(&iv->latency, 50) / 1000.0,
			hist_percentile(&iv->latency, 90) / 1000.0,
			hist_percentile(&iv->latency, 99) / 1000.0,
			hist_max(&iv->latency) / 1000.0,
			hist_percentile(&iv->service, 99) / 1000.0,
			hist_percentile(&iv->send_lag, 99) / 1000.0);
}

static struct load_log_slot *slot_for(struct load_log *lg, int64_t k)
{
	struct load_log_slot *s;
	size_t i;

	for (i = 0; i < lg->nslots; i++)
		if (lg->slots[i].k == k)
			return &lg->slots[i];
	ALLOC_GROW(lg->slots, lg->nslots + 1, lg->alloc);
	s = &lg->slots[lg->nslots];
	memset(s, 0, sizeof(*s));
	if (load_interval_init(&s->iv) < 0)
		return NULL;
	s->k = k;
	lg->nslots++;
	return s;
}

void load_log_publish(struct load_log *lg, int64_t k, double len_s,
		      const struct load_interval *iv)
{
	struct load_log_slot *s;
	size_t i;

	pthread_mutex_lock(&lg->lock);
	s = slot_for(lg, k);
	if (!s || hist_add(&s->iv.latency, &iv->latency) < 0 ||
	    hist_add(&s->iv.service, &iv->service) < 0 ||
	    hist_add(&s->iv.send_lag, &iv->send_lag) < 0) {
		lg->failed = 1;
		goto out;
	}
	s->iv.requests += iv->requests;
	s->iv.errors += iv->errors;
	/* Threads end their drains at different times: the longest. */
	s->len_s = MAX(s->len_s, len_s);
	s->reported++;
	/* Write every second that all threads have handed in, in order. */
	for (;;) {
		for (i = 0; i < lg->nslots; i++)
			if (lg->slots[i].k == lg->next_k)
				break;
		if (i == lg->nslots || lg->slots[i].reported < lg->nthreads)
			break;
		write_slot(lg, &lg->slots[i]);
		load_interval_release(&lg->slots[i].iv);
		lg->slots[i] = lg->slots[--lg->nslots];
		lg->next_k++;
	}
out:
	pthread_mutex_unlock(&lg->lock);
}

int load_log_close(struct load_log *lg, const struct load_result *r)
{
	int ret = lg->failed ? -1 : 0;
	size_t i;

	if (lg->have_hlog) {
		FILE *fp = lg->hlog.fp;

		fprintf(
		    fp,
		    "#[perfops-summary: duration_s=%.9g drain_s=%.9g rate=%.9g "
		    "threads=%d connections_asked=%d "
		    "connections_achieved=%d requests=%" PRId64
		    " window_requests=%" PRId64 " bytes_read=%" PRId64
		    " window_bytes_read=%" PRId64 " bytes_written=%" PRId64
		    " dropped=%" PRId64 " scheduled=%" PRId64 " late=%" PRId64,
		    r->duration_s, r->drain_s, r->rate, r->threads,
		    r->connections_asked, r->connections_achieved, r->requests,
		    r->window_requests, r->bytes_read, r->window_bytes_read,
		    r->bytes_written, r->dropped, r->scheduled, r->late);
		for (i = 0; i < LOAD_ERR_N; i++)
			fprintf(fp, " err_%d=%" PRId64, (int)i, r->errors[i]);
		for (i = 0; i < ARRAY_SIZE(r->status); i++)
			if (r->status[i])
				fprintf(fp, " status_%zu=%" PRId64, i,
					r->status[i]);
		fprintf(fp,
			" rps_n=%" PRId64 " rps_mean=%.17g rps_m2=%.17g "
			"rps_max=%.17g]\n",
			r->rps_n, r->rps_mean, r->rps_m2, r->rps_max);
		if (ret < 0) {
			atomic_abort(&lg->hlog);
		} else if (atomic_commit(&lg->hlog) < 0) {
			ret = -1;
		}
		lg->have_hlog = 0;
	}
	if (lg->have_csv) {
		if (ret < 0)
			atomic_abort(&lg->csv);
		else if (atomic_commit(&lg->csv) < 0)
			ret = -1;
		lg->have_csv = 0;
	}
	if (lg->have_html) {
		load_html_tail(lg->html.fp, r);
		if (ret < 0)
			atomic_abort(&lg->html);
		else if (atomic_commit(&lg->html) < 0)
			ret = -1;
		lg->have_html = 0;
	}
	return ret;
}

void load_log_release(struct load_log *lg)
{
	size_t i;

	if (lg->have_hlog)
		atomic_abort(&lg->hlog);
	if (lg->have_csv)
		atomic_abort(&lg->csv);
	if (lg->have_html)
		atomic_abort(&lg->html);
	lg->have_hlog = lg->have_csv = lg->have_html = 0;
	for (i = 0; i < lg->nslots; i++)
		load_interval_release(&lg->slots[i].iv);
	free(lg->slots);
	lg->slots = NULL;
	lg->nslots = lg->alloc = 0;
	pthread_mutex_destroy(&lg->lock);
}
