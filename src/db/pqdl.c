#include "core/compat.h"
#include "db/pqdl.h"
#include "core/dlsyms.h"

struct pqdl pqdl;

int pqdl_load(void)
{
	static int state;
	static const char *const names[] = {
	    "PQconnectdb",
	    "PQstatus",
	    "PQerrorMessage",
	    "PQfinish",
	    "PQserverVersion",
	    "PQparameterStatus",
	    "PQdb",
	    "PQexec",
	    "PQexecParams",
	    "PQresultStatus",
	    "PQresultErrorMessage",
	    "PQresultErrorField",
	    "PQntuples",
	    "PQgetvalue",
	    "PQgetisnull",
	    "PQclear",
	};

	_Static_assert(sizeof(pqdl) == sizeof(names), "a name per entry");
	/* libpq's ABI has been libpq.so.5 since PostgreSQL 8.0. */
	return dl_table(&state, "libpq.so.5", names, &pqdl, sizeof(pqdl),
			"libpq5 (--db needs it)")
		   ? -2
		   : 0;
}
