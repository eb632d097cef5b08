#include "core/compat.h"
#include "cli/cli.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/utf8.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The message quotes the command line: escape what a terminal runs. */
	utf8_add_printable(&sb, msg, strlen(msg));
	fprintf(stderr, "perfops %s: %s (see 'perfops help %s')\n", cmd, sb.buf,
		cmd);
	strbuf_release(&sb);
	return EXIT_USAGE;
}

int cli_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
	       const struct option *longopts)
{
	char opts[128];
	int c;

	/* A leading ':' makes getopt tell a missing value (':') from an
	 * unknown option ('?'), and opterr = 0 silences its own messages. */
	snprintf(opts, sizeof(opts), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c == ':') {
		if (optopt)
			cli_usage_error(cmd, "option '-%c' needs a value",
					optopt);
		else
			cli_usage_error(cmd, "option '%s' needs a value",
					argv[optind - 1]);
		return -2;
	}
	if (c == '?') {
		if (optopt)
			cli_usage_error(cmd, "unknown option '-%c'", optopt);
		else
			cli_usage_error(cmd, "unknown option '%s'",
					argv[optind - 1]);
		return -2;
	}
	return c;
}

int cli_parse_double(const char *cmd, const char *opt, const char *s,
		     double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (!*s || *end || errno) {
		cli_usage_error(cmd, "%s expects a number, not '%s'", opt, s);
		return -1;
	}
	return 0;
}

int cli_parse_long(const char *cmd, const char *opt, const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (!*s || *end || errno) {
		cli_usage_error(cmd, "%s expects an integer, not '%s'", opt, s);
		return -1;
	}
	return 0;
}

int cli_finish_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		/* errno may be stale when an earlier write failed. */
		if (atomic_broken_pipe())
			errno = EPIPE;
		return error_errno("cannot write to standard output");
	}
	return 0;
}
