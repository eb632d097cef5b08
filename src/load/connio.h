#ifndef PERFOPS_CONNIO_H
#define PERFOPS_CONNIO_H

/*
 * What a load connection waits for on its socket, and what it retries when
 * the socket is ready.  Plain TCP reads when readable and writes when
 * writable; TLS may cross them: SSL_read may have to write (a TLS 1.3 key
 * update or a renegotiation to answer while the socket's send buffer is
 * full: WANT_WRITE) and SSL_write may have to read (WANT_READ).  Such a
 * call is retried when the socket is ready for what it asked, not for what
 * the call was: a read that wants to write waits for writability, or it
 * waits for bytes the server will not send until it gets the answer.
 */
enum conn_io {
	CONN_IO_READ_WANTS_WRITE = 1 << 0,
	CONN_IO_WRITE_WANTS_READ = 1 << 1,
	CONN_IO_WRITE_PENDING = 1 << 2, /* bytes wait to be written */
};

/* The events to watch (LOOP_READ, LOOP_WRITE) in state io. */
unsigned conn_io_watch(unsigned io);

/* On events ready in state io: which calls to retry, LOOP_READ for the
 * read, LOOP_WRITE for the write (the read first). */
unsigned conn_io_retry(unsigned io, unsigned ready);

#endif
