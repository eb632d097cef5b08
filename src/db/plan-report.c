#include "core/compat.h"
#include "db/plan-report.h"
#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "db/findings.h"
#include "db/plan.h"
#include "flame/flame.h"
#include "profile/profile.h"
#include <math.h>

/* The input's format, as the header ("JSON") or --json ("json") says it. */
static const char *plan_format_name(const struct plan *p, int upper)
{
	switch (p->format) {
	case PLAN_FMT_JSON:
		return upper ? "JSON" : "json";
	case PLAN_FMT_YAML:
		return upper ? "YAML" : "yaml";
	case PLAN_FMT_XML:
		return upper ? "XML" : "xml";
	default:
		return "text";
	}
}

/* Milliseconds to the microsecond, as EXPLAIN prints them, so that
 * differences carry no floating-point noise. */
static double ms3(double v)
{
	return round(v * 1000) / 1000;
}

static void buffers_text(const struct plan_buffers *b, struct strbuf *sb)
{
	size_t start = sb->len;

	if (b->shared_hit || b->shared_read || b->shared_dirtied ||
	    b->shared_written) {
		strbuf_addstr(sb, "shared");
		if (b->shared_hit)
			strbuf_addf(sb, " hit=%llu",
				    (unsigned long long)b->shared_hit);
		if (b->shared_read)
			strbuf_addf(sb, " read=%llu",
				    (unsigned long long)b->shared_read);
		if (b->shared_dirtied)
			strbuf_addf(sb, " dirtied=%llu",
				    (unsigned long long)b->shared_dirtied);
		if (b->shared_written)
			strbuf_addf(sb, " written=%llu",
				    (unsigned long long)b->shared_written);
	}
	if (b->local_hit || b->local_read || b->local_dirtied ||
	    b->local_written) {
		strbuf_addstr(sb, sb->len > start ? ", local" : "local");
		if (b->local_hit)
			strbuf_addf(sb, " hit=%llu",
				    (unsigned long long)b->local_hit);
		if (b->local_read)
			strbuf_addf(sb, " read=%llu",
				    (unsigned long long)b->local_read);
		if (b->local_dirtied)
			strbuf_addf(sb, " dirtied=%llu",
				    (unsigned long long)b->local_dirtied);
		if (b->local_written)
			strbuf_addf(sb, " written=%llu",
				    (unsigned long long)b->local_written);
	}
	if (b->temp_read || b->temp_written) {
		strbuf_addstr(sb, sb->len > start ? ", temp" : "temp");
		if (b->temp_read)
			strbuf_addf(sb, " read=%llu",
				    (unsigned long long)b->temp_read);
		if (b->temp_written)
			strbuf_addf(sb, " written=%llu",
				    (unsigned long long)b->temp_written);
	}
}

/* A row count: integers as such, PostgreSQL 18's fractions with two
 * decimals. */
static void rows_text(double v, struct strbuf *sb)
{
	if (v == floor(v))
		strbuf_addf(sb, "%.0f", v);
	else
		strbuf_addf(sb, "%.2f", v);
}

static void print_header(const struct plan *p, FILE *fp)
{
	if (p->has_execution)
		fprintf(fp, "Execution Time: %.3f ms", p->execution_ms);
	else if (p->analyzed && p->has_timing)
		fprintf(fp,
			"Execution Time: %.3f ms (the root's total; the "
			"plan has no Execution Time)",
			plan_execution_ms(p));
	else if (p->analyzed)
		fputs("Executed without timing (TIMING OFF): no times", fp);
	else
		fputs("Not executed (EXPLAIN without ANALYZE): costs only", fp);
	if (p->has_planning)
		fprintf(fp, "   Planning Time: %.3f ms", p->planning_ms);
	if (p->trigger_ms > 0)
		fprintf(fp, "   Triggers: %.3f ms", p->trigger_ms);
	if (p->jit_ms > 0)
		fprintf(fp, "   JIT: %.3f ms", p->jit_ms);
	fprintf(fp, "   (%zu node%s, %s format%s)\n\n", p->n,
		p->n == 1 ? "" : "s", plan_format_name(p, 1),
		p->truncated ? ", cut short" : "");
}

/* VERBOSE's per-worker figures: each worker's rows per loop, loops and
 * time (per loop x loops), then the leader's, which is what the node's
 * figures leave. */
static void workers_text(const struct plan_node *n, int timed,
			 struct strbuf *sb)
{
	struct plan_worker leader;
	size_t i;

	plan_leader_part(n, &leader);
	for (i = 0; i <= n->nworkers; i++) {
		const struct plan_worker *w =
		    i < n->nworkers ? &n->workers[i] : &leader;

		if (i == n->nworkers && !w->loops)
			break;
		if (i)
			strbuf_addstr(sb, "; ");
		if (w->num < 0)
			strbuf_addstr(sb, "leader ");
		else
			strbuf_addf(sb, "worker %d ", w->num);
		rows_text(w->rows, sb);
		strbuf_addf(sb, " row%s x %.0f loop%s", w->rows == 1 ? "" : "s",
			    w->loops, w->loops == 1 ? "" : "s");
		if (timed)
			strbuf_addf(sb, ", %.3f ms", w->total_ms * w->loops);
	}
}

static void print_node(const struct plan *p, const struct plan_node *n,
		       double whole, FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	int timed = p->analyzed && p->has_timing;
	double excl = timed ? n->exclusive_ms : n->exclusive_cost;
	double total = timed ? n->total_ms : n->total_cost;
	int d;

	if ((timed && n->has_timing) || (!timed && n->has_cost))
		fprintf(fp, "%10.3f %5.1f%% %10.3f", excl,
			whole > 0 ? 100 * excl / whole : 0, total);
	else
		fprintf(fp, "%10s %6s %10s", "-", "", "-");
	if (p->analyzed) {
		strbuf_reset(&sb);
		if (n->never_executed)
			strbuf_addstr(&sb, "never");
		else
			rows_text(n->rows, &sb);
		fprintf(fp, " %6.0f %9s", n->loops, sb.buf);
	}
	strbuf_reset(&sb);
	if (n->has_cost)
		rows_text(n->plan_rows, &sb);
	else
		strbuf_addch(&sb, '-');
	fprintf(fp, " %9s  ", sb.buf);
	for (d = 0; d < n->depth; d++)
		fputs("   ", fp);
	if (n->depth)
		fputs("-> ", fp);
	if (n->subplan)
		fprintf(fp, "[%s] ", n->subplan);
	fputs(n->label, fp);
	strbuf_reset(&sb);
	if (n->under_gather && timed && n->has_timing)
		strbuf_addf(&sb, "cpu %.3f ms, own %.3f ms", n->cpu_total_ms,
			    n->cpu_exclusive_ms);
	if (n->has_workers)
		strbuf_addf(&sb, "%sworkers %d of %d launched",
			    sb.len ? "; " : "", n->workers_launched,
			    n->workers_planned);
	if (n->has_buffers) {
		struct strbuf b = STRBUF_INIT;

		buffers_text(&n->buf, &b);
		if (b.len)
			strbuf_addf(&sb, "%sbuffers %s", sb.len ? "; " : "",
				    b.buf);
		strbuf_release(&b);
	}
	if (sb.len)
		fprintf(fp, "  (%s)", sb.buf);
	fputc('\n', fp);
	if (n->nworkers) {
		strbuf_reset(&sb);
		workers_text(n, timed && n->has_timing, &sb);
		fprintf(fp, "%*s", p->analyzed ? 46 : 29, "");
		for (d = 0; d < n->depth; d++)
			fputs("   ", fp);
		fprintf(fp, "%s   per process: %s\n", n->depth ? "  " : "",
			sb.buf);
	}
	strbuf_release(&sb);
}

void plan_print_text(const struct plan *p, const struct plan_findings *f,
		     FILE *fp)
{
	int timed = p->analyzed && p->has_timing;
	double whole = timed ? plan_execution_ms(p) : 0;
	size_t i;

	/* Costs do not add up along the tree (a Limit stops its child
	 * early): without times a share is of the sum of own costs. */
	for (i = 0; !timed && i < p->n; i++)
		whole += p->nodes[i].exclusive_cost;

	if (p->of > 1)
		fprintf(fp, "Plan %zu of %zu (line %zu)\n", p->index, p->of,
			p->first_line);
	print_header(p, fp);
	fprintf(fp, "%10s %6s %10s", timed ? "own ms" : "own cost", "share",
		timed ? "total ms" : "total cost");
	if (p->analyzed)
		fprintf(fp, " %6s %9s", "loops", "rows");
	fprintf(fp, " %9s  %s\n", "planned", "node");
	for (i = 0; i < p->n; i++)
		print_node(p, &p->nodes[i], whole, fp);
	if (!f->n) {
		fputs("\nNo findings.\n", fp);
		return;
	}
	fprintf(fp, "\nFindings (%zu):\n", f->n);
	for (i = 0; i < f->n; i++) {
		const struct plan_finding *x = &f->v[i];

		fprintf(fp, "  %-6s %s (node %d): %s\n",
			plan_severity_name(x->severity),
			plan_finding_kind_name(x->kind), x->node, x->message);
		fprintf(fp, "         fix: %s\n", x->fix);
	}
}

static void json_buffers(struct json_writer *w, const char *key,
			 const struct plan_buffers *b)
{
	json_key(w, key);
	json_begin_object(w);
	json_kv_uint(w, "shared_hit", b->shared_hit);
	json_kv_uint(w, "shared_read", b->shared_read);
	json_kv_uint(w, "shared_dirtied", b->shared_dirtied);
	json_kv_uint(w, "shared_written", b->shared_written);
	json_kv_uint(w, "local_hit", b->local_hit);
	json_kv_uint(w, "local_read", b->local_read);
	json_kv_uint(w, "temp_read", b->temp_read);
	json_kv_uint(w, "temp_written", b->temp_written);
	json_end_object(w);
}

static void json_node(struct json_writer *w, const struct plan *p,
		      const struct plan_node *n, double exec)
{
	static const char *const rels[] = {
	    [PLAN_REL_NONE] = NULL,	      [PLAN_REL_OUTER] = "Outer",
	    [PLAN_REL_INNER] = "Inner",	      [PLAN_REL_MEMBER] = "Member",
	    [PLAN_REL_SUBQUERY] = "Subquery", [PLAN_REL_INITPLAN] = "InitPlan",
	    [PLAN_REL_SUBPLAN] = "SubPlan",   [PLAN_REL_CTE] = "InitPlan",
	};
	int timed = n->has_timing;

	json_begin_object(w);
	json_kv_int(w, "id", n->id);
	json_key(w, "parent");
	if (n->parent < 0)
		json_null(w);
	else
		json_int(w, n->parent);
	json_kv_string(w, "type", n->type);
	json_kv_string(w, "label", n->label);
	json_kv_string(w, "relation", n->relation);
	json_kv_string(w, "alias", n->alias);
	json_kv_string(w, "index", n->index_name);
	json_kv_string(w, "parent_relationship", rels[n->rel]);
	json_kv_string(w, "subplan", n->subplan);
	json_kv_bool(w, "parallel", n->parallel);
	json_key(w, "loops");
	if (n->has_actual)
		json_double(w, n->loops);
	else
		json_null(w);
	json_key(w, "rows");
	if (n->has_actual)
		json_double(w, n->rows);
	else
		json_null(w);
	json_kv_double(w, "plan_rows", n->plan_rows);
	json_kv_double(w, "startup_cost", n->startup_cost);
	json_kv_double(w, "total_cost", n->total_cost);
	json_key(w, "total_ms");
	if (timed)
		json_double(w, ms3(n->total_ms));
	else
		json_null(w);
	json_key(w, "exclusive_ms");
	if (timed)
		json_double(w, ms3(n->exclusive_ms));
	else
		json_null(w);
	json_key(w, "share");
	if (timed && exec > 0)
		json_double(w, round(n->exclusive_ms / exec * 10000) / 10000);
	else
		json_null(w);
	if (n->under_gather && timed) {
		json_kv_double(w, "cpu_total_ms", ms3(n->cpu_total_ms));
		json_kv_double(w, "cpu_exclusive_ms", ms3(n->cpu_exclusive_ms));
	}
	if (n->has_workers) {
		json_kv_int(w, "workers_planned", n->workers_planned);
		json_kv_int(w, "workers_launched", n->workers_launched);
	}
	if (n->nworkers) {
		struct plan_worker leader;
		size_t i;

		plan_leader_part(n, &leader);
		json_kv_double(w, "processes", n->procs);
		json_key(w, "workers");
		json_begin_array(w);
		for (i = 0; i <= n->nworkers; i++) {
			const struct plan_worker *x =
			    i < n->nworkers ? &n->workers[i] : &leader;

			if (i == n->nworkers && !x->loops)
				break;
			json_begin_object(w);
			json_key(w, "worker");
			if (x->num < 0)
				json_string(w, "leader");
			else
				json_int(w, x->num);
			json_kv_double(w, "loops", x->loops);
			json_kv_double(w, "rows", x->rows);
			json_key(w, "total_ms");
			if (timed)
				json_double(w, ms3(x->total_ms * x->loops));
			else
				json_null(w);
			json_end_object(w);
		}
		json_end_array(w);
	}
	json_kv_double(w, "rows_removed_by_filter", n->removed_filter);
	json_kv_string(w, "filter", n->filter);
	if (n->has_buffers) {
		json_buffers(w, "buffers", &n->buf);
		json_buffers(w, "exclusive_buffers", &n->xbuf);
	}
	(void)p;
	json_end_object(w);
}

void plan_write_json(const struct plan *p, const struct plan_findings *f,
		     FILE *fp)
{
	struct json_writer w;
	double exec = plan_execution_ms(p);
	size_t i;

	json_init(&w, fp, 1);
	json_begin_object(&w);
	json_kv_uint(&w, "plan", p->index);
	json_kv_uint(&w, "plans", p->of);
	json_kv_string(&w, "format", plan_format_name(p, 0));
	json_kv_bool(&w, "analyzed", p->analyzed);
	json_kv_bool(&w, "truncated", p->truncated);
	json_key(&w, "execution_ms");
	if (p->has_execution)
		json_double(&w, p->execution_ms);
	else if (p->analyzed && p->has_timing)
		json_double(&w, ms3(exec));
	else
		json_null(&w);
	json_key(&w, "planning_ms");
	if (p->has_planning)
		json_double(&w, p->planning_ms);
	else
		json_null(&w);
	/* Time the nodes do not show all of: triggers (run after the plan)
	 * and JIT compilation (much of it at executor start). */
	json_kv_double(&w, "trigger_ms", p->trigger_ms);
	json_kv_double(&w, "jit_ms", p->jit_ms);
	json_key(&w, "nodes");
	json_begin_array(&w);
	for (i = 0; i < p->n; i++)
		json_node(&w, p, &p->nodes[i],
			  p->analyzed && p->has_timing ? exec : 0);
	json_end_array(&w);
	json_key(&w, "findings");
	json_begin_array(&w);
	for (i = 0; i < f->n; i++) {
		json_begin_object(&w);
		json_kv_string(&w, "kind",
			       plan_finding_kind_name(f->v[i].kind));
		json_kv_int(&w, "node", f->v[i].node);
		json_kv_string(&w, "severity",
			       plan_severity_name(f->v[i].severity));
		json_kv_string(&w, "message", f->v[i].message);
		json_kv_string(&w, "fix", f->v[i].fix);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	fputc('\n', fp);
}

void plan_to_profile(const struct plan *p, struct profile *prof)
{
	int timed = p->analyzed && p->has_timing;
	uint32_t *frames = xcalloc(p->n + 1, sizeof(*frames));
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	profile_init(prof, 1);
	profile_set_type(prof, 0, timed ? "time" : "cost",
			 timed ? "microseconds" : "cost");
	for (i = 0; i < p->n; i++) {
		const struct plan_node *n = &p->nodes[i];
		double v = timed ? round(n->exclusive_ms * 1000)
				 : round(n->exclusive_cost);

		/* The id keeps two scans of the same table apart. */
		strbuf_reset(&sb);
		strbuf_addf(&sb, "#%d %s%s%s%s", n->id, n->subplan ? "[" : "",
			    n->subplan ? n->subplan : "",
			    n->subplan ? "] " : "", n->label);
		frames[n->depth] = profile_frame(prof, sb.buf, sb.len);
		if (v > 0) {
			/* A hostile plan's 1e300 ms saturates. */
			int64_t w = v < 9e18 ? (int64_t)v : INT64_MAX;

			profile_add(prof, 0, frames, n->depth + 1, &w);
		}
	}
	strbuf_release(&sb);
	free(frames);
}

void plan_flame_opts(const struct plan *p, struct flame_opts *fo)
{
	int timed = p->analyzed && p->has_timing;

	flame_opts_init(fo);
	fo->title = timed ? "EXPLAIN ANALYZE: time spent in each plan node"
			  : "EXPLAIN: estimated cost of each plan node";
	fo->countname = timed ? "us" : "cost units";
	fo->nametype = "Node:";
	fo->root = "plan";
	fo->palette = FLAME_AQUA;
}

int plan_write_html(const struct plan *p, const struct plan_findings *f,
		    FILE *fp)
{
	struct profile prof;
	struct flame_opts fo;
	char *svg = NULL, *text = NULL;
	size_t svg_len = 0, text_len = 0;
	struct strbuf sb = STRBUF_INIT;
	FILE *mem;
	const char *start;
	int ret = -1;

	plan_to_profile(p, &prof);
	plan_flame_opts(p, &fo);
	mem = open_memstream(&svg, &svg_len);
	if (!mem)
		goto out;
	if (flame_write_svg(&prof, &fo, mem) < 0) {
		fclose(mem);
		goto out;
	}
	fclose(mem);
	mem = open_memstream(&text, &text_len);
	if (!mem)
		goto out;
	plan_print_text(p, f, mem);
	fclose(mem);
	/* The SVG goes inline; its XML prolog has no place in HTML. */
	start = strstr(svg, "<svg");
	strbuf_add_xml(&sb, text, text_len);
	fprintf(fp,
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		"<title>perfops explain</title>\n<style>body{font-family:"
		"sans-serif;margin:1em}pre{font-size:12px}</style></head>"
		"<body>\n<h1>perfops explain</h1>\n%s\n<pre>%s</pre>\n"
		"</body></html>\n",
		start ? start : svg, sb.buf);
	ret = ferror(fp) ? error("cannot write the HTML page") : 0;
out:
	strbuf_release(&sb);
	free(svg);
	free(text);
	profile_release(&prof);
	return ret;
}
