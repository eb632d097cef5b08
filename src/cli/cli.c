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
