#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
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

static const struct cli_doc doc = {
    .name = "bench",
    .synopsis = "[options] COMMAND...\n",
    .description = "Benchmark one or more commands: run each many times, then "
		   "report the mean\n"
		   "and standard deviation, the median with a 95% "
		   "distribution-free confidence\n"
		   "interval, min, max, percentiles, user and system time and "
		   "peak memory of\n"
		   "every run, and compare the commands with each other "
		   "(relative speed and a\n"
		   "Mann-Whitney U test) or with a saved baseline (a CI gate). "
		   " The options and\n"
		   "output follow hyperfine's; exports are compatible with its "
		   "JSON.  Each\n"
		   "run's peak memory is its own: runs start from a small "
		   "launcher process.\n",
    .epilogue =
	"Exit status: 0 ok, 1 a command failed (or every run of one timed "
	"out),\n"
	"2 usage error, 3 the metric cannot be measured on this machine, 4\n"
	"--fail-if-slower found a regression, 130 interrupted (Ctrl-C, "
	"SIGTERM:\n"
	"the running command and its process group are killed, the finished "
	"runs\n"
	"are summarised and exported).\n"
	"\n"
	"Example:\n"
	"  perfops bench -N --warmup 3 'gzip -k -f data' 'zstd -q -f data'\n"
	"  perfops bench --export-json base.json 'make -s'\n"
	"  perfops bench --baseline base.json --fail-if-slower 5 'make -s'\n",
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
	int style;
	const char *baseline;
	double fail_pct, noise_pct;
	int json;
	int show_elapsed; /* -E: hyperfine's, accepted; progress shows it */
	int text;
	/* Option values before they go to b.opts (-1: not given). */
	int warmup, runs, min_runs, max_runs, sort, unit;
	/* Commands whose "Benchmark N:" header, and whose statistics, are
	 * out (they come in order). */
	size_t headed, shown;
};

enum {
	STYLE_AUTO,
	STYLE_BASIC,
	STYLE_FULL,
	STYLE_NOCOLOR,
	STYLE_COLOR,
	STYLE_NONE
};
static const char *const styles[] = {"auto",  "basic", "full", "nocolor",
				     "color", "none",  NULL};
static const char *const sorts[] = {"auto", "command", "mean-time", NULL};
static const char *const units[] = {"auto", "second", "millisecond",
				    "microsecond", NULL};

static struct bench_cli *cli_of(const struct opt *opt)
{
	return opt->value;
}

static int ignore_cb(const struct opt *opt, const char *arg, int unset)
{
	struct bench_opts *o = &cli_of(opt)->b.opts;
	const char *p = arg;

	(void)unset;
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
		    (*end && *end != ','))
			return opt_error(opt,
					 "expects exit codes like 1,2, not "
					 "'%s'",
					 arg);
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

static int shell_cb(const struct opt *opt, const char *arg, int unset)
{
	(void)unset;
	return parse_shell(&cli_of(opt)->b.opts, arg ? arg : "none");
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
static int cpu_cb(const struct opt *opt, const char *arg, int unset)
{
	struct bench_opts *o = &cli_of(opt)->b.opts;
	cpu_set_t allowed;
	struct strbuf sb = STRBUF_INIT;
	int c;

	(void)unset;
	if (cpu_parse_list(arg, &o->cpus))
		return opt_error(opt, "expects a CPU list like 0-1,3, not '%s'",
				 arg);
	o->use_cpus = 1;
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0;
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &o->cpus) && !CPU_ISSET(c, &allowed))
			break;
	if (c == CPU_SETSIZE)
		return 0;
	format_cpus(&sb, &allowed);
	opt_error(opt,
		  "%s: there is no CPU %d here (perfops may run on CPUs %s)",
		  arg, c, sb.buf);
	strbuf_release(&sb);
	return -1;
}

static int metric_cb(const struct opt *opt, const char *arg, int unset)
{
	struct bench_opts *o = &cli_of(opt)->b.opts;

	(void)unset;
	o->metric = bench_metric_lookup(arg);
	if (o->metric < 0)
		return opt_error(opt, "unknown metric '%s'", arg);
	return 0;
}

static int output_cb(const struct opt *opt, const char *arg, int unset)
{
	struct bench_opts *o = &cli_of(opt)->b.opts;
	static const char *const outputs[] = {"null", "pipe", "inherit"};
	size_t i;

	(void)unset;
	/* --show-output takes no value: it is --output=inherit. */
	if (!arg)
		arg = "inherit";
	o->output = BO_FILE;
	o->output_file = arg;
	for (i = 0; i < ARRAY_SIZE(outputs); i++)
		if (!strcmp(arg, outputs[i]))
			o->output = (enum bench_output)i;
	return 0;
}

/* hyperfine's --input null is the default, /dev/null (./null is a file). */
static int input_cb(const struct opt *opt, const char *arg, int unset)
{
	(void)unset;
	cli_of(opt)->b.opts.input = strcmp(arg, "null") ? arg : NULL;
	return 0;
}

static int seed_cb(const struct opt *opt, const char *arg, int unset)
{
	long v;

	(void)unset;
	if (cli_parse_long(CMD, opt_name(opt), arg, &v))
		return -1;
	if (v < 0)
		return opt_error(opt, "must not be negative");
	cli_of(opt)->b.opts.seed = (uint64_t)v;
	return 0;
}

static int prepare_cb(const struct opt *opt, const char *arg, int unset)
{
	(void)unset;
	VEC_PUSH(&cli_of(opt)->prepare, arg);
	return 0;
}

static int conclude_cb(const struct opt *opt, const char *arg, int unset)
{
	(void)unset;
	VEC_PUSH(&cli_of(opt)->conclude, arg);
	return 0;
}

static int name_cb(const struct opt *opt, const char *arg, int unset)
{
	(void)unset;
	VEC_PUSH(&cli_of(opt)->names, arg);
	return 0;
}

/* -P NAME MIN MAX: expanded once -D is known (build_commands). */
static int scan_cb(const struct opt *opt, const char *const *args)
{
	struct bench_cli *cl = cli_of(opt);

	VEC_PUSH(&cl->range_args, args[0]);
	VEC_PUSH(&cl->range_args, args[1]);
	VEC_PUSH(&cl->range_args, args[2]);
	return 0;
}

/* -L NAME A,B,C */
static int list_cb(const struct opt *opt, const char *const *args)
{
	struct bench_scan sc;

	if (bench_scan_list(&sc, args[0], args[1]))
		return -1;
	VEC_PUSH(&cli_of(opt)->scans, sc);
	return 0;
}

static int export_cb(const struct opt *opt, const char *arg, int unset)
{
	struct export_req e = {.kind = (enum bench_export)opt->defval,
			       .path = arg};

	(void)unset;
	VEC_PUSH(&cli_of(opt)->exports, e);
	return 0;
}

/* An --export-* option: its kind rides in defval. */
#define OPT_EXPORT(l, kind, h)                                                 \
	{                                                                      \
		.type = OPTION_CALLBACK, .long_name = (l), .value = cl,        \
		.argh = "FILE", .help = (h), .cb = export_cb, .defval = (kind) \
	}

/* Parse the options; returns the number of commands (argv[0..n)). */
static int parse_args(struct bench_cli *cl, int argc, char **argv)
{
	struct bench_opts *o = &cl->b.opts;
	const struct opt options[] = {
	    OPT_GROUP("Runs"),
	    OPT_INT('w', "warmup", &cl->warmup, "N",
		    "run each command N times first, unmeasured", 0, INT_MAX),
	    OPT_INT('r', "runs", &cl->runs, "N",
		    "exactly N runs (otherwise as many as fit the\n"
		    "time budget, within --min-runs and --max-runs)",
		    1, INT_MAX),
	    OPT_INT('m', "min-runs", &cl->min_runs, "N",
		    "at least N runs (default 10)", 1, INT_MAX),
	    OPT_INT('M', "max-runs", &cl->max_runs, "N",
		    "at most N runs (alone below 10: exactly N)", 1, INT_MAX),
	    OPT_DURATION(0, "time-budget", &o->time_budget, "SECS",
			 "time to spend per command (default 3)", 1e-9,
			 HUGE_VAL),
	    /* hyperfine's hidden name of the time budget. */
	    {.type = OPTION_DURATION,
	     .long_name = "min-benchmarking-time",
	     .value = &o->time_budget,
	     .argh = "SECS",
	     .help = "--time-budget",
	     .flags = OPTF_HIDDEN,
	     .min = 1e-9,
	     .max = HUGE_VAL},
	    OPT_CALLBACK('p', "prepare", cl, "CMD",
			 "run CMD before each run (once for all commands,\n"
			 "or once per command in order)",
			 prepare_cb),
	    OPT_CALLBACK('C', "conclude", cl, "CMD",
			 "run CMD after each run (same rule)", conclude_cb),
	    OPT_STRING('s', "setup", &cl->t.setup, "CMD",
		       "run CMD once before a command's runs"),
	    OPT_STRING('c', "cleanup", &cl->t.cleanup, "CMD",
		       "run CMD once after a command's runs"),
	    OPT_CALLBACK('S', "shell", cl, "SHELL",
			 "run commands with SHELL -c (default: sh, also\n"
			 "named 'default'); its own start-up time is\n"
			 "measured (50 runs) and subtracted",
			 shell_cb),
	    OPT_CALLBACK_F('N', NULL, cl, NULL,
			   "no shell (--shell=none): split the command into\n"
			   "words ('...', \"...\" and \\ quoting) and execute\n"
			   "it directly",
			   OPTF_NOARG, shell_cb),
	    OPT_CALLBACK_F('i', "ignore-failure", cl, "CODES",
			   "keep going when a command exits non-zero (only\n"
			   "for the listed exit codes, e.g. =1,2)",
			   OPTF_OPTARG, ignore_cb),
	    OPT_DURATION(0, "timeout", &o->timeout, "SECS",
			 "kill a run (and its process group) after SECS; it\n"
			 "is left out of the times and statistics, counted\n"
			 "apart (exit 1 when every run timed out)",
			 1e-9, HUGE_VAL),
	    OPT_CALLBACK(0, "cpu", cl, "LIST",
			 "pin the commands to CPUs (e.g. 0 or 0-1,3)", cpu_cb),
	    OPT_BOOL(0, "interleave", &o->interleave,
		     "run the commands in alternating, shuffled order\n"
		     "(one run of each per round) against drift; all\n"
		     "get the same number of runs"),
	    OPT_BOOL(0, "env-padding", &o->env_padding,
		     "vary PERFOPS_RANDOMIZED_ENVIRONMENT_OFFSET's\n"
		     "length between runs, against memory-layout bias\n"
		     "(default; --no-env-padding turns it off)"),
	    OPT_CALLBACK(0, "seed", cl, "N",
			 "seed of the shuffling and padding", seed_cb),
	    OPT_CALLBACK(0, "input", cl, "FILE",
			 "standard input of the commands (default: null,\n"
			 "that is /dev/null)",
			 input_cb),
	    OPT_CALLBACK(0, "output", cl, "WHERE",
			 "where their output goes: null (default), pipe,\n"
			 "inherit, or a FILE (emptied before each run)",
			 output_cb),
	    OPT_CALLBACK_F(0, "show-output", cl, NULL,
			   "same as --output=inherit", OPTF_NOARG, output_cb),
	    OPT_GROUP("Parameters"),
	    OPT_CALLBACK_N('P', "parameter-scan", cl, "NAME MIN MAX",
			   "one benchmark per value of {NAME} from MIN to MAX",
			   3, scan_cb),
	    OPT_STRING('D', "parameter-step-size", &cl->range_step, "STEP",
		       "step of -P (default 1)"),
	    OPT_CALLBACK_N('L', "parameter-list", cl, "NAME A,B,C",
			   "one benchmark per value; several -L give all\n"
			   "combinations (the first varies fastest); with\n"
			   "several commands, all of them per value",
			   2, list_cb),
	    OPT_CALLBACK('n', "command-name", cl, "NAME",
			 "name a command in the output (may use {NAME});\n"
			 "fewer names than commands name the first ones",
			 name_cb),
	    OPT_STRING(0, "reference", &cl->t.reference, "CMD",
		       "compare every command with CMD (run first)"),
	    OPT_STRING(0, "reference-name", &cl->t.reference_name, "NAME",
		       "name of the --reference command"),
	    OPT_GROUP("Measurement"),
	    OPT_CALLBACK(0, "metric", cl, "M",
			 "primary metric for the summary, comparison and\n"
			 "gate: wall (default), cpu, user, sys, rss,\n"
			 "task-clock, context-switches, cpu-migrations,\n"
			 "page-faults, cycles, instructions",
			 metric_cb),
	    OPT_BOOL(0, "counters", &o->counters,
		     "also count perf events per run (software events\n"
		     "always; cycles and instructions need a hardware\n"
		     "PMU, and a notice says when there is none)"),
	    OPT_GROUP("Comparison and CI"),
	    OPT_STRING(0, "baseline", &cl->baseline, "FILE",
		       "compare with a JSON export of an earlier run\n"
		       "(perfops bench or hyperfine --export-json)"),
	    OPT_DOUBLE(0, "fail-if-slower", &cl->fail_pct, "PCT",
		       "exit 4 when a command regressed: slower than the\n"
		       "baseline with p < 0.05 and the whole 95% CI of the\n"
		       "change above PCT percent",
		       0, HUGE_VAL),
	    OPT_DOUBLE(0, "noise", &cl->noise_pct, "PCT",
		       "the noise band of the verdict without\n"
		       "--fail-if-slower (default 2)",
		       0, HUGE_VAL),
	    OPT_GROUP("Output"),
	    OPT_EXPORT("export-json", BE_JSON,
		       "every run (time, user, system, exit code, peak\n"
		       "memory) and the statistics; hyperfine's fields\n"
		       "plus ours, and the machine's description"),
	    OPT_EXPORT("export-csv", BE_CSV,
		       "summary table as hyperfine writes it"),
	    OPT_EXPORT("export-markdown", BE_MARKDOWN, "the same in Markdown"),
	    OPT_EXPORT("export-asciidoc", BE_ASCIIDOC, "the same in AsciiDoc"),
	    OPT_EXPORT("export-orgmode", BE_ORG, "the same in Org mode"),
	    OPT_EXPORT("export-svg", BE_SVG,
		       "the distributions of all commands side by side"),
	    OPT_EXPORT("export-html", BE_HTML,
		       "the same plot with a table, one page"),
	    OPT_BOOL(0, "json", &cl->json,
		     "print the JSON export instead of the text summary"),
	    OPT_BOOL(0, "histogram", &cl->po.histogram,
		     "a terminal histogram of each command's runs"),
	    OPT_BOOL('E', "show-elapsed", &cl->show_elapsed,
		     "accepted for hyperfine's scripts: the progress\n"
		     "line always shows the time elapsed"),
	    OPT_CHOICE('u', "time-unit", &cl->unit, "UNIT",
		       "millisecond, second or microsecond", units),
	    OPT_CHOICE(0, "sort", &cl->sort, "ORDER",
		       "auto (summary by speed, tables in given order),\n"
		       "command, or mean-time",
		       sorts),
	    OPT_CHOICE(0, "style", &cl->style, "STYLE",
		       "auto, basic, full, nocolor, color or none", styles),
	    OPT_END(),
	};
	int n = parse_options(argc, argv, &doc, options, 0);

	if (cl->warmup >= 0)
		o->warmup = cl->warmup;
	if (cl->runs >= 0)
		o->runs = cl->runs;
	if (cl->max_runs >= 0)
		o->max_runs = cl->max_runs;
	if (cl->min_runs >= 0)
		o->min_runs = cl->min_runs;
	/* hyperfine: -M below the default minimum lowers the minimum. */
	else if (o->max_runs && o->min_runs > o->max_runs)
		o->min_runs = o->max_runs;
	cl->po.sort = (enum bench_sort)cl->sort;
	cl->po.unit = (enum bench_unit)cl->unit;
	return n;
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
 * A stop signal this soon after the first is the same request delivered
 * twice: timeout(1) and service managers signal perfops and then its
 * whole process group.
 */
#define STOP_REPEAT_NS 1000000000ull

/*
 * The first SIGINT/SIGTERM/SIGHUP stops the benchmark: the launcher kills
 * the run in progress, and what was measured so far is summarised and
 * exported.  A second one, a second or more later, ends perfops at once.
 */
static void on_stop_signal(int sig)
{
	static uint64_t first_ns;
	uint64_t now = sys_now_ns();

	if (bench_stop_requested()) {
		if (now - first_ns < STOP_REPEAT_NS)
			return;
		atomic_cleanup_signal_safe();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	first_ns = now;
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
		struct stat st;

		if (cli_check_output(e->path) < 0)
			return -1;
		/* A file (or none yet): create its temporary file now, so
		 * that nothing found only after the runs can lose them.  A
		 * FIFO or device is opened when the results are ready: a
		 * FIFO's open would wait for its reader. */
		if (strcmp(e->path, "-") &&
		    (stat(e->path, &st) || S_ISREG(st.st_mode))) {
			if (atomic_open(&e->af, e->path))
				return -1;
			e->open = 1;
		}
	}
	return 0;
}

/* Write and commit every export (abort those open when ok is 0). */
static int close_exports(struct bench_cli *cl, int ok)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < cl->exports.len; i++) {
		struct export_req *e = &cl->exports.v[i];

		if (!ok) {
			if (e->open)
				atomic_abort(&e->af);
			e->open = 0;
			continue;
		}
		if (!e->open && atomic_open(&e->af, e->path)) {
			ret = -1;
			continue;
		}
		e->open = 0;
		bench_export_fp(&cl->b, e->kind, e->af.fp, &cl->po);
		if (atomic_commit(&e->af))
			ret = -1;
	}
	return ret;
}

/*
 * A command failed and ended the benchmark.  hyperfine rewrites its exports
 * after each benchmark, so they hold the commands finished before the
 * failure: do the same (nothing when none finished; with --interleave,
 * none is finished before the last round).  They are the ones shown.
 */
static void export_finished(struct bench_cli *cl)
{
	size_t nr = cl->b.nr_cmds;

	if (!cl->shown)
		return;
	cl->b.nr_cmds = cl->shown;
	close_exports(cl, 1);
	cl->b.nr_cmds = nr;
}

static int use_color(int style)
{
	if (style == STYLE_FULL || style == STYLE_COLOR)
		return 1;
	if (style != STYLE_AUTO)
		return 0;
	return isatty(1) && !getenv("NO_COLOR");
}

/* The commands are argv[0..argc), the positional arguments. */
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
	/* Else the second of two {x} would never be substituted. */
	for (i = 0; i < cl->scans.len; i++) {
		size_t j;

		for (j = 0; j < i; j++) {
			if (strcmp(cl->scans.v[i].name, cl->scans.v[j].name))
				continue;
			cli_usage_error(
			    CMD,
			    "parameter '%s' is given twice (-L/-P): "
			    "give each name once",
			    cl->scans.v[i].name);
			return -1;
		}
	}
	cl->t.cmds = (const char **)argv;
	cl->t.nr_cmds = (size_t)argc;
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
	      b->stopped == SIGINT    ? "SIGINT"
	      : b->stopped == SIGTERM ? "SIGTERM"
				      : "SIGHUP",
	      runs, runs == 1 ? "" : "s");
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
	launcher.pid = launcher.fd = -1;
	bench_init(&cl.b);
	cl.fail_pct = -1;
	cl.noise_pct = 2;
	cl.warmup = cl.runs = cl.min_runs = cl.max_runs = -1;
	cl.b.opts.shell = bench_split_args("sh");
	argc = parse_args(&cl, argc, argv);
	if (!argc) {
		ret = cli_usage_error(CMD, "no command to benchmark");
		goto out;
	}
	/* One of them would be ignored; hyperfine refuses them together. */
	if (cl.runs >= 0 && (cl.min_runs >= 0 || cl.max_runs >= 0)) {
		ret = cli_usage_error(CMD, "--runs cannot be combined with %s",
				      cl.min_runs >= 0 ? "--min-runs"
						       : "--max-runs");
		goto out;
	}
	if (cl.b.opts.max_runs && cl.b.opts.min_runs > cl.b.opts.max_runs) {
		ret = cli_usage_error(CMD,
				      "--min-runs %ld is above --max-runs "
				      "%ld",
				      cl.b.opts.min_runs, cl.b.opts.max_runs);
		goto out;
	}
	/* Before the commands are built (400 parameter values make perfops
	 * grow): the fallback launcher is a copy of perfops as it is now. */
	if (bench_launcher_start(&launcher)) {
		ret = EXIT_ENV;
		goto out;
	}
	cl.b.launcher = &launcher;
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

	cl.text = !cl.json && cl.style != STYLE_NONE;
	cl.po.color = use_color(cl.style);
	cl.b.opts.quiet = cl.style == STYLE_BASIC || cl.style == STYLE_NONE;
	cl.b.start_cb = print_start;
	cl.b.done_cb = print_done;
	cl.b.cb_data = &cl;
	catch_stop_signals();
	if (bench_run(&cl.b)) {
		/* A --cleanup failed after all the interleaved runs: they
		 * are shown and exported, as in the sequential order. */
		if (cl.b.runs_complete) {
			bench_summarize(&cl.b);
			for (i = 0; i < cl.b.nr_cmds; i++)
				print_done(&cl.b, i, &cl);
		}
		export_finished(&cl);
		goto out;
	}
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
