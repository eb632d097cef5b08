#include "core/compat.h"
#include "load/http.h"

void http_parser_reset(struct http_parser *p, int head)
{
	p->state = HTTP_STATUS;
	p->status = 0;
	p->head = head;
	p->keep_alive = 1;
	p->chunked = 0;
	p->content_length = -1;
	p->remaining = 0;
	p->line_len = 0;
	p->line_cut = 0;
	p->error = NULL;
}

static int fail(struct http_parser *p, const char *why)
{
	p->state = HTTP_ERROR;
	p->error = why;
	return -1;
}

/* "HTTP/1.1 200 OK": the version, three digits, then a space or nothing. */
static int parse_status(struct http_parser *p, const char *s, size_t n)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) ||
	    !isdigit((unsigned char)s[7]) || s[8] != ' ')
		return fail(p, "malformed status line");
	if (!isdigit((unsigned char)s[9]) || !isdigit((unsigned char)s[10]) ||
	    !isdigit((unsigned char)s[11]) || (n > 12 && s[12] != ' '))
		return fail(p, "malformed status code");
	p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (p->status < 100)
		return fail(p, "malformed status code");
	/* HTTP/1.0 closes unless it says keep-alive. */
	p->keep_alive = s[7] != '0';
	p->state = HTTP_HEADERS;
	return 0;
}

static int name_is(const char *s, size_t n, const char *name)
{
	size_t l = strlen(name);

	return n > l && s[l] == ':' && !strncasecmp(s, name, l);
}

/* Whether the comma-separated list value holds token (any case). */
static int has_token(const char *v, size_t n, const char *token)
{
	size_t l = strlen(token), i = 0;

	while (i < n) {
		size_t j;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		j = i;
		while (j < n && v[j] != ',')
			j++;
		while (j > i && (v[j - 1] == ' ' || v[j - 1] == '\t'))
			j--;
		if (j - i == l && !strncasecmp(v + i, token, l))
			return 1;
		while (j < n && v[j] != ',')
			j++;
		i = j;
	}
	return 0;
}

static int parse_number(const char *s, size_t n, int base, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int d;

		if (isdigit((unsigned char)s[i]))
			d = s[i] - '0';
		else if (base == 16 && isxdigit((unsigned char)s[i]))
			d = (tolower((unsigned char)s[i]) - 'a') + 10;
		else
			break;
		if (v > (INT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (!i)
		return -1;
	*out = v;
	return (int)i;
}

/* The state that follows the blank line ending the headers. */
static void start_body(struct http_parser *p)
{
	if (p->status == 101) {
		/* Switching Protocols is the last HTTP on the connection:
		 * what follows is the other protocol's, so the response is
		 * whole and the connection cannot carry another request. */
		p->keep_alive = 0;
		p->state = HTTP_DONE;
	} else if (p->head || p->status < 200 || p->status == 204 ||
		   p->status == 304) {
		/* Another 1xx is followed by the real response. */
		if (p->status < 200) {
			int head = p->head;

			http_parser_reset(p, head);
			return;
		}
		p->state = HTTP_DONE;
	} else if (p->chunked) {
		p->state = HTTP_CHUNK_SIZE;
	} else if (p->content_length >= 0) {
		p->remaining = p->content_length;
		p->state = p->remaining ? HTTP_BODY_LEN : HTTP_DONE;
	} else {
		p->keep_alive = 0;
		p->state = HTTP_BODY_EOF;
	}
}

static int header_line(struct http_parser *p, const char *s, size_t n)
{
	const char *v;
	size_t vn;

	if (!n) {
		start_body(p);
		return 0;
	}
	if (!memchr(s, ':', n))
		return fail(p, "malformed header line");
	v = memchr(s, ':', n) + 1;
	vn = n - (size_t)(v - s);
	while (vn && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (name_is(s, n, "content-length")) {
		int64_t cl;

		if (parse_number(v, vn, 10, &cl) != (int)vn)
			return fail(p, "malformed Content-Length");
		if (p->content_length >= 0 && p->content_length != cl)
			return fail(p, "conflicting Content-Length");
		p->content_length = cl;
	} else if (name_is(s, n, "transfer-encoding")) {
		if (has_token(v, vn, "chunked"))
			p->chunked = 1;
	} else if (name_is(s, n, "connection")) {
		if (has_token(v, vn, "close"))
			p->keep_alive = 0;
		else if (has_token(v, vn, "keep-alive"))
			p->keep_alive = 1;
	}
	return 0;
}

static int chunk_size_line(struct http_parser *p, const char *s, size_t n)
{
	int64_t size;
	int used = parse_number(s, n, 16, &size);

	if (used < 0 || ((size_t)used < n && s[used] != ';' && s[used] != ' ' &&
			 s[used] != '\t'))
		return fail(p, "malformed chunk size");
	if (!size) {
		p->state = HTTP_TRAILERS;
	} else {
		p->remaining = size;
		p->state = HTTP_CHUNK_DATA;
	}
	return 0;
}

/* One complete line (without CRLF) in the current state. */
static int on_line(struct http_parser *p, const char *s, size_t n)
{
	switch (p->state) {
	case HTTP_STATUS:
		/* Tolerate blank lines before a response, as RFC 9112 asks. */
		return n ? parse_status(p, s, n) : 0;
	case HTTP_HEADERS:
		return header_line(p, s, n);
	case HTTP_CHUNK_SIZE:
		return chunk_size_line(p, s, n);
	case HTTP_CHUNK_CRLF:
		if (n)
			return fail(p, "chunk not followed by CRLF");
		p->state = HTTP_CHUNK_SIZE;
		return 0;
	case HTTP_TRAILERS:
		if (!n)
			p->state = HTTP_DONE;
		return 0;
	default:
		return fail(p, "parser in a bad state");
	}
}

ssize_t http_parse(struct http_parser *p, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && p->state != HTTP_DONE) {
		switch (p->state) {
		case HTTP_BODY_LEN:
		case HTTP_CHUNK_DATA: {
			size_t take =
			    (size_t)MIN((int64_t)(len - i), p->remaining);

			i += take;
			p->remaining -= take;
			if (!p->remaining)
				p->state = p->state == HTTP_BODY_LEN
					       ? HTTP_DONE
					       : HTTP_CHUNK_CRLF;
			break;
		}
		case HTTP_BODY_EOF:
			i = len;
			break;
		case HTTP_ERROR:
			return -1;
		default: {
			const char *nl = memchr(buf + i, '\n', len - i);
			size_t take = nl ? (size_t)(nl - (buf + i)) : len - i;

			size_t room = sizeof(p->line) - p->line_len;

			/* Beyond line[], only the line's start is kept: it
			 * holds all the parser reads of a status line, a
			 * chunk size or a header it does not interpret. */
			if (take > room)
				p->line_cut = 1;
			memcpy(p->line + p->line_len, buf + i, MIN(take, room));
			p->line_len += MIN(take, room);
			i += take;
			if (!nl)
				break;
			i++;
			take = p->line_len;
			if (take && p->line[take - 1] == '\r' && !p->line_cut)
				take--;
			p->line_len = 0;
			if (p->line_cut && p->state == HTTP_HEADERS &&
			    (name_is(p->line, take, "content-length") ||
			     name_is(p->line, take, "transfer-encoding") ||
			     name_is(p->line, take, "connection")))
				return fail(p, "header line too long");
			p->line_cut = 0;
			if (on_line(p, p->line, take) < 0)
				return -1;
		}
		}
	}
	return (ssize_t)i;
}

int http_parse_eof(struct http_parser *p)
{
	if (p->state == HTTP_BODY_EOF) {
		p->state = HTTP_DONE;
		return 0;
	}
	if (p->state == HTTP_STATUS && !p->line_len && !p->line_cut)
		return 0;
	return fail(p, "connection closed mid-response");
}
