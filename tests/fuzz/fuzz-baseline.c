/* libFuzzer target: perfops/hyperfine JSON exports read as a baseline. */
#include "core/compat.h"
#include "bench/bench.h"
#include "core/error.h"
#include <sys/mman.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char name[] = "sleep 0.02", cmdline[] = "sleep 0.02";
	struct bench_baseline base;
	struct bench_cmd cmd;
	struct bench b;
	char path[64];
	int fd;

	/* The reader takes a path: hand it the input through a memfd. */
	fd = memfd_create("baseline", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&b, 0, sizeof(b));
	memset(&cmd, 0, sizeof(cmd));
	cmd.name = name;
	cmd.cmdline = cmdline;
	b.cmds = &cmd;
	b.nr_cmds = 1;
	error_set_quiet(1);
	bench_baseline_read(&base, path, &b);
	bench_baseline_release(&base);
	close(fd);
	return 0;
}
