#include "core/compat.h"
#include "bench/bench.h"
#include "core/strbuf.h"
#include <math.h>

#define HIST_BINS_MAX 12
#define HIST_WIDTH 40

void bench_plot_histogram(const struct bench *b, size_t i,
			  const struct bench_print_opts *po, FILE *fp)
{
	const struct bench_summary *s = &b->cmds[i].sum;
	size_t count[HIST_BINS_MAX] = {0}, bins, k, most = 0;
	enum bench_unit u = bench_pick_unit(s->mean, po->unit);
	double width;
	char lo[64], hi[64];

	if (s->n < 2 || !(s->max > s->min))
		return;
	/* The square-root rule, capped so the plot stays a few lines. */
	bins = (size_t)ceil(sqrt((double)s->n));
	bins = MAX((size_t)2, MIN(bins, (size_t)HIST_BINS_MAX));
	width = (s->max - s->min) / (double)bins;
	for (k = 0; k < s->n; k++) {
		size_t bin = (size_t)((s->values[k] - s->min) / width);

		count[MIN(bin, bins - 1)]++;
	}
	for (k = 0; k < bins; k++)
		most = MAX(most, count[k]);
	fputs("  Histogram:\n", fp);
	for (k = 0; k < bins; k++) {
		size_t len = (count[k] * HIST_WIDTH + most - 1) / most, j;

		bench_format_value(lo, sizeof(lo), s->min + (double)k * width,
				   b->opts.metric, u);
		bench_format_value(hi, sizeof(hi),
				   s->min + (double)(k + 1) * width,
				   b->opts.metric, u);
		fprintf(fp, "    %10s … %10s │", lo, hi);
		for (j = 0; j < len; j++)
			fputs("█", fp);
		fprintf(fp, " %zu\n", count[k]);
	}
}

static void axis_range(const struct bench *b, double *lo, double *hi)
{
	size_t i;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_summary *s = &b->cmds[i].sum;

		if (!s->n)
			continue;
		*lo = MIN(*lo, s->min);
		*hi = MAX(*hi, s->max);
	}
	if (!isfinite(*lo)) {
		*lo = 0;
		*hi = 1;
	}
	if (*hi <= *lo)
		*hi = *lo + (*lo > 0 ? *lo * 0.1 : 1);
	/* A margin so that the extreme runs are not on the frame. */
	*lo -= (*hi - *lo) * 0.05;
	*hi += (*hi - *lo) * 0.05;
	if (*lo < 0 && b->cmds[0].sum.min >= 0)
		*lo = 0;
}

void bench_plot_svg(const struct bench *b, const struct bench_print_opts *po,
		    FILE *fp)
{
	const int left = 260, right = 40, top = 40, row = 70, plot_w = 640;
	int width = left + plot_w + right;
	int height = top + row * (int)b->nr_cmds + 50;
	struct strbuf name = STRBUF_INIT;
	double lo, hi, mean_all = 0;
	enum bench_unit u;
	size_t i, k;
	char label[64];

	axis_range(b, &lo, &hi);
	for (i = 0; i < b->nr_cmds; i++)
		mean_all = MAX(mean_all, b->cmds[i].sum.mean);
	u = bench_pick_unit(mean_all, po->unit);
#define X(v) (left + ((v)-lo) / (hi - lo) * plot_w)
	fprintf(
	    fp,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"12\">\n",
	    width, height, width, height);
	fprintf(fp,
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"24\" font-size=\"15\">perfops bench: %s "
		"of each run (box: p25–p75, line: median, whiskers: min–max)"
		"</text>\n",
		left, bench_metric_name(b->opts.metric));
	for (k = 0; k <= 5; k++) {
		double v = lo + (hi - lo) * (double)k / 5;
		double x = X(v);

		bench_format_value(label, sizeof(label), v, b->opts.metric, u);
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#ddd\"/>\n<text x=\"%.1f\" y=\"%d\" "
			"text-anchor=\"middle\">%s</text>\n",
			x, top, x, height - 40, x, height - 24, label);
	}
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_summary *s = &b->cmds[i].sum;
		int y = top + row * (int)i + row / 2;

		/* The label is cut before escaping, so that no entity is
		 * split; the tooltip has the whole name. */
		strbuf_reset(&name);
		strbuf_add_xml(&name, b->cmds[i].name, strlen(b->cmds[i].name));
		fprintf(fp,
			"<g><title>%s</title>\n<text x=\"%d\" y=\"%d\" "
			"text-anchor=\"end\">",
			name.buf, left - 10, y + 4);
		strbuf_reset(&name);
		strbuf_add_xml(&name, b->cmds[i].name,
			       MIN(strlen(b->cmds[i].name), (size_t)40));
		fprintf(fp, "%s</text>\n", name.buf);
		if (!s->n) {
			fputs("</g>\n", fp);
			continue;
		}
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#555\"/>\n",
			X(s->min), y, X(s->max), y);
		fprintf(fp,
			"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			"height=\"%d\" fill=\"#9ecae1\" stroke=\"#3182bd\"/>\n",
			X(s->p25), y - 14, MAX(X(s->p75) - X(s->p25), 1.0), 28);
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#08306b\" stroke-width=\"2\"/>\n",
			X(s->median), y - 14, X(s->median), y + 14);
		for (k = 0; k < s->n; k++) {
			/* A fixed jitter spreads equal runs vertically. */
			int dy = (int)((k * 7919) % 21) - 10;

			fprintf(fp,
				"<circle cx=\"%.1f\" cy=\"%d\" r=\"2\" "
				"fill=\"#e6550d\" fill-opacity=\"0.6\"/>\n",
				X(s->values[k]), y + dy);
		}
		fputs("</g>\n", fp);
	}
#undef X
	fputs("</svg>\n", fp);
	strbuf_release(&name);
}
