#include "core/compat.h"
#include "core/error.h"
#include "load/tls.h"
#include <arpa/inet.h>
#include "load/ssldl.h"

struct tls_ctx {
	SSL_CTX *ctx;
	int insecure;
};

/* A session ticket arrived (TLS 1.3 sends them after the handshake):
 * it becomes the thread's session to resume; 1 keeps the reference. */
static int on_new_session(SSL *ssl, SSL_SESSION *sess)
{
	void **resume = SSL_get_ex_data(ssl, 0);

	if (!resume)
		return 0;
	if (*resume)
		SSL_SESSION_free(*resume);
	*resume = sess;
	return 1;
}

void tls_session_free(void *session)
{
	if (session)
		SSL_SESSION_free(session);
}

struct tls_ctx *tls_ctx_new(int insecure, const char *cafile, int h2)
{
	struct tls_ctx *t;

	if (ssldl_load() < 0)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->insecure = insecure;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		free(t);
		error("cannot set up TLS: %s",
		      ERR_reason_error_string(ERR_get_error()));
		return NULL;
	}
	if (h2)
		SSL_CTX_set_alpn_protos(t->ctx, (const unsigned char *)"\x02h2",
					3);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Sessions are kept by each thread (tls_conn_new()), not in
	 * OpenSSL's cache, which a client does not consult. */
	SSL_CTX_set_session_cache_mode(
	    t->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(t->ctx, on_new_session);
	if (insecure) {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
		if (cafile
			? !SSL_CTX_load_verify_locations(t->ctx, cafile, NULL)
			: !SSL_CTX_set_default_verify_paths(t->ctx)) {
			error("cannot load the certificates of '%s': %s",
			      cafile ? cafile : "the system's trust store",
			      ERR_reason_error_string(ERR_get_error()));
			tls_ctx_free(t);
			return NULL;
		}
	}
	return t;
}

void tls_ctx_free(struct tls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

struct tls_conn *tls_conn_new(struct tls_ctx *t, int fd, const char *host,
			      void **resume)
{
	SSL *ssl = SSL_new(t->ctx);
	unsigned char addr[16];
	int is_ip = inet_pton(AF_INET, host, addr) == 1 ||
		    inet_pton(AF_INET6, host, addr) == 1;

	if (!ssl)
		return NULL;
	SSL_set_fd(ssl, fd);
	SSL_set_ex_data(ssl, 0, resume);
	if (*resume)
		SSL_set_session(ssl, *resume);
	/* SNI names hosts, never addresses (RFC 6066). */
	if (!is_ip)
		SSL_set_tlsext_host_name(ssl, host);
	if (!t->insecure) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

		if (is_ip)
			X509_VERIFY_PARAM_set1_ip_asc(vp, host);
		else
			SSL_set1_host(ssl, host);
	}
	SSL_set_connect_state(ssl);
	return (struct tls_conn *)ssl;
}

int tls_alpn_is_h2(struct tls_conn *c)
{
	const unsigned char *p;
	unsigned int n;

	SSL_get0_alpn_selected((SSL *)c, &p, &n);
	return n == 2 && !memcmp(p, "h2", 2);
}

void tls_conn_free(struct tls_conn *c)
{
	/* Freed without a shutdown, OpenSSL marks the session (shared with
	 * the thread's, to resume) not resumable: say it was shut down. */
	if (c)
		SSL_set_shutdown((SSL *)c,
				 SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free((SSL *)c);
}

enum tls_step tls_handshake(struct tls_conn *c, char *why, size_t whylen)
{
	SSL *ssl = (SSL *)c;
	int r = SSL_do_handshake(ssl);
	unsigned long e;
	long v;

	if (r == 1)
		return TLS_DONE;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	default:
		break;
	}
	v = SSL_get_verify_result(ssl);
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER)
		/* The answer was no TLS record: plain HTTP, most likely. */
		snprintf(why, whylen,
			 "TLS handshake failed: wrong version number (the "
			 "port speaks plain HTTP: use http://)");
	else if (v != X509_V_OK)
		snprintf(why, whylen,
			 "TLS certificate does not verify: %s (--cacert FILE "
			 "to trust its issuer, --insecure to skip the check)",
			 X509_verify_cert_error_string(v));
	else
		snprintf(why, whylen, "TLS handshake failed: %s",
			 e ? ERR_reason_error_string(e)
			   : "the server closed the connection");
	ERR_clear_error();
	return TLS_FAILED;
}

/* errno and *want from an SSL_read/SSL_write result r. */
static ssize_t io_result(SSL *ssl, int r, int *want)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*want = TLS_WANT_READ;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want = TLS_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (!errno)
			return 0; /* closed without close_notify */
		return -1;
	default:
		ERR_clear_error();
		errno = ECONNRESET;
		return -1;
	}
}

ssize_t tls_read(struct tls_conn *c, void *buf, size_t n, int *want)
{
	SSL *ssl = (SSL *)c;
	int r;

	errno = 0;
	r = SSL_read(ssl, buf, (int)MIN(n, INT_MAX));
	return r > 0 ? r : io_result(ssl, r, want);
}

ssize_t tls_write(struct tls_conn *c, const void *buf, size_t n, int *want)
{
	SSL *ssl = (SSL *)c;
	int r;

	errno = 0;
	r = SSL_write(ssl, buf, (int)MIN(n, INT_MAX));
	return r > 0 ? r : io_result(ssl, r, want);
}
