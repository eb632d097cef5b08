#include "core/compat.h"
#include "cli/cli.h"
#include "bench/bench.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "sys/spawn.h"
#include <math.h>
#include <signal.h>

/* 128 + SIGINT, what a shell reports for a command ended by Ctrl-C. */
#define EXIT_INTERRUPTED 130

/* The manual text is laid out as it is printed. */
/* clang-format off */
const char cmd_bench_usage[] =
"usage: perfops bench [OPTIONS] COMMAND...\n"
"\n"
"Benchmark one or more commands: run each many times, then report the mean\n"
"and standard deviation, the median with a 95% distribution-free confidence\n"
"interval, min, max, percentiles, user and system time and peak memory of\n"
"every run, and compare the commands with each other (relative speed and a\n"
"Mann-Whitney U test) or with a saved baseline (a CI gate).  The options and\n"
"output follow hyperfine's; exports are compatible with its JSON.\n"
"\n"
"Runs:\n"
"  -w, --warmup N          run each command N times first, unmeasured\n"
"  -r, --runs N            exactly N runs (otherwise as many as fit the\n"
"                          time budget, within --min-runs and --max-runs)\n"
"  -m, --min-runs N        at least N runs (default 10)\n"
"  -M, --max-runs N        at most N runs (alone below 10: exactly N)\n"
"      --time-budget SECS  time to spend per command (default 3)\n"
"  -p, --prepare CMD       run CMD before each run (once for all commands,\n"
"                          or once per command in order)\n"
"  -C, --conclude CMD      run CMD after each run (same rule)\n"
"  -s, --setup CMD         run CMD once before a command's runs\n"
"  -c, --cleanup CMD       run CMD once after a command's runs\n"
"  -S, --shell SHELL       run commands with SHELL -c (default: sh, also\n"
"                          named 'default'); its own start-up time is\n"
"                          measured (50 runs) and subtracted\n"
"  -N, --shell=none        no shell: split the command into words ('...',\n"
"                          \"...\" and \\ quoting) and execute it directly\n"
"  -i, --ignore-failure[=CODES]\n"
"                          keep going when a command exits non-zero (only\n"
"                          for the listed exit codes, e.g. =1,2)\n"
"      --timeout SECS      kill a run (and its process group) after SECS; it\n"
"                          is left out of the times and statistics, counted\n"
"                          apart (exit 1 when every run timed out)\n"
"      --cpu LIST          pin the commands to CPUs (e.g. 0 or 0-1,3)\n"
"      --interleave        run the commands in alternating, shuffled order\n"
"                          (one run of each per round) against drift\n"
"      --no-env-padding    do not vary the environment size between runs\n"
"                          (by default PERFOPS_RANDOMIZED_ENVIRONMENT_OFFSET\n"
"                          gets a random length, against memory-layout bias)\n"
"      --seed N            seed of the shuffling and padding\n"
"      --input FILE        standard input of the commands (default: none)\n"
"      --output WHERE      where their output goes: null (default), pipe,\n"
"                          inherit, or a FILE\n"
"      --show-output       same as --output=inherit\n"
"\n"
"Parameters:\n"
"  -P, --parameter-scan NAME MIN MAX\n"
"                          one benchmark per value of {NAME} from MIN to MAX\n"
"  -D, --parameter-step-size STEP\n"
"                          step of -P (default 1)\n"
"  -L, --parameter-list NAME A,B,C\n"
"                          one benchmark per value; several -L give all\n"
"                          combinations (the first varies fastest); with\n"
"                          several commands, all of them per value\n"
"  -n, --command-name NAME name a command in the output (may use {NAME});\n"
"                          fewer names than commands name the first ones\n"
"      --reference CMD     compare every command with CMD (run first)\n"
"\n"
"Measurement:\n"
"      --metric M          primary metric for the summary, comparison and\n"
"                          gate: wall (default), cpu, user, sys, rss,\n"
"                          task-clock, context-switches, cpu-migrations,\n"
"                          page-faults, cycles, instructions\n"
"      --counters          also count perf events per run (software events\n"
"                          always; cycles and instructions need a hardware\n"
"                          PMU, and a notice says when there is none)\n"
"\n"
"Comparison and CI:\n"
"      --baseline FILE     compare with a JSON export of an earlier run\n"
"                          (perfops bench or hyperfine --export-json)\n"
"      --fail-if-slower PCT\n"
"                          exit 4 when a command regressed: slower than the\n"
"                          baseline with p < 0.05 and the whole 95% CI of the\n"
"                          change above PCT percent\n"
"      --noise PCT         the noise band of the verdict without\n"
"                          --fail-if-slower (default 2)\n"
"\n"
"Output:\n"
"      --export-json FILE  every run (time, user, system, exit code, peak\n"
"                          memory) and the statistics; hyperfine's fields\n"
"                          plus ours, and the machine's description\n"
"      --export-csv FILE, --export-markdown FILE, --export-asciidoc FILE,\n"
"      --export-orgmode FILE\n"
"                          summary tables as hyperfine writes them\n"
"      --export-svg FILE   the distributions of all commands side by side\n"
"      --export-html FILE  the same plot with a table, one page\n"
"      --json              print the JSON export instead of the text summary\n"
"      --histogram         a terminal histogram of each command's runs\n"
"  -u, --time-unit UNIT    millisecond, second or microsecond\n"
"      --sort ORDER        auto (summary by speed, tables in given order),\n"
"                          command, or mean-time\n"
"      --style STYLE       auto, basic, full, nocolor, color or none\n"
"\n"
"Exit status: 0 ok, 1 a command failed, 2 usage error, 3 the metric cannot\n"
"be measured on this machine, 4 --fail-if-slower found a regression, 130\n"
"interrupted (Ctrl-C, SIGTERM: the running command and its process group\n"
"are killed, the finished runs are summarised and exported).\n"
"\n"
"Example:\n"
"  perfops bench -N --warmup 3 'gzip -k -f data' 'zstd -q -f data'\n"
"  perfops bench --export-json base.json 'make -s'\n"
"  perfops bench --baseline base.json --fail-if-slower 5 'make -s'\n";
/* clang-format on */

enum {
	OPT_TIME_BUDGET = 256,
	OPT_REFERENCE,
	OPT_REFERENCE_NAME,
	OPT_INPUT,
	OPT_OUTPUT,
	OPT_SHOW_OUTPUT,
	OPT_SORT,
	OPT_STYLE,
	OPT_EXPORT_JSON,
	OPT_EXPORT_CSV,
	OPT_EXPORT_MD,
	OPT_EXPORT_ADOC,
	OPT_EXPORT_ORG,
	OPT_EXPORT_SVG,
	OPT_EXPORT_HTML,
	OPT_JSON,
	OPT_HISTOGRAM,
	OPT_TIMEOUT,
	OPT_CPU,
	OPT_INTERLEAVE,
	OPT_COUNTERS,
	OPT_METRIC,
	OPT_NO_PAD,
	OPT_SEED,
	OPT_BASELINE,
	OPT_FAIL_IF_SLOWER,
	OPT_NOISE,
};

static const struct option longopts[] = {
    {"warmup", required_argument, NULL, 'w'},
    {"runs", required_argument, NULL, 'r'},
    {"min-runs", required_argument, NULL, 'm'},
    {"max-runs", required_argument, NULL, 'M'},
    {"time-budget", required_argument, NULL, OPT_TIME_BUDGET},
    {"prepare", required_argument, NULL, 'p'},
    {"conclude", required_argument, NULL, 'C'},
    {"setup", required_argument, NULL, 's'},
    {"cleanup", required_argument, NULL, 'c'},
    {"shell", required_argument, NULL, 'S'},
    {"ignore-failure", optional_argument, NULL, 'i'},
    {"parameter-scan", required_argument, NULL, 'P'},
    {"parameter-step-size", required_argument, NULL, 'D'},
    {"parameter-list", required_argument, NULL, 'L'},
    {"command-name", required_argument, NULL, 'n'},
    {"reference", required_argument, NULL, OPT_REFERENCE},
    {"reference-name", required_argument, NULL, OPT_REFERENCE_NAME},
    {"input", required_argument, NULL, OPT_INPUT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"show-output", no_argument, NULL, OPT_SHOW_OUTPUT},
    {"sort", required_argument, NULL, OPT_SORT},
    {"time-unit", required_argument, NULL, 'u'},
    {"style", required_argument, NULL, OPT_STYLE},
    {"export-json", required_argument, NULL, OPT_EXPORT_JSON},
    {"export-csv", required_argument, NULL, OPT_EXPORT_CSV},
    {"export-markdown", required_argument, NULL, OPT_EXPORT_MD},
    {"export-asciidoc", required_argument, NULL, OPT_EXPORT_ADOC},
    {"export-orgmode", required_argument, NULL, OPT_EXPORT_ORG},
    {"export-svg", required_argument, NULL, OPT_EXPORT_SVG},
    {"export-html", required_argument, NULL, OPT_EXPORT_HTML},
    {"json", no_argument, NULL, OPT_JSON},
    {"histogram", no_argument, NULL, OPT_HISTOGRAM},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"cpu", required_argument, NULL, OPT_CPU},
    {"interleave", no_argument, NULL, OPT_INTERLEAVE},
    {"counters", no_argument, NULL, OPT_COUNTERS},
    {"metric", required_argument, NULL, OPT_METRIC},
    {"no-env-padding", no_argument, NULL, OPT_NO_PAD},
    {"seed", required_argument, NULL, OPT_SEED},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"fail-if-slower", required_argument, NULL, OPT_FAIL_IF_SLOWER},
    {"noise", required_argument, NULL, OPT_NOISE},
    {NULL, 0, NULL, 0},
};

#define CMD "bench"

struct export_req {
	enum bench_export kind;
	const char *path;
	struct atomic_file af;
	int open;
};

struct bench_cli {
	struct bench b;
	struct bench_templates t;
	VEC(const char *) names, prepare, conclude;
	VEC(struct bench_scan) scans;
	VEC(struct export_req) exports;
	const char *range_step;
	/* -P values wait for -D, which may come later on the line. */
	VEC(const char *) range_args;
	struct bench_print_opts po;
	const char *style;
	const char *baseline;
	double fail_pct, noise_pct;
	int json;
	int text;
	int min_runs_set;
	/* Commands whose "Benchmark N:" header, and whose statistics, are
	 * out (they come in order). */
	size_t headed, shown;
};

static int parse_count(const char *opt, const char *s, long *out, long min)
{
	if (cli_parse_long(CMD, opt, s, out))
		return -1;
	if (*out < min) {
		cli_usage_error(CMD, "%s must be at least %ld", opt, min);
		return -1;
	}
	return 0;
}

static int parse_positive(const char *opt, const char *s, double *out)
{
	if (cli_parse_double(CMD, opt, s, out))
		return -1;
	if (!(*out > 0) || !isfinite(*out)) {
		cli_usage_error(CMD, "%s must be a positive number", opt);
		return -1;
	}
	return 0;
}

static int parse_ignore(struct bench_opts *o, const char *arg)
{
	const char *p = arg;

	if (!arg) {
		o->ignore_all = 1;
		return 0;
	}
	while (*p) {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v < 0 || v > 255 ||
		    (*end && *end != ',')) {
			cli_usage_error(CMD,
					"--ignore-failure expects exit "
					"codes like 1,2, not '%s'",
					arg);
			return -1;
		}
		o->ignore_codes =
		    xrealloc(o->ignore_codes, (o->nr_ignore + 1) * sizeof(int));
		o->ignore_codes[o->nr_ignore++] = (int)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int parse_shell(struct bench_opts *o, const char *arg)
{
	bench_free_argv(o->shell);
	o->shell = NULL;
	if (!strcmp(arg, "none"))
		return 0;
	/* hyperfine's name for the platform's shell. */
	if (!strcmp(arg, "default"))
		arg = "sh";
	o->shell = bench_split_args(arg);
	return o->shell ? 0 : -1;
}

/* "0-1,3": the CPUs of set, for a message. */
static void format_cpus(struct strbuf *sb, const cpu_set_t *set)
{
	int c = 0, first;

	while (c < CPU_SETSIZE) {
		if (!CPU_ISSET(c, set)) {
			c++;
			continue;
		}
		first = c;
		while (c + 1 < CPU_SETSIZE && CPU_ISSET(c + 1, set))
			c++;
		strbuf_addf(sb, "%s%d", sb->len ? "," : "", first);
		if (c > first)
			strbuf_addf(sb, "-%d", c);
		c++;
	}
}

/*
 * A CPU list, and every CPU in it one that perfops may run on: otherwise
 * sched_setaffinity() fails in the child with only EINVAL to show.
 */
static int cpu_parse_list_checked(const char *arg, cpu_set_t *set)
{
	cpu_set_t allowed;
	struct strbuf sb = STRBUF_INIT;
	int c;

	if (cpu_parse_list(arg, set)) {
		cli_usage_error(CMD,
				"--cpu expects a CPU list like 0-1,3, "
				"not '%s'",
				arg);
		return -1;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0;
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set) && !CPU_ISSET(c, &allowed))
			break;
	if (c == CPU_SETSIZE)
		return 0;
	format_cpus(&sb, &allowed);
	cli_usage_error(CMD,
			"--cpu %s: there is no CPU %d here (perfops may "
			"run on CPUs %s)",
			arg, c, sb.buf);
	strbuf_release(&sb);
	return -1;
}

static int lookup(const char *opt, const char *arg, const char *const *names,
		  int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(arg, names[i]))
			return i;
	cli_usage_error(CMD, "%s: unknown value '%s'", opt, arg);
	return -1;
}

static int parse_options(struct bench_cli *cl, int argc, char **argv)
{
	struct bench_opts *o = &cl->b.opts;
	static const char *const outputs[] = {"null", "pipe", "inherit"};
	static const char *const sorts[] = {"auto", "command", "mean-time"};
	static const char *const units[] = {"auto", "second", "millisecond",
					    "microsecond"};
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, CMD,
			       "w:r:m:M:p:C:s:c:S:NiP:D:L:n:u:", longopts)) !=
	       -1) {
		long v;

		switch (c) {
		case -2:
			return -1;
		case 'w':
			if (parse_count("--warmup", optarg, &o->warmup, 0))
				return -1;
			break;
		case 'r':
			if (parse_count("--runs", optarg, &o->runs, 1))
				return -1;
			break;
		case 'm':
			if (parse_count("--min-runs", optarg, &o->min_runs, 1))
				return -1;
			cl->min_runs_set = 1;
			break;
		case 'M':
			if (parse_count("--max-runs", optarg, &o->max_runs, 1))
				return -1;
			break;
		case OPT_TIME_BUDGET:
			if (parse_positive("--time-budget", optarg,
					   &o->time_budget))
				return -1;
			break;
		case 'p':
			VEC_PUSH(&cl->prepare, optarg);
			break;
		case 'C':
			VEC_PUSH(&cl->conclude, optarg);
			break;
		case 's':
			cl->t.setup = optarg;
			break;
		case 'c':
			cl->t.cleanup = optarg;
			break;
		case 'S':
			if (parse_shell(o, optarg))
				return -1;
			break;
		case 'N':
			parse_shell(o, "none");
			break;
		case 'i':
			if (parse_ignore(o, optarg))
				return -1;
			break;
		case 'P':
			if (optind + 1 >= argc) {
				cli_usage_error(CMD, "-P needs NAME MIN MAX");
				return -1;
			}
			VEC_PUSH(&cl->range_args, optarg);
			VEC_PUSH(&cl->range_args, argv[optind]);
			VEC_PUSH(&cl->range_args, argv[optind + 1]);
			optind += 2;
			break;
		case 'D':
			cl->range_step = optarg;
			break;
		case 'L': {
			struct bench_scan sc;

			if (optind >= argc) {
				cli_usage_error(CMD, "-L needs NAME VALUES");
				return -1;
			}
			if (bench_scan_list(&sc, optarg, argv[optind++]))
				return -1;
			VEC_PUSH(&cl->scans, sc);
			break;
		}
		case 'n':
			VEC_PUSH(&cl->names, optarg);
			break;
		case OPT_REFERENCE:
			cl->t.reference = optarg;
			break;
		case OPT_REFERENCE_NAME:
			cl->t.reference_name = optarg;
			break;
		case OPT_INPUT:
			o->input = optarg;
			break;
		case OPT_OUTPUT: {
			size_t i;

			o->output = BO_FILE;
			o->output_file = optarg;
			for (i = 0; i < ARRAY_SIZE(outputs); i++)
				if (!strcmp(optarg, outputs[i]))
					o->output = (enum bench_output)i;
			break;
		}
		case OPT_SHOW_OUTPUT:
			o->output = BO_INHERIT;
			break;
		case OPT_SORT:
			if ((c = lookup("--sort", optarg, sorts, 3)) < 0)
				return -1;
			cl->po.sort = (enum bench_sort)c;
			break;
		case 'u':
			if ((c = lookup("--time-unit", optarg, units, 4)) < 0)
				return -1;
			cl->po.unit = (enum bench_unit)c;
			break;
		case OPT_STYLE: {
			static const char *const styles[] = {"auto",  "basic",
							     "full",  "nocolor",
							     "color", "none"};

			if (lookup("--style", optarg, styles, 6) < 0)
				return -1;
			cl->style = optarg;
			break;
		}
		case OPT_EXPORT_JSON:
		case OPT_EXPORT_CSV:
		case OPT_EXPORT_MD:
		case OPT_EXPORT_ADOC:
		case OPT_EXPORT_ORG:
		case OPT_EXPORT_SVG:
		case OPT_EXPORT_HTML: {
			struct export_req e = {
			    .kind = (enum bench_export)(c - OPT_EXPORT_JSON),
			    .path = optarg};

			VEC_PUSH(&cl->exports, e);
			break;
		}
		case OPT_JSON:
			cl->json = 1;
			break;
		case OPT_HISTOGRAM:
			cl->po.histogram = 1;
			break;
		case OPT_TIMEOUT:
			if (parse_positive("--timeout", optarg, &o->timeout))
				return -1;
			break;
		case OPT_CPU:
			if (cpu_parse_list_checked(optarg, &o->cpus))
				return -1;
			o->use_cpus = 1;
			break;
		case OPT_INTERLEAVE:
			o->interleave = 1;
			break;
		case OPT_COUNTERS:
			o->counters = 1;
			break;
		case OPT_METRIC:
			o->metric = bench_metric_lookup(optarg);
			if (o->metric < 0) {
				cli_usage_error(CMD,
						"--metric: unknown metric "
						"'%s'",
						optarg);
				return -1;
			}
			break;
		case OPT_NO_PAD:
			o->env_padding = 0;
			break;
		case OPT_SEED:
			if (parse_count("--seed", optarg, &v, 0))
				return -1;
			o->seed = (uint64_t)v;
			break;
		case OPT_BASELINE:
			cl->baseline = optarg;
			break;
		case OPT_FAIL_IF_SLOWER:
			if (cli_parse_double(CMD, "--fail-if-slower", optarg,
					     &cl->fail_pct))
				return -1;
			if (!(cl->fail_pct >= 0)) {
				cli_usage_error(CMD,
						"--fail-if-slower must not "
						"be negative");
				return -1;
			}
			break;
		case OPT_NOISE:
			if (cli_parse_double(CMD, "--noise", optarg,
					     &cl->noise_pct))
				return -1;
			break;
		default:
			cli_usage_error(CMD, "unhandled option");
			return -1;
		}
	}
	return 0;
}

static void print_start(const struct bench *b, size_t i, void *data)
{
	struct bench_cli *cl = data;

	if (cl->text) {
		bench_print_header(b, i, &cl->po, stdout);
		fflush(stdout);
	}
	cl->headed = i + 1;
}

static void print_done(const struct bench *b, size_t i, void *data)
{
	struct bench_cli *cl = data;

	if (cl->text) {
		if (i >= cl->headed)
			bench_print_header(b, i, &cl->po, stdout);
		bench_print_body(b, i, &cl->po, stdout);
		fflush(stdout);
	}
	bench_print_warnings(b, i, &cl->po, stderr);
	cl->headed = MAX(cl->headed, i + 1);
	cl->shown = i + 1;
}

/*
 * The first SIGINT/SIGTERM/SIGHUP stops the benchmark: the launcher kills
 * the run in progress, and what was measured so far is summarised and
 * exported.  A second one ends perfops at once, as before.
 */
static void on_stop_signal(int sig)
{
	if (bench_stop_requested()) {
		atomic_cleanup_signal_safe();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	bench_request_stop(sig);
}

static void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Check every export path before the first run: create its temp file. */
static int open_exports(struct bench_cli *cl)
{
	size_t i;

	for (i = 0; i < cl->exports.len; i++) {
		struct export_req *e = &cl->exports.v[i];

		if (atomic_open(&e->af, e->path))
			return -1;
		e->open = 1;
	}
	return 0;
}

/* Write and commit every export (abort them all when ok is 0). */
static int close_exports(struct bench_cli *cl, int ok)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < cl->exports.len; i++) {
		struct export_req *e = &cl->exports.v[i];

		if (!e->open)
			continue;
		e->open = 0;
		if (!ok) {
			atomic_abort(&e->af);
			continue;
		}
		bench_export_fp(&cl->b, e->kind, e->af.fp, &cl->po);
		if (atomic_commit(&e->af))
			ret = -1;
	}
	return ret;
}

static int use_color(const char *style)
{
	if (style && (!strcmp(style, "full") || !strcmp(style, "color")))
		return 1;
	if (style && strcmp(style, "auto"))
		return 0;
	return isatty(1) && !getenv("NO_COLOR");
}

static int build_commands(struct bench_cli *cl, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < cl->range_args.len; i += 3) {
		struct bench_scan sc;

		if (bench_scan_range(&sc, cl->range_args.v[i],
				     cl->range_args.v[i + 1],
				     cl->range_args.v[i + 2], cl->range_step))
			return -1;
		VEC_PUSH(&cl->scans, sc);
	}
	if (cl->range_step && !cl->range_args.len) {
		cli_usage_error(CMD, "-D needs a -P parameter scan");
		return -1;
	}
	cl->t.cmds = (const char **)argv + optind;
	cl->t.nr_cmds = (size_t)(argc - optind);
	cl->t.names = cl->names.v;
	cl->t.nr_names = cl->names.len;
	cl->t.prepare = cl->prepare.v;
	cl->t.nr_prepare = cl->prepare.len;
	cl->t.conclude = cl->conclude.v;
	cl->t.nr_conclude = cl->conclude.len;
	cl->t.scans = cl->scans.v;
	cl->t.nr_scans = cl->scans.len;
	return bench_add_commands(&cl->b, &cl->t);
}

static void bench_cli_release(struct bench_cli *cl)
{
	size_t i;

	for (i = 0; i < cl->scans.len; i++)
		bench_scan_release(&cl->scans.v[i]);
	VEC_RELEASE(&cl->scans);
	VEC_RELEASE(&cl->names);
	VEC_RELEASE(&cl->prepare);
	VEC_RELEASE(&cl->conclude);
	close_exports(cl, 0);
	VEC_RELEASE(&cl->exports);
	VEC_RELEASE(&cl->range_args);
	bench_release(&cl->b);
}

static void warn_busy(const struct machine_info *m)
{
	/* Three quarters of the CPUs already busy: every figure will be
	 * noisier, and the user should know before trusting a comparison. */
	if (m->cores > 0 && m->load[0] > 0.75 * m->cores)
		warning("the machine is busy (load average %.2f on %d CPUs): "
			"expect noisier results",
			m->load[0], m->cores);
}

/* Every command whose runs all timed out is an error: it has no result. */
static int check_all_timed_out(const struct bench *b)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < b->nr_cmds; i++) {
		const struct bench_cmd *c = &b->cmds[i];

		if (c->runs.len && !c->sum.n && c->sum.timed_out) {
			error("every run of '%s' timed out (limit %g s): there "
			      "is no time to report; raise --timeout",
			      c->name, b->opts.timeout);
			ret = -1;
		}
	}
	return ret;
}

/* After a stop signal: show what was measured, and say so. */
static void report_stopped(struct bench_cli *cl)
{
	struct bench *b = &cl->b;
	size_t i, runs = 0;

	bench_summarize(b);
	for (i = cl->shown; i < b->nr_cmds; i++)
		if (b->cmds[i].runs.len || i < cl->headed)
			print_done(b, i, cl);
	for (i = 0; i < b->nr_cmds; i++)
		runs += b->cmds[i].runs.len;
	error("interrupted by %s: %zu run%s finished; the results and exports "
	      "hold them only",
	      strsignal(b->stopped), runs, runs == 1 ? "" : "s");
}

int cmd_bench(int argc, char **argv)
{
	struct bench_cli cl;
	struct bench_baseline base;
	struct bench_launcher launcher;
	struct bench_change *changes = NULL;
	int have_base = 0, ret = EXIT_FAIL;
	size_t i, regressed = 0;

	memset(&cl, 0, sizeof(cl));
	memset(&base, 0, sizeof(base));
	/* First, while perfops is small: the runs' peak RSS must not
	 * inherit what perfops writes later. */
	if (bench_launcher_start(&launcher))
		return EXIT_ENV;
	bench_init(&cl.b);
	cl.b.launcher = &launcher;
	cl.fail_pct = -1;
	cl.noise_pct = 2;
	cl.b.opts.shell = bench_split_args("sh");
	if (parse_options(&cl, argc, argv)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (optind >= argc) {
		ret = cli_usage_error(CMD, "no command to benchmark");
		goto out;
	}
	/* hyperfine: -M below the default minimum lowers the minimum. */
	if (cl.b.opts.max_runs && !cl.min_runs_set &&
	    cl.b.opts.min_runs > cl.b.opts.max_runs)
		cl.b.opts.min_runs = cl.b.opts.max_runs;
	if (cl.b.opts.max_runs && cl.b.opts.min_runs > cl.b.opts.max_runs) {
		ret = cli_usage_error(CMD,
				      "--min-runs %ld is above --max-runs "
				      "%ld",
				      cl.b.opts.min_runs, cl.b.opts.max_runs);
		goto out;
	}
	if (cl.fail_pct >= 0 && !cl.baseline) {
		ret = cli_usage_error(CMD, "--fail-if-slower needs --baseline");
		goto out;
	}
	if (build_commands(&cl, argc, argv)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (cl.baseline) {
		if (bench_baseline_read(&base, cl.baseline, &cl.b))
			goto out;
		have_base = 1;
	}
	if (bench_probe_counters(&cl.b)) {
		ret = EXIT_ENV;
		goto out;
	}
	if (open_exports(&cl))
		goto out;
	machine_info_read(&cl.b.machine);
	warn_busy(&cl.b.machine);

	cl.text = !cl.json && !(cl.style && !strcmp(cl.style, "none"));
	cl.po.color = use_color(cl.style);
	cl.b.opts.quiet = cl.style && (!strcmp(cl.style, "basic") ||
				       !strcmp(cl.style, "none"));
	cl.b.start_cb = print_start;
	cl.b.done_cb = print_done;
	cl.b.cb_data = &cl;
	catch_stop_signals();
	if (bench_run(&cl.b))
		goto out;
	if (cl.b.stopped) {
		report_stopped(&cl);
	} else if (cl.b.opts.interleave) {
		bench_summarize(&cl.b);
		for (i = 0; i < cl.b.nr_cmds; i++)
			print_done(&cl.b, i, &cl);
	}
	if (cl.text && !cl.b.stopped)
		bench_print_comparison(&cl.b, &cl.po, stdout);
	if (have_base && !cl.b.stopped) {
		double thr = cl.fail_pct >= 0 ? cl.fail_pct : cl.noise_pct;

		changes = xcalloc(cl.b.nr_cmds, sizeof(*changes));
		regressed = bench_compare_baseline(&cl.b, &base, thr, changes);
		if (cl.text)
			bench_print_baseline(&cl.b, &base, changes, thr, &cl.po,
					     stdout);
	}
	ret = EXIT_OK;
	if (cl.json && bench_export(&cl.b, BE_JSON, "-", &cl.po))
		ret = EXIT_FAIL;
	if (close_exports(&cl, 1))
		ret = EXIT_FAIL;
	if (cl.b.stopped)
		ret = EXIT_INTERRUPTED;
	else if (check_all_timed_out(&cl.b))
		ret = EXIT_FAIL;
	else if (ret == EXIT_OK && cl.fail_pct >= 0 && regressed)
		ret = EXIT_THRESHOLD;
out:
	free(changes);
	if (have_base || base.path)
		bench_baseline_release(&base);
	bench_cli_release(&cl);
	bench_launcher_stop(&launcher);
	return ret;
}
