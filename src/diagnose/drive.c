#include "core/compat.h"
#include "core/error.h"
#include "diagnose/diagnose.h"
#include "load/load.h"
#include "load/targets.h"
#include "sys/spawn.h"
#include <netdb.h>
#include <pthread.h>

/*
 * Load for the latency branch of `perfops diagnose --url`: the engine of
 * `perfops load`, called as a library on a thread of its own while the
 * main thread samples the process.  Each URL is driven alone, in turn,
 * for its share of the watch: a quarter of it with one connection (the
 * idle latency: what a request costs when nothing queues), the rest under
 * the load asked.  The loaded window is noted in watch time, so the rules
 * read the process's CPU over exactly that window.
 */

struct diag_drive {
	struct load_targets *ts; /* one list per URL: one target each */
	struct addrinfo **addr;
	struct diag_url *u;
	size_t n;
	int conns;
	double rate, duration, start;
	pthread_t thread;
	int started, done, stop, failed;
};

struct diag_drive *diag_drive_new(const char *const *urls, size_t n, int conns,
				  double rate, double duration)
{
	struct diag_drive *d = xcalloc(1, sizeof(*d));
	size_t i;

	d->ts = xcalloc(n, sizeof(*d->ts));
	d->addr = xcalloc(n, sizeof(*d->addr));
	d->u = xcalloc(n, sizeof(*d->u));
	d->n = n;
	d->conns = conns;
	d->rate = rate;
	d->duration = duration;
	for (i = 0; i < n; i++) {
		d->u[i].url = urls[i];
		if (load_targets_add(&d->ts[i], "GET", urls[i], NULL, 0, NULL,
				     0) < 0)
			goto fail;
		if (d->ts[i].v[0].url.tls) {
			error("--url '%s': diagnose drives http:// only; use "
			      "`perfops load` for https",
			      urls[i]);
			goto fail;
		}
		if (load_targets_prepare(&d->ts[i], NULL, 0) < 0 ||
		    load_resolve(&d->ts[i].v[0].url, &d->addr[i]) < 0)
			goto fail;
	}
	return d;
fail:
	diag_drive_free(d);
	return NULL;
}

static double ms(const struct hist *h, double p)
{
	return (double)hist_percentile(h, p) / 1000.0;
}

static int run(struct diag_drive *d, size_t i, int conns, double rate,
	       double secs, struct load_result *r)
{
	struct load_opts o = {0};

	o.targets = d->ts[i].v;
	o.ntargets = d->ts[i].n;
	o.addr = d->addr[i];
	o.connections = conns;
	o.threads = MIN(conns, 2);
	o.pipeline = 1;
	o.duration_s = secs;
	o.timeout_s = 2;
	o.rate = rate;
	o.queue_cap = 10000;
	o.title = d->u[i].url;
	return load_run(&o, r);
}

static void *drive(void *arg)
{
	struct diag_drive *d = arg;
	double share = d->duration / (double)d->n;
	double idle = MAX(0.2, share / 4), loaded = MAX(0.2, share - idle);
	size_t i;

	for (i = 0; i < d->n && !__atomic_load_n(&d->stop, __ATOMIC_RELAXED);
	     i++) {
		struct diag_url *u = &d->u[i];
		struct load_result r;

		if (run(d, i, 1, 0, idle, &r) < 0) {
			d->failed = 1;
			break;
		}
		if (r.requests - r.errors[LOAD_ERR_STATUS] > 0)
			u->idle_p50 = ms(&r.latency, 50);
		load_result_release(&r);
		u->t0 = sys_now() - d->start;
		if (run(d, i, d->conns, d->rate, loaded, &r) < 0) {
			d->failed = 1;
			break;
		}
		u->t1 = sys_now() - d->start;
		u->requests = r.requests;
		u->errors = load_result_errors(&r);
		if (r.requests) {
			u->p50 = ms(&r.latency, 50);
			u->p99 = ms(&r.latency, 99);
		}
		u->rps = load_result_rps(&r);
		if (!r.requests && r.why[0])
			error("--url '%s': no response under load (%s)", u->url,
			      r.why);
		load_result_release(&r);
	}
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int diag_drive_start(struct diag_drive *d, double start)
{
	int e;

	d->start = start;
	e = pthread_create(&d->thread, NULL, drive, d);
	if (e)
		return error("cannot start the load thread: %s", strerror(e));
	d->started = 1;
	return 0;
}

int diag_drive_done(const struct diag_drive *d)
{
	return __atomic_load_n(&d->done, __ATOMIC_ACQUIRE);
}

void diag_drive_stop(struct diag_drive *d)
{
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
	load_stop();
}

int diag_drive_finish(struct diag_drive *d, struct diag_load *l)
{
	size_t i;
	int ret = 0;

	if (d->started) {
		pthread_join(d->thread, NULL);
		d->started = 0;
	}
	/* A URL not reached (Ctrl-C) is no failure: it was not tried. */
	for (i = 0; i < d->n; i++)
		if (d->u[i].t1 > 0 &&
		    (!d->u[i].requests ||
		     d->u[i].errors * 2 >= d->u[i].requests)) {
			ret = error("--url '%s': %lld of %lld requests failed "
				    "under load; is the server up and the URL "
				    "right?",
				    d->u[i].url, (long long)d->u[i].errors,
				    (long long)d->u[i].requests);
		}
	l->u = d->u;
	l->n = d->n;
	l->connections = d->conns;
	l->rate = d->rate;
	return d->failed ? -1 : ret;
}

void diag_drive_free(struct diag_drive *d)
{
	size_t i;

	if (!d)
		return;
	if (d->started) {
		diag_drive_stop(d);
		pthread_join(d->thread, NULL);
	}
	for (i = 0; i < d->n; i++) {
		load_targets_release(&d->ts[i]);
		if (d->addr[i])
			freeaddrinfo(d->addr[i]);
	}
	free(d->ts);
	free(d->addr);
	free(d->u);
	free(d);
}
