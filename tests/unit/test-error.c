#include "core/compat.h"
#include "core/error.h"
#include <criterion/criterion.h>
#include <criterion/redirect.h>

static void redirect(void)
{
	cr_redirect_stderr();
}

Test(error, reports_once_and_returns_minus_one, .init = redirect)
{
	cr_assert_eq(error("cannot open '%s'", "x.svg"), -1);
	fflush(stderr);
	cr_assert_stderr_eq_str("perfops: cannot open 'x.svg'\n");
}

Test(error, errno_text_and_errno_kept, .init = redirect)
{
	errno = ENOENT;
	cr_assert_eq(error_errno("cannot read '%s'", "in"), -1);
	cr_assert_eq(errno, ENOENT);
	fflush(stderr);
	cr_assert_stderr_eq_str(
	    "perfops: cannot read 'in': No such file or directory\n");
}

Test(error, negative_errno_and_warning, .init = redirect)
{
	cr_assert_eq(error_code(-EACCES, "perf_event_open"), -1);
	warning("%d lines ignored", 3);
	fflush(stderr);
	cr_assert_stderr_eq_str("perfops: perf_event_open: Permission denied\n"
				"perfops: warning: 3 lines ignored\n");
}

Test(error, quiet_silences, .init = redirect)
{
	error_set_quiet(1);
	cr_assert_eq(error("hidden"), -1);
	error_set_quiet(0);
	fflush(stderr);
	cr_assert_stderr_eq_str("");
}

Test(error, control_characters_are_shown_escaped, .init = redirect)
{
	error("cannot open '%s'", "t\x1b]0;pwned\x07\x1b[2J");
	warning("bad byte \xff in '%s'", "x\x9b");
	fflush(stderr);
	cr_assert_stderr_eq_str(
	    "perfops: cannot open 't\\x1b]0;pwned\\x07\\x1b[2J'\n"
	    "perfops: warning: bad byte \\xff in 'x\\x9b'\n");
}

Test(error, broken_pipe_elsewhere_is_still_reported, .init = redirect)
{
	/* EPIPE from a child's pipe, with stdout fine, is a real error. */
	cr_assert_eq(error_code(-EPIPE, "cannot start 'x'"), -1);
	fflush(stderr);
	cr_assert_stderr_eq_str("perfops: cannot start 'x': Broken pipe\n");
}
