#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "load/hdrcodec.h"
#include "load/interval.h"
#include "load/load.h"

/* Sum the counters of one #[perfops-summary: k=v ...] line into r. */
static int add_summary(struct load_result *r, char *s, const char *path,
		       size_t lineno)
{
	char *save = NULL, *tok;

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
		else if (!strcmp(tok, "rate"))
			r->rate += v;
		else if (!strcmp(tok, "threads"))
			r->threads += (int)v;
		else if (!strcmp(tok, "connections_asked"))
			r->connections_asked += (int)v;
		else if (!strcmp(tok, "connections_achieved"))
			r->connections_achieved += (int)v;
		else if (!strcmp(tok, "requests"))
			r->requests += (int64_t)v;
		else if (!strcmp(tok, "bytes_read"))
			r->bytes_read += (int64_t)v;
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
	return 0;
bad:
	return error("%s:%zu: malformed perfops-summary entry '%s'", path,
		     lineno, tok);
}

static int add_line(struct load_result *r, const char *line, const char *path,
		    size_t lineno, struct strbuf *err)
{
	struct hist *dst = &r->latency, h;
	const char *p = line, *b64;
	int commas = 0;

	if (!strncmp(p, "Tag=", 4)) {
		const char *c = strchr(p, ',');

		if (!c)
			return error("%s:%zu: a tag without its interval", path,
				     lineno);
		if (c - p == 11 && !strncmp(p + 4, "service", 7))
			dst = &r->service;
		else if (c - p == 12 && !strncmp(p + 4, "send_lag", 8))
			dst = &r->send_lag;
		else
			return 0; /* a tag perfops does not write */
		p = c + 1;
	}
	/* start,length,max,histogram */
	for (b64 = p; *b64 && commas < 3; b64++)
		if (*b64 == ',')
			commas++;
	if (commas < 3 || !*b64)
		return error("%s:%zu: expected START,LENGTH,MAX,HISTOGRAM",
			     path, lineno);
	strbuf_reset(err);
	if (hdrcodec_decode(&h, b64, strlen(b64), err) < 0)
		return error("%s:%zu: %s", path, lineno, err->buf);
	if (hist_add(dst, &h) < 0) {
		hist_release(&h);
		return error("%s:%zu: a histogram with values beyond 1 hour in "
			     "microseconds",
			     path, lineno);
	}
	hist_release(&h);
	return 0;
}

int load_hlog_merge(struct load_result *r, const char *const *paths, size_t n)
{
	struct strbuf line = STRBUF_INIT, err = STRBUF_INIT;
	size_t i;
	int ret = -1;

	if (load_result_init(r) < 0)
		return error("cannot set up the histograms");
	strbuf_init_capped(&line, 64 << 20);
	for (i = 0; i < n; i++) {
		FILE *fp = fopen(paths[i], "r");
		size_t lineno = 0;
		int have_summary = 0, st, have_start = 0;

		if (!fp) {
			error_errno("cannot open '%s'", paths[i]);
			goto out;
		}
		while ((st = strbuf_getline(&line, fp)) != EOF) {
			lineno++;
			if (st < 0) {
				error("%s:%zu: line too long", paths[i],
				      lineno);
				fclose(fp);
				goto out;
			}
			strbuf_trim(&line);
			if (!strncmp(line.buf, "#[perfops-summary:", 18)) {
				if (add_summary(r, line.buf, paths[i], lineno) <
				    0) {
					fclose(fp);
					goto out;
				}
				have_summary = 1;
				continue;
			}
			if (!strncmp(line.buf, "#[StartTime:", 12))
				have_start = 1;
			if (!line.len || line.buf[0] == '#' ||
			    line.buf[0] == '"')
				continue;
			if (add_line(r, line.buf, paths[i], lineno, &err) < 0) {
				fclose(fp);
				goto out;
			}
		}
		fclose(fp);
		if (!have_start) {
			error("'%s' is not an HdrHistogram interval log (no "
			      "#[StartTime: ...] line)",
			      paths[i]);
			goto out;
		}
		if (!have_summary) {
			error(
			    "'%s' has no #[perfops-summary: ...] line: it was "
			    "not written by perfops load --hlog, or the run "
			    "did not finish",
			    paths[i]);
			goto out;
		}
	}
	ret = 0;
out:
	strbuf_release(&line);
	strbuf_release(&err);
	if (ret < 0)
		load_result_release(r);
	return ret;
}
