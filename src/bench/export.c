#include "core/compat.h"
#include "bench/bench.h"
#include "core/atomic.h"
#include "core/json.h"
#include "core/stats.h"
#include "core/utf8.h"
#include "core/strbuf.h"
#include <math.h>

#ifndef PERFOPS_VERSION
#define PERFOPS_VERSION "unknown"
#endif

static void json_num_or_null(struct json_writer *w, const char *key, double v)
{
	json_key(w, key);
	json_double(w, v);
}

static void export_machine(const struct bench *b, struct json_writer *w)
{
	const struct machine_info *m = &b->machine;

	json_key(w, "machine");
	json_begin_object(w);
	json_kv_string(w, "cpu_model", m->cpu_model);
	json_kv_int(w, "cores", m->cores);
	json_kv_string(w, "kernel", m->kernel);
	json_key(w, "governor");
	if (m->governor[0])
		json_string(w, m->governor);
	else
		json_null(w);
	json_key(w, "load_average");
	json_begin_array(w);
	json_double(w, m->load[0]);
	json_double(w, m->load[1]);
	json_double(w, m->load[2]);
	json_end_array(w);
	json_end_object(w);
	json_key(w, "perfops");
	json_begin_object(w);
	json_kv_string(w, "version", PERFOPS_VERSION);
	json_key(w, "shell");
	if (b->opts.shell)
		json_string(w, b->opts.shell[0]);
	else
		json_null(w);
	json_num_or_null(w, "shell_spawn_time", b->shell_wall);
	json_end_object(w);
}

static void export_run_array(struct json_writer *w, const char *key,
			     const struct bench_cmd *c, int what)
{
	size_t i;

	json_key(w, key);
	json_begin_array(w);
	for (i = 0; i < c->runs.len; i++) {
		const struct bench_run *r = &c->runs.v[i];

		/* Timed-out runs have no time, only a lower bound: they are
		 * in none of the per-run arrays but "timed_out_times". */
		if (r->timed_out != (what == 5))
			continue;
		switch (what) {
		case 0:
			json_double(w, r->wall);
			break;
		case 1:
			json_double(w, r->user);
			break;
		case 2:
			json_double(w, r->sys);
			break;
		case 3:
			json_uint(w, r->rss);
			break;
		case 4:
			/* A signal is 128 + signal, as hyperfine writes it. */
			json_int(w, r->exit_code < 0 ? 128 + r->signal
						     : r->exit_code);
			break;
		case 5:
			json_double(w, r->wall);
			break;
		}
	}
	json_end_array(w);
}

static void export_json(const struct bench *b, FILE *fp)
{
	struct json_writer w;
	size_t i, k, pivot = bench_pivot(b);

	json_init(&w, fp, 1);
	json_begin_object(&w);
	json_key(&w, "results");
	json_begin_array(&w);
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_cmd *c = &b->cmds[i];
		const struct bench_summary *s = &c->sum;

		json_begin_object(&w);
		/* hyperfine's fields first, with its names and units. */
		json_kv_string(&w, "command", c->name);
		json_num_or_null(&w, "mean", s->n ? s->mean : NAN);
		json_num_or_null(&w, "stddev", s->n > 1 ? s->stddev : NAN);
		json_num_or_null(&w, "median", s->n ? s->median : NAN);
		json_num_or_null(&w, "user", s->n ? s->user_mean : NAN);
		json_num_or_null(&w, "system", s->n ? s->sys_mean : NAN);
		json_num_or_null(&w, "min", s->n ? s->min : NAN);
		json_num_or_null(&w, "max", s->n ? s->max : NAN);
		export_run_array(&w, "times", c, 0);
		export_run_array(&w, "exit_codes", c, 4);
		export_run_array(&w, "memory_usage_byte", c, 3);
		if (c->nr_params) {
			json_key(&w, "parameters");
			json_begin_object(&w);
			for (k = 0; k < c->nr_params; k++) {
				json_key(&w, c->params[k].name);
				json_string(&w, c->params[k].value);
			}
			json_end_object(&w);
		}
		/* Ours. */
		json_kv_string(&w, "command_line", c->cmdline);
		if (c->is_reference) {
			json_kv_bool(&w, "reference", 1);
		}
		export_run_array(&w, "user_times", c, 1);
		export_run_array(&w, "system_times", c, 2);
		json_kv_uint(&w, "timed_out_runs", s->timed_out);
		export_run_array(&w, "timed_out_times", c, 5);
		json_key(&w, "values");
		json_begin_array(&w);
		for (k = 0; k < s->n; k++)
			json_double(&w, s->values[k]);
		json_end_array(&w);
		json_key(&w, "median_ci");
		if (s->ci_level > 0) {
			json_begin_object(&w);
			json_num_or_null(&w, "level", 0.95);
			json_num_or_null(&w, "coverage", s->ci_level);
			json_num_or_null(&w, "low", s->ci_lo);
			json_num_or_null(&w, "high", s->ci_hi);
			json_end_object(&w);
		} else {
			json_null(&w);
		}
		json_key(&w, "percentiles");
		json_begin_object(&w);
		json_num_or_null(&w, "p5", s->n ? s->p5 : NAN);
		json_num_or_null(&w, "p25", s->n ? s->p25 : NAN);
		json_num_or_null(&w, "p75", s->n ? s->p75 : NAN);
		json_num_or_null(&w, "p95", s->n ? s->p95 : NAN);
		json_num_or_null(&w, "p99", s->n ? s->p99 : NAN);
		json_end_object(&w);
		json_num_or_null(&w, "mad", s->n ? s->mad : NAN);
		json_kv_uint(&w, "outliers", s->outliers);
		json_num_or_null(&w, "peak_rss_mean", s->n ? s->rss_mean : NAN);
		json_num_or_null(&w, "peak_rss_max", s->n ? s->rss_max : NAN);
		if (b->opts.counters && b->counters_avail) {
			json_key(&w, "counters");
			json_begin_object(&w);
			for (k = 0; k < PC_NR; k++) {
				size_t j;

				if (!(b->counters_avail & (1u << k)))
					continue;
				json_key(&w, perf_counter_name((int)k));
				json_begin_array(&w);
				for (j = 0; j < c->runs.len; j++) {
					const struct bench_run *r =
					    &c->runs.v[j];

					if (r->timed_out)
						continue;
					if (r->counters_ok & (1u << k))
						json_uint(&w, r->counter[k]);
					else
						json_null(&w);
				}
				json_end_array(&w);
			}
			json_end_object(&w);
		}
		if (b->nr_cmds > 1 && i != pivot && s->n &&
		    b->cmds[pivot].sum.n && bench_ratios_defined(b)) {
			const struct bench_summary *ps = &b->cmds[pivot].sum;
			struct stats_mwu mwu;
			double sigma, r;

			r = stats_ratio(s->mean, s->stddev, ps->mean,
					ps->stddev, &sigma);
			stats_mann_whitney(ps->values, ps->n, s->values, s->n,
					   &mwu);
			json_key(&w, "relative");
			json_begin_object(&w);
			json_kv_string(&w, "to", b->cmds[pivot].name);
			json_num_or_null(&w, "ratio", r);
			json_num_or_null(&w, "ratio_stddev", sigma);
			json_num_or_null(&w, "mann_whitney_u", mwu.u);
			json_num_or_null(&w, "p_value", mwu.p);
			json_kv_bool(&w, "p_exact", mwu.exact);
			json_end_object(&w);
		}
		json_end_object(&w);
	}
	json_end_array(&w);
	json_kv_string(&w, "metric", bench_metric_name(b->opts.metric));
	/* Stopped by a signal: the runs are those that finished before. */
	json_kv_bool(&w, "interrupted", b->stopped != 0);
	export_machine(b, &w);
	json_end_object(&w);
	fputc('\n', fp);
}

/* Names are written printable (as in the terminal summary): a CSV file is
 * read with cat and spreadsheets, which expect UTF-8 without escapes. */
static void csv_field(FILE *fp, const char *name)
{
	char *s = utf8_printable_dup(name), *p;

	if (!strpbrk(s, ",\"")) {
		fputs(s, fp);
		free(s);
		return;
	}
	fputc('"', fp);
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', fp);
		fputc(*p, fp);
	}
	fputc('"', fp);
	free(s);
}

static void csv_num(FILE *fp, double v)
{
	if (isnan(v))
		fputs(",", fp);
	else
		fprintf(fp, ",%.17g", v);
}

/*
 * The parameters of the scans, sorted by name as hyperfine's CSV has them
 * (a sorted map there), taken from a command that has them: a --reference
 * command has none.  The caller frees the array; *nr gets its length.
 */
static const struct bench_param **csv_params(const struct bench *b, size_t *nr)
{
	const struct bench_cmd *c = &b->cmds[0];
	const struct bench_param **p;
	size_t i, j;

	for (i = 1; i < b->nr_cmds && !c->nr_params; i++)
		c = &b->cmds[i];
	p = xcalloc(c->nr_params + 1, sizeof(*p));
	for (i = 0; i < c->nr_params; i++) {
		for (j = i;
		     j > 0 && strcmp(p[j - 1]->name, c->params[i].name) > 0;
		     j--)
			p[j] = p[j - 1];
		p[j] = &c->params[i];
	}
	*nr = c->nr_params;
	return p;
}

static const char *param_value(const struct bench_cmd *c, const char *name)
{
	size_t k;

	for (k = 0; k < c->nr_params; k++)
		if (!strcmp(c->params[k].name, name))
			return c->params[k].value;
	return "";
}

static void export_csv(const struct bench *b, FILE *fp)
{
	size_t i, k, nr_params;
	const struct bench_param **params = csv_params(b, &nr_params);

	fputs("command,mean,stddev,median,user,system,min,max", fp);
	for (k = 0; k < nr_params; k++) {
		fputs(",", fp);
		fputs("parameter_", fp);
		csv_field(fp, params[k]->name);
	}
	fputs(",p5,p25,p75,p95,p99,median_ci_low,median_ci_high,"
	      "peak_rss_max,runs,timed_out\n",
	      fp);
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_cmd *c = &b->cmds[i];
		const struct bench_summary *s = &c->sum;
		double nan = NAN;

		csv_field(fp, c->name);
		csv_num(fp, s->n ? s->mean : nan);
		csv_num(fp, s->n > 1 ? s->stddev : nan);
		csv_num(fp, s->n ? s->median : nan);
		csv_num(fp, s->n ? s->user_mean : nan);
		csv_num(fp, s->n ? s->sys_mean : nan);
		csv_num(fp, s->n ? s->min : nan);
		csv_num(fp, s->n ? s->max : nan);
		for (k = 0; k < nr_params; k++) {
			fputc(',', fp);
			csv_field(fp, param_value(c, params[k]->name));
		}
		csv_num(fp, s->n ? s->p5 : nan);
		csv_num(fp, s->n ? s->p25 : nan);
		csv_num(fp, s->n ? s->p75 : nan);
		csv_num(fp, s->n ? s->p95 : nan);
		csv_num(fp, s->n ? s->p99 : nan);
		csv_num(fp, s->ci_level > 0 ? s->ci_lo : nan);
		csv_num(fp, s->ci_level > 0 ? s->ci_hi : nan);
		csv_num(fp, s->n ? s->rss_max : nan);
		fprintf(fp, ",%zu,%zu\n", s->n, s->timed_out);
	}
	free(params);
}

/* One table for Markdown, AsciiDoc and Org, the way hyperfine lays it out. */
struct table_row {
	char *cmd; /* printable: no terminal escapes, valid UTF-8 */
	char mean[64], min[64], max[64], rel[64];
};

static void table_rows(const struct bench *b, const struct bench_print_opts *po,
		       struct table_row *rows, char *unit, size_t unit_size)
{
	size_t i, pivot = bench_pivot(b), *order = bench_order(b, po->sort, 0);
	int m = b->opts.metric;
	enum bench_unit u = bench_pick_unit(b->cmds[0].sum.mean, po->unit);
	double scale = 1;
	int prec = 1;

	if (bench_metric_is_time(m)) {
		scale = bench_unit_scale(u);
		prec = u == BU_SECOND ? 3 : 1;
		snprintf(unit, unit_size, "%s", bench_unit_suffix(u));
	} else if (m == BM_RSS) {
		scale = 1.0 / (1024 * 1024);
		snprintf(unit, unit_size, "MiB");
	} else {
		snprintf(unit, unit_size, "%s", bench_metric_name(m));
	}
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_cmd *c = &b->cmds[order[i]];
		const struct bench_summary *s = &c->sum;
		const struct bench_summary *ps = &b->cmds[pivot].sum;
		struct table_row *r = &rows[i];
		double sigma, ratio;

		r->cmd = utf8_printable_dup(c->name);
		snprintf(r->mean, sizeof(r->mean), "%.*f ± %.*f", prec,
			 s->mean * scale, prec,
			 (s->n > 1 ? s->stddev : 0) * scale);
		snprintf(r->min, sizeof(r->min), "%.*f", prec, s->min * scale);
		snprintf(r->max, sizeof(r->max), "%.*f", prec, s->max * scale);
		ratio = stats_ratio(s->mean, s->stddev, ps->mean, ps->stddev,
				    &sigma);
		if (!isfinite(ratio))
			snprintf(r->rel, sizeof(r->rel), "n/a");
		else if (order[i] == pivot || isnan(sigma))
			snprintf(r->rel, sizeof(r->rel), "%.2f", ratio);
		else
			snprintf(r->rel, sizeof(r->rel), "%.2f ± %.2f", ratio,
				 sigma);
		if (!s->n) {
			/* Every run timed out, or an interrupt came first:
			 * no time, no ratio. */
			snprintf(r->mean, sizeof(r->mean), "%s",
				 s->timed_out ? "timed out" : "no runs");
			snprintf(r->min, sizeof(r->min), "n/a");
			snprintf(r->max, sizeof(r->max), "n/a");
			snprintf(r->rel, sizeof(r->rel), "n/a");
		}
	}
	free(order);
}

/* Markdown table cells cannot hold a raw '|' or a newline. */
static void md_escape(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", fp);
		else if (*s == '\n')
			fputc(' ', fp);
		else
			fputc(*s, fp);
	}
}

static void export_table(const struct bench *b, enum bench_export kind,
			 const struct bench_print_opts *po, FILE *fp)
{
	struct table_row *rows = xcalloc(b->nr_cmds, sizeof(*rows));
	char unit[64];
	size_t i;

	table_rows(b, po, rows, unit, sizeof(unit));
	switch (kind) {
	case BE_MARKDOWN:
		fprintf(fp,
			"| Command | Mean [%s] | Min [%s] | Max [%s] | "
			"Relative |\n|:---|---:|---:|---:|---:|\n",
			unit, unit, unit);
		for (i = 0; i < b->nr_cmds; i++) {
			fputs("| `", fp);
			md_escape(fp, rows[i].cmd);
			fprintf(fp, "` | %s | %s | %s | %s |\n", rows[i].mean,
				rows[i].min, rows[i].max, rows[i].rel);
		}
		break;
	case BE_ASCIIDOC:
		fprintf(fp,
			"[cols=\"<,>,>,>,>\"]\n|===\n| Command \n| Mean "
			"[%s] \n| Min [%s] \n| Max [%s] \n| Relative \n",
			unit, unit, unit);
		for (i = 0; i < b->nr_cmds; i++) {
			fputs("\n| `", fp);
			md_escape(fp, rows[i].cmd);
			fprintf(fp, "` \n| %s \n| %s \n| %s \n| %s \n",
				rows[i].mean, rows[i].min, rows[i].max,
				rows[i].rel);
		}
		fputs("|===\n", fp);
		break;
	default:
		fprintf(fp,
			"| Command  |  Mean [%s] |  Min [%s] |  Max [%s] "
			"|  Relative |\n|--+--+--+--+--|\n",
			unit, unit, unit);
		for (i = 0; i < b->nr_cmds; i++) {
			fputs("| =", fp);
			md_escape(fp, rows[i].cmd);
			fprintf(fp, "=  |  %s |  %s |  %s |  %s |\n",
				rows[i].mean, rows[i].min, rows[i].max,
				rows[i].rel);
		}
		break;
	}
	for (i = 0; i < b->nr_cmds; i++)
		free(rows[i].cmd);
	free(rows);
}

static void export_html(const struct bench *b,
			const struct bench_print_opts *po, FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	/* One buffer per cell: every call is evaluated before the print. */
	char v[8][64];
	int m = b->opts.metric;

	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	      "<title>perfops bench</title><style>body{font-family:sans-serif;"
	      "margin:2em}table{border-collapse:collapse}td,th{padding:4px "
	      "10px;border-bottom:1px solid #ddd;text-align:right}"
	      "td:first-child,th:first-child{text-align:left}</style>"
	      "</head><body>\n<h1>perfops bench</h1>\n",
	      fp);
	bench_plot_svg(b, po, fp);
	fputs("\n<table>\n<tr><th>Command</th><th>Mean ± σ</th><th>Median "
	      "[95% CI]</th><th>Min</th><th>Max</th><th>p95</th><th>Runs</th>"
	      "</tr>\n",
	      fp);
	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_summary *s = &b->cmds[i].sum;
		enum bench_unit u = bench_pick_unit(s->mean, po->unit);

		strbuf_reset(&sb);
		strbuf_add_xml(&sb, b->cmds[i].name, strlen(b->cmds[i].name));
		if (!s->n) {
			/* Every run timed out, or an interrupt came first. */
			fprintf(
			    fp,
			    "<tr><td><code>%s</code></td><td>%s</td>"
			    "<td>n/a</td><td>n/a</td><td>n/a</td><td>n/a</td>"
			    "<td>0</td></tr>\n",
			    sb.buf, s->timed_out ? "timed out" : "no runs");
			continue;
		}
		fprintf(fp,
			"<tr><td><code>%s</code></td><td>%s ± %s</td>"
			"<td>%s [%s … %s]</td><td>%s</td><td>%s</td><td>%s</td>"
			"<td>%zu</td></tr>\n",
			sb.buf, bench_format_value(v[0], 64, s->mean, m, u),
			bench_format_value(v[1], 64, s->n > 1 ? s->stddev : 0,
					   m, u),
			bench_format_value(v[2], 64, s->median, m, u),
			bench_format_value(
			    v[3], 64, s->ci_level > 0 ? s->ci_lo : NAN, m, u),
			bench_format_value(
			    v[4], 64, s->ci_level > 0 ? s->ci_hi : NAN, m, u),
			bench_format_value(v[5], 64, s->min, m, u),
			bench_format_value(v[6], 64, s->max, m, u),
			bench_format_value(v[7], 64, s->p95, m, u), s->n);
	}
	fputs("</table>\n</body></html>\n", fp);
	strbuf_release(&sb);
}

void bench_export_fp(const struct bench *b, enum bench_export kind, FILE *fp,
		     const struct bench_print_opts *po)
{
	switch (kind) {
	case BE_JSON:
		export_json(b, fp);
		break;
	case BE_CSV:
		export_csv(b, fp);
		break;
	case BE_MARKDOWN:
	case BE_ASCIIDOC:
	case BE_ORG:
		export_table(b, kind, po, fp);
		break;
	case BE_SVG:
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
		bench_plot_svg(b, po, fp);
		break;
	case BE_HTML:
		export_html(b, po, fp);
		break;
	}
}

int bench_export(const struct bench *b, enum bench_export kind,
		 const char *path, const struct bench_print_opts *po)
{
	struct atomic_file af;

	if (atomic_open(&af, path))
		return -1;
	bench_export_fp(b, kind, af.fp, po);
	return atomic_commit(&af);
}
