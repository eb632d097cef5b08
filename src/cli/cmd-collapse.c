#include "core/compat.h"
#include "cli/cli.h"
#include "core/error.h"

const char cmd_collapse_usage[] = "usage: perfops collapse (not written yet)\n";

int cmd_collapse(int argc UNUSED, char **argv UNUSED)
{
	error("collapse: not written yet");
	return EXIT_FAIL;
}
