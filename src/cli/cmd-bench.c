#include "core/compat.h"
#include "cli/cli.h"
#include "core/error.h"

const char cmd_bench_usage[] = "usage: perfops bench (not written yet)\n";

int cmd_bench(int argc UNUSED, char **argv UNUSED)
{
	error("bench: not written yet");
	return EXIT_FAIL;
}
