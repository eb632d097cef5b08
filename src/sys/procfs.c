#include "core/compat.h"
#include "sys/procfs.h"
#include "sys/proc.h"
#include "sys/spawn.h"
#include <dirent.h>
#include <time.h>

/*
 * Read a small /proc file into buf (NUL-terminated) with one open and one
 * read, which is all procfs needs for the files read here; stdio would
 * only add a copy.  Returns the length or a negative errno.
 */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)len < size - 1) {
		n = read(fd, buf + len, size - 1 - (size_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return e == ESRCH ? -ENOENT : -e;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

static int is_pid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * The fields of a stat line after "(comm)": the name may hold spaces and
 * parentheses, so it ends at the last ')'.  fields[0] is the state
 * (field 3 of proc(5)); returns how many fields were split.
 */
static int split_stat(char *buf, char *comm, size_t comm_size, char **fields,
		      int max)
{
	char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *p;
	int n = 0;

	if (!open || !close || close < open)
		return 0;
	snprintf(comm, comm_size, "%.*s", (int)(close - open - 1), open + 1);
	p = close + 1;
	while (n < max) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		fields[n++] = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static uint64_t u64(const char *s)
{
	return strtoull(s, NULL, 10);
}

/* The value after "key:" in a status-like file, or 0. */
static uint64_t status_field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static int read_thread(pid_t pid, pid_t tid, struct proc_thread *t)
{
	char path[96], buf[2048], *f[4];
	double before;
	ssize_t len;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if ((len = read_small(path, buf, sizeof(buf))) < 0)
		return (int)len;
	if (split_stat(buf, t->comm, sizeof(t->comm), f, 1) < 1)
		return -EINVAL;
	t->state = f[0][0];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	before = sys_now();
	if (read_small(path, buf, sizeof(buf)) > 0) {
		char *end;

		t->run_ns = strtoull(buf, &end, 10);
		t->wait_ns = strtoull(end, NULL, 10);
		/* The counters are as of some moment during the read. */
		t->when = (before + sys_now()) / 2;
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		t->vcsw = status_field(buf, "\nvoluntary_ctxt_switches:");
		t->ivcsw = status_field(buf, "\nnonvoluntary_ctxt_switches:");
	}
	/* A runnable thread that has not run since its wakeup still shows
	 * where it slept (a lock handed over to it, say). */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
	if (read_small(path, buf, sizeof(buf)) > 0 && strcmp(buf, "0"))
		snprintf(t->wchan, sizeof(t->wchan), "%.31s", buf);
	return 0;
}

int procfs_read_threads(pid_t pid, struct proc_thread **v, size_t *n,
			size_t *alloc)
{
	int *tids, ntids, i;

	ntids = proc_tasks(pid, &tids);
	if (ntids < 0)
		return ntids == -ESRCH ? -ENOENT : ntids;
	for (i = 0; i < ntids; i++) {
		ALLOC_GROW(*v, *n + 1, *alloc);
		if (!read_thread(pid, tids[i], &(*v)[*n]))
			(*n)++;
	}
	free(tids);
	return 0;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if (!(d = opendir(path)))
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static long fd_limit(pid_t pid)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	if (read_small(path, buf, sizeof(buf)) < 0 ||
	    !(p = strstr(buf, "Max open files")))
		return -1;
	p += strlen("Max open files");
	while (*p == ' ')
		p++;
	return isdigit((unsigned char)*p) ? atol(p) : -1;
}

int procfs_read_process(pid_t pid, struct proc_counters *c, unsigned flags)
{
	char path[64], buf[4096], *f[24];
	ssize_t len;

	memset(c, 0, sizeof(*c));
	c->nfds = -1;
	c->fd_limit = -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((len = read_small(path, buf, sizeof(buf))) < 0)
		return (int)len;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime prio nice threads itreal start */
	if (split_stat(buf, c->comm, sizeof(c->comm), f, 20) < 20)
		return -EINVAL;
	if (f[0][0] == 'Z')
		return -ENOENT;
	c->ppid = (pid_t)atol(f[1]);
	c->minflt = u64(f[7]);
	c->majflt = u64(f[9]);
	c->start_ticks = u64(f[19]);
	c->cpu_ticks = u64(f[11]) + u64(f[12]);
	c->children_ticks = u64(f[13]) + u64(f[14]);
	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		char *end;

		strtoull(buf, &end, 10);
		c->rss =
		    strtoull(end, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE);
	}
	snprintf(path, sizeof(path), "/proc/%d/io", pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		c->io_ok = 1;
		c->rchar = status_field(buf, "rchar:");
		c->wchar = status_field(buf, "wchar:");
		c->syscr = status_field(buf, "syscr:");
		c->syscw = status_field(buf, "syscw:");
		c->read_bytes = status_field(buf, "\nread_bytes:");
		c->write_bytes = status_field(buf, "\nwrite_bytes:");
	}
	if (flags & PROCFS_PSS) {
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
		if (read_small(path, buf, sizeof(buf)) > 0)
			c->pss = status_field(buf, "\nPss:") * 1024;
	}
	if (flags & PROCFS_FDS) {
		c->nfds = count_fds(pid);
		c->fd_limit = fd_limit(pid);
	}
	return 0;
}

int procfs_descendants(pid_t root, pid_t **v, size_t *n, size_t *alloc)
{
	struct {
		pid_t pid, ppid;
	} *all = NULL;
	size_t nall = 0, aall = 0, i, from = *n;
	struct dirent *de;
	DIR *d = opendir("/proc");
	int found = 0, grew;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[64], buf[512], comm[16], *f[2];

		if (!is_pid_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/stat", de->d_name);
		if (read_small(path, buf, sizeof(buf)) < 0 ||
		    split_stat(buf, comm, sizeof(comm), f, 2) < 2)
			continue;
		ALLOC_GROW(all, nall + 1, aall);
		all[nall].pid = (pid_t)atol(de->d_name);
		all[nall++].ppid = (pid_t)atol(f[1]);
	}
	closedir(d);
	/* Each pass adopts the children of those found so far. */
	do {
		grew = 0;
		for (i = 0; i < nall; i++) {
			size_t j;
			int parent = all[i].ppid == root;

			if (!all[i].pid)
				continue;
			for (j = from; !parent && j < *n; j++)
				parent = all[i].ppid == (*v)[j];
			if (!parent)
				continue;
			ALLOC_GROW(*v, *n + 1, *alloc);
			(*v)[(*n)++] = all[i].pid;
			all[i].pid = 0;
			found++;
			grew = 1;
		}
	} while (grew);
	free(all);
	return found;
}

int procfs_parse_psi_line(const char *line, struct proc_psi *p)
{
	const char *a = strstr(line, "avg10="), *t = strstr(line, "total=");
	int full;

	if (!strncmp(line, "some ", 5))
		full = 0;
	else if (!strncmp(line, "full ", 5))
		full = 1;
	else
		return -1;
	if (!a || !t)
		return -1;
	if (full) {
		p->full10 = strtod(a + 6, NULL);
		p->full_us = strtoull(t + 6, NULL, 10);
	} else {
		p->some10 = strtod(a + 6, NULL);
		p->some_us = strtoull(t + 6, NULL, 10);
	}
	p->ok = 1;
	return 0;
}

static void read_psi(const char *path, struct proc_psi *p)
{
	char buf[512], *line, *save = NULL;

	memset(p, 0, sizeof(*p));
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		procfs_parse_psi_line(line, p);
}

int procfs_read_system(struct sys_counters *s)
{
	char buf[8192], *p;
	ssize_t len;
	int i;

	memset(s, 0, sizeof(*s));
	if ((len = read_small("/proc/stat", buf, sizeof(buf))) < 0)
		return (int)len;
	if (strncmp(buf, "cpu ", 4))
		return -EINVAL;
	p = buf + 4;
	for (i = 0; i < 8; i++)
		s->cpu[i] = strtoull(p, &p, 10);
	s->procs_running = (int)status_field(buf, "\nprocs_running");
	s->procs_blocked = (int)status_field(buf, "\nprocs_blocked");
	if (read_small("/proc/loadavg", buf, sizeof(buf)) > 0)
		sscanf(buf, "%lf %lf %lf", &s->load[0], &s->load[1],
		       &s->load[2]);
	if (read_small("/proc/meminfo", buf, sizeof(buf)) > 0) {
		s->mem_total = status_field(buf, "MemTotal:") * 1024;
		s->mem_avail = status_field(buf, "MemAvailable:") * 1024;
	}
	read_psi("/proc/pressure/cpu", &s->psi_cpu);
	read_psi("/proc/pressure/memory", &s->psi_mem);
	read_psi("/proc/pressure/io", &s->psi_io);
	return 0;
}

char **procfs_cmdline(pid_t pid)
{
	char path[64], buf[8192], **argv = NULL;
	ssize_t len, i = 0;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((len = read_small(path, buf, sizeof(buf))) <= 0)
		return NULL;
	while (i < len) {
		argv = xrealloc(argv, (n + 2) * sizeof(*argv));
		argv[n++] = xstrdup(buf + i);
		i += (ssize_t)strlen(buf + i) + 1;
	}
	argv[n] = NULL;
	return argv;
}
