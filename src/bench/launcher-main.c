/*
 * perfops-launcher: started by `perfops bench` with one end of a socket;
 * starts the benchmarked runs from a process whose written memory is
 * small, so that each run's peak RSS is its own (see bench/launcher.c).
 */
#include "core/compat.h"
#include "bench/bench.h"

int main(int argc, char **argv)
{
	char *end;
	long fd;

	if (argc != 2) {
		fputs("perfops-launcher is started by 'perfops bench'\n",
		      stderr);
		return 2;
	}
	fd = strtol(argv[1], &end, 10);
	if (*end || fd < 0 || fd > INT_MAX)
		return 2;
	return bench_launcher_serve((int)fd);
}
