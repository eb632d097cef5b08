#ifndef PERFOPS_TARGETS_H
#define PERFOPS_TARGETS_H

#include "core/strbuf.h"
#include "load/h2.h"
#include "load/load.h"

/*
 * What a run sends: one target per distinct request (one for a URL on the
 * command line, several from --targets FILE), each prepared once as
 * HTTP/1.1 bytes and as HTTP/2 header fields.  Requests take the targets
 * in turn (request i of the whole schedule takes target i mod n, so shards
 * together send what one process sends) or at random.  All targets go to
 * one scheme, host and port: the connections are shared.  The list owns
 * every string, buffer and prepared request; load_targets_release() frees
 * them.
 */
/* The largest request body read from a file (--body @FILE, @body-file). */
#define LOAD_BODY_MAX (64 << 20)

struct load_target {
	char *method;
	struct load_url url;
	char **headers; /* "Name: value" */
	size_t nheaders;
	struct strbuf body;
	int has_body;
	int head;	   /* HEAD: the response has no body */
	struct strbuf req; /* the HTTP/1.1 request */
	struct h2_request h2;
	struct h2_prepared *prep;
};

struct load_targets {
	struct load_target *v;
	size_t n, alloc;
};

/* Add a target; url is parsed (-1 with a message on a bad one), headers
 * and body are copied. */
int load_targets_add(struct load_targets *ts, const char *method,
		     const char *url, const char *const *headers,
		     size_t nheaders, const char *body, size_t body_len);

/*
 * Read a targets file in vegeta's http format (METHOD URL, header lines,
 * an optional @body-file line, blank lines between targets, # comments)
 * or its JSON-lines format ({"method", "url", "header": {name: [values]},
 * "body": base64}), told apart by the first character.  Errors name the
 * file and line.
 */
int load_targets_read(struct load_targets *ts, const char *path);
/* One line of the JSON-lines format (targets-json.c; needs jansson). */
int load_targets_add_json(struct load_targets *ts, const char *line,
			  const char *path, size_t lineno);

/* Add extra headers (-H) to every target, check they share one scheme,
 * host and port, and build their requests.  -1 with a message. */
int load_targets_prepare(struct load_targets *ts, const char *const *extra,
			 size_t nextra);

void load_targets_release(struct load_targets *ts);

#endif
