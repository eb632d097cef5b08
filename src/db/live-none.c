#include "core/compat.h"
#include "core/error.h"
#include "db/live.h"

/* Built instead of live.c when libpq is missing. */
int live_report(const char *conninfo, const struct live_opts *o, FILE *fp)
{
	(void)conninfo, (void)o, (void)fp;
	error("--db needs libpq; install libpq-dev and rebuild perfops");
	return -2;
}
