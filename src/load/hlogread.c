#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "load/hdrcodec.h"
#include "load/interval.h"
#include "load/load.h"
#include <math.h>

/* Sum the counters of one #[perfops-summary: k=v ...] line into r. */
static int add_summary(struct load_result *r, char *s, const char *path,
		       size_t lineno)
{
	char *save = NULL, *tok;
	int64_t requests = 0, bytes_read = 0;
	int window = 0;

	s += strlen("#[perfops-summary:");
	s[strcspn(s, "]")] = '\0';
	for (tok = strtok_r(s, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '='), *end;
		double v;
		int idx;

		if (!eq)
			goto bad;
		*eq = '\0';
		errno = 0;
		v = strtod(eq + 1, &end);
		if (end == eq + 1 || *end || errno)
			goto bad;
		if (!strcmp(tok, "duration_s"))
			r->duration_s = MAX(r->duration_s, v);
		else if (!strcmp(tok, "drain_s"))
			r->drain_s = MAX(r->drain_s, v);
		else if (!strcmp(tok, "rate"))
			r->rate += v;
		else if (!strcmp(tok, "threads"))
			r->threads += (int)v;
		else if (!strcmp(tok, "connections_asked"))
			r->connections_asked += (int)v;
		else if (!strcmp(tok, "connections_achieved"))
			r->connections_achieved += (int)v;
		else if (!strcmp(tok, "requests"))
			requests = (int64_t)v;
		else if (!strcmp(tok, "window_requests"))
			r->window_requests += (int64_t)v, window = 1;
		else if (!strcmp(tok, "bytes_read"))
			bytes_read = (int64_t)v;
		else if (!strcmp(tok, "window_bytes_read"))
			r->window_bytes_read += (int64_t)v;
		else if (!strcmp(tok, "bytes_written"))
			r->bytes_written += (int64_t)v;
		else if (!strcmp(tok, "dropped"))
			r->dropped += (int64_t)v;
		else if (!strcmp(tok, "scheduled"))
			r->scheduled += (int64_t)v;
		else if (!strcmp(tok, "late"))
			r->late += (int64_t)v;
		else if (sscanf(tok, "err_%d", &idx) == 1 && idx >= 0 &&
			 idx < LOAD_ERR_N)
			r->errors[idx] += (int64_t)v;
		else if (sscanf(tok, "status_%d", &idx) == 1 && idx >= 0 &&
			 idx < (int)ARRAY_SIZE(r->status))
			r->status[idx] += (int64_t)v;
		/* The per-thread req/s statistics do not add across agents:
		 * they are left out of a merge. */
	}
	r->requests += requests;
	r->bytes_read += bytes_read;
	/* A log written before the window's counts were kept: its rates
	 * counted the drain's responses and bytes too. */
	if (!window) {
		r->window_requests += requests;
		r->window_bytes_read += bytes_read;
	}
	return 0;
bad:
	return error("%s:%zu: malformed perfops-summary entry '%s'", path,
		     lineno, tok);
}

/* One log being read: the interval line it stands on. */
struct hlog_reader {
	const char *path;
	FILE *fp;
	size_t lineno;
	struct strbuf line;
	double start_time; /* #[StartTime: ...] */
	int have_start, have_summary, eof;
	double abs, len; /* the current interval: its start (epoch s), length */
	const char *data; /* the current line after its tag */
	int tag;	  /* 0 latency, 1 service, 2 send_lag, -1 another */
};

/* Move to the next interval line, taking in the lines before it. */
static int reader_next(struct hlog_reader *rd, struct load_result *r)
{
	for (;;) {
		const char *p;
		double start;
		int st = strbuf_getline(&rd->line, rd->fp);

		if (st == EOF) {
			rd->eof = 1;
			if (!rd->have_start)
				return error("'%s' is not an HdrHistogram "
					     "interval log (no #[StartTime: "
					     "...] line)",
					     rd->path);
			if (!rd->have_summary)
				return error("'%s' has no #[perfops-summary: "
					     "...] line: it was not written by "
					     "perfops load --hlog, or the run "
					     "did not finish",
					     rd->path);
			return 0;
		}
		rd->lineno++;
		if (st < 0)
			return error("%s:%zu: line too long", rd->path,
				     rd->lineno);
		strbuf_trim(&rd->line);
		p = rd->line.buf;
		if (!strncmp(p, "#[perfops-summary:", 18)) {
			if (add_summary(r, rd->line.buf, rd->path, rd->lineno) <
			    0)
				return -1;
			rd->have_summary = 1;
			continue;
		}
		if (!strncmp(p, "#[StartTime:", 12)) {
			rd->start_time = strtod(p + 12, NULL);
			rd->have_start = 1;
		}
		if (!rd->line.len || p[0] == '#' || p[0] == '"')
			continue;
		rd->tag = 0;
		if (!strncmp(p, "Tag=", 4)) {
			const char *c = strchr(p, ',');

			if (!c)
				return error("%s:%zu: a tag without its "
					     "interval",
					     rd->path, rd->lineno);
			rd->tag =
			    c - p == 11 && !strncmp(p + 4, "service", 7) ? 1
			    : c - p == 12 && !strncmp(p + 4, "send_lag", 8)
				? 2
				: -1;
			p = c + 1;
		}
		if (sscanf(p, "%lf,%lf,", &start, &rd->len) != 2)
			return error("%s:%zu: expected START,LENGTH,MAX,"
				     "HISTOGRAM",
				     rd->path, rd->lineno);
		if (!rd->have_start)
			return error("%s:%zu: an interval before "
				     "#[StartTime: ...]",
				     rd->path, rd->lineno);
		/* Timestamps are relative to StartTime unless absolute (later
		 * than 1973), as HdrHistogram's readers decide. */
		rd->abs = start > 1e8 ? start : rd->start_time + start;
		rd->data = p;
		return 0;
	}
}

/* Decode the reader's current histogram into the interval. */
static int reader_add(struct hlog_reader *rd, struct load_interval *iv,
		      struct strbuf *err)
{
	struct hist *dst[3] = {&iv->latency, &iv->service, &iv->send_lag}, h;
	const char *b64 = rd->data;
	int commas = 0;

	if (rd->tag < 0)
		return 0; /* a tag perfops does not write */
	for (; *b64 && commas < 3; b64++)
		if (*b64 == ',')
			commas++;
	if (commas < 3 || !*b64)
		return error("%s:%zu: expected START,LENGTH,MAX,HISTOGRAM",
			     rd->path, rd->lineno);
	strbuf_reset(err);
	if (hdrcodec_decode(&h, b64, strlen(b64), err) < 0)
		return error("%s:%zu: %s", rd->path, rd->lineno, err->buf);
	if (hist_add(dst[rd->tag], &h) < 0) {
		hist_release(&h);
		return error("%s:%zu: a histogram with values beyond 1 hour in "
			     "microseconds",
			     rd->path, rd->lineno);
	}
	hist_release(&h);
	return 0;
}

int load_hlog_merge(struct load_result *r, const char *const *paths, size_t n,
		    struct load_log *out, const char *title)
{
	struct hlog_reader *rds = xcalloc(n ? n : 1, sizeof(*rds));
	struct strbuf err = STRBUF_INIT;
	struct load_interval iv;
	double base = 0;
	int64_t next_k = 0;
	size_t i;
	int ret = -1, have_iv = 0, have_base = 0;

	if (load_result_init(r) < 0 || load_interval_init(&iv) < 0) {
		free(rds);
		return error("cannot set up the histograms");
	}
	have_iv = 1;
	for (i = 0; i < n; i++) {
		rds[i].path = paths[i];
		strbuf_init_capped(&rds[i].line, 64 << 20);
		rds[i].fp = fopen(paths[i], "r");
		if (!rds[i].fp) {
			error_errno("cannot open '%s'", paths[i]);
			goto out;
		}
		if (reader_next(&rds[i], r) < 0)
			goto out;
		if (rds[i].have_start &&
		    (!have_base || rds[i].start_time < base)) {
			base = rds[i].start_time;
			have_base = 1;
		}
	}
	r->start_unix = base;
	if (out)
		load_log_start(out, base, title);
	/* Second by second across all logs: each agent's intervals are
	 * aligned by their start time on the wall clock. */
	for (;;) {
		int64_t k = INT64_MAX;
		double len = 0;

		for (i = 0; i < n; i++)
			if (!rds[i].eof)
				k = MIN(k, MAX(llround(rds[i].abs - base), 0));
		if (k == INT64_MAX)
			break;
		for (i = 0; i < n; i++)
			while (!rds[i].eof &&
			       MAX(llround(rds[i].abs - base), 0) == k) {
				len = MAX(len, rds[i].len);
				if (reader_add(&rds[i], &iv, &err) < 0 ||
				    reader_next(&rds[i], r) < 0)
					goto out;
			}
		iv.requests = iv.latency.total_count;
		if (hist_add(&r->latency, &iv.latency) < 0 ||
		    hist_add(&r->service, &iv.service) < 0 ||
		    hist_add(&r->send_lag, &iv.send_lag) < 0)
			goto out;
		if (out) {
			struct load_interval empty;

			/* A second no log holds is written empty, so the
			 * series has no hole. */
			if (next_k < k && load_interval_init(&empty) == 0) {
				for (; next_k < k; next_k++)
					load_log_publish(out, next_k, 1.0,
							 &empty);
				load_interval_release(&empty);
			}
			load_log_publish(out, k, len, &iv);
		}
		next_k = k + 1;
		load_interval_reset(&iv);
	}
	ret = 0;
out:
	for (i = 0; i < n; i++) {
		if (rds[i].fp)
			fclose(rds[i].fp);
		strbuf_release(&rds[i].line);
	}
	free(rds);
	strbuf_release(&err);
	if (have_iv)
		load_interval_release(&iv);
	if (ret < 0)
		load_result_release(r);
	return ret;
}
