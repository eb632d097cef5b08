#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "load/load.h"
#include <poll.h>
#include <sys/socket.h>

int load_url_parse(struct load_url *u, const char *url)
{
	const char *p, *host, *host_end, *port = NULL, *path, *auth;
	int tls = 0;
	struct strbuf hp = STRBUF_INIT;

	memset(u, 0, sizeof(*u));
	if (!strncasecmp(url, "https://", 8)) {
		tls = 1;
		host = url + 8;
	} else if (!strncasecmp(url, "http://", 7)) {
		host = url + 7;
	} else {
		return error("'%s' is not an http:// or https:// URL "
			     "(like http://127.0.0.1:8080/path)",
			     url);
	}
	auth = host;
	/* user:password@ (k6 turns it into Basic auth, wrk drops it): say
	 * so rather than read "password@host" as a bad port. */
	if (memchr(host, '@', strcspn(host, "/?#")))
		return error("'%s': credentials in the URL are not sent; give "
			     "them as a header: -H 'Authorization: Basic "
			     "BASE64(user:password)'",
			     url);
	if (*host == '[') {
		host_end = strchr(host, ']');
		if (!host_end)
			return error("'%s': unclosed '[' in the host", url);
		p = host_end + 1;
		host++;
	} else {
		host_end = host + strcspn(host, ":/?#");
		p = host_end;
	}
	if (host_end == host)
		return error("'%s' has no host name", url);
	if (*p == ':') {
		port = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == port || (*p && *p != '/' && *p != '?') ||
		    strtol(port, NULL, 10) < 1 ||
		    strtol(port, NULL, 10) > 65535)
			return error("'%s' has a bad port number", url);
	}
	if (*p && *p != '/' && *p != '?')
		return error("'%s': unexpected '%c' after the host", url, *p);
	path = p;
	u->host = xstrndup(host, (size_t)(host_end - host));
	u->port = port ? xstrndup(port, strspn(port, "0123456789"))
		       : xstrdup(tls ? "443" : "80");
	u->tls = tls;
	/* A fragment is never sent. */
	u->path = *path == '/' ? xstrndup(path, strcspn(path, "#")) : NULL;
	if (!u->path) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addch(&sb, '/');
		strbuf_add(&sb, path, strcspn(path, "#"));
		u->path = strbuf_detach(&sb, NULL);
	}
	for (p = u->path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			load_url_release(u);
			return error("'%s': spaces and control characters "
				     "must be %%-encoded in the path",
				     url);
		}
	strbuf_add(&hp, auth, (size_t)(path - auth));
	u->hostport = strbuf_detach(&hp, NULL);
	return 0;
}

void load_url_release(struct load_url *u)
{
	free(u->host);
	free(u->port);
	free(u->path);
	free(u->hostport);
	memset(u, 0, sizeof(*u));
}

static int has_header(const char *const *headers, size_t n, const char *name)
{
	size_t i, l = strlen(name);

	for (i = 0; i < n; i++)
		if (!strncasecmp(headers[i], name, l) && headers[i][l] == ':')
			return 1;
	return 0;
}

void load_build_request(struct strbuf *out, const char *method,
			const struct load_url *u, const char *const *headers,
			size_t nheaders, const char *body, size_t body_len)
{
	size_t i;

	strbuf_addf(out, "%s %s HTTP/1.1\r\n", method, u->path);
	if (!has_header(headers, nheaders, "host"))
		strbuf_addf(out, "Host: %s\r\n", u->hostport);
	for (i = 0; i < nheaders; i++)
		strbuf_addf(out, "%s\r\n", headers[i]);
	if (body && !has_header(headers, nheaders, "content-length"))
		strbuf_addf(out, "Content-Length: %zu\r\n", body_len);
	strbuf_addstr(out, "\r\n");
	if (body)
		strbuf_add(out, body, body_len);
}

int load_resolve(const struct load_url *u, struct addrinfo **out)
{
	struct addrinfo hints = {0};
	int e;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	e = getaddrinfo(u->host, u->port, &hints, out);
	if (e)
		return error("cannot resolve '%s': %s", u->host,
			     e == EAI_SYSTEM ? strerror(errno)
					     : gai_strerror(e));
	if ((*out)->ai_next)
		load_prefer_reachable(*out);
	return 0;
}

/* Whether a TCP connection to ai is accepted within a second. */
static int reachable(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK,
			ai->ai_protocol),
	    err = 0, ok = 0;
	socklen_t len = sizeof(err);
	struct pollfd p;

	if (fd < 0)
		return 0;
	if (!connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		ok = 1;
	} else if (errno == EINPROGRESS) {
		p.fd = fd;
		p.events = POLLOUT;
		ok = poll(&p, 1, 1000) == 1 &&
		     !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) && !err;
	}
	close(fd);
	return ok;
}

/*
 * A name often has an IPv6 and an IPv4 address (Debian's localhost: ::1
 * first) while the server listens on one family only (nginx's
 * "listen 8080" is IPv4): every connection to the first address would be
 * refused.  The entries' addresses are swapped, not the nodes, so the
 * list is still getaddrinfo()'s to free.
 */
void load_prefer_reachable(struct addrinfo *list)
{
	struct addrinfo *ai, tmp;

	for (ai = list; ai; ai = ai->ai_next)
		if (reachable(ai))
			break;
	if (!ai || ai == list)
		return;
	tmp = *list;
	list->ai_family = ai->ai_family;
	list->ai_socktype = ai->ai_socktype;
	list->ai_protocol = ai->ai_protocol;
	list->ai_addrlen = ai->ai_addrlen;
	list->ai_addr = ai->ai_addr;
	ai->ai_family = tmp.ai_family;
	ai->ai_socktype = tmp.ai_socktype;
	ai->ai_protocol = tmp.ai_protocol;
	ai->ai_addrlen = tmp.ai_addrlen;
	ai->ai_addr = tmp.ai_addr;
}
