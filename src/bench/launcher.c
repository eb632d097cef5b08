#include "core/compat.h"
#include "bench/bench.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "sys/part.h"
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

/*
 * The launcher: a small program (perfops-launcher, linked with libc only)
 * started when `perfops bench` starts, which starts every run with
 * fork+exec and reports its measurements back over a socket.  Linux
 * carries the peak RSS of the memory a process leaves at exec over into
 * the exec'd program's peak (ru_maxrss), so a child of perfops itself
 * would report at least what perfops has written (a vfork child: all of
 * perfops' resident memory, 2.6 MiB and growing).  A forked child of the
 * launcher leaves only a copy of the launcher's written pages (about what
 * a child of GNU time leaves), so its ru_maxrss is the program's own as
 * soon as the program uses more than that.  Without the launcher program
 * (perfops copied alone), a forked copy of perfops serves instead, whose
 * written pages (the data of every library perfops links) come to about
 * 1 MiB.
 */

enum { FD_IN, FD_OUT, FD_ERR, FD_DRAIN, FD_NR };

struct launch_req {
	uint32_t argc, envc, blob_len;
	uint32_t fd_mask; /* bit per FD_*: sent with the header */
	double timeout;
	int32_t use_cpus;
	int32_t counters;
	uint32_t counters_enabled;
	cpu_set_t cpus;
};

struct launch_resp {
	int32_t ret; /* 0 or -errno */
	int32_t stopped;
	struct spawn_result res;
	uint32_t counters_ok;
	uint64_t counter[PC_NR];
};

static volatile sig_atomic_t stop_sig;
static volatile pid_t running_pid;
static pid_t launcher_pid;

/* Kill the run in progress and its process group. */
static void kill_running(void)
{
	pid_t pid = running_pid;

	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

static void on_launcher_signal(int sig)
{
	stop_sig = sig;
	kill_running();
}

void bench_request_stop(int sig)
{
	int e = errno;

	stop_sig = sig;
	if (launcher_pid > 0)
		kill(launcher_pid, SIGTERM);
	errno = e;
}

int bench_stop_requested(void)
{
	return stop_sig;
}

/* Read (or write) all of len bytes, through EINTR; -1 at EOF or error. */
static int xfer_full(int fd, void *buf, size_t len, int writing)
{
	char *p = buf;

	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	return xfer_full(fd, buf, len, 0);
}

static int write_full(int fd, const void *buf, size_t len)
{
	return xfer_full(fd, (void *)buf, len, 1);
}

/* The header with its fds, as one message. */
static int send_header(int sock, const struct launch_req *rq, const int *fds,
		       int nfds)
{
	char ctl[CMSG_SPACE(sizeof(int) * FD_NR)];
	struct iovec iov = {(void *)rq, sizeof(*rq)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	memset(ctl, 0, sizeof(ctl));
	if (nfds) {
		struct cmsghdr *cm;

		msg.msg_control = ctl;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*rq) ? 0 : -1;
}

static int recv_header(int sock, struct launch_req *rq, int *fds, int *nfds)
{
	char ctl[CMSG_SPACE(sizeof(int) * FD_NR)];
	struct iovec iov = {rq, sizeof(*rq)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	ssize_t n;

	msg.msg_control = ctl;
	msg.msg_controllen = sizeof(ctl);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	*nfds = 0;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			*nfds =
			    (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)*nfds);
		}
	if ((size_t)n < sizeof(*rq) &&
	    read_full(sock, (char *)rq + n, sizeof(*rq) - (size_t)n))
		return -1;
	return 0;
}

struct started_ctx {
	const sigset_t *mask;
};

/* The child runs: a stop signal from now on kills it. */
static void on_started(pid_t pid, void *arg)
{
	struct started_ctx *ctx = arg;

	running_pid = pid;
	sigprocmask(SIG_SETMASK, ctx->mask, NULL);
}

/* Split the blob into argv and envp (pointers into the blob). */
static char **split_blob(char *blob, uint32_t len, uint32_t count,
			 uint32_t *used)
{
	char **v = xcalloc((size_t)count + 1, sizeof(*v));
	uint32_t i;

	for (i = 0; i < count; i++) {
		size_t l;

		if (*used >= len)
			break;
		v[i] = blob + *used;
		l = strnlen(v[i], len - *used);
		*used += (uint32_t)l + 1;
	}
	return v;
}

/* Serve one request; -1 when perfops has gone (end of the socket). */
static int serve_one(int sock, const sigset_t *orig, const sigset_t *blocked)
{
	struct launch_req rq;
	struct launch_resp rp;
	struct spawn_opts so;
	struct perf_counters pc;
	struct started_ctx ctx = {orig};
	int fds[FD_NR], slot[FD_NR], nfds = 0, i, k;
	char *blob;
	char **argv, **envp;
	uint32_t used = 0;

	if (recv_header(sock, &rq, fds, &nfds))
		return -1;
	/* Stop signals wait while a child is being created, so that the
	 * handler always knows which child to kill. */
	sigprocmask(SIG_BLOCK, blocked, NULL);
	blob = xmalloc((size_t)rq.blob_len + 1);
	if (read_full(sock, blob, rq.blob_len)) {
		free(blob);
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		return -1;
	}
	blob[rq.blob_len] = '\0';
	for (i = 0, k = 0; i < FD_NR; i++)
		slot[i] = (rq.fd_mask & (1u << i)) && k < nfds ? fds[k++] : -1;
	argv = split_blob(blob, rq.blob_len, rq.argc, &used);
	envp = split_blob(blob, rq.blob_len, rq.envc, &used);

	memset(&so, 0, sizeof(so));
	memset(&rp, 0, sizeof(rp));
	memset(&pc, 0, sizeof(pc));
	so.argv = argv;
	so.envp = envp;
	so.stdin_fd = slot[FD_IN];
	so.stdout_fd = slot[FD_OUT];
	so.stderr_fd = slot[FD_ERR];
	so.drain_fd = slot[FD_DRAIN];
	so.cpus = rq.use_cpus ? &rq.cpus : NULL;
	so.timeout = rq.timeout;
	so.fresh_mm = 1;
	/* Its own group, so that a stop kills whatever it started too. */
	so.own_group = 1;
	so.child_sigmask = orig;
	so.started = on_started;
	so.started_arg = &ctx;
	if (rq.counters) {
		pc.enabled = rq.counters_enabled;
		so.counters = &pc;
	}
	if (stop_sig)
		rp.ret = -EINTR;
	else
		rp.ret = spawn_run(&so, &rp.res);
	sigprocmask(SIG_BLOCK, blocked, NULL);
	running_pid = 0;
	sigprocmask(SIG_SETMASK, orig, NULL);
	rp.stopped = stop_sig;
	rp.counters_ok = pc.ok;
	memcpy(rp.counter, pc.value, sizeof(rp.counter));
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	free(argv);
	free(envp);
	free(blob);
	return write_full(sock, &rp, sizeof(rp));
}

int bench_launcher_serve(int sock)
{
	struct sigaction sa;
	sigset_t orig, blocked;

	/* The socket came through exec without close-on-exec: the runs
	 * started from here must not inherit it. */
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_launcher_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGHUP);
	sigprocmask(SIG_BLOCK, NULL, &orig);
	while (!serve_one(sock, &orig, &blocked))
		;
	return 0;
}

/* perfops-launcher next to perfops (build tree) or in libexec. */
static void exec_launcher(int sock)
{
	char path[PATH_MAX], fd[16];
	char *const argv[] = {"perfops-launcher", fd, NULL};

	if (sys_find_part("perfops-launcher", path, sizeof(path)) < 0)
		return;
	snprintf(fd, sizeof(fd), "%d", sock);
	execv(path, argv);
}

int bench_launcher_start(struct bench_launcher *l)
{
	int sv[2];
	pid_t pid;

	l->pid = -1;
	l->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return error_errno("cannot create the launcher's socket");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return error_errno("cannot start the launcher process");
	}
	if (pid == 0) {
		close(sv[0]);
		/* The socket must survive the exec. */
		fcntl(sv[1], F_SETFD, 0);
		exec_launcher(sv[1]);
		_exit(bench_launcher_serve(sv[1]));
	}
	close(sv[1]);
	l->pid = pid;
	l->fd = sv[0];
	launcher_pid = pid;
	return 0;
}

void bench_launcher_stop(struct bench_launcher *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->pid > 0)
		while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
			;
	launcher_pid = 0;
	l->fd = -1;
	l->pid = -1;
}

static void add_strings(struct strbuf *sb, char *const *v, uint32_t *count)
{
	for (*count = 0; v && v[*count]; (*count)++)
		strbuf_add(sb, v[*count], strlen(v[*count]) + 1);
}

extern char **environ;

int bench_launcher_run(struct bench_launcher *l, const struct spawn_opts *o,
		       struct spawn_result *r, int *stopped)
{
	struct launch_req rq;
	struct launch_resp rp;
	struct strbuf sb = STRBUF_INIT;
	const int want[FD_NR] = {o->stdin_fd, o->stdout_fd, o->stderr_fd,
				 o->drain_fd};
	int fds[FD_NR], nfds = 0, i, ret = -EPIPE;

	memset(&rq, 0, sizeof(rq));
	for (i = 0; i < FD_NR; i++)
		if (want[i] >= 0) {
			rq.fd_mask |= 1u << i;
			fds[nfds++] = want[i];
		}
	add_strings(&sb, o->argv, &rq.argc);
	add_strings(&sb, o->envp ? o->envp : environ, &rq.envc);
	rq.blob_len = (uint32_t)sb.len;
	rq.timeout = o->timeout;
	rq.use_cpus = o->cpus != NULL;
	if (o->cpus)
		rq.cpus = *o->cpus;
	rq.counters = o->counters != NULL;
	if (o->counters)
		rq.counters_enabled = o->counters->enabled;
	if (send_header(l->fd, &rq, fds, nfds) ||
	    write_full(l->fd, sb.buf, sb.len) ||
	    read_full(l->fd, &rp, sizeof(rp)))
		goto out;
	*r = rp.res;
	*stopped = rp.stopped;
	if (o->counters) {
		o->counters->ok = rp.counters_ok;
		memcpy(o->counters->value, rp.counter, sizeof(rp.counter));
	}
	ret = rp.ret;
out:
	strbuf_release(&sb);
	return ret;
}
