#include "core/compat.h"
#include "core/error.h"
#include "load/preset.h"

const char *const load_preset_names[] = {
    "smoke", "load", "stress", "spike", "soak", "breakpoint", NULL,
};

/* Each shape as (share of D, share of P) pairs. */
static const struct {
	size_t n;
	double share[8][2];
} shapes[] = {
    {2, {{0.001, 0}, {0.999, 0}}}, /* smoke: set to 1 below */
    {3, {{0.1, 1}, {0.8, 1}, {0.1, 0}}},
    {5, {{0.1, 1}, {0.3, 1}, {0.1, 2}, {0.4, 2}, {0.1, 0}}},
    {7,
     {{0.05, 0.1},
      {0.35, 0.1},
      {0.05, 1},
      {0.1, 1},
      {0.05, 0.1},
      {0.35, 0.1},
      {0.05, 0}}},
    {3, {{0.05, 1}, {0.9, 1}, {0.05, 0}}},
    {1, {{1, 1}}},
};

size_t load_preset_stages(int i, double peak, double duration,
			  struct sched_stage *stages)
{
	size_t k;

	for (k = 0; k < shapes[i].n; k++) {
		stages[k].dur_s = shapes[i].share[k][0] * duration;
		stages[k].target = i == 0 ? 1 : shapes[i].share[k][1] * peak;
	}
	return shapes[i].n;
}

/* Whether r meets every threshold, with nothing dropped or failed. */
static int held(const struct load_result *r, const struct threshold *th,
		size_t nth)
{
	size_t i;

	if (r->dropped || load_result_failed(r) || !r->requests)
		return 0;
	for (i = 0; i < nth; i++)
		if (!threshold_ok(&th[i], threshold_measure(&th[i], r)))
			return 0;
	return 1;
}

static int try_rate(const struct load_opts *base, double rate,
		    const struct threshold *th, size_t nth, FILE *log)
{
	struct load_opts o = *base;
	struct load_result r;
	int ok;

	o.rate = rate;
	if (load_run(&o, &r) < 0)
		return -1;
	ok = held(&r, th, nth);
	fprintf(log,
		"  %10.1f req/s: p99 %9.3fms, %" PRId64 " responses, %" PRId64
		" failed, %" PRId64 " dropped: %s\n",
		rate, hist_percentile(&r.latency, 99) / 1000.0, r.requests,
		load_result_failed(&r), r.dropped, ok ? "held" : "FAILED");
	fflush(log);
	load_result_release(&r);
	return ok;
}

int load_find_max(const struct load_opts *o, const struct threshold *th,
		  size_t nth, FILE *log, double *best)
{
	double good = 0, bad = 0, rate = o->rate;
	int ok, i;

	*best = 0;
	/* Up by doubling until a run fails (or a billion requests/s). */
	while (rate <= 1e9) {
		ok = try_rate(o, rate, th, nth, log);
		if (ok < 0)
			return -1;
		if (!ok) {
			bad = rate;
			break;
		}
		good = rate;
		rate *= 2;
	}
	if (!bad || !good) {
		*best = good;
		return 0;
	}
	for (i = 0; i < 8 && bad - good > 0.1 * good; i++) {
		rate = (good + bad) / 2;
		ok = try_rate(o, rate, th, nth, log);
		if (ok < 0)
			return -1;
		if (ok)
			good = rate;
		else
			bad = rate;
	}
	*best = good;
	return 0;
}
