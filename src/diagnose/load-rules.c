#include "core/compat.h"
#include "core/stats.h"
#include "diagnose/diagnose.h"
#include <math.h>

/*
 * The latency and throughput branch of the tree, on what `perfops load`
 * measured for each URL (the idle latency with one connection, then the
 * latency and rate under load) and on what the process did meanwhile.
 * Figures only: a URL's path or the program's name decide nothing.
 */

void diag_url_cpu(const struct diag_series *s, struct diag_url *u)
{
	double *d = xmalloc((s->n + 1) * sizeof(*d));
	double *top = xmalloc((s->n + 1) * sizeof(*top));
	size_t i, n = 0;

	for (i = 1; i < s->n; i++) {
		const struct diag_sample *x = &s->s[i];

		/* The interval ending at x lies within the window. */
		if (x->t - x->dt < u->t0 - 1e-9 || x->t > u->t1 + 1e-9)
			continue;
		d[n] = x->cpu + x->wait;
		top[n++] = x->top_demand;
	}
	u->cpu = n ? stats_median(d, n) : 0;
	u->top = n ? stats_median(top, n) : 0;
	free(d);
	free(top);
}

/* A URL counts when most of its requests under load got a response. */
static int measured(const struct diag_url *u)
{
	return u->requests > 0 && u->errors * 2 < u->requests &&
	       u->idle_p50 > 0 && u->p50 > 0;
}

/* "URL: idle p50 X ms; loaded p50 Y ms, p99 Z ms, R req/s; CPU C" */
static size_t describe(char *buf, size_t size, const struct diag_url *u)
{
	int n = snprintf(buf, size,
			 "%s: idle p50 %.3g ms; under load p50 %.3g ms, "
			 "p99 %.3g ms, %.0f req/s, process CPU %.2f",
			 u->url, u->idle_p50, u->p50, u->p99, u->rps, u->cpu);

	return n < 0 ? 0 : MIN((size_t)n, size - 1);
}

static void set_url(struct diag_finding *f, const struct diag_url *u,
		    const struct diag_thresholds *th)
{
	snprintf(f->url, sizeof(f->url), "%s", u->url);
	f->rps = u->rps;
	f->offcpu = u->cpu < th->busy_cpu;
}

static int rule_slow_all(const struct diag_load *l,
			 const struct diag_thresholds *th,
			 struct diag_finding *f)
{
	size_t i, len, slowest = 0;
	double lo = INFINITY;

	if (!l->n)
		return 0;
	for (i = 0; i < l->n; i++) {
		if (!measured(&l->u[i]) || l->u[i].idle_p50 < th->slow_ms)
			return 0;
		lo = MIN(lo, l->u[i].idle_p50);
		if (l->u[i].idle_p50 > l->u[slowest].idle_p50)
			slowest = i;
	}
	len = (size_t)snprintf(f->evidence, sizeof(f->evidence),
			       "every URL is slow with no load (idle p50 >= "
			       "%g ms): ",
			       th->slow_ms);
	for (i = 0; i < l->n && len + 1 < sizeof(f->evidence); i++) {
		if (i)
			len += (size_t)snprintf(
			    f->evidence + len, sizeof(f->evidence) - len, "; ");
		len += describe(f->evidence + len, sizeof(f->evidence) - len,
				&l->u[i]);
	}
	set_url(f, &l->u[slowest], th);
	f->confidence = diag_conf(0.6, lo, th->slow_ms, 3 * th->slow_ms);
	return 1;
}

static int rule_slow_one(const struct diag_load *l,
			 const struct diag_thresholds *th,
			 struct diag_finding *f)
{
	size_t i, slow = 0, next = 0, n = 0;
	double ratio;
	const struct diag_url *s, *o;
	char a[300];

	for (i = 0; i < l->n; i++) {
		if (!measured(&l->u[i]))
			continue;
		n++;
		if (l->u[i].idle_p50 > l->u[slow].idle_p50 ||
		    !measured(&l->u[slow]))
			slow = i;
	}
	if (n < 2)
		return 0;
	/* The slowest of the others. */
	next = slow ? 0 : 1;
	for (i = 0; i < l->n; i++)
		if (i != slow && measured(&l->u[i]) &&
		    (!measured(&l->u[next]) ||
		     l->u[i].idle_p50 > l->u[next].idle_p50))
			next = i;
	s = &l->u[slow];
	o = &l->u[next];
	ratio = s->idle_p50 / o->idle_p50;
	if (ratio < th->slow_one_ratio ||
	    s->idle_p50 - o->idle_p50 < th->slow_one_gap)
		return 0;
	describe(a, sizeof(a), s);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%s; idle p50 %.1f x the next slowest (%s, idle p50 %.3g ms)",
		 a, ratio, o->url, o->idle_p50);
	set_url(f, s, th);
	f->confidence =
	    diag_conf(0.6, ratio, th->slow_one_ratio, 4 * th->slow_one_ratio);
	return 1;
}

static int rule_spikes(const struct diag_load *l,
		       const struct diag_thresholds *th, struct diag_finding *f)
{
	size_t i;
	const struct diag_url *best = NULL;
	double ratio = 0;
	char a[300];

	for (i = 0; i < l->n; i++) {
		const struct diag_url *u = &l->u[i];
		double r;

		/* A p99 needs a hundred responses at least. */
		if (!measured(u) || u->requests < 100)
			continue;
		r = u->p99 / u->p50;
		if (r >= th->spike_ratio && u->p99 - u->p50 >= th->spike_gap &&
		    r > ratio) {
			ratio = r;
			best = u;
		}
	}
	if (!best)
		return 0;
	describe(a, sizeof(a), best);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%s; p99 %.1f x p50: most requests are fast, a few wait "
		 "(stalls: a lock, a GC pause, a blocking call)",
		 a, ratio);
	set_url(f, best, th);
	f->offcpu = 1;
	f->confidence =
	    diag_conf(0.6, ratio, th->spike_ratio, 5 * th->spike_ratio);
	return 1;
}

/* The URL whose requests queue the most under load, or NULL. */
static const struct diag_url *queued(const struct diag_load *l,
				     const struct diag_thresholds *th,
				     double *ratio)
{
	size_t i;
	const struct diag_url *best = NULL;

	*ratio = 0;
	for (i = 0; i < l->n; i++) {
		const struct diag_url *u = &l->u[i];
		double r;

		if (!measured(u))
			continue;
		r = u->p50 / u->idle_p50;
		if (r >= th->queue_ratio &&
		    u->p50 - u->idle_p50 >= th->queue_gap && r > *ratio) {
			*ratio = r;
			best = u;
		}
	}
	return best;
}

static int rule_ceiling(const struct diag_load *l,
			const struct diag_thresholds *th,
			struct diag_finding *f, int want_cpu)
{
	double ratio;
	const struct diag_url *u = queued(l, th, &ratio);
	int busy;
	char a[300];

	if (!u)
		return 0;
	busy = u->cpu >= th->busy_cpu || u->top >= th->busy_cpu;
	if (busy != want_cpu)
		return 0;
	describe(a, sizeof(a), u);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%s; requests queue: p50 under load %.1f x idle at %.0f "
		 "req/s, with the process %s (%.2f CPUs wanted, busiest "
		 "thread %.2f)",
		 a, ratio, u->rps, busy ? "on its CPUs" : "mostly off its CPUs",
		 u->cpu, u->top);
	set_url(f, u, th);
	f->offcpu = !busy;
	f->confidence =
	    diag_conf(0.5, ratio, th->queue_ratio, 4 * th->queue_ratio);
	if (!busy)
		f->confidence *= 1 - 0.5 * diag_ramp(u->cpu, 0, th->busy_cpu);
	return 1;
}

static int rule_cpu_bound(const struct diag_load *l,
			  const struct diag_thresholds *th,
			  struct diag_finding *f)
{
	return rule_ceiling(l, th, f, 1);
}

static int rule_io_bound(const struct diag_load *l,
			 const struct diag_thresholds *th,
			 struct diag_finding *f)
{
	return rule_ceiling(l, th, f, 0);
}

int diag_load_rule(enum diag_id id, const struct diag_load *l,
		   const struct diag_thresholds *th, struct diag_finding *f)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	switch (id) {
	case DIAG_SLOW_ALL_ENDPOINTS:
		return rule_slow_all(l, th, f);
	case DIAG_SLOW_ONE_ENDPOINT:
		return rule_slow_one(l, th, f);
	case DIAG_LATENCY_SPIKES:
		return rule_spikes(l, th, f);
	case DIAG_THROUGHPUT_CPU_BOUND:
		return rule_cpu_bound(l, th, f);
	case DIAG_THROUGHPUT_IO_BOUND:
		return rule_io_bound(l, th, f);
	default:
		return 0;
	}
}

void diag_classify_load(const struct diag_load *l,
			const struct diag_thresholds *th, struct diag_result *r)
{
	int id;

	for (id = DIAG_SLOW_ALL_ENDPOINTS; id < DIAG_NIDS; id++)
		if (r->n < DIAG_NIDS &&
		    diag_load_rule((enum diag_id)id, l, th, &r->f[r->n]))
			r->n++;
	qsort(r->f, r->n, sizeof(r->f[0]), diag_cmp_finding);
}
