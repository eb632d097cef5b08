#include "core/compat.h"
#include "db/pqdl.h"
#include "core/error.h"
#include <dlfcn.h>

struct pqdl pqdl;

/* The soname the build linked against (libpq's ABI has been 5 since 8.x). */
#define PQDL_SONAME "libpq.so.5"

int pqdl_load(void)
{
	static int state; /* 0 not tried, 1 loaded, -1 failed */
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
	void (**slot)(void) = (void (**)(void))(void *)&pqdl;
	void *h;
	size_t i;

	_Static_assert(sizeof(pqdl) == sizeof(names) / sizeof(names[0]) *
					   sizeof(void (*)(void)),
		       "one name per entry of struct pqdl");
	if (state)
		return state > 0 ? 0 : -2;
	state = -1;
	h = dlopen(PQDL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		error("--db needs libpq: cannot load %s (%s); install libpq5",
		      PQDL_SONAME, dlerror());
		return -2;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *f = dlsym(h, names[i]);

		if (!f) {
			error("--db needs libpq: %s has no %s; install a "
			      "libpq5 of PostgreSQL 9.1 or later",
			      PQDL_SONAME, names[i]);
			dlclose(h);
			return -2;
		}
		memcpy(&slot[i], &f, sizeof(f));
	}
	state = 1;
	return 0;
}
