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
	/* Start each stack, after its thread, at the first entry frame
	 * from the leaf (profile_is_root_frame()), as perfops record does,
	 * so that stacks which differ only above the program's entry pair
	 * (perf's DWARF unwind goes on to _start). */
	DIFF_FROM_ENTRY = 1 << 2,
};

/*
 * Build in out (initialised here; the caller releases it) the two-value
 * profile of before and after, both read with value 0.
 */
void profile_diff(struct profile *out, const struct profile *before,
		  const struct profile *after, unsigned flags);

#endif
