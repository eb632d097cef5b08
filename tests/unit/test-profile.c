#include "core/compat.h"
#include "core/strbuf.h"
#include "profile/profile.h"
#include <criterion/criterion.h>

static void add(struct profile *p, const char *folded, int64_t v)
{
	uint32_t f[32];
	size_t n = 0;
	const char *s = folded, *e;

	for (;;) {
		e = strchrnul(s, ';');
		f[n++] = profile_frame(p, s, (size_t)(e - s));
		if (!*e)
			break;
		s = e + 1;
	}
	profile_add(p, 0, f, n, &v);
}

Test(profile, merges_identical_stacks)
{
	struct profile p;

	profile_init(&p, 1);
	add(&p, "main;a;b", 3);
	add(&p, "main;a", 2);
	add(&p, "main;a;b", 4);
	cr_assert_eq(profile_nstacks(&p), 2);
	cr_assert_float_eq(profile_value(&p, 0, 0), 7, 1e-9);
	cr_assert_float_eq(profile_total(&p, 0), 9, 1e-9);
	profile_release(&p);
}

Test(profile, sorted_like_the_folded_text)
{
	/* Byte order of the joined text: "a;b" < "a;b;c" < "a;b_x" because
	 * ';' (0x3b) sorts before '_' (0x5f), and "a!" < "a;z" since
	 * '!' (0x21) < ';'. */
	const char *stacks[] = {"a;b_x", "a;b;c", "a;z", "a!", "a;b", "B"};
	const char *want[] = {"B", "a!", "a;b", "a;b;c", "a;b_x", "a;z"};
	struct strbuf sb = STRBUF_INIT;
	struct profile p;
	uint32_t *order;
	size_t i;

	profile_init(&p, 1);
	for (i = 0; i < ARRAY_SIZE(stacks); i++)
		add(&p, stacks[i], 1);
	order = profile_sorted_stacks(&p);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		strbuf_reset(&sb);
		profile_stack_text(&p, order[i], &sb);
		cr_assert_str_eq(sb.buf, want[i], "position %zu", i);
	}
	free(order);
	strbuf_release(&sb);
	profile_release(&p);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(profile, sorted_like_the_text_with_prefix_names)
{
	/* Stacks up to 12 deep, half of them sharing their first 8 frames,
	 * of names that extend each other with bytes below and above ';'
	 * (' ', ':', '~'), and an empty one: the order must be that of the
	 * joined texts, whatever the names share.  (A name holding a ';'
	 * makes two different stacks print the same text: not tested.) */
	const char *names[] = {"a",  "a:", "a:b",   "ab", "a b",
			       "a~", "b",  "a:b:c", ""};
	enum { N = 400 };
	char *texts[N];
	struct strbuf sb = STRBUF_INIT;
	struct profile p;
	uint32_t *order;
	unsigned seed = 7;
	size_t i, k, n;

	profile_init(&p, 1);
	for (i = 0; i < N; i++) {
		uint32_t f[12];
		size_t d;
		int64_t one = 1;

		seed = seed * 1103515245 + 12345;
		d = 1 + (seed >> 16) % 12;
		for (k = 0; k < d; k++) {
			const char *nm;

			seed = seed * 1103515245 + 12345;
			nm = names[(seed >> 16) % ARRAY_SIZE(names)];
			if (i % 2 && k < 8)
				nm = names[k % 3];
			f[k] = profile_frame(&p, nm, strlen(nm));
		}
		profile_add(&p, 0, f, d, &one);
	}
	n = profile_nstacks(&p);
	for (i = 0; i < n; i++) {
		strbuf_reset(&sb);
		profile_stack_text(&p, (uint32_t)i, &sb);
		texts[i] = xstrdup(sb.buf);
	}
	qsort(texts, n, sizeof(*texts), cmp_str);
	order = profile_sorted_stacks(&p);
	for (i = 0; i < n; i++) {
		strbuf_reset(&sb);
		profile_stack_text(&p, order[i], &sb);
		cr_assert_str_eq(sb.buf, texts[i], "position %zu of %zu", i, n);
	}
	for (i = 0; i < n; i++)
		free(texts[i]);
	free(order);
	strbuf_release(&sb);
	profile_release(&p);
}

Test(profile, threads_keep_stacks_apart)
{
	struct profile p;
	uint32_t f, t1, t2;
	int64_t one = 1;

	profile_init(&p, 1);
	f = profile_frame(&p, "work", 4);
	t1 = profile_thread(&p, 10, 10, "app");
	t2 = profile_thread(&p, 10, 11, "app");
	cr_assert_eq(profile_thread(&p, 10, 11, "app"), t2);
	profile_add(&p, t1, &f, 1, &one);
	profile_add(&p, t2, &f, 1, &one);
	profile_add(&p, t2, &f, 1, &one);
	cr_assert_eq(profile_nstacks(&p), 2);
	cr_assert_eq(profile_stack_thread(&p, 1), t2);
	cr_assert_float_eq(profile_value(&p, 1, 0), 2, 1e-9);
	profile_release(&p);
}

/* Values are exact int64_t; a sum that leaves the range saturates and
 * says so. */
Test(profile, values_are_exact_and_overflow_is_flagged)
{
	struct profile p;

	profile_init(&p, 1);
	add(&p, "a", 9007199254740993LL);
	add(&p, "a", 1);
	cr_assert_eq(profile_value(&p, 0, 0), 9007199254740994LL);
	cr_assert_not(p.overflowed);
	add(&p, "b", INT64_MAX - 9007199254740994LL);
	cr_assert_eq(profile_total(&p, 0), INT64_MAX);
	cr_assert_not(p.overflowed);
	/* The total overflows, not any one stack. */
	add(&p, "c", 1);
	cr_assert(p.overflowed);
	profile_release(&p);
}
