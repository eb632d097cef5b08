#include "core/compat.h"
#include "core/error.h"
#include "db/pq.h"

/* Built instead of pq.c when libpq is missing. */
int db_explain(const char *conninfo, const char *sql, unsigned flags,
	       struct strbuf *out)
{
	(void)conninfo, (void)sql, (void)flags, (void)out;
	error("--db needs libpq; install libpq-dev and rebuild perfops");
	return -2;
}
