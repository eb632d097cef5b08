#ifndef PERFOPS_TEST_PROFILE_UTIL_H
#define PERFOPS_TEST_PROFILE_UTIL_H

/* Helpers shared by the unit tests of the profile readers and writers. */
#include "core/compat.h"
#include "profile/folded.h"

/* The folded text of p, as folded_write() prints it; the caller frees. */
static inline char *folded_string(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	folded_write(p, fp);
	fclose(fp);
	return buf;
}

#endif
