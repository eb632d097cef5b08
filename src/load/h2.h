#ifndef PERFOPS_H2_H
#define PERFOPS_H2_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

/*
 * The HTTP/2 side of one `perfops load` connection, through libnghttp2
 * (framing, flow control, HPACK: none of it by hand).  The engine hands
 * it the bytes read from the socket and writes out what it queues; each
 * request is a stream, up to max_streams at once, and may finish in any
 * order.  The struct owns its nghttp2 session and stream slots;
 * h2_free() frees them.
 */

/* What every request of the run sends (borrowed for the run). */
struct h2_request {
	const char *method, *scheme, *authority, *path;
	const char *const *headers; /* "Name: value" */
	size_t nheaders;
	const char *body; /* NULL: none */
	size_t body_len;
};

/* A stream ended: status 0 when it was reset rather than answered, -1 when
 * the server refused it unprocessed (GOAWAY, REFUSED_STREAM): it may be
 * sent again. */
typedef void (*h2_done_fn)(void *conn, int64_t intended, int64_t sent,
			   int status, int64_t body_bytes);

/* A request turned into HTTP/2 header fields once, for every stream and
 * thread; owns the lower-cased names, borrows the rest from rq. */
struct h2_prepared;
struct h2_prepared *h2_prepare(const struct h2_request *rq);
void h2_prepared_free(struct h2_prepared *p);

struct h2;

struct h2 *h2_new(int max_streams, h2_done_fn done, void *conn);
void h2_free(struct h2 *h);

/* Open a stream for request p; -1 when max_streams are in flight or the
 * session takes no new stream (GOAWAY). */
int h2_submit(struct h2 *h, const struct h2_prepared *p, int64_t intended,
	      int64_t now);
/* Queue the frames waiting to be sent at the end of out. */
int h2_output(struct h2 *h, struct strbuf *out);
/* Bytes read from the socket; -1 on a protocol error (the session is
 * then unusable). */
int h2_input(struct h2 *h, const void *buf, size_t len);

/* Streams in flight. */
int h2_inflight(const struct h2 *h);
/* The send time of the oldest stream in flight (when h2_inflight()). */
int64_t h2_oldest_sent(const struct h2 *h);
/* Cancel (RST_STREAM) every stream sent at or before `before`: call fn
 * for each and forget it; returns how many.  The other streams go on. */
int h2_cancel_sent_before(struct h2 *h, int64_t before,
			  void (*fn)(void *ctx, int64_t intended, int64_t sent),
			  void *ctx);
/* Call fn for every stream in flight, then forget them all. */
void h2_drop_all(struct h2 *h,
		 void (*fn)(void *ctx, int64_t intended, int64_t sent),
		 void *ctx);
/* nghttp2 ended the session because the server broke the protocol. */
int h2_protocol_error(const struct h2 *h);
/* The server sent GOAWAY or the session cannot go on. */
int h2_finished(const struct h2 *h);

#endif
