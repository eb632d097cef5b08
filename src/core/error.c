#include "core/compat.h"
#include "core/error.h"

static int quiet;

void error_set_quiet(int q)
{
	quiet = q;
}

static void report(const char *prefix, const char *fmt, va_list ap,
		   const char *suffix)
{
	char msg[4096];

	if (quiet)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One write() per message so that lines from threads never interleave. */
	fprintf(stderr, "perfops: %s%s%s%s\n", prefix, msg, suffix ? ": " : "",
		suffix ? suffix : "");
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

	va_start(ap, fmt);
	report("", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
	return -1;
}

int error_code(int neg_errno, const char *fmt, ...)
{
	va_list ap;

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
