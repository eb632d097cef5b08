#include "core/compat.h"
#include "core/error.h"
#include "profile/folded.h"
#include "profile/read.h"
#include "profile-util.h"
#include <criterion/criterion.h>

static int read_str(struct profile *p, const char *text)
{
	int r;

	error_set_quiet(1);
	r = profile_read_buffer(p, text, strlen(text), "t", NULL);
	error_set_quiet(0);
	return r;
}

Test(folded, one_count_merged_and_sorted)
{
	struct profile p;
	char *out;

	/* Counts are whole numbers: a fraction is rounded half up. */
	cr_assert_eq(read_str(&p, "main;b 2\nmain;a 1.5\r\nmain;b 3\n\n"), 0);
	cr_assert_eq(p.nvalues, 1);
	cr_assert_eq(profile_nstacks(&p), 2);
	cr_assert_eq(profile_total(&p, 0), 7);
	out = folded_string(&p);
	cr_assert_str_eq(out, "main;a 2\nmain;b 5\n");
	free(out);
	profile_release(&p);
}

Test(folded, two_counts_are_before_and_after)
{
	struct profile p;

	cr_assert_eq(read_str(&p, "main;a 10 4\nmain;b 0 7\n"), 0);
	cr_assert_eq(p.nvalues, 2);
	cr_assert(p.flags & PROFILE_DIFFERENTIAL);
	cr_assert_eq(p.main_value, 1);
	cr_assert_float_eq(profile_value(&p, 0, 0), 10, 1e-12);
	cr_assert_float_eq(profile_value(&p, 0, 1), 4, 1e-12);
	cr_assert_float_eq(profile_total(&p, 1), 11, 1e-12);
	profile_release(&p);
}

Test(folded, lines_without_count_are_skipped)
{
	struct profile p;

	cr_assert_eq(read_str(&p, "main;a 1\ngarbage\nmain;b x\nmain;c .5\n"),
		     0);
	cr_assert_eq(profile_nstacks(&p), 1);
	profile_release(&p);
}

Test(folded, empty_is_an_error)
{
	struct profile p;

	cr_assert_eq(read_str(&p, ""), -1);
	cr_assert_eq(profile_nstacks(&p), 0);
	profile_release(&p);
}

Test(folded, value_format)
{
	char buf[64];

	folded_format_value(3003003, buf, sizeof(buf));
	cr_assert_str_eq(buf, "3003003");
	folded_format_value(2.25, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2.25");
	folded_format_value(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0");
	folded_format_value(5005005000.0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "5005005000");
	folded_format_value(-42, buf, sizeof(buf));
	cr_assert_str_eq(buf, "-42");
}

/* Two measures of the same samples write the main one alone. */
Test(folded, two_measures_write_the_main_value)
{
	struct profile p;
	uint32_t f;
	int64_t v[2] = {3, 3000};
	char *out;

	profile_init(&p, 2);
	p.main_value = 1;
	f = profile_frame(&p, "main", 4);
	profile_add(&p, 0, &f, 1, v);
	out = folded_string(&p);
	cr_assert_str_eq(out, "main 3000\n");
	free(out);
	p.main_value = 0;
	out = folded_string(&p);
	cr_assert_str_eq(out, "main 3\n");
	free(out);
	profile_release(&p);
}

/*
 * Two threads of one name with the same stack (a recording without
 * --per-thread) are one line: the text cannot tell them apart.
 */
Test(folded, stacks_of_two_threads_are_one_line)
{
	struct profile p;
	uint32_t f[2], t1, t2;
	int64_t v1[2] = {1, 1000}, v2[2] = {2, 2000}, v3[2] = {4, 4000};
	char *out;

	profile_init(&p, 2);
	p.main_value = 1;
	f[0] = profile_frame(&p, "gzip", 4);
	f[1] = profile_frame(&p, "deflate", 7);
	t1 = profile_thread(&p, 10, 10, "gzip");
	t2 = profile_thread(&p, 11, 11, "gzip");
	profile_add(&p, t1, f, 2, v1);
	profile_add(&p, t2, f, 2, v2);
	profile_add(&p, t2, f, 1, v3);
	cr_assert_eq(profile_nstacks(&p), 3);
	out = folded_string(&p);
	cr_assert_str_eq(out, "gzip 4000\ngzip;deflate 3000\n");
	free(out);
	profile_release(&p);
}

/* Counts are exact 64-bit integers: no rounding through a double. */
Test(folded, counts_are_exact_64_bit_integers)
{
	struct profile p;
	char *out;

	cr_assert_eq(read_str(&p, "a 9007199254740993\n"), 0);
	cr_assert_eq(profile_value(&p, 0, 0), 9007199254740993LL);
	profile_release(&p);
	/* The largest count, reached by a sum. */
	cr_assert_eq(read_str(&p, "b 9223372036854775806\nb 1\n"), 0);
	cr_assert_eq(profile_value(&p, 0, 0), INT64_MAX);
	out = folded_string(&p);
	cr_assert_str_eq(out, "b 9223372036854775807\n");
	free(out);
	profile_release(&p);
}

Test(folded, counts_out_of_range_are_errors)
{
	struct profile p;

	/* 2^63 is one past the largest count; 2^64 wraps a uint64_t. */
	cr_assert_eq(read_str(&p, "a 9223372036854775808\n"), -1);
	profile_release(&p);
	cr_assert_eq(read_str(&p, "a 1\nb 18446744073709551616\n"), -1);
	profile_release(&p);
	/* The sum of two good counts. */
	cr_assert_eq(read_str(&p, "a 9223372036854775000\nb 1000\n"), -1);
	profile_release(&p);
	cr_assert_eq(read_str(&p, "a 1\nb -5\n"), -1);
	profile_release(&p);
	cr_assert_eq(read_str(&p, "a 1 2 3\n"), -1);
	profile_release(&p);
	cr_assert_eq(read_str(&p, "a 0\nb 0\n"), -1);
	profile_release(&p);
}

/* Read text, which must succeed, and compare its folded output. */
static void check_folded(const char *text, const char *want)
{
	struct profile p;
	char *out;

	cr_assert_eq(read_str(&p, text), 0);
	out = folded_string(&p);
	cr_assert_str_eq(out, want);
	free(out);
	profile_release(&p);
}

/* The first line decides the number of counts; a later line with one
 * number more is a name that ends in a number, as in flamegraph.pl. */
Test(folded, name_ending_in_a_number)
{
	check_folded("a;b 1\na;thread 2 5\n", "a;b 1\na;thread 2 5\n");
}

/* A file cut inside its last line: the complete lines are kept. */
Test(folded, truncated_last_line_is_left_out)
{
	check_folded("a;b 3\na;c 2\na;d", "a;b 3\na;c 2\n");
}

/* Add the stack of the folded text s (frames split at ';') in thread t. */
static void add_text(struct profile *p, uint32_t t, const char *s, int64_t v)
{
	uint32_t f[16];
	size_t n = 0;

	for (;;) {
		const char *e = strchrnul(s, ';');

		f[n++] = profile_frame(p, s, (size_t)(e - s));
		if (!*e)
			break;
		s = e + 1;
	}
	profile_add(p, t, f, n, &v);
}

/*
 * Sorted neighbours share their first frames, and each line is written
 * from the text of the one before, cut where the frames part: a stack
 * that is a prefix of the one before, a longer or a shorter name in the
 * same place, an empty name, the same frames in two threads (one line).
 */
Test(folded, lines_share_the_text_of_their_neighbours)
{
	const char *in[] = {"a;bb;c;d", "a;bb;c",    "a;b;c", "a;bbb",
			    "a;bb;;c",	"a;bb;c;dd", "z",     "a;bb"};
	struct profile p;
	uint32_t t1, t2;
	size_t i;
	char *out;

	profile_init(&p, 1);
	t1 = profile_thread(&p, 1, 1, "a");
	t2 = profile_thread(&p, 1, 2, "a");
	for (i = 0; i < ARRAY_SIZE(in); i++)
		add_text(&p, t1, in[i], (int64_t)i + 1);
	add_text(&p, t2, "a;bb;c", 100);
	out = folded_string(&p);
	cr_assert_str_eq(out, "a;b;c 3\n"
			      "a;bb 8\n"
			      "a;bb;;c 5\n"
			      "a;bb;c 102\n"
			      "a;bb;c;d 1\n"
			      "a;bb;c;dd 6\n"
			      "a;bbb 4\n"
			      "z 7\n");
	free(out);
	profile_release(&p);
}

/*
 * A name holding a ';' prints like two frames: "x;y" then "z" and "x"
 * then "y;z" are one text and one line (the texts are compared).
 */
Test(folded, names_with_a_semicolon_compare_by_text)
{
	struct profile p;
	uint32_t f[2];
	int64_t one = 1, two = 2;
	char *out;

	profile_init(&p, 1);
	f[0] = profile_frame(&p, "x;y", 3);
	f[1] = profile_frame(&p, "z", 1);
	profile_add(&p, 0, f, 2, &one);
	f[0] = profile_frame(&p, "x", 1);
	f[1] = profile_frame(&p, "y;z", 3);
	profile_add(&p, 0, f, 2, &two);
	out = folded_string(&p);
	cr_assert_str_eq(out, "x;y;z 3\n");
	free(out);
	profile_release(&p);
}
