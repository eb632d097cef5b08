#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "load/load.h"

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
	return 0;
}
