#ifndef PERFOPS_CLI_H
#define PERFOPS_CLI_H

/*
 * The command layer: one cmd_<name>() per file in src/cli/, each with its
 * options and manual in an option table (cli/parse-options.h), printed by
 * `perfops help NAME` and `perfops NAME --help`.  Commands return the
 * process exit code:
 */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_ENV = 3,
	EXIT_THRESHOLD = 4,
};

/* A command whose options and manual come from its option table. */
#define DECLARE_CMD_OPTS(name) int cmd_##name(int argc, char **argv)

DECLARE_CMD_OPTS(bench);
DECLARE_CMD_OPTS(bundle);
DECLARE_CMD_OPTS(collapse);
DECLARE_CMD_OPTS(diagnose);
DECLARE_CMD_OPTS(diff);
DECLARE_CMD_OPTS(explain);
DECLARE_CMD_OPTS(flamegraph);
DECLARE_CMD_OPTS(guide);
DECLARE_CMD_OPTS(heap);
DECLARE_CMD_OPTS(load);
DECLARE_CMD_OPTS(queries);
DECLARE_CMD_OPTS(record);
DECLARE_CMD_OPTS(report);

/* Print "perfops CMD: MESSAGE" and the help hint; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Strict integer parsing for option values; reports and returns -1 on
 * junk. */
int cli_parse_long(const char *cmd, const char *opt, const char *s, long *out);

/* Output files whose format follows from their name. */
enum cli_out_format {
	CLI_OUT_NONE = 0,   /* an extension perfops does not know */
	CLI_OUT_FOLDED,	    /* .folded .txt .collapsed */
	CLI_OUT_SVG,	    /* .svg: a flame graph */
	CLI_OUT_PPROF,	    /* .pb.gz .pb .pprof */
	CLI_OUT_SPEEDSCOPE, /* .json */
};
enum cli_out_format cli_out_format(const char *path);
/*
 * Write p to path ("-" = stdout) atomically in fmt (CLI_OUT_NONE means
 * folded).  fo styles an SVG (NULL: flamegraph.pl's defaults); name is
 * the profile's name in speedscope.  Reports its own errors.
 */
struct profile;
struct flame_opts;
int cli_write_profile(const struct profile *p, const char *path,
		      enum cli_out_format fmt, const struct flame_opts *fo,
		      const char *name);

/*
 * Check that an output could be written, before the work that fills it
 * (see atomic_check()); reports its own errors.
 */
int cli_check_output(const char *path);

/*
 * Flush stdout and report a write error (a full disk); a reader that went
 * away ends the process quietly, killed by SIGPIPE, as filters do.
 */
int cli_finish_stdout(void);

#endif
