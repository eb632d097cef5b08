#ifndef PERFOPS_PLAN_REPORT_H
#define PERFOPS_PLAN_REPORT_H

#include <stdio.h>

/*
 * What `perfops explain` prints from a plan and its findings: the tree as
 * text, the --json document, the plan as a profile (stacks are node paths,
 * weights exclusive microseconds, or exclusive cost without ANALYZE) for
 * the flame graph renderer, and an HTML page around that flame graph.
 * Nothing here keeps memory past the call, except the profile, which the
 * caller releases.
 */
struct plan;
struct plan_findings;
struct profile;
struct flame_opts;

void plan_print_text(const struct plan *p, const struct plan_findings *f,
		     FILE *fp);
void plan_write_json(const struct plan *p, const struct plan_findings *f,
		     FILE *fp);
/* Fill prof (initialized here) with one stack per node. */
void plan_to_profile(const struct plan *p, struct profile *prof);
/* Fill fo for a plan's flame graph (title, unit). */
void plan_flame_opts(const struct plan *p, struct flame_opts *fo);
/* An HTML page: the flame graph, the tree and the findings.  Returns -1
 * (reported) when the flame graph cannot be drawn or writing fails. */
int plan_write_html(const struct plan *p, const struct plan_findings *f,
		    FILE *fp);

#endif
