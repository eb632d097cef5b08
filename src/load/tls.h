#ifndef PERFOPS_TLS_H
#define PERFOPS_TLS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * TLS for `perfops load` through OpenSSL: one context per run (shared by
 * the threads, as OpenSSL allows), one session per connection over a
 * non-blocking socket.  Certificates are verified against the system's
 * trust store (or --cacert) and the URL's host name or IP address; SNI
 * carries the host name.  With h2, ALPN offers only "h2" (HTTP/2).  The context
 * owns its OpenSSL state; tls_ctx_free() frees it.
 */
struct tls_ctx;
struct tls_conn;

/* insecure: skip verification; cafile: trust this PEM file instead of the
 * system's store (NULL for the system's).  Reports its own errors. */
struct tls_ctx *tls_ctx_new(int insecure, const char *cafile, int h2);
void tls_ctx_free(struct tls_ctx *ctx);

/*
 * A session over the connected socket fd for host; NULL on failure.
 * *resume is the caller's (one thread's) last TLS session, or NULL: the
 * handshake resumes it, and the server's new session tickets replace it,
 * as wrk does, so a run that reconnects often (Connection: close, a
 * keep-alive limit) does not pay a full handshake each time.  The caller
 * frees what *resume holds with tls_session_free().
 */
struct tls_conn *tls_conn_new(struct tls_ctx *ctx, int fd, const char *host,
			      void **resume);
void tls_session_free(void *session);
void tls_conn_free(struct tls_conn *c);

enum tls_step {
	TLS_DONE = 0,
	TLS_WANT_READ = 1,
	TLS_WANT_WRITE = 2,
	TLS_FAILED = -1,
};
/* Advance the handshake; on TLS_FAILED, why holds the reason. */
enum tls_step tls_handshake(struct tls_conn *c, char *why, size_t whylen);

/* Like read(2) and write(2): > 0 bytes, 0 at the end (read), or -1 with
 * errno EAGAIN (*want says TLS_WANT_READ or TLS_WANT_WRITE) or another
 * error (ECONNRESET for a TLS failure). */
int tls_alpn_is_h2(struct tls_conn *c);
ssize_t tls_read(struct tls_conn *c, void *buf, size_t n, int *want);
ssize_t tls_write(struct tls_conn *c, const void *buf, size_t n, int *want);

#endif
