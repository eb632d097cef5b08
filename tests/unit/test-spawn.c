#include "core/compat.h"
#include "sys/proc.h"
#include "sys/spawn.h"
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void held_opts(struct spawn_opts *o, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->argv = argv;
	o->stdin_fd = o->stdout_fd = o->stderr_fd = o->drain_fd = -1;
}

Test(spawn, held_child_runs_only_after_go)
{
	char *argv[] = {"sh", "-c", "exit 3", NULL};
	struct spawn_opts o;
	struct spawn_held h;
	int status = 0, fds = open_fds();

	held_opts(&o, argv);
	cr_assert_eq(spawn_hold(&o, &h), 0);
	cr_assert_gt(h.pid, 0);
	/* Held: it has not run, so it has not ended. */
	usleep(20000);
	cr_assert_eq(spawn_reap(h.pid, &status), 0);
	cr_assert_eq(spawn_go(&h), 0);
	cr_assert_eq(h.go_fd, -1);
	cr_assert_eq(h.err_fd, -1);
	cr_assert_eq(waitpid(h.pid, &status, 0), h.pid);
	cr_assert_eq(spawn_exit_status(status), 3);
	cr_assert_eq(open_fds(), fds);
}

Test(spawn, exec_error_comes_back_from_go)
{
	char *argv[] = {"/nonexistent/cmd", NULL};
	struct spawn_opts o;
	struct spawn_held h;
	int fds = open_fds();

	held_opts(&o, argv);
	cr_assert_eq(spawn_hold(&o, &h), 0);
	cr_assert_eq(spawn_go(&h), -ENOENT);
	/* Reaped already. */
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
	cr_assert_eq(open_fds(), fds);
}

Test(spawn, abort_never_runs_the_command)
{
	char path[] = "/tmp/perfops-spawn-XXXXXX";
	char cmd[128];
	char *argv[] = {"sh", "-c", cmd, NULL};
	struct spawn_opts o;
	struct spawn_held h;
	int fd = mkstemp(path), fds;

	cr_assert_geq(fd, 0);
	close(fd);
	unlink(path);
	snprintf(cmd, sizeof(cmd), "touch %s", path);
	fds = open_fds();
	held_opts(&o, argv);
	cr_assert_eq(spawn_hold(&o, &h), 0);
	spawn_abort(&h);
	cr_assert_eq(h.pid, -1);
	cr_assert_neq(access(path, F_OK), 0, "the aborted command ran");
	cr_assert_eq(open_fds(), fds);
}

/* With room for one pipe only, the second pipe2() fails: nothing leaks. */
Test(spawn, hold_failure_leaves_no_fd_open)
{
	char *argv[] = {"true", NULL};
	struct spawn_opts o;
	struct spawn_held h;
	struct rlimit old, lim;
	int fds = open_fds(), fd, nfree = 0, err;

	/* The limit is the third free fd: only two (one pipe) fit below. */
	for (fd = 0; nfree < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			nfree++;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)fd - 1;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	held_opts(&o, argv);
	err = spawn_hold(&o, &h);
	setrlimit(RLIMIT_NOFILE, &old);
	cr_assert_eq(err, -EMFILE);
	cr_assert_eq(h.pid, -1);
	cr_assert_eq(open_fds(), fds);
}

Test(spawn, exit_status_of_a_signal)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		raise(SIGKILL);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(spawn_exit_status(status), 128 + SIGKILL);
}

Test(spawn, stop_ends_a_running_child)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		pause();
		_exit(0);
	}
	spawn_stop(pid, &status);
	cr_assert_eq(spawn_exit_status(status), 128 + SIGTERM);
}

static void *named_thread(void *arg)
{
	int *go = arg;

	prctl(PR_SET_NAME, "spawn-test-thr");
	__atomic_store_n(go, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(go, __ATOMIC_ACQUIRE) != 2)
		usleep(1000);
	return NULL;
}

Test(proc, tasks_and_comm_of_this_process)
{
	pthread_t th;
	int go = 0, *tids, n, i, found = 0;
	char comm[32];
	pid_t tid;

	cr_assert_eq(pthread_create(&th, NULL, named_thread, &go), 0);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		usleep(1000);
	n = proc_tasks(getpid(), &tids);
	cr_assert_geq(n, 2);
	for (i = 0; i < n; i++) {
		cr_assert_eq(proc_comm(getpid(), tids[i], comm, sizeof(comm)),
			     0);
		if (!strcmp(comm, "spawn-test-thr"))
			found++;
		if (tids[i] == getpid())
			found += 10;
	}
	cr_assert_eq(found, 11, "the main thread and the named one");
	free(tids);
	__atomic_store_n(&go, 2, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	tid = 999999999;
	cr_assert_lt(proc_comm(getpid(), tid, comm, sizeof(comm)), 0);
	cr_assert_str_eq(comm, "");
	cr_assert_lt(proc_tasks(999999999, &tids), 0);
}
