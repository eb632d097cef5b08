#include "core/compat.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/strbuf.h"
#include "load/connio.h"
#include "load/h2.h"
#include "load/http.h"
#include "load/interval.h"
#include "load/load.h"
#include "load/targets.h"
#include "load/tls.h"
#include "sys/loop.h"
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

/*
 * The load generator's engine: one worker per thread, each with its own
 * event loop (sys/loop.h), connections, request queue and histograms.
 */
#define NS 1000000000LL
#define PIPE_MAX 256
/* How often timeouts are checked, closed connections retried and the
 * connection count adjusted to a stage: 10 ms is finer than any timeout a
 * user sets and costs nothing measurable. */
#define SCAN_NS 10000000LL
/* A request noticed later than this after it was due counts as late: the
 * generator, not the server, fell behind. */
#define LATE_NS 10000000LL
/* The Req/Sec row samples each thread's rate every 100 ms, as wrk does:
 * a run of a second or less still has samples. */
#define RPS_SAMPLE_NS 100000000LL

/* Set by load_stop() (Ctrl-C): every worker ends its run. */
static volatile sig_atomic_t stop_asked;

const char *const load_error_names[LOAD_ERR_N] = {
    "connect", "timeout", "reset", "parse", "non-2xx/3xx", "aborted",
};

enum conn_state {
	CONN_CLOSED,
	CONN_CONNECTING,
	CONN_HANDSHAKE, /* TLS: connected, handshake under way */
	CONN_OPEN,
	CONN_RETRY, /* closed loop: reconnect at retry_at */
};

struct worker;

struct conn {
	struct worker *w;
	int fd;
	enum conn_state state;
	int retire; /* closed loop: close after the requests in flight */
	/* A write failed: the server closed or reset the connection; what
	 * it sent before is read, then the connection fails. */
	int write_failed;
	int in_free; /* on the worker's free stack */
	int n;	     /* requests in flight */
	int head;    /* ring index of the oldest */
	int64_t intended[PIPE_MAX], sent[PIPE_MAX];
	uint32_t target[PIPE_MAX];
	unsigned io;	  /* what the last read and write asked (connio.h) */
	unsigned watched; /* the events watched once open */
	int64_t since;	  /* connect started */
	int64_t retry_at;
	size_t wdone;
	struct strbuf wbuf;
	struct tls_conn *tls;
	struct h2 *h2; /* an HTTP/2 session, else HTTP/1.1 */
	struct http_parser hp;
};

struct worker {
	const struct load_opts *o;
	int index;
	struct loop loop;
	struct conn *conns;
	int nconns;	/* slots: the most this thread opens */
	int *freestack; /* open loop: connections with room */
	int nfree;
	int connected, connecting, active;
	int64_t inflight;
	int64_t *queue; /* intended times, a ring */
	int qhead, qlen, qcap;
	struct sched sched;
	int64_t next_due; /* absolute, or -1 */
	int64_t t_start;  /* the warm-up begins; t0: the measured run */
	int64_t t0, t_end, t_drain, t_done, last_scan;
	int draining;
	int reading; /* inside conn_readable(): rbuf is in use */
	int64_t sample_start, sample_count;
	struct load_result res;
	/* This second's histograms, swapped into res (and the log) as each
	 * second ends; the counts at the last swap. */
	struct load_interval cur;
	int64_t cur_k, last_k, req_mark, err_mark;
	int gi, gn;	     /* the thread's place among all shards' threads */
	uint64_t tnext, rng; /* the next target in turn; random choice */
	pthread_t tid;
	char why[256];	   /* the last connect failure, for the summary */
	void *tls_session; /* the TLS session new connections resume */
	char rbuf[65536];
};

static int share(int total, int index, int n)
{
	return total / n + (index < total % n);
}

static void conn_open(struct conn *c, int64_t now);
static void conn_fill(struct conn *c, int64_t now);
static void conn_readable(struct conn *c, int64_t now);
static void dispatch(struct worker *w, int64_t now);

/*
 * Open loop: a request the server never took (pipelined behind a
 * "Connection: close", refused by an HTTP/2 GOAWAY) goes back to the front
 * of the queue with its intended time, to be sent on another connection:
 * HTTP says such a request may be sent again, so it is no error, and its
 * latency still counts from when it was due.
 */
static void requeue(struct worker *w, int64_t intended)
{
	if (w->qlen == w->qcap) {
		w->res.dropped++;
		return;
	}
	w->qhead = (w->qhead + w->qcap - 1) % w->qcap;
	w->queue[w->qhead] = intended;
	w->qlen++;
}

static void conn_close(struct conn *c)
{
	struct worker *w = c->w;

	if (c->h2) {
		h2_free(c->h2);
		c->h2 = NULL;
	}
	if (c->tls) {
		tls_conn_free(c->tls);
		c->tls = NULL;
	}
	if (c->state == CONN_OPEN || c->state == CONN_CONNECTING ||
	    c->state == CONN_HANDSHAKE) {
		loop_unwatch(&w->loop, c->fd);
		close(c->fd);
		if (c->state == CONN_OPEN)
			w->connected--;
		else
			w->connecting--;
	}
	c->state = CONN_CLOSED;
	c->fd = -1;
	w->inflight -= c->n;
	c->n = 0;
	c->wdone = 0;
	strbuf_reset(&c->wbuf);
}

/*
 * The connection failed (cls) or the server closed it: requests still in
 * flight count as errors of that class; timeouts also count as latency,
 * for a request that never answered is no faster than the timeout.
 */
struct lost {
	struct worker *w;
	enum load_error cls;
	int64_t now;
};

static void lose_one(void *ctx, int64_t intended, int64_t sent)
{
	struct lost *l = ctx;
	struct worker *w = l->w;

	w->res.errors[l->cls]++;
	if (l->cls == LOAD_ERR_TIMEOUT && intended < w->t0) {
		load_record_us(&w->res.warm, l->now - intended);
	} else if (l->cls == LOAD_ERR_TIMEOUT) {
		load_record_times(&w->cur, intended, sent, l->now);
	}
}

static void conn_fail(struct conn *c, enum load_error cls, int64_t now)
{
	struct worker *w = c->w;
	struct lost l = {w, cls, now};
	int i;

	if (c->h2)
		h2_drop_all(c->h2, lose_one, &l);
	else
		for (i = 0; i < c->n; i++) {
			int k = (c->head + i) % PIPE_MAX;

			lose_one(&l, c->intended[k], c->sent[k]);
		}
	conn_close(c);
	if (w->o->rate > 0) {
		/* Open loop: a request that could not get a connection
		 * fails, so a refusing server cannot make the queue grow. */
		if (cls == LOAD_ERR_CONNECT && w->qlen) {
			w->qhead = (w->qhead + 1) % w->qcap;
			w->qlen--;
			w->res.errors[cls]++;
		}
		return;
	}
	if (c->retire || w->draining) {
		c->retire = 0;
		w->active--;
		return;
	}
	if (cls == LOAD_ERR_CONNECT) {
		/* Closed loop: count it and retry, not in a busy loop. */
		w->res.errors[cls]++;
		c->state = CONN_RETRY;
		c->retry_at = now + SCAN_NS;
	} else {
		conn_open(c, now);
	}
}

/* read(2) and write(2), through TLS when the connection has it; on
 * EAGAIN, *want says what TLS waits for (TLS_WANT_READ for plain TCP's
 * read, TLS_WANT_WRITE for its write). */
static ssize_t conn_read(struct conn *c, void *buf, size_t n, int *want)
{
	*want = TLS_WANT_READ;
	return c->tls ? tls_read(c->tls, buf, n, want) : read(c->fd, buf, n);
}

static ssize_t conn_write(struct conn *c, const void *buf, size_t n, int *want)
{
	*want = TLS_WANT_WRITE;
	return c->tls ? tls_write(c->tls, buf, n, want) : write(c->fd, buf, n);
}

/* An open connection's io state changed: watch what it now waits for
 * (an epoll_ctl only when that differs). */
static void conn_rewatch(struct conn *c)
{
	unsigned mask = conn_io_watch(c->io);

	if (c->state == CONN_OPEN && mask != c->watched) {
		loop_watch(&c->w->loop, c->fd, mask, c);
		c->watched = mask;
	}
}

static void conn_flush(struct conn *c, int64_t now)
{
	if (c->write_failed)
		return;
	if (c->h2 && h2_output(c->h2, &c->wbuf) < 0) {
		conn_fail(c, LOAD_ERR_PARSE, now);
		return;
	}
	while (c->wdone < c->wbuf.len) {
		int want;
		ssize_t n = conn_write(c, c->wbuf.buf + c->wdone,
				       c->wbuf.len - c->wdone, &want);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				c->io |= CONN_IO_WRITE_PENDING;
				if (want == TLS_WANT_READ)
					c->io |= CONN_IO_WRITE_WANTS_READ;
				else
					c->io &= ~CONN_IO_WRITE_WANTS_READ;
				conn_rewatch(c);
				return;
			}
			/* The responses the server sent before it closed
			 * are in the socket, with its "Connection: close" if
			 * it said one: they are read now (or, during another
			 * read, when the socket's readable event comes), not
			 * lost with the requests still in flight. */
			c->write_failed = 1;
			if (!c->w->reading)
				conn_readable(c, now);
			return;
		}
		c->w->res.bytes_written += n;
		c->wdone += (size_t)n;
	}
	if (c->wdone) {
		/* All written: the next request starts a fresh buffer. */
		strbuf_reset(&c->wbuf);
		c->wdone = 0;
	}
	if (c->io & CONN_IO_WRITE_PENDING) {
		c->io &= ~(CONN_IO_WRITE_PENDING | CONN_IO_WRITE_WANTS_READ);
		conn_rewatch(c);
	}
}

/* Open loop: c has room for another request. */
static void free_push(struct conn *c)
{
	struct worker *w = c->w;

	if (!c->in_free && !c->write_failed) {
		c->in_free = 1;
		w->freestack[w->nfree++] = (int)(c - w->conns);
	}
}

/* Closed loop: whether a connection sends its next request now.  Not once
 * the window has ended, even before the loop turn that starts the drain
 * notices it: a request sent then could only be answered in the drain. */
static int closed_sends(const struct worker *w, int64_t now)
{
	return !w->draining && now < w->t_end;
}

/* A request on c ended: it takes the next (open loop), or sends it
 * (closed loop), or closes when it is retiring and empty. */
static void conn_has_room(struct conn *c, int64_t now)
{
	struct worker *w = c->w;

	if (w->o->rate > 0) {
		free_push(c);
	} else if (c->retire && !c->n) {
		c->retire = 0;
		conn_close(c);
		w->active--;
	} else if (closed_sends(w, now) && !c->retire) {
		conn_fill(c, now);
	}
}

/* Queue one request on c (written by the caller's conn_flush()). */
/* The target of the next request: request i of the whole schedule (all
 * threads of all shards) takes target i mod n, or one at random. */
static uint32_t pick_target(struct worker *w)
{
	size_t n = w->o->ntargets;

	if (n == 1)
		return 0;
	if (w->o->random_targets) {
		w->rng ^= w->rng << 13;
		w->rng ^= w->rng >> 7;
		w->rng ^= w->rng << 17;
		return (uint32_t)(w->rng % n);
	}
	w->tnext += (uint64_t)w->gn;
	return (uint32_t)((w->tnext - (uint64_t)w->gn) % n);
}

/* Returns -1 when the HTTP/2 session takes no more streams. */
static int conn_add_request(struct conn *c, int64_t intended, int64_t now)
{
	int k = (c->head + c->n) % PIPE_MAX;
	uint32_t t = pick_target(c->w);
	const struct load_target *tg = &c->w->o->targets[t];

	if (c->h2) {
		if (h2_submit(c->h2, tg->prep, intended, now) == 0) {
			c->n++;
			c->w->inflight++;
		} else {
			/* The session refused a stream: it is going away. */
			return -1;
		}
		return 0;
	}

	c->intended[k] = intended;
	c->sent[k] = now;
	c->n++;
	c->w->inflight++;
	c->target[k] = t;
	strbuf_add(&c->wbuf, tg->req.buf, tg->req.len);
	return 0;
}

/* Closed loop: keep the pipeline full. */
static int conn_cap(const struct conn *c)
{
	return c->h2 ? c->w->o->streams : c->w->o->pipeline;
}

static void conn_fill(struct conn *c, int64_t now)
{
	/* An HTTP/2 session that takes no more streams (GOAWAY) sent
	 * nothing: no error, the connection is replaced when it ends. */
	while (c->n < conn_cap(c) && !c->write_failed)
		if (conn_add_request(c, now, now) < 0)
			break;
	conn_flush(c, now);
}

/* Why a connection failed (errno e), for the summary: a refusal says
 * what to check, since it is nearly always a server not running or a
 * wrong port. */
static void connect_why(struct worker *w, int e)
{
	snprintf(w->why, sizeof(w->why), "%s%s", strerror(e),
		 e == ECONNREFUSED ? ": nothing listens there (is the server "
				     "running, the port right?)"
				   : "");
}

static void conn_open(struct conn *c, int64_t now)
{
	struct worker *w = c->w;
	const struct addrinfo *ai = w->o->addr;
	int one = 1, fd;

	c->n = 0;
	c->head = 0;
	c->write_failed = 0;
	http_parser_reset(&c->hp, 0);
	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0) {
		snprintf(w->why, sizeof(w->why), "cannot open a socket: %s%s",
			 strerror(errno),
			 errno == EMFILE ? " (raise ulimit -n, or lower -c)"
					 : "");
		c->state = CONN_CLOSED;
		conn_fail(c, LOAD_ERR_CONNECT, now);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->since = now;
	c->state = CONN_CONNECTING;
	w->connecting++;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
	    errno != EINPROGRESS) {
		connect_why(w, errno);
		conn_fail(c, LOAD_ERR_CONNECT, now);
		return;
	}
	loop_watch(&w->loop, fd, LOOP_WRITE, c);
}

static void h2_done(void *conn, int64_t intended, int64_t sent, int status,
		    int64_t body);

static void conn_ready(struct conn *c, int64_t now)
{
	struct worker *w = c->w;

	if (w->o->h2) {
		if (c->tls && !tls_alpn_is_h2(c->tls)) {
			snprintf(w->why, sizeof(w->why),
				 "the server did not agree to HTTP/2 (ALPN)");
			conn_fail(c, LOAD_ERR_CONNECT, now);
			return;
		}
		c->h2 = h2_new(w->o->streams, h2_done, c);
	}

	c->state = CONN_OPEN;
	w->connecting--;
	w->connected++;
	w->res.connections_achieved =
	    MAX(w->res.connections_achieved, w->connected);
	c->io = 0;
	c->watched = LOOP_READ;
	loop_watch(&w->loop, c->fd, LOOP_READ, c);
	if (w->o->rate > 0) {
		free_push(c);
		dispatch(w, now);
	} else if (closed_sends(w, now) && !c->retire) {
		conn_fill(c, now);
	}
}

/* A whole response arrived for the oldest request in flight. */
static void record_response(struct worker *w, int64_t intended, int64_t sent,
			    int status, int64_t now)
{
	if (intended < w->t0) {
		/* Due in the warm-up: reported apart. */
		load_record_us(&w->res.warm, now - intended);
		w->res.warm_requests++;
		return;
	}
	load_record_times(&w->cur, intended, sent, now);
	w->res.requests++;
	w->res.window_requests += now < w->t_end;
	w->sample_count++;
	w->res.status[status < 600 ? status : 0]++;
	if (status > 399)
		w->res.errors[LOAD_ERR_STATUS]++;
}

/* An HTTP/2 stream ended; called from inside nghttp2, so the connection
 * must stay as it is: new requests are submitted, not written. */
static void h2_done(void *conn, int64_t intended, int64_t sent, int status,
		    int64_t body)
{
	struct conn *c = conn;
	struct worker *w = c->w;
	int64_t now = loop_now();

	(void)body;
	if (status > 0)
		record_response(w, intended, sent, status, now);
	else if (!status)
		w->res.errors[LOAD_ERR_RESET]++;
	else if (w->o->rate > 0)
		requeue(w, intended);
	c->n--;
	w->inflight--;
	if (w->o->rate > 0) {
		free_push(c);
	} else if (closed_sends(w, now) && !c->retire) {
		/* After a GOAWAY the session takes no new stream: the
		 * connection is replaced once its last stream ends. */
		conn_add_request(c, now, now);
	}
}

static void conn_complete(struct conn *c, int64_t now)
{
	struct worker *w = c->w;
	int k = c->head;

	record_response(w, c->intended[k], c->sent[k], c->hp.status, now);
	c->head = (c->head + 1) % PIPE_MAX;
	c->n--;
	w->inflight--;
	if (!c->hp.keep_alive) {
		/* The server closes after this response, so it never read the
		 * requests pipelined behind it: sent again (open loop) or
		 * replaced by the new connection's (closed loop), not lost. */
		while (c->n) {
			if (w->o->rate > 0)
				requeue(w, c->intended[(c->head + c->n - 1) %
						       PIPE_MAX]);
			c->n--;
			w->inflight--;
		}
		conn_fail(c, LOAD_ERR_RESET, now);
		return;
	}
	http_parser_reset(&c->hp, 0);
	conn_has_room(c, now);
}

/* Returns -1 when the connection was closed. */
static int conn_feed(struct conn *c, const char *buf, size_t len, int64_t now)
{
	if (c->h2) {
		if (h2_input(c->h2, buf, len) < 0) {
			conn_fail(c, LOAD_ERR_PARSE, now);
			return -1;
		}
		if (c->retire && !c->n) {
			c->retire = 0;
			conn_close(c);
			c->w->active--;
			return -1;
		}
		conn_flush(c, now);
		if (c->state != CONN_OPEN)
			return -1;
		if (h2_finished(c->h2)) {
			/* GOAWAY: what is left in flight is lost. */
			conn_fail(c,
				  h2_protocol_error(c->h2) ? LOAD_ERR_PARSE
							   : LOAD_ERR_RESET,
				  now);
			return -1;
		}
		return 0;
	}
	while (len) {
		ssize_t used;

		if (!c->n) {
			/* Bytes nobody asked for. */
			c->w->res.errors[LOAD_ERR_PARSE]++;
			conn_fail(c, LOAD_ERR_PARSE, now);
			return -1;
		}
		/* The response to a HEAD has no body whatever it says. */
		c->hp.head = c->w->o->targets[c->target[c->head]].head;
		used = http_parse(&c->hp, buf, len);
		if (used < 0) {
			conn_fail(c, LOAD_ERR_PARSE, now);
			return -1;
		}
		buf += used;
		len -= (size_t)used;
		if (c->hp.state == HTTP_DONE) {
			int open;

			conn_complete(c, now);
			open = c->state == CONN_OPEN;
			if (!open)
				return -1;
		}
	}
	return 0;
}

static void conn_read_all(struct conn *c, int64_t now)
{
	struct worker *w = c->w;

	for (;;) {
		int want;
		ssize_t n = conn_read(c, w->rbuf, sizeof(w->rbuf), &want);

		if (n > 0) {
			c->io &= ~CONN_IO_READ_WANTS_WRITE;
			w->res.bytes_read += n;
			if (now < w->t_end)
				w->res.window_bytes_read += n;
			if (conn_feed(c, w->rbuf, (size_t)n, now) < 0)
				return;
			/* TLS may hold decrypted bytes beyond a short read. */
			if ((size_t)n < sizeof(w->rbuf) && !c->tls)
				return;
			continue;
		}
		if (n == 0) {
			if (c->n && http_parse_eof(&c->hp) == 0 &&
			    c->hp.state == HTTP_DONE) {
				conn_complete(c, now);
				if (c->state != CONN_OPEN)
					return;
			}
			conn_fail(c, LOAD_ERR_RESET, now);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			conn_fail(c, LOAD_ERR_RESET, now);
			return;
		}
		/* TLS may have to write to go on reading (a key update to
		 * answer): it is retried when the socket is writable. */
		if (want == TLS_WANT_WRITE)
			c->io |= CONN_IO_READ_WANTS_WRITE;
		else
			c->io &= ~CONN_IO_READ_WANTS_WRITE;
		conn_rewatch(c);
		return;
	}
}

/* Read what the socket holds; a connection whose write failed then fails,
 * unless what it read closed it already. */
static void conn_readable(struct conn *c, int64_t now)
{
	c->w->reading = 1;
	conn_read_all(c, now);
	c->w->reading = 0;
	if (c->state == CONN_OPEN && c->write_failed)
		conn_fail(c, LOAD_ERR_RESET, now);
}

static void conn_handshake(struct conn *c, int64_t now)
{
	struct worker *w = c->w;

	switch (c->tls ? tls_handshake(c->tls, w->why, sizeof(w->why))
		       : TLS_FAILED) {
	case TLS_DONE:
		conn_ready(c, now);
		return;
	case TLS_WANT_READ:
		loop_watch(&w->loop, c->fd, LOOP_READ, c);
		return;
	case TLS_WANT_WRITE:
		loop_watch(&w->loop, c->fd, LOOP_WRITE, c);
		return;
	default:
		conn_fail(c, LOAD_ERR_CONNECT, now);
	}
}

static void on_event(struct loop *l UNUSED, int fd UNUSED, void *data,
		     unsigned mask)
{
	struct conn *c = data;
	int64_t now = loop_now();

	if (c->state == CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			connect_why(c->w, err);
			conn_fail(c, LOAD_ERR_CONNECT, now);
		} else if (c->w->o->tls) {
			c->tls = tls_conn_new(c->w->o->tls, c->fd,
					      c->w->o->targets[0].url.host,
					      &c->w->tls_session);
			c->state = CONN_HANDSHAKE;
			conn_handshake(c, now);
		} else {
			conn_ready(c, now);
		}
		return;
	}
	if (c->state == CONN_HANDSHAKE) {
		conn_handshake(c, now);
		return;
	}
	if (c->state != CONN_OPEN)
		return;
	if (conn_io_retry(c->io, mask) & LOOP_READ)
		conn_readable(c, now);
	/* The read may have settled what the write waited for. */
	if (c->state == CONN_OPEN && (conn_io_retry(c->io, mask) & LOOP_WRITE))
		conn_flush(c, now);
	conn_rewatch(c);
}

/* Open loop: hand queued requests to connections with room, opening new
 * connections up to the cap. */
static void dispatch(struct worker *w, int64_t now)
{
	int i;

	while (w->qlen) {
		struct conn *c;

		if (!w->nfree)
			break;
		c = &w->conns[w->freestack[w->nfree - 1]];
		if (c->state != CONN_OPEN || c->n >= conn_cap(c) ||
		    c->write_failed) {
			c->in_free = 0;
			w->nfree--;
			continue;
		}
		if (conn_add_request(c, w->queue[w->qhead], now) < 0) {
			/* The request waits for another connection. */
			c->in_free = 0;
			w->nfree--;
			continue;
		}
		w->qhead = (w->qhead + 1) % w->qcap;
		w->qlen--;
		if (c->n >= conn_cap(c)) {
			c->in_free = 0;
			w->nfree--;
		}
		conn_flush(c, now);
	}
	/* Each queued request beyond the connections being opened opens one
	 * more, up to -c. */
	for (i = 0; i < w->nconns && w->qlen > w->connecting; i++)
		if (w->conns[i].state == CONN_CLOSED)
			conn_open(&w->conns[i], now);
}

/* Closed loop: match the number of connections to the stage. */
static void closed_adjust(struct worker *w, int64_t now)
{
	const struct load_opts *o = w->o;
	int want = w->nconns, i;

	if (o->stages) {
		double v = sched_value_at(o->stages, o->nstages, 0,
					  (double)(now - w->t0) / NS);

		want = share((int)llround(v), w->gi, w->gn);
		want = MIN(want, w->nconns);
	}
	for (i = 0; i < w->nconns && w->active < want; i++) {
		struct conn *c = &w->conns[i];

		if (c->state == CONN_CLOSED) {
			w->active++;
			conn_open(c, now);
		} else if (c->retire) {
			c->retire = 0;
			w->active++;
			if (c->state == CONN_OPEN && !c->n)
				conn_fill(c, now);
		}
	}
	for (i = w->nconns - 1; i >= 0 && w->active > want; i--) {
		struct conn *c = &w->conns[i];

		if (c->state == CONN_CLOSED || c->retire)
			continue;
		w->active--;
		if (c->n) {
			c->retire = 1;
		} else {
			conn_close(c);
		}
	}
}

/*
 * HTTP/2: the streams sent at or before `before` timed out.  Only they are
 * cancelled; the others on the connection go on (closing it would count
 * every stream in flight as a timeout, the fast with the slow).
 */
static void h2_timeout(struct conn *c, int64_t before, int64_t now)
{
	struct worker *w = c->w;
	struct lost l = {w, LOAD_ERR_TIMEOUT, now};
	int n = h2_cancel_sent_before(c->h2, before, lose_one, &l);

	c->n -= n;
	w->inflight -= n;
	conn_has_room(c, now);
	/* The RST_STREAM frames go out now. */
	if (c->state == CONN_OPEN)
		conn_flush(c, now);
}

/*
 * HTTP/1.1: the oldest request on c had no response within the timeout.
 * Responses come in order, so none behind it can arrive first: the
 * connection is closed.  Each request in flight that waited the timeout
 * is a timeout, recorded at its age; the ones pipelined behind it that
 * had waited less are aborted, counted apart and not recorded, rather
 * than charged a timeout they never reached (wrk counts neither: it
 * never closes a connection that stalls, and forgets the requests of one
 * that closes).  They are not sent again: the server may have taken them.
 */
static void conn_timeout(struct conn *c, int64_t timeout, int64_t now)
{
	struct worker *w = c->w;
	struct lost l = {w, LOAD_ERR_TIMEOUT, now};
	int i;

	for (i = 0; i < c->n; i++) {
		int k = (c->head + i) % PIPE_MAX;

		if (now - c->sent[k] >= timeout)
			lose_one(&l, c->intended[k], c->sent[k]);
		else
			w->res.errors[LOAD_ERR_ABORTED]++;
	}
	w->inflight -= c->n;
	c->n = 0;
	conn_fail(c, LOAD_ERR_TIMEOUT, now);
}

/* Timeouts, retries, stage changes: every SCAN_NS. */
static void scan(struct worker *w, int64_t now)
{
	int64_t timeout = (int64_t)(w->o->timeout_s * NS);
	int i;

	w->last_scan = now;
	for (i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		if (c->state == CONN_OPEN && c->h2 && h2_finished(c->h2)) {
			/* An HTTP/2 session that ended with nothing more to
			 * read: replace it. */
			conn_fail(c, LOAD_ERR_RESET, now);
		} else if (c->state == CONN_OPEN && c->n && c->h2 &&
			   now - h2_oldest_sent(c->h2) >= timeout) {
			h2_timeout(c, now - timeout, now);
		} else if (c->state == CONN_OPEN && c->n && !c->h2 &&
			   now - c->sent[c->head] >= timeout) {
			conn_timeout(c, timeout, now);
		} else if ((c->state == CONN_CONNECTING ||
			    c->state == CONN_HANDSHAKE) &&
			   now - c->since >= timeout) {
			snprintf(w->why, sizeof(w->why),
				 "not connected within the timeout");
			conn_fail(c, LOAD_ERR_CONNECT, now);
		} else if (c->state == CONN_RETRY && now >= c->retry_at &&
			   !w->draining) {
			conn_open(c, now);
		}
	}
	if (w->o->rate <= 0 && !w->draining)
		closed_adjust(w, now);
}

/* The drain ended: whatever is still outstanding timed out. */
static void finish(struct worker *w, int64_t now)
{
	int i;

	for (i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		if (c->state == CONN_OPEN && c->n)
			conn_fail(c, LOAD_ERR_TIMEOUT, now);
		if (c->state != CONN_CLOSED)
			conn_close(c);
		c->state = CONN_CLOSED;
	}
	while (w->qlen) {
		load_record_us(&w->cur.latency, now - w->queue[w->qhead]);
		w->res.errors[LOAD_ERR_TIMEOUT]++;
		w->qhead = (w->qhead + 1) % w->qcap;
		w->qlen--;
	}
}

/* Queue the requests due by until (noticed at now). */
static void enqueue_due(struct worker *w, int64_t until, int64_t now)
{
	while (w->next_due >= 0 && w->next_due <= until) {
		int64_t due = w->next_due, off;

		/* The warm-up's requests are not the run's. */
		w->res.scheduled += due >= w->t0;
		if (now - due > LATE_NS && due >= w->t0)
			w->res.late++;
		if (w->qlen == w->qcap) {
			w->res.dropped++;
		} else {
			w->queue[(w->qhead + w->qlen) % w->qcap] = due;
			w->qlen++;
		}
		off = sched_next(&w->sched);
		w->next_due = off < 0 ? -1 : w->t_start + off;
	}
}

static void rps_sample(struct worker *w, int64_t now)
{
	double x =
	    (double)w->sample_count * NS / (double)(now - w->sample_start);
	struct load_result *r = &w->res;
	double d;

	r->rps_n++;
	d = x - r->rps_mean;
	r->rps_mean += d / r->rps_n;
	r->rps_m2 += d * (x - r->rps_mean);
	r->rps_max = MAX(r->rps_max, x);
	w->sample_start = now;
	w->sample_count = 0;
}

/* Second cur_k ended: fold it into the run's result and hand it to the
 * interval log. */
static void swap_interval(struct worker *w)
{
	struct load_interval *iv = &w->cur;
	/* The last second also holds the drain's responses: it lasts until
	 * the drain ended (t_done), or its rate would be overstated. */
	double len = w->cur_k == w->last_k
			 ? MAX((double)(MAX(w->t_done, w->t_end) - w->t0) / NS -
				   (double)w->last_k,
			       1e-3)
			 : 1.0;

	iv->requests = w->res.requests - w->req_mark;
	iv->errors = load_result_errors(&w->res) - w->err_mark;
	w->req_mark = w->res.requests;
	w->err_mark = load_result_errors(&w->res);
	hist_add(&w->res.latency, &iv->latency);
	hist_add(&w->res.service, &iv->service);
	hist_add(&w->res.send_lag, &iv->send_lag);
	if (w->o->log)
		load_log_publish(w->o->log, w->cur_k, len, iv);
	load_interval_reset(iv);
	w->cur_k++;
}

static void on_timer(struct loop *l UNUSED, int fd UNUSED, void *data UNUSED,
		     unsigned mask UNUSED)
{
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct load_opts *o = w->o;
	int open_loop = o->rate > 0;

	struct timespec t0 = {w->t_start / NS, w->t_start % NS};

	/* Every thread starts its clock at the same instant. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t0, NULL) ==
	       EINTR)
		;
	w->last_scan = w->t_start - SCAN_NS;
	w->sample_start = w->t0;
	for (;;) {
		int64_t now = loop_now(), wake;

		if (!w->draining && stop_asked && now < w->t_end) {
			/* Ctrl-C: the run ends here, and is reported. */
			w->t_end = MAX(now, w->t0 + 1);
			w->last_k =
			    MAX(MIN(w->last_k, (w->t_end - w->t0 - 1) / NS),
				w->cur_k);
		}
		if (!w->draining && now >= w->t_end) {
			/* Requests due before the end are part of the run,
			 * however late this turn comes. */
			if (open_loop)
				enqueue_due(w, w->t_end - 1, now);
			w->draining = 1;
			w->t_drain = w->t_end + (int64_t)(o->timeout_s * NS);
			w->next_due = -1;
		}
		if (open_loop) {
			enqueue_due(w, now, now);
			dispatch(w, now);
		}
		if (now - w->last_scan >= SCAN_NS)
			scan(w, now);
		if (!w->draining && now - w->sample_start >= RPS_SAMPLE_NS)
			rps_sample(w, now);
		while (w->cur_k < w->last_k && w->cur_k < (now - w->t0) / NS)
			swap_interval(w);
		if (w->draining &&
		    ((!w->inflight && !w->qlen) || now >= w->t_drain))
			break;
		wake = w->last_scan + SCAN_NS;
		if (!w->draining)
			wake = MIN(wake, w->t_end);
		else
			wake = MIN(wake, w->t_drain);
		if (w->next_due >= 0)
			wake = MIN(wake, w->next_due);
		loop_set_timer(&w->loop, wake, on_timer, w);
		if (loop_run_once(&w->loop, -1, on_event) < 0)
			break;
	}
	w->t_done = loop_now();
	finish(w, w->t_done);
	/* The drain belongs to the last second. */
	while (w->cur_k <= w->last_k)
		swap_interval(w);
	return NULL;
}

static int worker_init(struct worker *w, const struct load_opts *o, int index,
		       int64_t t0, const struct sched_stage *stages,
		       size_t nstages, double start)
{
	int i, e;

	memset(w, 0, sizeof(*w));
	w->loop.epfd = w->loop.timerfd = -1;
	w->o = o;
	w->index = index;
	w->t0 = t0;
	w->t_start = t0 - (int64_t)(o->warmup_s * NS);
	w->t_end = t0 + (int64_t)(o->duration_s * NS);
	w->gn = o->threads * MAX(o->nshards, 1);
	w->gi = o->shard * o->threads + index;
	w->nconns = share(o->connections, w->gi, w->gn);
	w->tnext = (uint64_t)w->gi;
	w->rng =
	    (0x9E3779B97F4A7C15ULL * (uint64_t)(w->gi + 1) ^ (uint64_t)t0) | 1;
	w->conns = xcalloc((size_t)MAX(w->nconns, 1), sizeof(*w->conns));
	w->freestack = xcalloc((size_t)MAX(w->nconns, 1), sizeof(int));
	for (i = 0; i < w->nconns; i++) {
		w->conns[i].w = w;
		w->conns[i].fd = -1;
		strbuf_init(&w->conns[i].wbuf,
			    o->targets[0].req.len * (size_t)o->pipeline);
	}
	w->qcap = MAX(o->queue_cap, 1);
	w->queue = xcalloc((size_t)w->qcap, sizeof(*w->queue));
	w->next_due = -1;
	if (o->rate > 0) {
		int64_t off;

		sched_init(&w->sched, stages, nstages, start, (unsigned)w->gi,
			   (unsigned)w->gn, o->poisson,
			   (uint64_t)t0 ^ (uint64_t)index);
		off = sched_next(&w->sched);
		w->next_due = off < 0 ? -1 : w->t_start + off;
	}
	w->last_k = MAX((int64_t)ceil(o->duration_s) - 1, 0);
	if (load_result_init(&w->res) < 0 || load_interval_init(&w->cur) < 0)
		return error("cannot set up the latency histograms");
	e = loop_init(&w->loop);
	if (e < 0)
		return error_code(e, "cannot create an event loop");
	return 0;
}

static void worker_release(struct worker *w)
{
	int i;

	for (i = 0; i < w->nconns; i++)
		strbuf_release(&w->conns[i].wbuf);
	free(w->conns);
	free(w->freestack);
	free(w->queue);
	tls_session_free(w->tls_session);
	loop_release(&w->loop);
	load_result_release(&w->res);
	load_interval_release(&w->cur);
}

/* Each connection is a descriptor: lift the soft limit toward the hard
 * one when -c needs it, as far as allowed. */
static void raise_fd_limit(int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= (rlim_t)need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)need
			  ? (rlim_t)need
			  : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

void load_stop(void)
{
	stop_asked = 1;
}

int load_run(const struct load_opts *o, struct load_result *r)
{
	struct worker *ws;
	struct sched_stage constant = {o->warmup_s + o->duration_s, o->rate};
	const struct sched_stage *stages = o->stages ? o->stages : &constant;
	size_t nstages = o->stages ? o->nstages : 1;
	double start = o->stages ? 0 : o->rate;
	struct progress pg;
	int64_t t0;
	int i, started = 0, ret = -1;

	if (load_result_init(r) < 0)
		return error("cannot set up the latency histograms");
	raise_fd_limit(o->connections + 64);
	r->duration_s = o->duration_s;
	r->warmup_s = o->warmup_s;
	r->rate = o->rate / MAX(o->nshards, 1);
	r->threads = o->threads;
	ws = xcalloc((size_t)o->threads, sizeof(*ws));
	/* Threads start together, a little ahead, so the first requests do
	 * not wait for the last thread to be created. */
	t0 = loop_now() + 20000000LL + (int64_t)(o->warmup_s * NS);
	for (i = 0; i < o->threads; i++) {
		if (worker_init(&ws[i], o, i, t0, stages, nstages, start) < 0)
			goto out;
		r->connections_asked += ws[i].nconns;
	}
	{
		struct timespec rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		r->start_unix = rt.tv_sec + rt.tv_nsec / 1e9 +
				(double)(t0 - loop_now()) / NS;
	}
	if (o->log) {
		load_log_start(o->log, r->start_unix, o->title ? o->title : "");
	}
	for (i = 0; i < o->threads; i++) {
		int e = pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);

		if (e) {
			error("cannot start a thread: %s", strerror(e));
			break;
		}
		started++;
	}
	if (started == o->threads) {
		progress_start(&pg, "load", (uint64_t)(o->duration_s * 1000));
		while (o->progress) {
			int64_t el = (loop_now() - t0) / 1000000;
			struct timespec ts = {0, 100000000};

			if (el >= (int64_t)(o->duration_s * 1000) || stop_asked)
				break;
			progress_update(&pg, (uint64_t)MAX(el, 0));
			nanosleep(&ts, NULL);
		}
		progress_stop(&pg);
	}
	for (i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	if (started < o->threads)
		goto out;
	for (i = 0; i < o->threads; i++) {
		if (load_result_add(r, &ws[i].res) < 0)
			goto out;
		/* Stopped early: the measured window is what ran. */
		r->duration_s =
		    MIN(r->duration_s, (double)(ws[i].t_end - ws[i].t0) / NS);
		r->drain_s =
		    MAX(r->drain_s, (double)(ws[i].t_done - ws[i].t_end) / NS);
		if (ws[i].why[0])
			snprintf(r->why, sizeof(r->why), "%s", ws[i].why);
	}
	ret = 0;
out:
	for (i = 0; i < o->threads; i++)
		if (ws[i].o)
			worker_release(&ws[i]);
	free(ws);
	return ret;
}
