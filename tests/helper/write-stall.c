/*
 * A preload for the `perfops load` TLS tests: a full send buffer on
 * demand.  When a TLS handshake record (type 22, version 3.x) is read on a
 * socket that has already carried application data (type 23) either way,
 * the peer has started a renegotiation or sent a key update after the
 * handshake: the
 * next write(2) on that socket fails once with EAGAIN, as it would if the
 * socket's send buffer were full at that moment.  The socket stays
 * writable, so a client that waits for writability and retries goes on;
 * one that waits for something else waits for ever.
 *
 *   LD_PRELOAD=.../libwrite-stall.so perfops load https://...
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#define FDS 65536

static unsigned char seen_data[FDS], stall_next[FDS];

ssize_t read(int fd, void *buf, size_t n)
{
	static ssize_t (*real)(int, void *, size_t);
	const unsigned char *b = buf;
	ssize_t r;

	if (!real)
		real =
		    (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	r = real(fd, buf, n);
	/* OpenSSL reads a record's 5-byte header alone (no read-ahead). */
	if (r == 5 && fd >= 0 && fd < FDS && b[1] == 3) {
		if (b[0] == 23)
			seen_data[fd] = 1;
		else if (b[0] == 22 && seen_data[fd])
			stall_next[fd] = 1;
	}
	return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (!real)
		real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT,
								    "write");
	if (fd >= 0 && fd < FDS && stall_next[fd]) {
		stall_next[fd] = 0;
		errno = EAGAIN;
		return -1;
	}
	if (n >= 5 && fd >= 0 && fd < FDS &&
	    ((const unsigned char *)buf)[0] == 23 &&
	    ((const unsigned char *)buf)[1] == 3)
		seen_data[fd] = 1;
	return real(fd, buf, n);
}

int close(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "close");
	if (fd >= 0 && fd < FDS)
		seen_data[fd] = stall_next[fd] = 0;
	return real(fd);
}
