#include "core/compat.h"
#include "sys/proc.h"
#include <dirent.h>

int proc_tasks(int pid, int **tids)
{
	char path[64];
	struct dirent *de;
	size_t n = 0, alloc = 0;
	DIR *dir;

	*tids = NULL;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		long tid = strtol(de->d_name, NULL, 10);

		if (tid <= 0 || tid > INT_MAX)
			continue;
		ALLOC_GROW(*tids, n + 1, alloc);
		(*tids)[n++] = (int)tid;
	}
	closedir(dir);
	return (int)n;
}

int proc_comm(int pid, int tid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd, e;

	if (!size)
		return -EINVAL;
	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	e = errno;
	close(fd);
	if (n < 0) {
		buf[0] = '\0';
		return -e;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}
