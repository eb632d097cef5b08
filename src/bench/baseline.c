#include "core/compat.h"
#include "bench/bench.h"
#include "core/error.h"
#include "core/stats.h"
#include "core/strbuf.h"
#include <jansson.h>
#include <math.h>

void bench_baseline_release(struct bench_baseline *base)
{
	size_t i;

	for (i = 0; i < base->nr; i++) {
		free(base->results[i].command);
		free(base->results[i].times);
	}
	free(base->results);
	free(base->path);
	memset(base, 0, sizeof(*base));
}

/*
 * The largest value a baseline may hold: a time above a year, or a count
 * or size above 2^60, is not a measurement but a corrupted file, and would
 * overflow the sums of the statistics.
 */
static double value_limit(int metric)
{
	return bench_metric_is_time(metric) ? 365.0 * 86400 : 0x1p60;
}

/*
 * The numbers of a JSON array, skipping the runs an old export marks as
 * timed out.  Every value must be a number in [0, limit]; reports and
 * returns -1 naming the first that is not, or an array with no values.
 */
static int read_values(struct bench_baseline_result *r, json_t *arr,
		       json_t *timed_out, int metric, const char *path,
		       size_t idx, const char *key)
{
	double limit = value_limit(metric), median;
	size_t i, n = 0;

	r->times = xcalloc(json_array_size(arr) + 1, sizeof(double));
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);
		double x;

		if (json_is_true(json_array_get(timed_out, i)))
			continue;
		if (!json_is_number(v))
			return error("baseline '%s': results[%zu] ('%s') "
				     "\"%s\"[%zu] is not a number",
				     path, idx, r->command, key, i);
		x = json_number_value(v);
		if (!isfinite(x) || x < 0 || x > limit)
			return error("baseline '%s': results[%zu] ('%s') "
				     "\"%s\"[%zu] = %g is not a possible %s "
				     "(0 to %s)",
				     path, idx, r->command, key, i, x,
				     bench_metric_is_time(metric)
					 ? "time in seconds"
					 : bench_metric_name(metric),
				     bench_metric_is_time(metric) ? "a year"
								  : "2^60");
		r->times[n++] = x;
	}
	r->n = n;
	if (!n)
		return error("baseline '%s': results[%zu] ('%s') has no runs "
			     "in \"%s\": it cannot serve as a baseline "
			     "(export a complete run with --export-json)",
			     path, idx, r->command, key);
	median = stats_median(r->times, n);
	if (!(median > 0))
		return error("baseline '%s': results[%zu] ('%s') has a "
			     "median of 0: a change from it has no size",
			     path, idx, r->command);
	/* Clocks count nanoseconds, counters and sizes whole units: a median
	 * below that was not measured, and a change from it is astronomic. */
	if (median < (bench_metric_is_time(metric) ? 1e-9 : 1))
		return error("baseline '%s': results[%zu] ('%s') has a "
			     "median of %g%s, below %s: a change from it has "
			     "no size",
			     path, idx, r->command, median,
			     bench_metric_is_time(metric) ? " s" : "",
			     bench_metric_is_time(metric)
				 ? "the clock's resolution (1 ns)"
				 : "1");
	r->mean = stats_mean(r->times, n);
	return 0;
}

static int read_result(struct bench_baseline_result *r, json_t *res, int metric,
		       const char *path, size_t idx)
{
	json_t *cmd = json_object_get(res, "command");
	const char *key = metric == BM_WALL ? "times" : "values";
	json_t *arr = json_object_get(res, key);
	json_t *timed_out = json_object_get(res, "timed_out");

	if (!json_is_string(cmd))
		return error("baseline '%s': results[%zu] has no \"command\" "
			     "string: it is not a JSON export of perfops bench "
			     "or hyperfine",
			     path, idx);
	if (!json_is_array(arr))
		return error("baseline '%s': results[%zu] ('%s') has no "
			     "per-run \"%s\" array: it is not a JSON export of "
			     "perfops bench or hyperfine",
			     path, idx, json_string_value(cmd), key);
	r->command = xstrdup(json_string_value(cmd));
	/* Earlier perfops exports kept timed-out runs in "times",
	 * marked in a "timed_out" array; "values" never had them. */
	return read_values(
	    r, arr,
	    metric == BM_WALL && json_is_array(timed_out) ? timed_out : NULL,
	    metric, path, idx, key);
}

int bench_baseline_read(struct bench_baseline *base, const char *path,
			const struct bench *b)
{
	json_error_t jerr;
	json_t *root, *results, *metric;
	size_t i, j;
	int ret = -1;

	memset(base, 0, sizeof(*base));
	base->path = xstrdup(path);
	base->metric = BM_WALL;
	root = json_load_file(path, JSON_DECODE_ANY, &jerr);
	if (!root) {
		if (access(path, R_OK))
			return error_errno("cannot read baseline '%s'", path);
		return error("baseline '%s' is not JSON: %s (line %d, column "
			     "%d)",
			     path, jerr.text, jerr.line, jerr.column);
	}
	results = json_object_get(root, "results");
	if (!json_is_array(results) || !json_array_size(results)) {
		error("baseline '%s' has no \"results\": it is not a JSON "
		      "export of perfops bench or hyperfine",
		      path);
		goto out;
	}
	/* perfops records its primary metric; hyperfine only has time. */
	metric = json_object_get(root, "metric");
	if (json_is_string(metric)) {
		int m = bench_metric_lookup(json_string_value(metric));

		if (m < 0) {
			error("baseline '%s': unknown metric '%s'", path,
			      json_string_value(metric));
			goto out;
		}
		base->metric = m;
	}
	if (base->metric != b->opts.metric) {
		error("baseline '%s' was measured with --metric %s, not %s",
		      path, bench_metric_name(base->metric),
		      bench_metric_name(b->opts.metric));
		goto out;
	}
	base->results =
	    xcalloc(json_array_size(results), sizeof(*base->results));
	for (i = 0; i < json_array_size(results); i++) {
		json_t *res = json_array_get(results, i);

		if (!json_is_object(res)) {
			error("baseline '%s': results[%zu] is not an object",
			      path, i);
			goto out;
		}
		/* Counted first, so that bench_baseline_release() frees a
		 * half-read entry. */
		base->nr++;
		if (read_result(&base->results[base->nr - 1], res, base->metric,
				path, i))
			goto out;
	}
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_cmd *c = &b->cmds[i];
		struct strbuf have = STRBUF_INIT;

		for (j = 0; j < base->nr; j++)
			if (!strcmp(base->results[j].command, c->cmdline) ||
			    !strcmp(base->results[j].command, c->name))
				break;
		if (j < base->nr)
			continue;
		for (j = 0; j < base->nr; j++)
			strbuf_addf(&have, "%s'%s'", j ? ", " : "",
				    base->results[j].command);
		error("baseline '%s' has no results for '%s' (it has %s)", path,
		      c->name, have.buf);
		strbuf_release(&have);
		goto out;
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}
