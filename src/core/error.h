#ifndef PERFOPS_ERROR_H
#define PERFOPS_ERROR_H

/*
 * Reporting problems.  The function that detects a problem reports it once,
 * as one line on stderr ("perfops: <message>"), and returns -1; callers pass
 * the -1 up without printing again.
 */

/* Print "perfops: MESSAGE" and return -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like error(), with ": strerror(errno)" appended; errno is preserved. */
int error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like error(), but for a negative errno value returned by a sys wrapper. */
int error_code(int neg_errno, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print "perfops: warning: MESSAGE"; returns nothing. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "perfops: notice: MESSAGE" (an informational line on stderr). */
void notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Silence or restore every message above (used by fuzz targets and unit
 * tests that feed garbage on purpose).
 */
void error_set_quiet(int quiet);

#endif
