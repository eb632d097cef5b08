#include "core/compat.h"
#include "core/error.h"
#include "core/atomic.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include <signal.h>

static int quiet;

void error_set_quiet(int q)
{
	quiet = q;
}

static void report(const char *prefix, const char *fmt, va_list ap,
		   const char *suffix)
{
	char msg[4096];
	struct strbuf line = STRBUF_INIT;

	if (quiet)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Messages quote names from binaries and inputs: their control
	 * characters are shown escaped, never sent to the terminal. */
	strbuf_addf(&line, "perfops: %s", prefix);
	utf8_add_printable(&line, msg, strlen(msg));
	if (suffix)
		strbuf_addf(&line, ": %s", suffix);
	strbuf_addch(&line, '\n');
	/* One write() per message so that lines from threads never interleave.
	 */
	fputs(line.buf, stderr);
	strbuf_release(&line);
}

/*
 * A reader that went away (`perfops report p | head`) is no failure worth
 * a message: end as grep and sort do, killed by SIGPIPE without a word
 * (status 141 in a shell), after removing temporary files.  SIGPIPE itself
 * is ignored so that writes to the pipes of child processes fail with
 * EPIPE rather than kill perfops; this brings the default back for the
 * outputs only.
 */
static void end_if_broken_pipe(int err)
{
	if (err != EPIPE || !atomic_broken_pipe())
		return;
	atomic_cleanup_signal_safe();
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(128 + SIGPIPE);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("", fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	end_if_broken_pipe(saved);
	va_start(ap, fmt);
	report("", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
	return -1;
}

int error_code(int neg_errno, const char *fmt, ...)
{
	va_list ap;

	end_if_broken_pipe(-neg_errno);
	va_start(ap, fmt);
	report("", fmt, ap, strerror(-neg_errno));
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("warning: ", fmt, ap, NULL);
	va_end(ap);
}

void notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("notice: ", fmt, ap, NULL);
	va_end(ap);
}
