#include "core/compat.h"
#include "bench/bench.h"
#include "core/error.h"
#include "core/stats.h"
#include "core/strbuf.h"
#include <jansson.h>

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

/* The numbers of a JSON array, skipping the runs marked as timed out. */
static size_t read_values(json_t *arr, json_t *timed_out, double **out)
{
	size_t i, n = 0;

	*out = xcalloc(json_array_size(arr) + 1, sizeof(double));
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);

		if (!json_is_number(v))
			continue;
		if (json_is_true(json_array_get(timed_out, i)))
			continue;
		(*out)[n++] = json_number_value(v);
	}
	return n;
}

static int read_result(struct bench_baseline_result *r, json_t *res, int metric,
		       const char *path, size_t idx)
{
	json_t *cmd = json_object_get(res, "command");
	json_t *arr = metric == BM_WALL ? json_object_get(res, "times")
					: json_object_get(res, "values");

	if (!json_is_string(cmd))
		return error("'%s': results[%zu] has no \"command\" string",
			     path, idx);
	if (!json_is_array(arr))
		return error("'%s': results[%zu] ('%s') has no per-run \"%s\" "
			     "array",
			     path, idx, json_string_value(cmd),
			     metric == BM_WALL ? "times" : "values");
	r->command = xstrdup(json_string_value(cmd));
	/* "times" has every run; "values" only those that did not time out. */
	r->n = read_values(
	    arr, metric == BM_WALL ? json_object_get(res, "timed_out") : NULL,
	    &r->times);
	r->mean = stats_mean(r->times, r->n);
	return 0;
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
			error("'%s': results[%zu] is not an object", path, i);
			goto out;
		}
		if (read_result(&base->results[base->nr], res, base->metric,
				path, i))
			goto out;
		base->nr++;
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
