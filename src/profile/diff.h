#ifndef PERFOPS_PROFILE_DIFF_H
#define PERFOPS_PROFILE_DIFF_H

#include "profile/profile.h"

/*
 * Differential profiles, as FlameGraph's difffolded.pl builds them: every
 * stack of either input with two values, (before, after), which flame
 * graphs draw with the width of "after" and a colour from the change.
 */
enum diff_flags {
	/* Scale "before" to the total of "after" (difffolded.pl -n). */
	DIFF_NORMALIZE = 1 << 0,
	/* Replace hex numbers in frame names by "0x..." (-s), so that the
	 * same function at another address matches. */
	DIFF_STRIP_HEX = 1 << 1,
};

/*
 * Build in out (initialised here; the caller releases it) the two-value
 * profile of before and after, both read with value 0.
 */
void profile_diff(struct profile *out, const struct profile *before,
		  const struct profile *after, unsigned flags);

#endif
