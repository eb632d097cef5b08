#ifndef PERFOPS_CORE_DLSYMS_H
#define PERFOPS_CORE_DLSYMS_H

#include <stddef.h>

/*
 * Fill a table of function pointers (a struct of them, in the order of
 * names, size bytes) from the shared library soname, opened with dlopen()
 * on the first call; *state remembers the outcome for the next calls.
 * For the libraries only one command needs (libpq, OpenSSL), whose
 * loading every run of every command would otherwise pay.  Returns 0, or
 * -1 (after an error naming the library and what to install, pkg, the
 * first time).
 */
int dl_table(int *state, const char *soname, const char *const *names,
	     void *table, size_t size, const char *pkg);

#endif
