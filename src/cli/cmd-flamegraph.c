#include "core/compat.h"
#include "cli/cli.h"
#include "core/error.h"

const char cmd_flamegraph_usage[] = "usage: perfops flamegraph (not written yet)\n";

int cmd_flamegraph(int argc UNUSED, char **argv UNUSED)
{
	error("flamegraph: not written yet");
	return EXIT_FAIL;
}
