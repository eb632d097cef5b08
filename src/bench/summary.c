#include "core/compat.h"
#include "bench/bench.h"
#include "core/stats.h"
#include <math.h>

static const char *const metric_names[BM_COUNTER] = {
    [BM_WALL] = "wall", [BM_CPU] = "cpu", [BM_USER] = "user",
    [BM_SYS] = "sys",	[BM_RSS] = "rss",
};

const char *bench_metric_name(int m)
{
	if (m >= BM_COUNTER)
		return perf_counter_name(m - BM_COUNTER);
	return metric_names[m];
}

int bench_metric_lookup(const char *name)
{
	int i, ev;

	for (i = 0; i < BM_COUNTER; i++)
		if (!strcmp(metric_names[i], name))
			return i;
	ev = perf_counter_lookup(name);
	return ev < 0 ? -1 : BM_COUNTER + ev;
}

int bench_metric_is_time(int m)
{
	return m == BM_WALL || m == BM_CPU || m == BM_USER || m == BM_SYS;
}

double bench_metric_value(const struct bench_run *r, int m)
{
	switch (m) {
	case BM_WALL:
		return r->wall;
	case BM_CPU:
		return r->user + r->sys;
	case BM_USER:
		return r->user;
	case BM_SYS:
		return r->sys;
	case BM_RSS:
		return (double)r->rss;
	default:
		if (!(r->counters_ok & (1u << (m - BM_COUNTER))))
			return NAN;
		/* task-clock counts nanoseconds. */
		if (m - BM_COUNTER == PC_TASK_CLOCK)
			return (double)r->counter[PC_TASK_CLOCK] / 1e9;
		return (double)r->counter[m - BM_COUNTER];
	}
}

static void summarize_one(struct bench_cmd *c, int metric)
{
	struct bench_summary *s = &c->sum;
	double *z, *user, *sys, *wall, *rss;
	size_t i, n = 0;

	free(s->values);
	free(s->sorted);
	memset(s, 0, sizeof(*s));
	s->values = xcalloc(c->runs.len + 1, sizeof(double));
	s->sorted = xcalloc(c->runs.len + 1, sizeof(double));
	user = xcalloc(c->runs.len + 1, sizeof(double));
	sys = xcalloc(c->runs.len + 1, sizeof(double));
	wall = xcalloc(c->runs.len + 1, sizeof(double));
	rss = xcalloc(c->runs.len + 1, sizeof(double));
	for (i = 0; i < c->runs.len; i++) {
		const struct bench_run *r = &c->runs.v[i];
		double v = bench_metric_value(r, metric);

		/* A timed-out run has no time, only a lower bound: keeping
		 * it would bias every figure, so it is counted apart. */
		if (r->timed_out) {
			s->timed_out++;
			continue;
		}
		if (isnan(v))
			continue;
		s->values[n] = v;
		user[n] = r->user;
		sys[n] = r->sys;
		wall[n] = r->wall;
		rss[n] = (double)r->rss;
		n++;
	}
	s->n = n;
	s->ci_level = -1;
	if (n) {
		memcpy(s->sorted, s->values, n * sizeof(double));
		stats_sort(s->sorted, n);
		s->mean = stats_mean(s->values, n);
		s->stddev = stats_stddev(s->values, n);
		s->median = stats_median_sorted(s->sorted, n);
		s->min = s->sorted[0];
		s->max = s->sorted[n - 1];
		s->ci_level = stats_median_ci_sorted(s->sorted, n, 0.95,
						     &s->ci_lo, &s->ci_hi);
		s->p5 = stats_percentile_sorted(s->sorted, n, 5);
		s->p25 = stats_percentile_sorted(s->sorted, n, 25);
		s->p75 = stats_percentile_sorted(s->sorted, n, 75);
		s->p95 = stats_percentile_sorted(s->sorted, n, 95);
		s->p99 = stats_percentile_sorted(s->sorted, n, 99);
		s->mad = stats_mad(s->values, n);
		s->outliers = stats_count_outliers(s->values, n);
		z = xcalloc(n, sizeof(*z));
		stats_modified_z(s->values, n, z);
		/* hyperfine's test: is the very first run the outlier? */
		s->slow_first = n > 1 && z[0] > STATS_OUTLIER_Z;
		free(z);
		s->user_mean = stats_mean(user, n);
		s->sys_mean = stats_mean(sys, n);
		s->wall_mean = stats_mean(wall, n);
		s->rss_mean = stats_mean(rss, n);
		s->rss_max = stats_max(rss, n);
	}
	free(user);
	free(sys);
	free(wall);
	free(rss);
}

void bench_summarize_cmd(struct bench *b, size_t i)
{
	summarize_one(&b->cmds[i], b->opts.metric);
}

void bench_summarize(struct bench *b)
{
	size_t i;

	for (i = 0; i < b->nr_cmds; i++)
		summarize_one(&b->cmds[i], b->opts.metric);
}

enum bench_unit bench_pick_unit(double seconds, enum bench_unit forced)
{
	if (forced != BU_AUTO)
		return forced;
	return seconds < 1.0 ? BU_MILLI : BU_SECOND;
}

double bench_unit_scale(enum bench_unit u)
{
	return u == BU_MICRO ? 1e6 : u == BU_MILLI ? 1e3 : 1;
}

const char *bench_unit_suffix(enum bench_unit u)
{
	return u == BU_MICRO ? "µs" : u == BU_MILLI ? "ms" : "s";
}

const char *bench_format_value(char *buf, size_t size, double v, int metric,
			       enum bench_unit unit)
{
	if (isnan(v)) {
		snprintf(buf, size, "n/a");
	} else if (bench_metric_is_time(metric) ||
		   metric == BM_COUNTER + PC_TASK_CLOCK) {
		/* hyperfine's precision: 0.1 ms / 0.1 µs, or 1 ms as s. */
		snprintf(buf, size, "%.*f %s", unit == BU_SECOND ? 3 : 1,
			 v * bench_unit_scale(unit), bench_unit_suffix(unit));
	} else if (metric == BM_RSS) {
		if (v >= 1024.0 * 1024 * 1024)
			snprintf(buf, size, "%.2f GiB",
				 v / (1024.0 * 1024 * 1024));
		else if (v >= 1024.0 * 1024)
			snprintf(buf, size, "%.1f MiB", v / (1024.0 * 1024));
		else
			snprintf(buf, size, "%.1f KiB", v / 1024.0);
	} else if (fabs(v) >= 1e9) {
		snprintf(buf, size, "%.3f G", v / 1e9);
	} else if (fabs(v) >= 1e6) {
		snprintf(buf, size, "%.3f M", v / 1e6);
	} else {
		snprintf(buf, size, "%.1f", v);
	}
	return buf;
}

/* ANSI colours, only when asked (a terminal without NO_COLOR). */
static const char *col(const struct bench_print_opts *po, const char *code)
{
	return po->color ? code : "";
}
#define C_BOLD "\033[1m"
#define C_GREEN "\033[32m"
#define C_BGREEN "\033[1;32m"
#define C_CYAN "\033[36m"
#define C_MAGENTA "\033[35m"
#define C_BLUE "\033[34m"
#define C_YELLOW "\033[1;33m"
#define C_RESET "\033[0m"

static const char *metric_label(int m)
{
	switch (m) {
	case BM_WALL:
		return "Time";
	case BM_CPU:
		return "CPU time";
	case BM_USER:
		return "User time";
	case BM_SYS:
		return "System time";
	case BM_RSS:
		return "Peak RSS";
	default:
		return perf_counter_name(m - BM_COUNTER);
	}
}

static void print_warning(const struct bench_print_opts *po, FILE *fp,
			  const char *kind, const char *msg)
{
	fprintf(fp, "  %s%s:%s %s\n", col(po, C_YELLOW), kind, col(po, C_RESET),
		msg);
}

void bench_print_header(const struct bench *b, size_t i,
			const struct bench_print_opts *po, FILE *fp)
{
	fprintf(fp, "%sBenchmark %zu:%s %s\n", col(po, C_BOLD), i + 1,
		col(po, C_RESET), b->cmds[i].label);
}

void bench_print_body(const struct bench *b, size_t i,
		      const struct bench_print_opts *po, FILE *fp)
{
	const struct bench_cmd *c = &b->cmds[i];
	const struct bench_summary *s = &c->sum;
	int m = b->opts.metric;
	enum bench_unit u = bench_pick_unit(s->mean, po->unit);
	enum bench_unit tu = bench_pick_unit(s->wall_mean, po->unit);
	char v1[64], v2[64], v3[64], v4[64];
	size_t k;
	char msg[64];

	if (!s->n) {
		if (s->timed_out)
			fprintf(fp,
				"  All %zu runs timed out (limit %.3f s)\n \n",
				s->timed_out, b->opts.timeout);
		else
			fputs("  No run finished.\n \n", fp);
		return;
	}
	if (s->n == 1)
		/* hyperfine's line for a single run: no spread to show. */
		fprintf(fp,
			"  %s (%sabs%s ≡):        %s%8s%s  %8s     "
			"[User: %s%s%s, System: %s%s%s]\n",
			metric_label(m), col(po, C_BGREEN), col(po, C_RESET),
			col(po, C_BGREEN),
			bench_format_value(v1, 64, s->mean, m, u),
			col(po, C_RESET), "", col(po, C_BLUE),
			bench_format_value(v3, 64, s->user_mean, BM_USER, tu),
			col(po, C_RESET), col(po, C_BLUE),
			bench_format_value(v4, 64, s->sys_mean, BM_SYS, tu),
			col(po, C_RESET));
	else if (m == BM_WALL)
		fprintf(fp,
			"  Time (%smean%s ± %sσ%s):     %s%8s%s ± %s%8s%s    "
			"[User: %s%s%s, System: %s%s%s]\n",
			col(po, C_BGREEN), col(po, C_RESET), col(po, C_GREEN),
			col(po, C_RESET), col(po, C_BGREEN),
			bench_format_value(v1, 64, s->mean, m, u),
			col(po, C_RESET), col(po, C_GREEN),
			bench_format_value(
			    v2, 64, isnan(s->stddev) ? 0 : s->stddev, m, u),
			col(po, C_RESET), col(po, C_BLUE),
			bench_format_value(v3, 64, s->user_mean, BM_USER, tu),
			col(po, C_RESET), col(po, C_BLUE),
			bench_format_value(v4, 64, s->sys_mean, BM_SYS, tu),
			col(po, C_RESET));
	else
		fprintf(fp,
			"  %s (%smean%s ± %sσ%s):     %s%8s%s ± %s%8s%s    "
			"[Wall: %s, User: %s]\n",
			metric_label(m), col(po, C_BGREEN), col(po, C_RESET),
			col(po, C_GREEN), col(po, C_RESET), col(po, C_BGREEN),
			bench_format_value(v1, 64, s->mean, m, u),
			col(po, C_RESET), col(po, C_GREEN),
			bench_format_value(
			    v2, 64, isnan(s->stddev) ? 0 : s->stddev, m, u),
			col(po, C_RESET),
			bench_format_value(v3, 64, s->wall_mean, BM_WALL, tu),
			bench_format_value(v4, 64, s->user_mean, BM_USER, tu));
	if (s->n > 1)
		fprintf(fp,
			"  Range (%smin%s … %smax%s):   %s%8s%s … %s%8s%s    "
			"%zu %s\n",
			col(po, C_CYAN), col(po, C_RESET), col(po, C_MAGENTA),
			col(po, C_RESET), col(po, C_CYAN),
			bench_format_value(v1, 64, s->min, m, u),
			col(po, C_RESET), col(po, C_MAGENTA),
			bench_format_value(v2, 64, s->max, m, u),
			col(po, C_RESET), s->n, s->n == 1 ? "run" : "runs");
	if (s->ci_level > 0)
		fprintf(fp, "  Median (%.0f%% CI):     %8s [%s … %s]\n",
			floor(95), bench_format_value(v1, 64, s->median, m, u),
			bench_format_value(v2, 64, s->ci_lo, m, u),
			bench_format_value(v3, 64, s->ci_hi, m, u));
	else
		fprintf(fp,
			"  Median:               %8s (a 95%% CI needs at "
			"least 6 runs)\n",
			bench_format_value(v1, 64, s->median, m, u));
	fprintf(fp,
		"  Percentiles:          p5 %s, p25 %s, p75 %s, p95 %s, "
		"p99 %s\n",
		bench_format_value(v1, 64, s->p5, m, u),
		bench_format_value(v2, 64, s->p25, m, u),
		bench_format_value(v3, 64, s->p75, m, u),
		bench_format_value(v4, 64, s->p95, m, u),
		bench_format_value(msg, 64, s->p99, m, u));
	fprintf(fp, "  Peak memory:          %8s mean, %s max\n",
		bench_format_value(v1, 64, s->rss_mean, BM_RSS, u),
		bench_format_value(v2, 64, s->rss_max, BM_RSS, u));
	if (b->opts.counters && b->counters_avail) {
		fprintf(fp, "  Counters (mean):     ");
		for (k = 0; k < PC_NR; k++) {
			int cm = BM_COUNTER + (int)k;
			double sum = 0;
			size_t j, n = 0;

			if (!(b->counters_avail & (1u << k)))
				continue;
			for (j = 0; j < c->runs.len; j++) {
				double v =
				    bench_metric_value(&c->runs.v[j], cm);

				if (!isnan(v) && !c->runs.v[j].timed_out) {
					sum += v;
					n++;
				}
			}
			fprintf(fp, " %s %s", perf_counter_name((int)k),
				bench_format_value(
				    v1, 64, n ? sum / (double)n : NAN, cm, tu));
		}
		fputc('\n', fp);
	}
	if (s->timed_out)
		fprintf(fp,
			"  Timed out:            %zu of %zu runs (limit "
			"%.3f s), left out of the statistics\n",
			s->timed_out, c->runs.len, b->opts.timeout);
	if (po->histogram)
		bench_plot_histogram(b, i, po, fp);
	fputs(" \n", fp);
}

void bench_print_warnings(const struct bench *b, size_t i,
			  const struct bench_print_opts *po, FILE *fp)
{
	const struct bench_cmd *c = &b->cmds[i];
	const struct bench_summary *s = &c->sum;
	int m = b->opts.metric;
	enum bench_unit u = bench_pick_unit(s->mean, po->unit);
	size_t k, ignored = 0;
	int any_warning = 0;
	char v1[64], msg[512];

	for (k = 0; k < c->runs.len; k++)
		if (c->runs.v[k].exit_code && !c->runs.v[k].timed_out)
			ignored++;
	if (ignored) {
		any_warning = 1;
		snprintf(msg, sizeof(msg),
			 "Ignoring non-zero exit code "
			 "(%zu of %zu runs).",
			 ignored, c->runs.len);
		print_warning(po, fp, "Warning", msg);
	}
	if (!s->n)
		return;
	if (b->opts.shell && m == BM_WALL && s->mean < 0.005) {
		any_warning = 1;
		print_warning(po, fp, "Warning",
			      "Command took less than 5 ms to complete. Note "
			      "that the results might be inaccurate because "
			      "perfops can not calibrate the shell startup "
			      "time much more precise than this limit. You can "
			      "try to use the `-N`/`--shell=none` option to "
			      "disable the shell completely.");
	}
	if (s->slow_first) {
		any_warning = 1;
		snprintf(
		    msg, sizeof(msg),
		    "The first benchmarking run for this command was "
		    "significantly slower than the rest (%s). This could "
		    "be caused by (filesystem) caches that were not filled "
		    "until after the first run. You should consider using "
		    "the '--warmup' option to fill those caches before the "
		    "actual benchmark. Alternatively, use the '--prepare' "
		    "option to clear the caches before each timing run.",
		    bench_format_value(v1, 64, s->values[0], m, u));
		print_warning(po, fp, "Warning", msg);
	} else if (s->outliers) {
		any_warning = 1;
		snprintf(msg, sizeof(msg),
			 "Statistical outliers were detected (%zu of %zu runs "
			 "with a modified z-score above %.2f). Consider "
			 "re-running this benchmark on a quiet system without "
			 "any interferences from other programs. It might help "
			 "to use the '--warmup' or '--prepare' options.",
			 s->outliers, s->n, STATS_OUTLIER_Z);
		print_warning(po, fp, "Warning", msg);
	}
	if (s->wall_mean >= 0.005 &&
	    s->wall_mean > 10 * (s->user_mean + s->sys_mean)) {
		any_warning = 1;
		snprintf(
		    msg, sizeof(msg),
		    "the wall time is %.0f× the CPU time (user + system): "
		    "the command mostly waits (sleep, I/O, network), or its "
		    "work is done by processes it does not wait for.",
		    s->wall_mean / MAX(s->user_mean + s->sys_mean, 1e-6));
		print_warning(po, fp, "Note", msg);
	}
	/* The body ends with a blank line: one after the warnings too, as
	 * hyperfine lays them out. */
	if (any_warning)
		fputs(" \n", fp);
}
