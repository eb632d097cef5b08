#include "core/compat.h"
#include "core/error.h"
#include "profile/diff.h"
#include "profile/folded.h"
#include "profile/read.h"
#include "profile-util.h"
#include <criterion/criterion.h>

static void load(struct profile *p, const char *text)
{
	cr_assert_eq(profile_read_buffer(p, text, strlen(text), "t", NULL), 0);
}

/*
 * Before: main;a 60, main;b 40 (total 100).
 * After:  main;a 30, main;c 90 (total 120).
 * Plain diff: a 60 30, b 40 0, c 0 90.
 * Normalised: before scaled by 120/100 = 1.2 and truncated:
 *   a int(60 * 1.2) = 72, b int(40 * 1.2) = 48, c 0.
 */
Test(diff, plain_and_normalized)
{
	struct profile a, b, d;
	char *out;

	load(&a, "main;a 60\nmain;b 40\n");
	load(&b, "main;a 30\nmain;c 90\n");
	profile_diff(&d, &a, &b, 0);
	out = folded_string(&d);
	cr_assert_str_eq(out, "main;a 60 30\nmain;b 40 0\nmain;c 0 90\n");
	free(out);
	profile_release(&d);

	profile_diff(&d, &a, &b, DIFF_NORMALIZE);
	out = folded_string(&d);
	cr_assert_str_eq(out, "main;a 72 30\nmain;b 48 0\nmain;c 0 90\n");
	cr_assert_float_eq(profile_total(&d, 0), 120, 1e-9);
	free(out);
	profile_release(&d);
	profile_release(&a);
	profile_release(&b);
}

/* Truncation as difffolded.pl's int(): 1 * 2/3 -> 0, 2 * 2/3 -> 1. */
Test(diff, normalize_truncates)
{
	struct profile a, b, d;
	char *out;

	load(&a, "x 1\ny 2\n");
	load(&b, "x 2\n");
	profile_diff(&d, &a, &b, DIFF_NORMALIZE);
	out = folded_string(&d);
	cr_assert_str_eq(out, "x 0 2\ny 1 0\n");
	free(out);
	profile_release(&d);
	profile_release(&a);
	profile_release(&b);
}

Test(diff, strip_hex_merges_addresses)
{
	struct profile a, b, d;
	char *out;

	load(&a, "main;lambda_0x7f00ab 5\n");
	load(&b, "main;lambda_0x7f11cd 8\n");
	profile_diff(&d, &a, &b, DIFF_STRIP_HEX);
	out = folded_string(&d);
	cr_assert_str_eq(out, "main;lambda_0x... 5 8\n");
	free(out);
	profile_release(&d);
	profile_release(&a);
	profile_release(&b);
}
