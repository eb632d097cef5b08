/*
 * Programs whose right profile is known, for the `perfops record` tests of
 * what a recorder gets wrong: built with frame pointers, like the
 * workload, so that every wrong stack is the recorder's fault.
 *
 *   perfops-cases MODE [SECONDS]
 *
 * pipe:     main -> wait_pipe -> read() (libc, no frame pointers) blocked
 *           on a pipe a thread writes a byte into every 20 ms: off-CPU
 *           time whose leaf user frame is a libc wrapper.
 * libc:     main -> scan_text -> strlen (libc) in a loop: on-CPU samples
 *           whose leaf is libc code without frame pointers.
 * spin2:    two threads ("spin-a" in spin_a, "spin-b" in spin_b) busy on
 *           the CPU: a recording under load.
 * forkexec: forks; the child spins in child_before_exec ("fe-before")
 *           for SECONDS/2, then execs `perfops-cases spin1 SECONDS/2`
 *           (comm "perfops-cases", spinning in spin_a); the parent waits.
 * spin1:    one thread in spin_a for SECONDS.
 */
#include "core/compat.h"
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;
static volatile int stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer(void *arg)
{
	int fd = *(int *)arg;
	struct timespec t = {0, 20 * 1000 * 1000};

	while (!stop) {
		nanosleep(&t, NULL);
		if (write(fd, "x", 1) != 1)
			break;
	}
	close(fd);
	return NULL;
}

/* Blocks in read(): the caller a frame-pointer walk from libc skips. */
NOINLINE long wait_pipe(int fd)
{
	char c;

	return read(fd, &c, 1);
}

static int pipe_mode(double seconds)
{
	double until = now() + seconds;
	pthread_t th;
	int p[2];

	if (pipe(p) < 0 || pthread_create(&th, NULL, writer, &p[1]))
		return 1;
	while (now() < until && wait_pipe(p[0]) == 1)
		sink++;
	stop = 1;
	pthread_join(th, NULL);
	return 0;
}

static char text[1 << 16];

/* strlen is a libc leaf without frame pointers. */
NOINLINE size_t scan_text(const char *s)
{
	return strlen(s);
}

static int libc_mode(double seconds)
{
	double until = now() + seconds;

	memset(text, 'a', sizeof(text) - 1);
	while (now() < until)
		sink += scan_text(text);
	return 0;
}

NOINLINE void spin_a(double until)
{
	unsigned long x = sink;

	while (now() < until) {
		int i;

		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005ul + 1;
	}
	sink = x;
}

NOINLINE void spin_b(double until)
{
	unsigned long x = sink;

	while (now() < until) {
		int i;

		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005ul + 3;
	}
	sink = x;
}

static void *spin_b_thread(void *arg)
{
	prctl(PR_SET_NAME, "spin-b");
	spin_b(*(double *)arg);
	return NULL;
}

static int spin2_mode(double seconds)
{
	double until = now() + seconds;
	pthread_t th;

	if (pthread_create(&th, NULL, spin_b_thread, &until))
		return 1;
	prctl(PR_SET_NAME, "spin-a");
	spin_a(until);
	pthread_join(th, NULL);
	return 0;
}

NOINLINE void child_before_exec(double until)
{
	spin_b(until);
}

static int forkexec_mode(const char *self, double seconds)
{
	char arg[32];
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		prctl(PR_SET_NAME, "fe-before");
		child_before_exec(now() + seconds / 2);
		snprintf(arg, sizeof(arg), "%g", seconds / 2);
		execl(self, self, "spin1", arg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	double seconds = argc > 2 ? strtod(argv[2], NULL) : 2;

	if (!(seconds > 0))
		seconds = 2;
	if (!strcmp(mode, "pipe"))
		return pipe_mode(seconds);
	if (!strcmp(mode, "libc"))
		return libc_mode(seconds);
	if (!strcmp(mode, "spin2"))
		return spin2_mode(seconds);
	if (!strcmp(mode, "spin1")) {
		spin_a(now() + seconds);
		return 0;
	}
	if (!strcmp(mode, "forkexec")) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n <= 0)
			return 1;
		self[n] = '\0';
		return forkexec_mode(self, seconds);
	}
	fprintf(stderr, "usage: perfops-cases "
			"pipe|libc|spin2|spin1|forkexec [SECONDS]\n");
	return 2;
}
