#include "core/compat.h"
#include "cli/cli.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include <signal.h>

#ifndef PERFOPS_VERSION
#define PERFOPS_VERSION "unknown"
#endif

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Sorted by name, like git.c's table; `perfops help` lists it in order. */
static const struct cmd_struct commands[] = {
    {"bench", cmd_bench, "benchmark commands with sound statistics"},
    {"bundle", cmd_bundle,
     "what the bytes of JS/CSS bundles come from (source maps)"},
    {"collapse", cmd_collapse,
     "fold perf script output into stacks (stackcollapse-perf.pl)"},
    {"diagnose", cmd_diagnose,
     "watch a process and name its performance symptom"},
    {"diff", cmd_diff, "compare two profiles: folded diff or red/blue SVG"},
    {"explain", cmd_explain,
     "analyze a PostgreSQL EXPLAIN plan: own times, findings, fixes"},
    {"flamegraph", cmd_flamegraph, "draw an interactive SVG flame graph"},
    {"guide", cmd_guide,
     "the decision tree: symptoms, causes, next steps, fixes"},
    {"heap", cmd_heap,
     "trace heap allocations: peak, leaks, hot allocators (heaptrack)"},
    {"load", cmd_load,
     "HTTP load: closed and open loop, correct latency, thresholds"},
    {"queries", cmd_queries,
     "digest PostgreSQL query logs by fingerprint (pt-query-digest)"},
    {"record", cmd_record,
     "sample stacks with perf_event_open and write a profile"},
    {"report", cmd_report,
     "top functions of a profile (pprof, folded, perf script)"},
};

static const char main_usage[] =
    "usage: perfops [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "perfops takes you from a performance symptom to its cause.\n"
    "\n"
    "Commands:\n";

static void print_main_usage(FILE *fp)
{
	size_t i;

	fputs(main_usage, fp);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(fp, "  %-12s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nSee 'perfops help COMMAND' for the manual of one command.\n",
	      fp);
}

static const struct cmd_struct *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Damerau-free Levenshtein distance, enough to catch typos. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64];

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			best = MIN(best, row[j - 1] + 1);
			best = MIN(best, up + 1);
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int unknown_command(const char *name)
{
	const char *best = NULL;
	size_t i, best_d = SIZE_MAX;
	struct strbuf shown = STRBUF_INIT;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t d = edit_distance(name, commands[i].name);

		if (!strncmp(commands[i].name, name, strlen(name)) && *name)
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = commands[i].name;
		}
	}
	utf8_add_printable(&shown, name, strlen(name));
	if (best && best_d <= 3)
		fprintf(stderr,
			"perfops: '%s' is not a perfops command; did you mean "
			"'%s'? (see 'perfops help')\n",
			shown.buf, best);
	else
		fprintf(stderr,
			"perfops: '%s' is not a perfops command (see 'perfops "
			"help')\n",
			shown.buf);
	strbuf_release(&shown);
	return EXIT_USAGE;
}

/* Print the manual of c, as `perfops help CMD` and `perfops CMD --help`. */
static int show_manual(const struct cmd_struct *c)
{
	char *argv[] = {(char *)c->name, (char *)"--help", NULL};

	return c->fn(2, argv);
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd_struct *c;

	if (argc < 2) {
		print_main_usage(stdout);
		return cli_finish_stdout() ? EXIT_FAIL : EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	return show_manual(c);
}

static void on_fatal_signal(int sig)
{
	atomic_cleanup_signal_safe();
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	const struct cmd_struct *c;
	int ret;

	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
	/* A closed pipe is an EPIPE write error, handled where it happens. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		print_main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("perfops %s\n", PERFOPS_VERSION);
		return cli_finish_stdout() ? EXIT_FAIL : EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return cmd_help(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		fprintf(stderr,
			"perfops: unknown option '%s' (see 'perfops help')\n",
			argv[1]);
		return EXIT_USAGE;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	/* `perfops CMD --help` prints the manual: the option table of every
	 * command does it. */
	ret = c->fn(argc - 1, argv + 1);
	if (cli_finish_stdout() && !ret)
		ret = EXIT_FAIL;
	return ret;
}
