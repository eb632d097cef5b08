#include "core/compat.h"
#include "bench/bench.h"
#include "core/stats.h"
#include <math.h>

size_t bench_pivot(const struct bench *b)
{
	size_t i, best = SIZE_MAX;

	for (i = 0; i < b->nr_cmds; i++)
		if (b->cmds[i].is_reference && b->cmds[i].sum.n)
			return i;
	for (i = 0; i < b->nr_cmds; i++) {
		if (!b->cmds[i].sum.n)
			continue;
		if (best == SIZE_MAX ||
		    b->cmds[i].sum.mean < b->cmds[best].sum.mean)
			best = i;
	}
	return best == SIZE_MAX ? 0 : best;
}

static const struct bench *sort_bench;

static int by_mean(const void *pa, const void *pb)
{
	const struct bench_summary *a =
	    &sort_bench->cmds[*(const size_t *)pa].sum;
	const struct bench_summary *b =
	    &sort_bench->cmds[*(const size_t *)pb].sum;
	double ma = a->n ? a->mean : INFINITY, mb = b->n ? b->mean : INFINITY;

	if (ma != mb)
		return ma < mb ? -1 : 1;
	return (*(const size_t *)pa > *(const size_t *)pb) -
	       (*(const size_t *)pa < *(const size_t *)pb);
}

size_t *bench_order(const struct bench *b, enum bench_sort sort, int summary)
{
	size_t *order = xcalloc(b->nr_cmds + 1, sizeof(*order)), i;

	for (i = 0; i < b->nr_cmds; i++)
		order[i] = i;
	if (sort == BS_MEAN || (sort == BS_AUTO && summary)) {
		/* qsort has no context argument; the comparison reads it
		 * from a file-level pointer set just for this call. */
		sort_bench = b;
		qsort(order, b->nr_cmds, sizeof(*order), by_mean);
		sort_bench = NULL;
	}
	return order;
}

static void format_p(char *buf, size_t size, double p)
{
	if (p < 0.001)
		snprintf(buf, size, "p < 0.001");
	else
		snprintf(buf, size, "p = %.3f", p);
}

static const char *ratio_words(int metric, int faster)
{
	if (bench_metric_is_time(metric))
		return faster ? "times faster than" : "times slower than";
	return faster ? "times less than" : "times more than";
}

int bench_ratios_defined(const struct bench *b)
{
	size_t i;

	for (i = 0; i < b->nr_cmds; i++)
		if (b->cmds[i].sum.n && !(b->cmds[i].sum.mean > 0))
			return 0;
	return 1;
}

void bench_print_comparison(const struct bench *b,
			    const struct bench_print_opts *po, FILE *fp)
{
	size_t pivot = bench_pivot(b), *order, i, shown = 0;
	const struct bench_cmd *pc = &b->cmds[pivot];
	double worst_min_p = 0;
	size_t few_a = 0, few_b = 0;

	/* Compare only when two commands have times (a command whose every
	 * run timed out has none): no heading with nothing under it. */
	for (i = 0; i < b->nr_cmds; i++)
		shown += b->cmds[i].sum.n > 0;
	if (shown < 2 || !pc->sum.n)
		return;
	shown = 0;
	if (!bench_ratios_defined(b)) {
		/* hyperfine's note, rather than "inf" or "-nan times". */
		fprintf(
		    stderr,
		    "%sNote:%s The benchmark comparison could not be "
		    "computed as some benchmark %s are zero.%s\n",
		    po->color ? "\033[1;31m" : "", po->color ? "\033[0m" : "",
		    bench_metric_is_time(b->opts.metric) ? "times" : "means",
		    b->opts.shell && bench_metric_is_time(b->opts.metric)
			? " Their mean is below the shell's start-up "
			  "time, which is subtracted from every run: "
			  "the commands are faster than the shell "
			  "start-up can be measured (a few "
			  "milliseconds), or the start-up was measured "
			  "during background load.  Re-run on a quiet "
			  "system, or use -N/--shell=none to run without "
			  "a shell."
			: "");
		return;
	}
	order = bench_order(b, po->sort, 1);
	fputs("Summary\n", fp);
	fprintf(fp, "  '%s%s%s' %s\n", po->color ? "\033[36m" : "", pc->label,
		po->color ? "\033[0m" : "",
		bench_metric_is_time(b->opts.metric) ? "ran" : "has");
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_cmd *c = &b->cmds[order[i]];
		struct stats_mwu mwu;
		double r, sigma, min_p;
		int faster = 1;
		char p[32];

		if (order[i] == pivot || !c->sum.n)
			continue;
		r = stats_ratio(c->sum.mean, c->sum.stddev, pc->sum.mean,
				pc->sum.stddev, &sigma);
		if (r < 1) {
			/* Only with --reference can another command win. */
			r = stats_ratio(pc->sum.mean, pc->sum.stddev,
					c->sum.mean, c->sum.stddev, &sigma);
			faster = 0;
		}
		stats_mann_whitney(pc->sum.values, pc->sum.n, c->sum.values,
				   c->sum.n, &mwu);
		format_p(p, sizeof(p), mwu.p);
		fprintf(fp, "    %s%.2f%s", po->color ? "\033[1;32m" : "", r,
			po->color ? "\033[0m" : "");
		if (!isnan(sigma))
			fprintf(fp, " ± %s%.2f%s", po->color ? "\033[32m" : "",
				sigma, po->color ? "\033[0m" : "");
		fprintf(fp, " %s '%s%s%s'", ratio_words(b->opts.metric, faster),
			po->color ? "\033[35m" : "", c->label,
			po->color ? "\033[0m" : "");
		if (mwu.p < b->alpha)
			fprintf(fp, " (%s)\n", p);
		else
			fprintf(fp, "  ~ no significant difference (%s)\n", p);
		min_p = stats_mwu_min_p(pc->sum.n, c->sum.n);
		if (min_p > b->alpha && min_p > worst_min_p) {
			worst_min_p = min_p;
			few_a = pc->sum.n;
			few_b = c->sum.n;
		}
		shown++;
	}
	if (worst_min_p > 0)
		fprintf(fp,
			"  %sWarning:%s with %zu and %zu runs the "
			"Mann-Whitney U test cannot reach p < %.2f (the "
			"smallest possible p is %.3f); use at least 4 runs per "
			"command.\n",
			po->color ? "\033[1;33m" : "",
			po->color ? "\033[0m" : "", few_a, few_b, b->alpha,
			worst_min_p);
	free(order);
	(void)shown;
}

static const struct bench_baseline_result *
find_base(const struct bench_baseline *base, const struct bench_cmd *c)
{
	size_t i;

	for (i = 0; i < base->nr; i++)
		if (!strcmp(base->results[i].command, c->cmdline))
			return &base->results[i];
	for (i = 0; i < base->nr; i++)
		if (!strcmp(base->results[i].command, c->name))
			return &base->results[i];
	return NULL;
}

size_t bench_compare_baseline(const struct bench *b,
			      const struct bench_baseline *base,
			      double threshold_pct,
			      struct bench_change *changes)
{
	size_t i, regressed = 0;

	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_cmd *c = &b->cmds[i];
		const struct bench_baseline_result *br = find_base(base, c);
		struct bench_change *ch = &changes[i];
		struct stats_mwu mwu;
		double est, lo, hi, cov;

		memset(ch, 0, sizeof(*ch));
		ch->verdict = BV_NONE;
		ch->p = NAN;
		ch->pct = ch->pct_lo = ch->pct_hi = NAN;
		if (!br || !br->n || !c->sum.n)
			continue;
		ch->base_n = br->n;
		ch->base_median = stats_median(br->times, br->n);
		stats_mann_whitney(br->times, br->n, c->sum.values, c->sum.n,
				   &mwu);
		ch->p = mwu.p;
		ch->exact = mwu.exact;
		/* The change is the Hodges-Lehmann shift (now - before), the
		 * estimate that goes with the Mann-Whitney test, and its
		 * distribution-free 95% interval, in % of the old median. */
		cov = stats_shift_ci(br->times, br->n, c->sum.values, c->sum.n,
				     0.95, &est, &lo, &hi);
		ch->pct = est / ch->base_median * 100;
		if (cov > 0) {
			ch->pct_lo = lo / ch->base_median * 100;
			ch->pct_hi = hi / ch->base_median * 100;
		}
		if (stats_mwu_min_p(br->n, c->sum.n) > b->alpha || cov < 0)
			ch->verdict = BV_TOO_FEW;
		else if (ch->p >= b->alpha)
			ch->verdict = BV_NO_CHANGE;
		else if (ch->pct_lo > threshold_pct)
			ch->verdict = BV_REGRESSED;
		else if (ch->pct_hi < -threshold_pct)
			ch->verdict = BV_IMPROVED;
		else
			ch->verdict = BV_NOISE;
		if (ch->verdict == BV_REGRESSED)
			regressed++;
	}
	return regressed;
}

static const char *verdict_text(enum bench_verdict v)
{
	switch (v) {
	case BV_NO_CHANGE:
		return "no significant change";
	case BV_NOISE:
		return "within noise";
	case BV_IMPROVED:
		return "improved";
	case BV_REGRESSED:
		return "regressed";
	case BV_TOO_FEW:
		return "too few runs to tell";
	default:
		return "not in the baseline";
	}
}

void bench_print_baseline(const struct bench *b,
			  const struct bench_baseline *base,
			  const struct bench_change *changes,
			  double threshold_pct,
			  const struct bench_print_opts *po, FILE *fp)
{
	size_t i, count[BV_TOO_FEW + 1] = {0};
	enum bench_verdict overall = BV_NO_CHANGE;

	/* One command's block already ends in a blank line. */
	fprintf(fp, "%sBaseline: %s (%s, threshold ±%.1f%%)\n",
		b->nr_cmds > 1 ? " \n" : "", base->path,
		bench_metric_name(base->metric), threshold_pct);
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_change *ch = &changes[i];
		char p[32];

		count[ch->verdict]++;
		if (ch->verdict == BV_NONE) {
			fprintf(fp, "  '%s': not in the baseline\n",
				b->cmds[i].label);
			continue;
		}
		format_p(p, sizeof(p), ch->p);
		fprintf(fp, "  '%s': %+.1f%%", b->cmds[i].label, ch->pct);
		if (!isnan(ch->pct_lo))
			fprintf(fp, " [%+.1f%% … %+.1f%%]", ch->pct_lo,
				ch->pct_hi);
		fprintf(fp, ", %s (%s, %zu vs %zu runs): %s%s%s\n", p,
			ch->exact ? "exact" : "normal approx.", ch->base_n,
			b->cmds[i].sum.n,
			po->color && ch->verdict == BV_REGRESSED  ? "\033[1;31m"
			: po->color && ch->verdict == BV_IMPROVED ? "\033[1;32m"
								  : "",
			verdict_text(ch->verdict), po->color ? "\033[0m" : "");
	}
	if (count[BV_REGRESSED])
		overall = BV_REGRESSED;
	else if (count[BV_IMPROVED])
		overall = BV_IMPROVED;
	else if (count[BV_NOISE])
		overall = BV_NOISE;
	else if (count[BV_TOO_FEW])
		overall = BV_TOO_FEW;
	else if (!count[BV_NO_CHANGE])
		overall = BV_NONE;
	fprintf(fp, "Verdict: %s", verdict_text(overall));
	if (overall == BV_REGRESSED)
		fprintf(fp,
			" (%zu of %zu commands slower by more than %.1f%%, "
			"p < %.2f)",
			count[BV_REGRESSED], b->nr_cmds, threshold_pct,
			b->alpha);
	else if (overall == BV_IMPROVED)
		fprintf(fp, " (%zu of %zu commands faster by more than %.1f%%)",
			count[BV_IMPROVED], b->nr_cmds, threshold_pct);
	fputc('\n', fp);
}
