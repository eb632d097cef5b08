/*
 * A small HTTP/1.1 server for the `perfops load` tests, misbehaving on
 * demand: one thread per connection, so each behaviour is a few plain
 * lines.  It counts the requests it answered and writes the count to
 * --count-file when SIGTERM or SIGINT ends it.
 *
 *   load-server --port-file F [--count-file F] [--mode MODE] [--every N]
 *               [--stall MS:EVERY_S[:AT_MS]] [--delay MS]
 *               [--path-delay PREFIX:MS] [--burn MS] [--serial]
 *   load-server --free-port      print a free loopback port and exit
 *
 * Modes apply to every Nth request (--every, default 1), others get a
 * plain 200 with a 6-byte body:
 *   ok         the plain 200
 *   close      "Connection: close" and close after the response
 *   chunked    a chunked body, written in pieces
 *   malformed  a status line that is not HTTP ("HTTP/1.1 2x0 OK")
 *   reset      half a response, then a TCP reset
 *   eof        a body that ends when the connection closes
 *   upgrade    "101 Switching Protocols" (a WebSocket upgrade), then the
 *              connection is the other protocol's: nothing more is
 *              answered on it, it stays open until the client closes it
 *   rst        (every request) the requests of each read are answered
 *              with plain 200s in one write, after --delay, then the
 *              connection is reset (closed with SO_LINGER 0, as a server
 *              that closes with requests unread does): the responses
 *              arrive together, followed by the reset
 *   hang       no answer: the request and those behind it on the
 *              connection wait until the client closes it; the count of
 *              such requests goes to the count file's name + ".hung"
 * --stall MS:EVERY_S[:AT_MS] holds every response during the first MS
 * milliseconds of each EVERY_S seconds, counted from AT_MS (default 0)
 * after the first connection: the whole server stalls, as a GC pause or a
 * lock would stall it.  (Counted from the server's own start, the stall
 * moved within the test's run by however long a loaded machine took to
 * start the client.)
 * --delay MS answers each request MS milliseconds late.
 * --path-delay PREFIX:MS: requests whose path starts with PREFIX are MS
 * milliseconds later still (one slow endpoint).
 * --burn MS spends MS milliseconds of CPU on each request (compute).
 * --serial answers one request at a time, the others wait for a lock (a
 * single-threaded server): with --burn it is CPU-bound, with --delay it
 * waits with its CPU idle.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *mode = "ok", *count_file;
static long every = 1, stall_ms, stall_every_s, stall_at_ms, delay_ms;
static long long count, seq, hung;
static long path_delay_ms, burn_ms;
static char path_prefix[256];
static int serial;
static pthread_mutex_t serial_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t t_start;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void stall(void)
{
	int64_t period, in;

	if (!stall_ms)
		return;
	period = stall_every_s * 1000000000LL;
	in = (now_ns() - t_start - stall_at_ms * 1000000LL) % period;
	if (in < 0)
		return;
	if (in < stall_ms * 1000000LL)
		sleep_ns(stall_ms * 1000000LL - in);
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char ok_resp[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n"
    "\r\nhello\n";

static int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spin until this thread has used ms milliseconds of CPU. */
static void burn(long ms)
{
	int64_t end = thread_cpu_ns() + ms * 1000000LL;
	volatile unsigned long x = 0;

	while (thread_cpu_ns() < end) {
		int i;

		for (i = 0; i < 10000; i++)
			x += (unsigned long)i * x + 1;
	}
}

/* Whether the request line in req names a path under the prefix. */
static int slow_path(const char *req)
{
	const char *sp = strchr(req, ' ');

	return path_prefix[0] && sp &&
	       !strncmp(sp + 1, path_prefix, strlen(path_prefix));
}

/* Read and discard until the client closes the connection. */
static void wait_close(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR))
		;
}

/* Answer one request; -1 when the connection is to end. */
static int answer(int fd, const char *req)
{
	long long n;
	int special;

	pthread_mutex_lock(&lock);
	n = ++seq;
	special = n % every == 0;
	if (special && !strcmp(mode, "hang")) {
		hung++;
		pthread_mutex_unlock(&lock);
		wait_close(fd);
		return -1;
	}
	pthread_mutex_unlock(&lock);
	if (serial)
		pthread_mutex_lock(&serial_lock);
	if (delay_ms)
		sleep_ns(delay_ms * 1000000LL);
	if (path_delay_ms && slow_path(req))
		sleep_ns(path_delay_ms * 1000000LL);
	if (burn_ms)
		burn(burn_ms);
	if (serial)
		pthread_mutex_unlock(&serial_lock);
	stall();
	pthread_mutex_lock(&lock);
	count++;
	pthread_mutex_unlock(&lock);
	if (!special || !strcmp(mode, "ok"))
		return write_all(fd, ok_resp, sizeof(ok_resp) - 1);
	if (!strcmp(mode, "close")) {
		static const char r[] =
		    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n"
		    "Connection: close\r\n\r\nhello\n";

		write_all(fd, r, sizeof(r) - 1);
		return -1;
	}
	if (!strcmp(mode, "chunked")) {
		static const char *const parts[] = {
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		    "3\r\nhel\r\n",
		    "3;ext=1\r\nlo\n\r\n",
		    "0\r\nX-Trailer: 1\r\n\r\n",
		};
		size_t i;

		for (i = 0; i < 4; i++) {
			if (write_all(fd, parts[i], strlen(parts[i])) < 0)
				return -1;
			sleep_ns(200000);
		}
		return 0;
	}
	if (!strcmp(mode, "malformed")) {
		static const char r[] = "HTTP/1.1 2x0 OK\r\nContent-Length: 6"
					"\r\n\r\nhello\n";

		write_all(fd, r, sizeof(r) - 1);
		return -1;
	}
	if (!strcmp(mode, "reset")) {
		struct linger lg = {1, 0};

		write_all(fd, ok_resp, 20);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		return -1;
	}
	if (!strcmp(mode, "upgrade")) {
		static const char r[] = "HTTP/1.1 101 Switching Protocols\r\n"
					"Upgrade: websocket\r\n"
					"Connection: Upgrade\r\n\r\n";

		write_all(fd, r, sizeof(r) - 1);
		wait_close(fd);
		return -1;
	}
	if (!strcmp(mode, "eof")) {
		static const char r[] = "HTTP/1.1 200 OK\r\n\r\nhello\n";

		write_all(fd, r, sizeof(r) - 1);
		return -1;
	}
	return -1;
}

/* The length of the request at the start of buf, 0 if incomplete. */
static size_t request_len(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4), *cl;
	size_t head, body = 0;

	if (!end)
		return 0;
	head = (size_t)(end - buf) + 4;
	cl = memmem(buf, head, "Content-Length:", 15);
	if (cl)
		body = strtoul(cl + 15, NULL, 10);
	return head + body <= len ? head + body : 0;
}

/* Mode rst: answer the k requests at the start of buf in one write, then
 * reset the connection. */
static void answer_and_reset(int fd, size_t k)
{
	struct linger lg = {1, 0};
	char *out = malloc(k * (sizeof(ok_resp) - 1));
	size_t i;

	if (!out)
		return;
	if (delay_ms)
		sleep_ns(delay_ms * 1000000LL);
	for (i = 0; i < k; i++)
		memcpy(out + i * (sizeof(ok_resp) - 1), ok_resp,
		       sizeof(ok_resp) - 1);
	pthread_mutex_lock(&lock);
	count += (long long)k;
	pthread_mutex_unlock(&lock);
	write_all(fd, out, k * (sizeof(ok_resp) - 1));
	free(out);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[65536];
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		size_t r;

		if (n <= 0)
			break;
		len += (size_t)n;
		if (!strcmp(mode, "rst")) {
			size_t k = 0;

			while ((r = request_len(buf, len))) {
				memmove(buf, buf + r, len - r);
				len -= r;
				k++;
			}
			if (!k)
				continue;
			answer_and_reset(fd, k);
			goto out;
		}
		while ((r = request_len(buf, len))) {
			if (answer(fd, buf) < 0)
				goto out;
			memmove(buf, buf + r, len - r);
			len -= r;
		}
		if (len == sizeof(buf))
			break;
	}
out:
	close(fd);
	return NULL;
}

static void on_term(int sig)
{
	(void)sig;
	if (count_file) {
		FILE *fp = fopen(count_file, "w");

		if (fp) {
			fprintf(fp, "%lld\n", count);
			fclose(fp);
		}
		if (!strcmp(mode, "hang")) {
			char name[4096];

			snprintf(name, sizeof(name), "%s.hung", count_file);
			fp = fopen(name, "w");
			if (fp) {
				fprintf(fp, "%lld\n", hung);
				fclose(fp);
			}
		}
	}
	_exit(0);
}

static int listen_any(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("load-server");
		exit(1);
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL;
	int lfd, port, i;
	FILE *fp;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(a, "--free-port")) {
			lfd = listen_any(&port);
			printf("%d\n", port);
			return 0;
		} else if (!strcmp(a, "--port-file")) {
			port_file = v, i++;
		} else if (!strcmp(a, "--count-file")) {
			count_file = v, i++;
		} else if (!strcmp(a, "--mode")) {
			mode = v, i++;
		} else if (!strcmp(a, "--every")) {
			every = atol(v), i++;
		} else if (!strcmp(a, "--delay")) {
			delay_ms = atol(v), i++;
		} else if (!strcmp(a, "--burn")) {
			burn_ms = atol(v), i++;
		} else if (!strcmp(a, "--serial")) {
			serial = 1;
		} else if (!strcmp(a, "--path-delay") &&
			   sscanf(v, "%255[^:]:%ld", path_prefix,
				  &path_delay_ms) == 2) {
			i++;
		} else if (!strcmp(a, "--stall") &&
			   sscanf(v, "%ld:%ld:%ld", &stall_ms, &stall_every_s,
				  &stall_at_ms) >= 2 &&
			   stall_every_s > 0) {
			i++;
		} else {
			fprintf(stderr, "load-server: bad argument '%s'\n", a);
			return 2;
		}
	}
	if (every < 1 || !port_file) {
		fprintf(stderr, "load-server: --port-file is required\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_any(&port);
	fp = fopen(port_file, "w");
	if (!fp)
		return 1;
	fprintf(fp, "%d\n", port);
	fclose(fp);
	for (;;) {
		int fd = accept(lfd, NULL, NULL), one = 1;
		pthread_t t;

		if (fd < 0)
			continue;
		/* Before the thread that reads it is created. */
		if (!t_start)
			t_start = now_ns();
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}
