#ifndef PERFOPS_LOAD_HTML_H
#define PERFOPS_LOAD_HTML_H

#include <stdint.h>
#include <stdio.h>

struct load_result;

/*
 * The --html report: one self-contained page (no network, no library)
 * whose script draws the latency over time (p50, p90, p99, max of each
 * second), the throughput over time and the percentile spectrum as SVG.
 * It is written as the run goes, a second at a time, so memory stays
 * constant: the head, one line per second, then the tail with the
 * spectrum and the summary.  Every outside text is escaped for HTML and
 * for the script.
 */
void load_html_head(FILE *fp, const char *title);
void load_html_second(FILE *fp, int64_t k, double len_s, int64_t requests,
		      int64_t errors, const double ms[4]);
void load_html_tail(FILE *fp, const struct load_result *r);

#endif
