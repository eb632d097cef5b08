#ifndef PERFOPS_LOAD_H
#define PERFOPS_LOAD_H

#include "core/hist.h"
#include "load/h2.h"
#include "load/schedule.h"
#include <netdb.h>
#include <stdint.h>

/*
 * HTTP load generation (`perfops load`): threads each run an event loop
 * over their own connections and record into their own histograms (no
 * atomics), merged when the run ends.  Closed loop (rate 0): every
 * connection sends its next request when a response arrives, like wrk.
 * Open loop: requests follow a schedule (load/schedule.h) whatever the
 * responses do; latency is measured from the intended send time, so
 * server stalls are not hidden (coordinated omission), with the service
 * time and the send lag beside it, like wrk2.
 */

/* Latency values are recorded in microseconds, as wrk2 records them. */
#define LOAD_HIST_LOWEST 1
#define LOAD_HIST_HIGHEST 3600000000LL /* one hour */
#define LOAD_HIST_SIGFIGS 3

enum load_error {
	LOAD_ERR_CONNECT,
	LOAD_ERR_TIMEOUT,
	LOAD_ERR_RESET,
	LOAD_ERR_PARSE,
	/* An answer of 400 or above: 3xx (a redirect, 304 Not Modified)
	 * is an answer, as wrk, k6 and vegeta count it. */
	LOAD_ERR_STATUS,
	/* Sent on HTTP/1.1 behind a request that timed out, on the
	 * connection then closed: never answered, not waited for as long
	 * as the timeout, not sent again (the server may have handled it).
	 * Last, so that the interval logs' err_N indices stay. */
	LOAD_ERR_ABORTED,
	LOAD_ERR_N,
};
extern const char *const load_error_names[LOAD_ERR_N];

/* A parsed http:// URL; owns its strings. */
struct load_url {
	char *host; /* without brackets for IPv6 */
	char *port;
	char *path;	/* with the query, "/" at least */
	char *hostport; /* the Host header */
	int tls;	/* https */
};
/* Parse url; -1 with a message naming the problem. */
int load_url_parse(struct load_url *u, const char *url);
void load_url_release(struct load_url *u);
/* Resolve the URL's host and port; -1 with a message.  Of several
 * addresses, the first that accepts a connection comes first (see
 * load_prefer_reachable()). */
int load_resolve(const struct load_url *u, struct addrinfo **out);
/* Move the first address of list that accepts a TCP connection (within
 * a second) to the front, as wrk picks it; the order stays when none
 * does, so the run reports the first one's error. */
void load_prefer_reachable(struct addrinfo *list);

struct load_target;

struct load_opts {
	const struct load_target *targets; /* load/targets.h; one at least */
	size_t ntargets;
	int random_targets;    /* pick targets at random, not in turn */
	struct addrinfo *addr; /* the resolved address (owned by caller) */
	int threads, connections, pipeline;
	double duration_s, timeout_s;
	double warmup_s; /* before duration_s, reported apart */
	double rate;	 /* total req/s; 0: closed loop */
	int poisson;
	int queue_cap; /* per thread; beyond it requests drop */
	const struct sched_stage *stages; /* NULL: constant rate/conns */
	size_t nstages;
	int progress;	      /* draw a live line on stderr */
	int shard, nshards;   /* run share shard (0-based) of nshards */
	struct load_log *log; /* the interval log, or NULL */
	struct tls_ctx *tls;  /* https: the TLS context, else NULL */
	int h2;		      /* HTTP/2: by ALPN over TLS, else h2c */
	int streams;	      /* HTTP/2 streams in flight per connection */
	const char *title;    /* what the run is called in reports */
};

/* Build the request of method, url, headers (n "Name: value") and body. */
struct strbuf;
struct load_log;
struct tls_ctx;
void load_build_request(struct strbuf *out, const char *method,
			const struct load_url *u, const char *const *headers,
			size_t nheaders, const char *body, size_t body_len);

/* What a run measured; merged from its threads.  Owns its histograms. */
struct load_result {
	struct hist latency, service, send_lag; /* microseconds */
	/* The warm-up window, kept apart: latency and responses. */
	struct hist warm;
	int64_t warm_requests;
	double warmup_s;
	int64_t requests; /* responses received (any status) */
	/* Of those, the ones that arrived inside the measured window, not
	 * in the drain after it: requests/s counts them, as wrk2 does. */
	int64_t window_requests;
	double start_unix; /* when the window began, in seconds since 1970 */
	int64_t errors[LOAD_ERR_N];
	int64_t status[600];
	int64_t bytes_read, bytes_written;
	int64_t window_bytes_read; /* read inside the window: Transfer/sec */
	int64_t dropped;	   /* beyond the queue cap: never sent */
	int64_t late;		   /* noticed more than 10 ms after due */
	int64_t scheduled;	   /* open loop: requests due in the run */
	int connections_asked, connections_achieved;
	double duration_s; /* the measured window */
	/* From the window's end to the last response (or the drain's
	 * timeout): a server slower than the rate answers after it. */
	double drain_s;
	double rate; /* asked, 0 for closed loop */
	int threads;
	char why[256]; /* why the last connection failed, or "" */
	/* Requests per second of each thread, over 100 ms samples (wrk's
	 * Req/Sec row): running mean, M2 and max. */
	int64_t rps_n;
	double rps_mean, rps_m2, rps_max;
};

int load_result_init(struct load_result *r);
void load_result_release(struct load_result *r);
/* Add src into dst (histograms, counters). */
int load_result_add(struct load_result *dst, const struct load_result *src);
/* hist_init() with the parameters above. */
int load_hist_init(struct hist *h);
/* Record ns nanoseconds as microseconds, rounded to the nearest (as wrk2
 * records them), within the histogram's range. */
void load_record_us(struct hist *h, int64_t ns);
/* Every error counted, of all classes, and drops. */
int64_t load_result_errors(const struct load_result *r);
/* Requests that failed: every class but non-2xx/3xx (those got a
 * response). */
int64_t load_result_failed(const struct load_result *r);
/* Responses per second in the measured window: those that arrived in it
 * over its length (wrk's and wrk2's Requests/sec); the drain's responses
 * are counted in requests, not in the rate. */
double load_result_rps(const struct load_result *r);
/* The generator itself fell behind its schedule (more than 1% late). */
int load_result_fell_behind(const struct load_result *r);

/* Ask a running test to end now and report what ran (async-signal-safe,
 * for a SIGINT handler). */
void load_stop(void);

/* Run the test; -1 on a setup failure (reported). */
int load_run(const struct load_opts *o, struct load_result *r);

#endif
