#include "core/compat.h"
#include "bench/bench.h"
#include "core/error.h"
#include <criterion/criterion.h>
#include <math.h>

#define NEAR(a, b, tol)                                                        \
	cr_assert(fabs((a) - (b)) <= (tol), "%.12g != %.12g", (double)(a),     \
		  (double)(b))

Test(bench, split_args_quoting)
{
	char **v = bench_split_args("a 'b c'  \"d \\\"e\\\"\" f\\ g ''");

	cr_assert_not_null(v);
	cr_assert_str_eq(v[0], "a");
	cr_assert_str_eq(v[1], "b c");
	cr_assert_str_eq(v[2], "d \"e\"");
	cr_assert_str_eq(v[3], "f g");
	cr_assert_str_eq(v[4], "");
	cr_assert_null(v[5]);
	bench_free_argv(v);
}

Test(bench, split_args_errors)
{
	error_set_quiet(1);
	cr_assert_null(bench_split_args("echo 'open"));
	cr_assert_null(bench_split_args("echo \"open"));
	cr_assert_null(bench_split_args("   "));
}

Test(bench, substitute)
{
	struct bench_param p[] = {{"t", "0.1"}, {"n", "3"}};
	char *s = bench_substitute("sleep {t}; echo {x} {n}{t}", p, 2);

	cr_assert_str_eq(s, "sleep 0.1; echo {x} 30.1");
	free(s);
}

Test(bench, scan_range_and_list)
{
	struct bench_scan sc;

	cr_assert_eq(bench_scan_range(&sc, "n", "1", "3", NULL), 0);
	cr_assert_eq(sc.nr, 3);
	cr_assert_str_eq(sc.values[0], "1");
	cr_assert_str_eq(sc.values[2], "3");
	bench_scan_release(&sc);
	/* 0 to 1 by 0.25: five values, printed with the step's decimals. */
	cr_assert_eq(bench_scan_range(&sc, "x", "0", "1", "0.25"), 0);
	cr_assert_eq(sc.nr, 5);
	cr_assert_str_eq(sc.values[0], "0");
	cr_assert_str_eq(sc.values[1], "0.25");
	cr_assert_str_eq(sc.values[4], "1.00");
	bench_scan_release(&sc);
	error_set_quiet(1);
	cr_assert_eq(bench_scan_range(&sc, "n", "5", "1", NULL), -1);
	cr_assert_eq(bench_scan_range(&sc, "n", "a", "1", NULL), -1);
	cr_assert_eq(bench_scan_list(&sc, "n", ""), -1);
	error_set_quiet(0);
	cr_assert_eq(bench_scan_list(&sc, "v", "a,b,,c"), 0);
	cr_assert_eq(sc.nr, 4);
	cr_assert_str_eq(sc.values[2], "");
	bench_scan_release(&sc);
}

Test(bench, cross_product_order_and_shell_argv)
{
	struct bench b;
	struct bench_scan sc[2];
	const char *cmds[] = {"echo {a}{b}"};
	struct bench_templates t = {0};

	bench_init(&b);
	b.opts.shell = bench_split_args("sh");
	bench_scan_list(&sc[0], "a", "1,2");
	bench_scan_list(&sc[1], "b", "x,y");
	t.cmds = cmds;
	t.nr_cmds = 1;
	t.scans = sc;
	t.nr_scans = 2;
	cr_assert_eq(bench_add_commands(&b, &t), 0);
	/* The first scan varies fastest, as in hyperfine. */
	cr_assert_eq(b.nr_cmds, 4);
	cr_assert_str_eq(b.cmds[0].name, "echo 1x");
	cr_assert_str_eq(b.cmds[1].name, "echo 2x");
	cr_assert_str_eq(b.cmds[2].name, "echo 1y");
	cr_assert_str_eq(b.cmds[3].name, "echo 2y");
	cr_assert_str_eq(b.cmds[3].params[1].value, "y");
	cr_assert_str_eq(b.cmds[0].argv[0], "sh");
	cr_assert_str_eq(b.cmds[0].argv[1], "-c");
	cr_assert_str_eq(b.cmds[0].argv[2], "echo 1x");
	cr_assert_null(b.cmds[0].argv[3]);
	bench_release(&b);
	/* Two commands: parameter value by parameter value, as hyperfine
	 * (commands vary fastest); one name is for every benchmark. */
	{
		const char *two[] = {"a{a}{b}", "b{a}{b}"}, *name[] = {"n{a}"};

		bench_init(&b);
		t.cmds = two;
		t.nr_cmds = 2;
		t.names = name;
		t.nr_names = 1;
		cr_assert_eq(bench_add_commands(&b, &t), 0);
		cr_assert_eq(b.nr_cmds, 8);
		cr_assert_str_eq(b.cmds[0].cmdline, "a1x");
		cr_assert_str_eq(b.cmds[1].cmdline, "b1x");
		cr_assert_str_eq(b.cmds[2].cmdline, "a2x");
		cr_assert_str_eq(b.cmds[3].cmdline, "b2x");
		cr_assert_str_eq(b.cmds[4].cmdline, "a1y");
		cr_assert_str_eq(b.cmds[7].cmdline, "b2y");
		cr_assert_str_eq(b.cmds[2].name, "n2");
		bench_release(&b);
	}
	bench_scan_release(&sc[0]);
	bench_scan_release(&sc[1]);
}

Test(bench, bad_command_lists)
{
	struct bench b;
	const char *cmds[] = {"true", "false"};
	const char *names[] = {"one", "two", "three"};
	const char *empty[] = {""};
	struct bench_templates t = {0};

	error_set_quiet(1);
	bench_init(&b);
	t.cmds = cmds;
	t.nr_cmds = 2;
	t.names = names;
	t.nr_names = 3;
	/* hyperfine: "Too many --command-name options". */
	cr_assert_eq(bench_add_commands(&b, &t), -1);
	bench_release(&b);
	/* Fewer names than commands name the first ones, as in hyperfine. */
	bench_init(&b);
	t.nr_names = 1;
	cr_assert_eq(bench_add_commands(&b, &t), 0);
	cr_assert_str_eq(b.cmds[0].name, "one");
	cr_assert_str_eq(b.cmds[1].name, "false");
	bench_release(&b);
	bench_init(&b);
	t.nr_names = 0;
	t.cmds = empty;
	t.nr_cmds = 1;
	cr_assert_eq(bench_add_commands(&b, &t), -1);
	bench_release(&b);
}

static void add_cmd(struct bench *b, const char *name, const double *wall,
		    size_t n)
{
	const char *cmds[] = {name};
	struct bench_templates t = {0};
	struct bench_cmd *c;
	size_t i;

	t.cmds = cmds;
	t.nr_cmds = 1;
	cr_assert_eq(bench_add_commands(b, &t), 0);
	c = &b->cmds[b->nr_cmds - 1];
	for (i = 0; i < n; i++) {
		struct bench_run r = {0};

		r.wall = wall[i];
		r.user = 0.001 * (double)(i + 1);
		r.sys = 0.002;
		r.rss = 1048576 * (i + 1);
		VEC_PUSH(&c->runs, r);
	}
}

Test(bench, summary_figures)
{
	struct bench b;
	/* mean 5, sample sd 2.138 (see test-stats), median 4.5, min 2,
	 * max 9; user = 1..8 ms -> mean 4.5 ms; rss = 1..8 MiB -> mean
	 * 4.5 MiB, max 8 MiB.  The ninth run timed out: left out. */
	double wall[] = {2, 4, 4, 4, 5, 5, 7, 9, 100};

	bench_init(&b);
	b.opts.shell = NULL;
	add_cmd(&b, "x", wall, 9);
	b.cmds[0].runs.v[8].timed_out = 1;
	bench_summarize(&b);
	cr_assert_eq(b.cmds[0].sum.n, 8);
	cr_assert_eq(b.cmds[0].sum.timed_out, 1);
	NEAR(b.cmds[0].sum.mean, 5, 1e-12);
	NEAR(b.cmds[0].sum.stddev, 2.138089935299395, 1e-12);
	NEAR(b.cmds[0].sum.median, 4.5, 0);
	NEAR(b.cmds[0].sum.min, 2, 0);
	NEAR(b.cmds[0].sum.max, 9, 0);
	NEAR(b.cmds[0].sum.user_mean, 0.0045, 1e-12);
	NEAR(b.cmds[0].sum.rss_mean, 4.5 * 1048576, 1e-6);
	NEAR(b.cmds[0].sum.rss_max, 8 * 1048576, 0);
	/* n = 8: P(B <= 0) = 1/256, P(B <= 1) = 9/256: 2 * 9/256 = 0.07 >
	 * 0.05, so k = 1 and the CI is [min, max]. */
	NEAR(b.cmds[0].sum.ci_lo, 2, 0);
	NEAR(b.cmds[0].sum.ci_hi, 9, 0);
	/* p25 of 2,4,4,4,5,5,7,9: h = 7 * 0.25 = 1.75 -> 4. */
	NEAR(b.cmds[0].sum.p25, 4, 1e-12);
	bench_release(&b);
}

Test(bench, format_values)
{
	char buf[64];

	cr_assert_str_eq(bench_format_value(buf, 64, 0.0215, BM_WALL, BU_MILLI),
			 "21.5 ms");
	cr_assert_str_eq(bench_format_value(buf, 64, 1.5, BM_WALL, BU_SECOND),
			 "1.500 s");
	cr_assert_str_eq(
	    bench_format_value(buf, 64, 104857600, BM_RSS, BU_AUTO),
	    "100.0 MiB");
	cr_assert_eq(bench_pick_unit(0.5, BU_AUTO), BU_MILLI);
	cr_assert_eq(bench_pick_unit(1.5, BU_AUTO), BU_SECOND);
	cr_assert_eq(bench_metric_lookup("instructions"),
		     BM_COUNTER + PC_INSTRUCTIONS);
	cr_assert_eq(bench_metric_lookup("rss"), BM_RSS);
	cr_assert_eq(bench_metric_lookup("bogus"), -1);
}

Test(bench, exit_codes_ignored)
{
	struct bench_opts o = {0};
	int codes[] = {1, 3};

	cr_assert(!bench_exit_ignored(&o, 1));
	o.ignore_codes = codes;
	o.nr_ignore = 2;
	cr_assert(bench_exit_ignored(&o, 3));
	cr_assert(!bench_exit_ignored(&o, 2));
	o.ignore_all = 1;
	cr_assert(bench_exit_ignored(&o, 2));
}

/* A baseline with one command whose runs are given. */
static void make_base(struct bench_baseline *base, const char *cmd,
		      const double *v, size_t n)
{
	memset(base, 0, sizeof(*base));
	base->path = xstrdup("mem");
	base->results = xcalloc(1, sizeof(*base->results));
	base->results[0].command = xstrdup(cmd);
	base->results[0].times = xmalloc(n * sizeof(double));
	memcpy(base->results[0].times, v, n * sizeof(double));
	base->results[0].n = n;
	base->nr = 1;
}

Test(bench, baseline_verdicts)
{
	struct bench b;
	struct bench_baseline base;
	struct bench_change ch;
	double before[20], same[20], slow20[20], slow3[20];
	size_t i;

	/* before: 0.100 .. 0.10019 (a 0.2% spread).  +20% is far beyond
	 * a 5% threshold; +3% is significant (no overlap at all, exact
	 * p = 2 / C(40,20)) but its CI lies inside ±5%: within noise; the
	 * same values shifted by half a step interleave: no significant
	 * change. */
	for (i = 0; i < 20; i++) {
		before[i] = 0.100 + (double)i * 1e-5;
		same[i] = before[i] + 0.5e-5;
		slow20[i] = before[i] * 1.20;
		slow3[i] = before[i] * 1.03;
	}
	make_base(&base, "cmd", before, 20);

	bench_init(&b);
	add_cmd(&b, "cmd", slow20, 20);
	bench_summarize(&b);
	cr_assert_eq(bench_compare_baseline(&b, &base, 5, &ch), 1);
	cr_assert_eq(ch.verdict, BV_REGRESSED);
	NEAR(ch.pct, 20, 0.2);
	cr_assert(ch.pct_lo > 5 && ch.pct_hi < 21);
	cr_assert(ch.exact);
	NEAR(ch.p, 2 / 137846528820.0, 1e-15);
	bench_release(&b);

	bench_init(&b);
	add_cmd(&b, "cmd", slow3, 20);
	bench_summarize(&b);
	cr_assert_eq(bench_compare_baseline(&b, &base, 5, &ch), 0);
	cr_assert_eq(ch.verdict, BV_NOISE);
	cr_assert_eq(bench_compare_baseline(&b, &base, 1, &ch), 1);
	cr_assert_eq(ch.verdict, BV_REGRESSED);
	bench_release(&b);

	bench_init(&b);
	add_cmd(&b, "cmd", same, 20);
	bench_summarize(&b);
	cr_assert_eq(bench_compare_baseline(&b, &base, 5, &ch), 0);
	cr_assert_eq(ch.verdict, BV_NO_CHANGE);
	cr_assert(ch.p > 0.5);
	bench_release(&b);

	/* Faster by 20%: improved, never a regression. */
	for (i = 0; i < 20; i++)
		slow20[i] = before[i] * 0.8;
	bench_init(&b);
	add_cmd(&b, "cmd", slow20, 20);
	bench_summarize(&b);
	cr_assert_eq(bench_compare_baseline(&b, &base, 5, &ch), 0);
	cr_assert_eq(ch.verdict, BV_IMPROVED);
	bench_release(&b);

	/* Three runs a side can never be significant. */
	bench_init(&b);
	add_cmd(&b, "cmd", slow20, 3);
	bench_summarize(&b);
	bench_baseline_release(&base);
	make_base(&base, "cmd", before, 3);
	cr_assert_eq(bench_compare_baseline(&b, &base, 5, &ch), 0);
	cr_assert_eq(ch.verdict, BV_TOO_FEW);
	bench_release(&b);
	bench_baseline_release(&base);
}

static char *write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/perfops-test-bench-XXXXXX");
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(bench, baseline_hyperfine_json)
{
	/* The shape of hyperfine 1.15's --export-json. */
	char *path = write_tmp(
	    "{\"results\": [{\"command\": \"sleep 0.01\", \"mean\": 0.011,"
	    " \"stddev\": 0.0001, \"median\": 0.011, \"user\": 0.001,"
	    " \"system\": 0.0, \"min\": 0.0109, \"max\": 0.0112,"
	    " \"times\": [0.0109, 0.011, 0.0112], \"exit_codes\": [0,0,0]}]}");
	struct bench b;
	struct bench_baseline base;
	double wall[] = {0.011};

	bench_init(&b);
	add_cmd(&b, "sleep 0.01", wall, 1);
	cr_assert_eq(bench_baseline_read(&base, path, &b), 0);
	cr_assert_eq(base.nr, 1);
	cr_assert_eq(base.results[0].n, 3);
	NEAR(base.results[0].times[2], 0.0112, 0);
	NEAR(base.results[0].mean, (0.0109 + 0.011 + 0.0112) / 3, 1e-15);
	bench_baseline_release(&base);
	bench_release(&b);
	unlink(path);
	free(path);
}

Test(bench, baseline_errors)
{
	char *junk = write_tmp("this is not { json");
	char *other = write_tmp("{\"results\": [{\"command\": \"ls\", "
				"\"times\": [1, 2]}]}");
	char *empty = write_tmp("{\"results\": []}");
	struct bench b;
	struct bench_baseline base;
	double wall[] = {0.011};

	error_set_quiet(1);
	bench_init(&b);
	add_cmd(&b, "sleep 0.01", wall, 1);
	cr_assert_eq(bench_baseline_read(&base, junk, &b), -1);
	bench_baseline_release(&base);
	cr_assert_eq(bench_baseline_read(&base, other, &b), -1);
	bench_baseline_release(&base);
	cr_assert_eq(bench_baseline_read(&base, empty, &b), -1);
	bench_baseline_release(&base);
	cr_assert_eq(bench_baseline_read(&base, "/nonexistent.json", &b), -1);
	bench_baseline_release(&base);
	bench_release(&b);
	unlink(junk);
	unlink(other);
	unlink(empty);
	free(junk);
	free(other);
	free(empty);
}

Test(bench, json_export_round_trip)
{
	struct bench b;
	struct bench_baseline base;
	struct bench_print_opts po = {0};
	double wall[] = {0.010, 0.012, 0.011, 0.013, 0.011, 0.012};
	char *path = write_tmp("");

	bench_init(&b);
	add_cmd(&b, "my cmd \"quoted\"", wall, 6);
	bench_summarize(&b);
	cr_assert_eq(bench_export(&b, BE_JSON, path, &po), 0);
	cr_assert_eq(bench_baseline_read(&base, path, &b), 0);
	cr_assert_eq(base.results[0].n, 6);
	NEAR(base.results[0].times[3], 0.013, 0);
	NEAR(base.results[0].mean, 0.0115, 1e-15);
	bench_baseline_release(&base);
	bench_release(&b);
	unlink(path);
	free(path);
}

Test(bench, markdown_export)
{
	struct bench b;
	struct bench_print_opts po = {0};
	/* fast: mean 10 ms, sd 1 ms; slow: mean 20 ms, sd 2 ms.
	 * Relative: 2.00 ± 2 sqrt(0.1^2 + 0.1^2) = 2.00 ± 0.28. */
	double fast[] = {0.009, 0.010, 0.011}, slow[] = {0.018, 0.020, 0.022};
	char *path = write_tmp(""), buf[1024];
	FILE *fp;
	size_t n;

	bench_init(&b);
	add_cmd(&b, "slow|pipe", slow, 3);
	add_cmd(&b, "fast", fast, 3);
	bench_summarize(&b);
	cr_assert_eq(bench_export(&b, BE_MARKDOWN, path, &po), 0);
	fp = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	cr_assert_str_eq(
	    buf, "| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |\n"
		 "|:---|---:|---:|---:|---:|\n"
		 "| `slow\\|pipe` | 20.0 ± 2.0 | 18.0 | 22.0 | 2.00 ± 0.28 |\n"
		 "| `fast` | 10.0 ± 1.0 | 9.0 | 11.0 | 1.00 |\n");
	bench_release(&b);
	unlink(path);
	free(path);
}

/* Print into a string (the caller frees it). */
static char *capture(void (*fn)(const struct bench *, FILE *),
		     const struct bench *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cr_assert_not_null(fp);
	fn(b, fp);
	fclose(fp);
	return buf;
}

static void print_comparison_to(const struct bench *b, FILE *fp)
{
	struct bench_print_opts po = {0};
	FILE *saved = stderr;

	/* The note goes to stderr: catch it in the same string. */
	stderr = fp;
	bench_print_comparison(b, &po, fp);
	stderr = saved;
}

Test(bench, zero_mean_has_no_ratio)
{
	struct bench b;
	double zero[] = {0, 0, 0, 0}, some[] = {0.01, 0.011, 0.012, 0.01};
	char *out;

	bench_init(&b);
	b.opts.shell = bench_split_args("sh");
	add_cmd(&b, "fast", zero, 4);
	add_cmd(&b, "slow", some, 4);
	bench_summarize(&b);
	cr_assert_eq(bench_ratios_defined(&b), 0);
	out = capture(print_comparison_to, &b);
	cr_assert(strstr(out, "Note: The benchmark comparison could not be "
			      "computed as some benchmark times are zero."),
		  "%s", out);
	cr_assert(strstr(out, "-N/--shell=none"), "%s", out);
	cr_assert_null(strstr(out, "inf"), "%s", out);
	cr_assert_null(strstr(out, "nan"), "%s", out);
	free(out);
	bench_release(&b);
}

static void html_to(const struct bench *b, FILE *fp)
{
	struct bench_print_opts po = {0};

	bench_export_fp(b, BE_HTML, fp, &po);
}

Test(bench, html_table_cells)
{
	struct bench b;
	/* min 10 ms, max 50 ms, mean 24 ms, sd sqrt(1120 / 4) = 16.7 ms,
	 * p95 (h = 4 * 0.95 = 3.8) 30 + 0.8 * 20 = 46 ms. */
	double wall[] = {0.010, 0.010, 0.020, 0.030, 0.050};
	char *out;

	bench_init(&b);
	add_cmd(&b, "x", wall, 5);
	bench_summarize(&b);
	out = capture(html_to, &b);
	cr_assert(strstr(out, "<td>24.0 ms ± 16.7 ms</td>"), "%s", out);
	cr_assert(strstr(out, "<td>10.0 ms</td><td>50.0 ms</td>"
			      "<td>46.0 ms</td><td>5</td>"),
		  "%s", out);
	free(out);
	bench_release(&b);
}
