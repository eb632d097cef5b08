#include "core/compat.h"
#include "load/interval.h"
#include "load/load.h"

/* What a run measured: its histograms and counters, and how they add. */

int load_hist_init(struct hist *h)
{
	return hist_init(h, LOAD_HIST_LOWEST, LOAD_HIST_HIGHEST,
			 LOAD_HIST_SIGFIGS);
}

int load_result_init(struct load_result *r)
{
	memset(r, 0, sizeof(*r));
	if (load_hist_init(&r->latency) < 0 || load_hist_init(&r->warm) < 0 ||
	    load_hist_init(&r->service) < 0 || load_hist_init(&r->send_lag) < 0)
		return -1;
	return 0;
}

void load_result_release(struct load_result *r)
{
	hist_release(&r->latency);
	hist_release(&r->service);
	hist_release(&r->send_lag);
	hist_release(&r->warm);
}

int load_result_add(struct load_result *dst, const struct load_result *src)
{
	size_t i;

	if (hist_add(&dst->latency, &src->latency) < 0 ||
	    hist_add(&dst->service, &src->service) < 0 ||
	    hist_add(&dst->send_lag, &src->send_lag) < 0 ||
	    hist_add(&dst->warm, &src->warm) < 0)
		return -1;
	dst->warm_requests += src->warm_requests;
	dst->requests += src->requests;
	dst->window_requests += src->window_requests;
	for (i = 0; i < LOAD_ERR_N; i++)
		dst->errors[i] += src->errors[i];
	for (i = 0; i < ARRAY_SIZE(dst->status); i++)
		dst->status[i] += src->status[i];
	dst->bytes_read += src->bytes_read;
	dst->window_bytes_read += src->window_bytes_read;
	dst->bytes_written += src->bytes_written;
	dst->dropped += src->dropped;
	dst->late += src->late;
	dst->scheduled += src->scheduled;
	dst->connections_achieved += src->connections_achieved;
	/* Chan's parallel form of Welford's update. */
	if (src->rps_n) {
		int64_t n = dst->rps_n + src->rps_n;
		double d = src->rps_mean - dst->rps_mean;

		dst->rps_m2 +=
		    src->rps_m2 + d * d * dst->rps_n * src->rps_n / n;
		dst->rps_mean += d * src->rps_n / n;
		dst->rps_n = n;
		dst->rps_max = MAX(dst->rps_max, src->rps_max);
	}
	return 0;
}

int64_t load_result_failed(const struct load_result *r)
{
	return r->errors[LOAD_ERR_CONNECT] + r->errors[LOAD_ERR_TIMEOUT] +
	       r->errors[LOAD_ERR_RESET] + r->errors[LOAD_ERR_PARSE] +
	       r->errors[LOAD_ERR_ABORTED] + r->dropped;
}

double load_result_rps(const struct load_result *r)
{
	return r->duration_s > 0 ? r->window_requests / r->duration_s : 0;
}

int load_result_fell_behind(const struct load_result *r)
{
	return r->scheduled && r->late * 100 > r->scheduled;
}

void load_record_us(struct hist *h, int64_t ns)
{
	int64_t us = (ns + 500) / 1000;

	hist_record(h, MIN(MAX(us, 0), LOAD_HIST_HIGHEST));
}

void load_record_times(struct load_interval *iv, int64_t intended, int64_t sent,
		       int64_t done)
{
	load_record_us(&iv->latency, done - intended);
	load_record_us(&iv->service, done - sent);
	load_record_us(&iv->send_lag, sent - intended);
}

int64_t load_result_errors(const struct load_result *r)
{
	int64_t n = r->dropped;
	int i;

	for (i = 0; i < LOAD_ERR_N; i++)
		n += r->errors[i];
	return n;
}
