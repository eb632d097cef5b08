#ifndef PERFOPS_HTTP_H
#define PERFOPS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * An incremental HTTP/1.x response parser: feed it the bytes as they
 * arrive, in pieces of any size; it tells where one response ends, so
 * pipelined responses on one connection are told apart.  It understands
 * Content-Length, chunked transfer coding, bodies that end with the
 * connection, responses without a body (HEAD, 1xx, 204, 304) and
 * "Connection: close".  A 101 Switching Protocols is a whole response
 * after which the connection is no longer HTTP (keep_alive is 0).  Bodies are
 * counted, not kept.  The parser holds no pointers; it needs no release.
 */
#define HTTP_LINE_MAX 8192

enum http_state {
	HTTP_STATUS,	 /* reading the status line */
	HTTP_HEADERS,	 /* reading header lines */
	HTTP_BODY_LEN,	 /* remaining bytes of a Content-Length body */
	HTTP_CHUNK_SIZE, /* a chunk-size line */
	HTTP_CHUNK_DATA, /* remaining bytes of a chunk */
	HTTP_CHUNK_CRLF, /* the line end after a chunk */
	HTTP_TRAILERS,	 /* trailer lines after the last chunk */
	HTTP_BODY_EOF,	 /* the body runs until the connection closes */
	HTTP_DONE,
	HTTP_ERROR,
};

struct http_parser {
	enum http_state state;
	int status;	/* the status code, once the line is read */
	int head;	/* the request was HEAD: no body whatever it says */
	int keep_alive; /* the connection may carry another request */
	int chunked;
	int64_t content_length; /* -1 when absent */
	int64_t remaining;
	size_t line_len;
	int line_cut; /* the line went past line[]: only its start is kept */
	char line[HTTP_LINE_MAX];
	const char *error; /* why state is HTTP_ERROR (a static string) */
};

/* Get ready for the next response (head: the request was a HEAD). */
void http_parser_reset(struct http_parser *p, int head);

/*
 * Consume bytes of buf up to the end of the current response.  Returns the
 * number consumed (the rest belongs to the next response), with p->state
 * HTTP_DONE when the response is complete, or -1 with p->state HTTP_ERROR
 * and p->error on a malformed response.
 */
ssize_t http_parse(struct http_parser *p, const char *buf, size_t len);

/*
 * The connection reached its end (read returned 0): returns 0 when this
 * completes the response (a body delimited by the close, or no response
 * begun), -1 when the response was cut short.
 */
int http_parse_eof(struct http_parser *p);

#endif
