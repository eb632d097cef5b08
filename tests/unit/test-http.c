#include "core/compat.h"
#include "load/http.h"
#include "load/load.h"
#include "core/strbuf.h"
#include "core/error.h"
#include <criterion/criterion.h>

static void quiet(void)
{
	error_set_quiet(1);
}

/* Feed s in pieces of step bytes; returns the bytes used by the first
 * response, or -1 on an error. */
static ssize_t feed(struct http_parser *p, const char *s, size_t step)
{
	size_t len = strlen(s), off = 0;

	while (off < len && p->state != HTTP_DONE) {
		size_t n = MIN(step, len - off);
		ssize_t used = http_parse(p, s + off, n);

		if (used < 0)
			return -1;
		off += (size_t)used;
		if ((size_t)used < n)
			break;
	}
	return (ssize_t)off;
}

static const size_t steps[] = {1, 2, 3, 7, 1000};

/* r holds one whole response with status and then 4 bytes of the next,
 * whatever the pieces it arrives in. */
static void parses_whole(const char *r, int status)
{
	struct http_parser p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		http_parser_reset(&p, 0);
		cr_assert_eq(feed(&p, r, steps[i]), strlen(r) - 4);
		cr_assert_eq(p.state, HTTP_DONE);
		cr_assert_eq(p.status, status);
		cr_assert(p.keep_alive);
	}
}

Test(http, content_length_in_any_pieces)
{
	parses_whole("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP",
		     200);
}

Test(http, chunked_with_extensions_and_trailers)
{
	const char *r = "HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, "
			"Chunked\r\n\r\n3\r\nhel\r\nA;x=1\r\n0123456789\r\n"
			"0\r\nX-T: 1\r\n\r\nNEXT";

	parses_whole(r, 201);
}

Test(http, body_until_close)
{
	struct http_parser p;

	http_parser_reset(&p, 0);
	cr_assert_eq(feed(&p, "HTTP/1.1 200 OK\r\n\r\nsome body", 4), 28);
	cr_assert_eq(p.state, HTTP_BODY_EOF);
	cr_assert(!p.keep_alive);
	cr_assert_eq(http_parse_eof(&p), 0);
	cr_assert_eq(p.state, HTTP_DONE);
}

Test(http, cut_short_is_an_error)
{
	struct http_parser p;

	http_parser_reset(&p, 0);
	feed(&p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1000);
	cr_assert_eq(http_parse_eof(&p), -1);
	cr_assert_str_eq(p.error, "connection closed mid-response");
}

Test(http, connection_close_and_http10)
{
	struct http_parser p;

	http_parser_reset(&p, 0);
	feed(&p,
	     "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0"
	     "\r\n\r\n",
	     1000);
	cr_assert_eq(p.state, HTTP_DONE);
	cr_assert(!p.keep_alive);
	http_parser_reset(&p, 0);
	feed(&p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 1000);
	cr_assert(!p.keep_alive);
	http_parser_reset(&p, 0);
	feed(&p,
	     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	     "Content-Length: 0\r\n\r\n",
	     1000);
	cr_assert(p.keep_alive);
}

Test(http, no_body_for_head_204_304_and_1xx_skipped)
{
	struct http_parser p;
	const char *r = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content"
			"\r\n\r\n";

	http_parser_reset(&p, 1);
	cr_assert_eq(
	    feed(&p, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", 1000),
	    39);
	cr_assert_eq(p.state, HTTP_DONE);
	http_parser_reset(&p, 0);
	cr_assert_eq(feed(&p, r, 3), strlen(r));
	cr_assert_eq(p.status, 204);
	cr_assert_eq(p.state, HTTP_DONE);
}

/* A 101 ends the HTTP on the connection: the response is whole at its
 * blank line, and what follows (a WebSocket frame) is not parsed. */
Test(http, switching_protocols_is_a_whole_response)
{
	struct http_parser p;
	const char *r = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
			"websocket\r\nConnection: Upgrade\r\n\r\n";
	char buf[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		snprintf(buf, sizeof(buf), "%s\x81\x05hello", r);
		http_parser_reset(&p, 0);
		cr_assert_eq(feed(&p, buf, steps[i]), strlen(r));
		cr_assert_eq(p.state, HTTP_DONE);
		cr_assert_eq(p.status, 101);
		cr_assert_eq(p.keep_alive, 0);
	}
}

Test(http, malformed_responses)
{
	static const char *const bad[] = {
	    "HTTP/1.1 2x0 OK\r\n\r\n",
	    "HTTP/2 200 OK\r\n\r\n",
	    "ICY 200 OK\r\n\r\n",
	    "HTTP/1.1 200OK\r\n\r\n",
	    "HTTP/1.1 099 Low\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	};
	struct http_parser p;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		for (j = 0; j < ARRAY_SIZE(steps); j++) {
			http_parser_reset(&p, 0);
			cr_assert_eq(feed(&p, bad[i], steps[j]), -1,
				     "accepted: %s", bad[i]);
			cr_assert_eq(p.state, HTTP_ERROR);
			cr_assert_not_null(p.error);
		}
}

/* Servers send long Set-Cookie or Content-Security-Policy lines (wrk
 * takes 80 KB of headers): a long line of a header the parser does not
 * interpret is skipped, whatever the pieces; one it interprets fails. */
Test(http, overlong_header_line)
{
	static const char *const names[] = {"Set-Cookie", "X-Long",
					    "Content-Length"};
	struct http_parser p;
	size_t i, j, n = 3 * HTTP_LINE_MAX;
	char *s = xmalloc(n + 128);

	for (i = 0; i < ARRAY_SIZE(names); i++)
		for (j = 0; j < ARRAY_SIZE(steps); j++) {
			int len = snprintf(s, 128,
					   "HTTP/1.1 200 OK\r\n%s: ", names[i]);

			memset(s + len, '1', n);
			snprintf(s + len + n, 128,
				 "\r\nContent-Length: 5\r\n\r\nhelloNEXT");
			http_parser_reset(&p, 0);
			if (i < 2) {
				cr_assert_eq(feed(&p, s, steps[j]),
					     (ssize_t)strlen(s) - 4);
				cr_assert_eq(p.state, HTTP_DONE);
				cr_assert_eq(p.status, 200);
			} else {
				cr_assert_eq(feed(&p, s, steps[j]), -1);
				cr_assert_str_eq(p.error,
						 "header line too long");
			}
		}
	free(s);
}

Test(http, url_and_request)
{
	struct load_url u;
	struct strbuf sb = STRBUF_INIT;
	const char *h[] = {"X-A: 1"};

	cr_assert_eq(load_url_parse(&u, "http://127.0.0.1:8080/a/b?c=d#frag"),
		     0);
	cr_assert_str_eq(u.host, "127.0.0.1");
	cr_assert_str_eq(u.port, "8080");
	cr_assert_str_eq(u.path, "/a/b?c=d");
	cr_assert_str_eq(u.hostport, "127.0.0.1:8080");
	load_build_request(&sb, "POST", &u, h, 1, "xyz", 3);
	cr_assert_str_eq(sb.buf, "POST /a/b?c=d HTTP/1.1\r\nHost: "
				 "127.0.0.1:8080\r\nX-A: 1\r\nContent-Length: "
				 "3\r\n\r\nxyz");
	load_url_release(&u);
	cr_assert_eq(load_url_parse(&u, "HTTPS://example.org/x"), 0);
	cr_assert(u.tls);
	cr_assert_str_eq(u.port, "443");
	cr_assert_str_eq(u.hostport, "example.org");
	load_url_release(&u);
	cr_assert_eq(load_url_parse(&u, "http://[::1]?q"), 0);
	cr_assert(!u.tls);
	cr_assert_str_eq(u.host, "::1");
	cr_assert_str_eq(u.port, "80");
	cr_assert_str_eq(u.path, "/?q");
	cr_assert_str_eq(u.hostport, "[::1]");
	load_url_release(&u);
	strbuf_release(&sb);
}

Test(http, bad_urls, .init = quiet)
{
	static const char *const bad[] = {
	    "ftp://x/",	    "http://",	       "http://:80/",
	    "http://h:0/",  "http://h:99999/", "http://h:8x/",
	    "http://[::1/", "http://h/a b",    "localhost:8080",
	};
	struct load_url u;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(load_url_parse(&u, bad[i]), -1, "accepted %s",
			     bad[i]);
}

/* A name with an IPv6 and an IPv4 address (Debian's localhost is ::1
 * first) before a server listening on IPv4 only (nginx's "listen 8080"):
 * the address that answers goes first, as wrk picks the first that
 * connects. */
Test(http, resolve_prefers_reachable)
{
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
	struct addrinfo a6 = {0}, a4 = {0};
	socklen_t sl = sizeof(v4);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&v4, sizeof(v4)), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&v4, &sl), 0);
	v6.sin6_addr = in6addr_loopback;
	v6.sin6_port = v4.sin_port;
	a6.ai_family = AF_INET6;
	a6.ai_socktype = SOCK_STREAM;
	a6.ai_addr = (struct sockaddr *)&v6;
	a6.ai_addrlen = sizeof(v6);
	a6.ai_next = &a4;
	a4.ai_family = AF_INET;
	a4.ai_socktype = SOCK_STREAM;
	a4.ai_addr = (struct sockaddr *)&v4;
	a4.ai_addrlen = sizeof(v4);
	load_prefer_reachable(&a6);
	cr_assert_eq(a6.ai_family, AF_INET);
	cr_assert_eq(a6.ai_addr, (struct sockaddr *)&v4);
	cr_assert_eq(a6.ai_next, &a4);
	cr_assert_eq(a4.ai_family, AF_INET6);
	/* Nothing answers: the order stays. */
	close(lfd);
	load_prefer_reachable(&a6);
	cr_assert_eq(a6.ai_family, AF_INET);
}
