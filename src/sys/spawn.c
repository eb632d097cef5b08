#include "core/compat.h"
#include "sys/spawn.h"
#include "sys/perf-counter.h"
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

double sys_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t sys_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The child side, between fork (or vfork) and exec: only system calls, no
 * allocation, so that it is safe in a vfork child sharing our memory.
 * With a timeout the child leads its own process group, so that killing
 * the group also ends what a shell started.
 */
static void __attribute__((noinline, noreturn))
child_exec(const struct spawn_opts *o, int go_fd, int err_fd,
	   volatile int *shared_err)
{
	int e;

	if (go_fd >= 0) {
		char c;

		/* Wait until the parent has attached the counters. */
		if (read(go_fd, &c, 1) != 1)
			_exit(127);
	}
	if (o->timeout > 0 || o->own_group) {
		setpgid(0, 0);
		/* A group of its own is in the background of the terminal,
		 * where setting the terminal's modes (stty, editors, pagers)
		 * stops the process with SIGTTOU, and reading it with
		 * SIGTTIN, for ever.  Ignored, they go through (reads fail
		 * with EIO), as in the foreground where hyperfine runs them. */
		signal(SIGTTOU, SIG_IGN);
		signal(SIGTTIN, SIG_IGN);
	}
	if (o->stdin_fd >= 0 && dup2(o->stdin_fd, 0) < 0)
		goto fail;
	if (o->stdout_fd >= 0 && dup2(o->stdout_fd, 1) < 0)
		goto fail;
	if (o->stderr_fd >= 0 && dup2(o->stderr_fd, 2) < 0)
		goto fail;
	if (o->cpus && sched_setaffinity(0, sizeof(*o->cpus), o->cpus) < 0)
		goto fail;
	signal(SIGPIPE, SIG_DFL);
	/* Last: a signal the caller held back while creating us now finds
	 * us in our own group, about to exec. */
	if (o->child_sigmask)
		sigprocmask(SIG_SETMASK, o->child_sigmask, NULL);
	execvpe(o->argv[0], o->argv, o->envp ? o->envp : environ);
fail:
	e = errno;
	if (shared_err)
		*shared_err = e;
	if (err_fd >= 0 && write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static void drain(int fd, int *open_fd)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		*open_fd = 0;
}

static int child_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid == pid;
}

/*
 * Wait for a timeout or for output to drain: poll on a pidfd (and the
 * output pipe); at the deadline kill the child's process group.  Without
 * pidfds (kernels before 5.3) the child is polled every millisecond.
 */
static void wait_watch(pid_t pid, const struct spawn_opts *o, double start,
		       struct spawn_result *r)
{
	int pidfd = pidfd_open_compat(pid);
	int draining = o->drain_fd >= 0;

	for (;;) {
		struct pollfd pf[2];
		int nfd = 0, ms = -1;

		if (pidfd >= 0)
			pf[nfd++] =
			    (struct pollfd){.fd = pidfd, .events = POLLIN};
		else if (child_exited(pid))
			break;
		if (draining)
			pf[nfd++] = (struct pollfd){.fd = o->drain_fd,
						    .events = POLLIN};
		if (o->timeout > 0) {
			double left = start + o->timeout - sys_now();

			if (left <= 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				r->timed_out = 1;
				break;
			}
			ms = (int)(left * 1000) + 1;
		}
		if (pidfd < 0 && (ms < 0 || ms > 1))
			ms = 1;
		if (poll(pf, nfd, ms) < 0 && errno != EINTR)
			break;
		if (draining && (pf[nfd - 1].revents & (POLLIN | POLLHUP)))
			drain(o->drain_fd, &draining);
		if (pidfd >= 0 && (pf[0].revents & POLLIN))
			break;
	}
	if (pidfd >= 0)
		close(pidfd);
}

/*
 * fork() without glibc's atfork handlers and lock juggling (_Fork, glibc
 * 2.34): the child only makes system calls before exec, and every page
 * that work touches would count in the run's peak RSS (about 100 KiB).
 */
static pid_t raw_fork(void)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
	return _Fork();
#else
	return fork();
#endif
}

/*
 * Fork the child of o with a pipe that reports its exec error and, when
 * held, a pipe it waits on before exec; *start (when not NULL) is read
 * right before the fork.  Nothing is left open on failure.
 */
static int fork_child(const struct spawn_opts *o, int held,
		      struct spawn_held *h, double *start)
{
	int go[2] = {-1, -1}, errp[2], e;
	pid_t pid;

	h->pid = -1;
	h->go_fd = h->err_fd = -1;
	if (held && pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		e = errno;
		if (held) {
			close(go[0]);
			close(go[1]);
		}
		return -e;
	}
	if (start)
		*start = sys_now();
	pid = raw_fork();
	if (pid == 0) {
		if (held)
			close(go[1]);
		close(errp[0]);
		child_exec(o, go[0], errp[1], NULL);
	}
	e = errno;
	if (held)
		close(go[0]);
	close(errp[1]);
	if (pid < 0) {
		if (held)
			close(go[1]);
		close(errp[0]);
		return -e;
	}
	h->pid = pid;
	h->go_fd = go[1];
	h->err_fd = errp[0];
	return 0;
}

int spawn_hold(const struct spawn_opts *o, struct spawn_held *h)
{
	return fork_child(o, 1, h, NULL);
}

int spawn_go(struct spawn_held *h)
{
	int e, child_err = 0;

	if (h->go_fd >= 0) {
		if (write(h->go_fd, "x", 1) != 1)
			child_err = EPIPE;
		close(h->go_fd);
		h->go_fd = -1;
	}
	/* EOF (0 bytes) means the exec succeeded and closed the pipe. */
	if (read(h->err_fd, &e, sizeof(e)) == sizeof(e))
		child_err = e;
	close(h->err_fd);
	h->err_fd = -1;
	if (child_err) {
		waitpid(h->pid, NULL, 0);
		h->pid = -1;
		return -child_err;
	}
	return 0;
}

void spawn_abort(struct spawn_held *h)
{
	/* Closing the go pipe unblocks the child, which exits 127. */
	if (h->go_fd >= 0)
		close(h->go_fd);
	if (h->err_fd >= 0)
		close(h->err_fd);
	if (h->pid > 0)
		waitpid(h->pid, NULL, 0);
	h->pid = -1;
	h->go_fd = h->err_fd = -1;
}

int spawn_reap(pid_t pid, int *wstatus)
{
	return waitpid(pid, wstatus, WNOHANG) == pid;
}

void spawn_stop(pid_t pid, int *wstatus)
{
	if (spawn_reap(pid, wstatus))
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
		;
}

int spawn_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : 1;
}

/*
 * fork, for counters and for a fresh memory peak.  perf stat's scheme for
 * counters: the child is held until they are attached to it with
 * enable_on_exec, and the clock starts then.  Returns the pid, or a
 * negative errno (also for an exec failure reported through a pipe).
 */
static pid_t start_fork(const struct spawn_opts *o, double *start)
{
	struct spawn_held h;
	int err = fork_child(o, o->counters != NULL, &h, start);

	if (err < 0)
		return err;
	if (o->counters) {
		perf_counters_attach(o->counters, h.pid);
		*start = sys_now();
	}
	err = spawn_go(&h);
	if (err < 0) {
		if (o->counters)
			perf_counters_read(o->counters);
		return err;
	}
	return h.pid;
}

/*
 * vfork: the parent sleeps until exec, and no page tables are copied,
 * which keeps the harness overhead small.  The child reports an exec
 * failure through the shared variable.
 */
static pid_t start_vfork(const struct spawn_opts *o, double *start)
{
	volatile int child_err = 0;
	pid_t pid;

	*start = sys_now();
	pid = vfork();
	if (pid == 0)
		child_exec(o, -1, -1, &child_err);
	if (pid < 0)
		return -errno;
	if (child_err) {
		int e = child_err;

		waitpid(pid, NULL, 0);
		return -e;
	}
	return pid;
}

int spawn_run(const struct spawn_opts *o, struct spawn_result *r)
{
	struct rusage ru;
	double start = 0, end;
	int status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	pid = o->counters || o->fresh_mm ? start_fork(o, &start)
					 : start_vfork(o, &start);
	if (pid < 0)
		return (int)pid;
	if (o->started)
		o->started(pid, o->started_arg);
	if (o->timeout > 0 || o->drain_fd >= 0)
		wait_watch(pid, o, start, r);
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	end = sys_now();
	if (o->counters)
		perf_counters_read(o->counters);
	r->wall = end - start;
	r->user =
	    (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	r->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->maxrss = (uint64_t)ru.ru_maxrss * 1024;
	if (WIFEXITED(status)) {
		r->exit_code = WEXITSTATUS(status);
	} else {
		r->exit_code = -1;
		r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	return 0;
}

pid_t spawn_start(const struct spawn_opts *o)
{
	double start;

	return o->counters || o->fresh_mm ? start_fork(o, &start)
					  : start_vfork(o, &start);
}

int spawn_stop_group(pid_t pid, double grace, double *cpu)
{
	double end = sys_now() + grace;
	struct rusage ru;
	int status = 0;
	pid_t w;

	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	memset(&ru, 0, sizeof(ru));
	while ((w = wait4(pid, &status, WNOHANG, &ru)) != pid) {
		if (w < 0 && errno != EINTR)
			break;
		if (sys_now() >= end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (wait4(pid, &status, 0, &ru) < 0 &&
			       errno == EINTR)
				;
			break;
		}
		usleep(10000);
	}
	if (cpu)
		*cpu = (double)ru.ru_utime.tv_sec +
		       (double)ru.ru_utime.tv_usec / 1e6 +
		       (double)ru.ru_stime.tv_sec +
		       (double)ru.ru_stime.tv_usec / 1e6;
	return status;
}

int cpu_parse_list(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		long a, b;

		if (!isdigit((unsigned char)*s))
			return -1;
		a = strtol(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -1;
			b = strtol(end + 1, &end, 10);
		}
		if (a > b || b >= CPU_SETSIZE)
			return -1;
		for (; a <= b; a++)
			CPU_SET(a, set);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return 0;
}
