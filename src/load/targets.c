#include "core/compat.h"
#include "core/error.h"
#include "core/vec.h"
#include "load/targets.h"

static int valid_method(const char *m)
{
	const char *p;

	for (p = m; *p; p++)
		if (!isupper((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	return p != m;
}

int load_targets_add(struct load_targets *ts, const char *method,
		     const char *url, const char *const *headers,
		     size_t nheaders, const char *body, size_t body_len)
{
	struct load_target *t;
	size_t i;

	if (!valid_method(method))
		return error("bad method '%s' (like GET, POST)", method);
	ALLOC_GROW(ts->v, ts->n + 1, ts->alloc);
	t = &ts->v[ts->n];
	memset(t, 0, sizeof(*t));
	if (load_url_parse(&t->url, url) < 0)
		return -1;
	t->method = xstrdup(method);
	t->head = !strcmp(method, "HEAD");
	t->headers = xcalloc(nheaders + 1, sizeof(*t->headers));
	for (i = 0; i < nheaders; i++)
		t->headers[i] = xstrdup(headers[i]);
	t->nheaders = nheaders;
	strbuf_init(&t->body, 0);
	strbuf_init(&t->req, 0);
	if (body) {
		t->has_body = 1;
		strbuf_add(&t->body, body, body_len);
	}
	ts->n++;
	return 0;
}

static int header_ok(const char *h)
{
	const char *colon = strchr(h, ':');

	return colon && colon != h && !strpbrk(h, "\r\n");
}

/* vegeta's http format: one target is the lines up to a blank line. */
static int read_http(struct load_targets *ts, FILE *fp, const char *path)
{
	struct strbuf line = STRBUF_INIT, body = STRBUF_INIT;
	VEC(char *) hdrs = VEC_INIT;
	char *method = NULL, *url = NULL;
	size_t lineno = 0, i;
	int st, ret = -1, has_body = 0;

	strbuf_init_capped(&line, 1 << 20);
	strbuf_init_capped(&body, LOAD_BODY_MAX);
	for (;;) {
		st = strbuf_getline(&line, fp);
		if (st < 0 && st != EOF) {
			error("%s:%zu: line too long", path, lineno + 1);
			goto out;
		}
		if (st != EOF) {
			lineno++;
			strbuf_trim(&line);
			if (line.buf[0] == '#')
				continue;
		}
		if (st == EOF || !line.len) {
			if (method) {
				if (load_targets_add(
					ts, method, url,
					(const char *const *)hdrs.v, hdrs.len,
					has_body ? body.buf : NULL,
					body.len) < 0) {
					error("%s:%zu: in the target above",
					      path, lineno);
					goto out;
				}
				free(method);
				free(url);
				method = url = NULL;
				for (i = 0; i < hdrs.len; i++)
					free(hdrs.v[i]);
				hdrs.len = 0;
				strbuf_reset(&body);
				has_body = 0;
			}
			if (st == EOF)
				break;
			continue;
		}
		if (!method) {
			char *sp = strchr(line.buf, ' ');

			if (!sp) {
				error("%s:%zu: expected 'METHOD URL'", path,
				      lineno);
				goto out;
			}
			method = xstrndup(line.buf, (size_t)(sp - line.buf));
			while (*sp == ' ')
				sp++;
			url = xstrdup(sp);
		} else if (line.buf[0] == '@') {
			if (!line.buf[1] || !strcmp(line.buf, "@-")) {
				error("%s:%zu: '@' needs a body file name",
				      path, lineno);
				goto out;
			}
			strbuf_reset(&body);
			if (strbuf_read_file(&body, line.buf + 1) < 0) {
				error("%s:%zu: the body file above", path,
				      lineno);
				goto out;
			}
			has_body = 1;
		} else if (header_ok(line.buf)) {
			VEC_PUSH(&hdrs, xstrdup(line.buf));
		} else {
			error("%s:%zu: expected a header 'Name: value' or "
			      "'@body-file'",
			      path, lineno);
			goto out;
		}
	}
	ret = 0;
out:
	free(method);
	free(url);
	for (i = 0; i < hdrs.len; i++)
		free(hdrs.v[i]);
	VEC_RELEASE(&hdrs);
	strbuf_release(&line);
	strbuf_release(&body);
	return ret;
}

static int read_jsonl(struct load_targets *ts, FILE *fp, const char *path)
{
	struct strbuf line = STRBUF_INIT;
	size_t lineno = 0;
	int st, ret = 0;

	strbuf_init_capped(&line, 64 << 20);
	while ((st = strbuf_getline(&line, fp)) != EOF) {
		lineno++;
		if (st < 0) {
			ret = error("%s:%zu: line too long", path, lineno);
			break;
		}
		strbuf_trim(&line);
		if (!line.len)
			continue;
		if (load_targets_add_json(ts, line.buf, path, lineno) < 0) {
			ret = -1;
			break;
		}
	}
	strbuf_release(&line);
	return ret;
}

int load_targets_read(struct load_targets *ts, const char *path)
{
	FILE *fp = fopen(path, "r");
	int c, ret;

	if (!fp)
		return error_errno("cannot open '%s'", path);
	while ((c = getc(fp)) != EOF && isspace(c))
		;
	if (c != EOF)
		ungetc(c, fp);
	ret = c == '{' ? read_jsonl(ts, fp, path) : read_http(ts, fp, path);
	fclose(fp);
	if (!ret && !ts->n)
		ret = error("'%s' holds no target", path);
	return ret;
}

int load_targets_prepare(struct load_targets *ts, const char *const *extra,
			 size_t nextra)
{
	const struct load_url *u0 = &ts->v[0].url;
	size_t i, k;

	for (i = 0; i < ts->n; i++) {
		struct load_target *t = &ts->v[i];

		if (t->url.tls != u0->tls || strcmp(t->url.host, u0->host) ||
		    strcmp(t->url.port, u0->port))
			return error("every target must go to one scheme, host "
				     "and port (%s://%s:%s, then %s://%s:%s); "
				     "run one perfops load per host",
				     u0->tls ? "https" : "http", u0->host,
				     u0->port, t->url.tls ? "https" : "http",
				     t->url.host, t->url.port);
		t->headers = xrealloc(t->headers, (t->nheaders + nextra + 1) *
						      sizeof(*t->headers));
		for (k = 0; k < nextra; k++)
			t->headers[t->nheaders++] = xstrdup(extra[k]);
		strbuf_reset(&t->req);
		load_build_request(&t->req, t->method, &t->url,
				   (const char *const *)t->headers, t->nheaders,
				   t->has_body ? t->body.buf : NULL,
				   t->body.len);
		t->h2.method = t->method;
		t->h2.scheme = t->url.tls ? "https" : "http";
		t->h2.authority = t->url.hostport;
		t->h2.path = t->url.path;
		t->h2.headers = (const char *const *)t->headers;
		t->h2.nheaders = t->nheaders;
		t->h2.body = t->has_body ? t->body.buf : NULL;
		t->h2.body_len = t->body.len;
		h2_prepared_free(t->prep);
		t->prep = h2_prepare(&t->h2);
	}
	return 0;
}

void load_targets_release(struct load_targets *ts)
{
	size_t i, k;

	for (i = 0; i < ts->n; i++) {
		struct load_target *t = &ts->v[i];

		h2_prepared_free(t->prep);
		free(t->method);
		load_url_release(&t->url);
		for (k = 0; k < t->nheaders; k++)
			free(t->headers[k]);
		free(t->headers);
		strbuf_release(&t->body);
		strbuf_release(&t->req);
	}
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}
