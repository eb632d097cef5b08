#include "core/compat.h"
#include "cli/cli.h"
#include "core/error.h"

const char cmd_diff_usage[] = "usage: perfops diff (not written yet)\n";

int cmd_diff(int argc UNUSED, char **argv UNUSED)
{
	error("diff: not written yet");
	return EXIT_FAIL;
}
