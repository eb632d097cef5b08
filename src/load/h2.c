#include "core/compat.h"
#include "core/strbuf.h"
#include "load/h2.h"
#include <nghttp2/nghttp2.h>

struct h2_prepared {
	const struct h2_request *rq;
	nghttp2_nv *nv;
	size_t nnv;
	char **lower;  /* header names in lower case, as HTTP/2 wants them */
	char clen[24]; /* the body's content-length */
};

struct h2_slot {
	const struct h2_prepared *prep;
	int used;
	int32_t stream_id;
	int status;
	int64_t intended, sent, body_bytes;
	size_t body_off;
};

struct h2 {
	nghttp2_session *s;
	struct h2_slot *slots;
	int nslots, inflight;
	h2_done_fn done;
	void *conn;
	int proto_error;
};

/* Sending GOAWAY with an error code means nghttp2 found the server's
 * bytes malformed. */
static int on_frame_send(nghttp2_session *s, const nghttp2_frame *frame,
			 void *user)
{
	struct h2 *h = user;

	(void)s;
	if (frame->hd.type == NGHTTP2_GOAWAY &&
	    frame->goaway.error_code != NGHTTP2_NO_ERROR)
		h->proto_error = 1;
	return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame,
		     const uint8_t *name, size_t namelen, const uint8_t *value,
		     size_t valuelen, uint8_t flags, void *user)
{
	struct h2_slot *slot;

	(void)flags;
	(void)user;
	if (frame->hd.type != NGHTTP2_HEADERS || namelen != 7 ||
	    memcmp(name, ":status", 7) || valuelen != 3)
		return 0;
	slot = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
	if (slot && isdigit(value[0]) && isdigit(value[1]) &&
	    isdigit(value[2])) {
		int status = (value[0] - '0') * 100 + (value[1] - '0') * 10 +
			     (value[2] - '0');

		/* A 1xx is followed by the real response. */
		if (status >= 200)
			slot->status = status;
	}
	return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream_id,
		   const uint8_t *data, size_t len, void *user)
{
	struct h2_slot *slot =
	    nghttp2_session_get_stream_user_data(s, stream_id);

	(void)flags;
	(void)data;
	(void)user;
	if (slot)
		slot->body_bytes += (int64_t)len;
	/* Bodies are counted, not kept: give the window back at once. */
	nghttp2_session_consume(s, stream_id, len);
	return 0;
}

static int on_close(nghttp2_session *s, int32_t stream_id, uint32_t code,
		    void *user)
{
	struct h2 *h = user;
	struct h2_slot *slot =
	    nghttp2_session_get_stream_user_data(s, stream_id);

	if (!slot || !slot->used)
		return 0;
	slot->used = 0;
	h->inflight--;
	/* REFUSED_STREAM (a stream beyond a GOAWAY's last, or one nghttp2
	 * could not start after it) was never processed by the server. */
	h->done(h->conn, slot->intended, slot->sent,
		code == NGHTTP2_NO_ERROR	 ? slot->status
		: code == NGHTTP2_REFUSED_STREAM ? -1
						 : 0,
		slot->body_bytes);
	return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf,
			 size_t len, uint32_t *flags,
			 nghttp2_data_source *source, void *user)
{
	struct h2_slot *slot = source->ptr;
	const struct h2_request *rq = slot->prep->rq;
	size_t n = MIN(len, rq->body_len - slot->body_off);

	(void)s;
	(void)stream_id;
	(void)user;
	memcpy(buf, rq->body + slot->body_off, n);
	slot->body_off += n;
	if (slot->body_off == rq->body_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static void add_nv(struct h2_prepared *h, const char *name, size_t nlen,
		   const char *value, size_t vlen)
{
	nghttp2_nv *nv = &h->nv[h->nnv++];

	nv->name = (uint8_t *)name;
	nv->namelen = nlen;
	nv->value = (uint8_t *)value;
	nv->valuelen = vlen;
	nv->flags =
	    NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
}

/* The pseudo-headers, then the user's headers in lower case; Host becomes
 * :authority, and connection-specific headers are not allowed in HTTP/2. */
struct h2_prepared *h2_prepare(const struct h2_request *rq)
{
	struct h2_prepared *h = xcalloc(1, sizeof(*h));
	const char *authority = rq->authority;
	size_t i;

	h->nv = xcalloc(rq->nheaders + 5, sizeof(*h->nv));
	h->lower = xcalloc(rq->nheaders + 1, sizeof(*h->lower));
	for (i = 0; i < rq->nheaders; i++)
		if (!strncasecmp(rq->headers[i], "host:", 5)) {
			authority = rq->headers[i] + 5;
			while (*authority == ' ')
				authority++;
		}
	add_nv(h, ":method", 7, rq->method, strlen(rq->method));
	add_nv(h, ":scheme", 7, rq->scheme, strlen(rq->scheme));
	add_nv(h, ":authority", 10, authority, strlen(authority));
	add_nv(h, ":path", 5, rq->path, strlen(rq->path));
	if (rq->body) {
		int given = 0;

		for (i = 0; i < rq->nheaders; i++)
			given |=
			    !strncasecmp(rq->headers[i], "content-length:", 15);
		snprintf(h->clen, sizeof(h->clen), "%zu", rq->body_len);
		if (!given)
			add_nv(h, "content-length", 14, h->clen,
			       strlen(h->clen));
	}
	for (i = 0; i < rq->nheaders; i++) {
		const char *hd = rq->headers[i], *colon = strchr(hd, ':'), *v;
		size_t nlen = (size_t)(colon - hd), k;
		char *name;

		if (!strncasecmp(hd, "host:", 5) ||
		    !strncasecmp(hd, "connection:", 11) ||
		    !strncasecmp(hd, "keep-alive:", 11) ||
		    !strncasecmp(hd, "transfer-encoding:", 18) ||
		    !strncasecmp(hd, "upgrade:", 8))
			continue;
		name = xstrndup(hd, nlen);
		for (k = 0; k < nlen; k++)
			name[k] = (char)tolower((unsigned char)name[k]);
		h->lower[i] = name;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		add_nv(h, name, nlen, v, strlen(v));
	}
	h->rq = rq;
	return h;
}

void h2_prepared_free(struct h2_prepared *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->rq->nheaders; i++)
		free(p->lower[i]);
	free(p->lower);
	free(p->nv);
	free(p);
}

struct h2 *h2_new(int max_streams, h2_done_fn done, void *conn)
{
	struct h2 *h = xcalloc(1, sizeof(*h));
	nghttp2_session_callbacks *cb;
	nghttp2_settings_entry set[] = {
	    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
	    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (1U << 30)},
	};

	h->done = done;
	h->conn = conn;
	h->nslots = max_streams;
	h->slots = xcalloc((size_t)max_streams, sizeof(*h->slots));
	if (nghttp2_session_callbacks_new(&cb)) {
		h2_free(h);
		return NULL;
	}
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	if (nghttp2_session_client_new(&h->s, cb, h)) {
		nghttp2_session_callbacks_del(cb);
		h2_free(h);
		return NULL;
	}
	nghttp2_session_callbacks_del(cb);
	nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, set, ARRAY_SIZE(set));
	/* The connection window too, so large bodies never stall on it. */
	nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0,
					      1 << 30);
	return h;
}

void h2_free(struct h2 *h)
{
	if (!h)
		return;
	if (h->s)
		nghttp2_session_del(h->s);
	free(h->slots);
	free(h);
}

int h2_submit(struct h2 *h, const struct h2_prepared *p, int64_t intended,
	      int64_t now)
{
	nghttp2_data_provider prd = {.read_callback = read_body};
	struct h2_slot *slot = NULL;
	int i;
	int32_t id;

	/* After a GOAWAY, a new stream would only be refused. */
	if (!nghttp2_session_check_request_allowed(h->s))
		return -1;
	for (i = 0; i < h->nslots; i++)
		if (!h->slots[i].used) {
			slot = &h->slots[i];
			break;
		}
	if (!slot)
		return -1;
	memset(slot, 0, sizeof(*slot));
	slot->prep = p;
	slot->intended = intended;
	slot->sent = now;
	prd.source.ptr = slot;
	id = nghttp2_submit_request(h->s, NULL, p->nv, p->nnv,
				    p->rq->body ? &prd : NULL, slot);
	if (id < 0)
		return -1;
	slot->used = 1;
	slot->stream_id = id;
	h->inflight++;
	return 0;
}

int h2_output(struct h2 *h, struct strbuf *out)
{
	for (;;) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(h->s, &data);

		if (n < 0)
			return -1;
		if (!n)
			return 0;
		strbuf_add(out, data, (size_t)n);
	}
}

int h2_input(struct h2 *h, const void *buf, size_t len)
{
	ssize_t n = nghttp2_session_mem_recv(h->s, buf, len);

	return n < 0 ? -1 : 0;
}

int h2_inflight(const struct h2 *h)
{
	return h->inflight;
}

int64_t h2_oldest_sent(const struct h2 *h)
{
	int64_t oldest = INT64_MAX;
	int i;

	for (i = 0; i < h->nslots; i++)
		if (h->slots[i].used)
			oldest = MIN(oldest, h->slots[i].sent);
	return oldest;
}

int h2_cancel_sent_before(struct h2 *h, int64_t before,
			  void (*fn)(void *ctx, int64_t intended, int64_t sent),
			  void *ctx)
{
	int i, n = 0;

	for (i = 0; i < h->nslots; i++) {
		struct h2_slot *slot = &h->slots[i];

		if (!slot->used || slot->sent > before)
			continue;
		/* The stream's frames still to come must not reach the
		 * slot, which the next request may take. */
		nghttp2_session_set_stream_user_data(h->s, slot->stream_id,
						     NULL);
		nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE,
					  slot->stream_id, NGHTTP2_CANCEL);
		slot->used = 0;
		h->inflight--;
		n++;
		fn(ctx, slot->intended, slot->sent);
	}
	return n;
}

void h2_drop_all(struct h2 *h,
		 void (*fn)(void *ctx, int64_t intended, int64_t sent),
		 void *ctx)
{
	int i;

	for (i = 0; i < h->nslots; i++)
		if (h->slots[i].used) {
			h->slots[i].used = 0;
			fn(ctx, h->slots[i].intended, h->slots[i].sent);
		}
	h->inflight = 0;
}

int h2_protocol_error(const struct h2 *h)
{
	return h->proto_error;
}

int h2_finished(const struct h2 *h)
{
	return !nghttp2_session_want_read(h->s) &&
	       !nghttp2_session_want_write(h->s);
}
