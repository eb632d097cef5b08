#include "core/compat.h"
#include "core/progress.h"
#include <criterion/criterion.h>
#include <poll.h>
#include <time.h>

static void nap(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

/* Run a 0.8 s progress on a stderr that is fd; return what was written. */
static size_t drive(int fd, char *buf, size_t size, int rfd)
{
	struct progress p;
	int saved = dup(2);
	size_t got;
	ssize_t n;
	int i;

	dup2(fd, 2);
	progress_start(&p, "collapsing", 100);
	for (i = 1; i <= 8; i++) {
		nap(0.1);
		progress_update(&p, (uint64_t)i * 10);
	}
	progress_stop(&p);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	/* The terminal hands the bytes over asynchronously: read until it
	 * has been quiet for 200 ms. */
	for (got = 0; got < size - 1;) {
		struct pollfd pfd = {rfd, POLLIN, 0};

		if (poll(&pfd, 1, 200) <= 0)
			break;
		n = read(rfd, buf + got, size - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

Test(progress, silent_when_not_a_terminal)
{
	int fds[2];
	char buf[4096];

	cr_assert_eq(pipe(fds), 0);
	unsetenv("PERFOPS_NO_PROGRESS");
	cr_assert_eq(drive(fds[1], buf, sizeof(buf), fds[0]), 0);
	close(fds[0]);
	close(fds[1]);
}

Test(progress, drawn_and_erased_on_a_terminal)
{
	char buf[4096];
	int m = posix_openpt(O_RDWR | O_NOCTTY), s;

	cr_assert_geq(m, 0);
	cr_assert_eq(grantpt(m), 0);
	cr_assert_eq(unlockpt(m), 0);
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	cr_assert_geq(s, 0);
	unsetenv("PERFOPS_NO_PROGRESS");
	cr_assert_gt(drive(s, buf, sizeof(buf), m), 0);
	cr_assert(strstr(buf, "collapsing: "), "got '%s'", buf);
	cr_assert(strstr(buf, "%"), "a percentage is shown");
	/* The last thing written erases the line. */
	cr_assert(strlen(buf) >= 4 &&
		  !strcmp(buf + strlen(buf) - 4, "\r\033[K"));

	setenv("PERFOPS_NO_PROGRESS", "1", 1);
	cr_assert_eq(drive(s, buf, sizeof(buf), m), 0);
	close(s);
	close(m);
}
