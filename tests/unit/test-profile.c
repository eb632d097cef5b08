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

/* A small deterministic pseudo-random sequence for the sort tests. */
static unsigned next_rand(unsigned *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 16;
}

struct sorted_ref {
	char *text;
	uint32_t thread, id;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct sorted_ref *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	if (c)
		return c;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * want stacks up to depth frames deep, three in four sharing their first
 * shared frames, from nn names that extend each other with bytes below
 * and above ';' (' ', ':', '~') and above 0x7f, and an empty one; some
 * stacks again in a second thread.  profile_sorted_stacks() must give
 * the order of (text, thread, id), whatever the names share.  (A name
 * holding a ';' makes two different stacks print the same text: not
 * tested.)
 */
static void check_sorted(size_t want, size_t nn, size_t depth, size_t shared)
{
	const char *base[] = {"a", "a:",    "a:b", "ab",	"a b",	"a~",
			      "b", "a:b:c", "",	   "a\xc3\xa9", "a\x7f"};
	struct sorted_ref *ref = xcalloc(2 * want, sizeof(*ref));
	struct strbuf sb = STRBUF_INIT;
	struct profile p;
	uint32_t *order, threads[2];
	unsigned seed = 11;
	size_t i, k, n;

	profile_init(&p, 1);
	threads[0] = profile_thread(&p, 1, 1, "one");
	threads[1] = profile_thread(&p, 1, 2, "one");
	for (i = 0; i < want; i++) {
		uint32_t f[64];
		size_t d;
		int64_t one = 1;

		d = 1 + next_rand(&seed) % MIN(depth, ARRAY_SIZE(f));
		for (k = 0; k < d; k++) {
			size_t pick;

			pick = next_rand(&seed) % nn;
			if (i % 4 && k < shared)
				pick = k % 3;
			strbuf_reset(&sb);
			strbuf_addstr(&sb, base[pick % ARRAY_SIZE(base)]);
			if (pick >= ARRAY_SIZE(base))
				strbuf_addf(&sb, "%zu", pick);
			f[k] = profile_frame(&p, sb.buf, sb.len);
		}
		profile_add(&p, threads[0], f, d, &one);
		if (i % 5 == 0)
			profile_add(&p, threads[1], f, d, &one);
	}
	n = profile_nstacks(&p);
	for (i = 0; i < n; i++) {
		strbuf_reset(&sb);
		profile_stack_text(&p, (uint32_t)i, &sb);
		ref[i].text = xstrdup(sb.buf);
		ref[i].thread = profile_stack_thread(&p, (uint32_t)i);
		ref[i].id = (uint32_t)i;
	}
	qsort(ref, n, sizeof(*ref), cmp_ref);
	order = profile_sorted_stacks(&p);
	for (i = 0; i < n; i++)
		cr_assert_eq(order[i], ref[i].id, "position %zu of %zu: %s", i,
			     n, ref[i].text);
	for (i = 0; i < n; i++)
		free(ref[i].text);
	free(ref);
	free(order);
	strbuf_release(&sb);
	profile_release(&p);
}

Test(profile, sorted_like_the_text_with_prefix_names)
{
	check_sorted(400, 11, 12, 8);
}

/* Few names, many stacks: the names are ranked (token sort). */
Test(profile, sorted_deep_stacks_of_few_names)
{
	check_sorted(3000, 20, 40, 30);
}

/* More names than twice the stacks: compared by their bytes. */
Test(profile, sorted_deep_stacks_of_many_names)
{
	check_sorted(300, 100000, 40, 30);
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

/*
 * A thread that renames itself (prctl, pthread_setname_np) or execs is a
 * new profile thread under its new name, as its folded root frame and
 * perf report --sort comm tell the two apart.
 */
Test(profile, a_renamed_thread_is_a_new_thread)
{
	struct profile p;
	struct strbuf sb = STRBUF_INIT;
	uint32_t t1, t2;

	profile_init(&p, 1);
	t1 = profile_thread(&p, 10, 11, "boss");
	t2 = profile_thread(&p, 10, 11, "worker-2");
	cr_assert_neq(t1, t2);
	cr_assert_eq(profile_thread(&p, 10, 11, "boss"), t1);
	cr_assert_eq(profile_thread(&p, 10, 11, "worker-2"), t2);
	profile_thread_name(&p, t2, &sb);
	cr_assert_str_eq(sb.buf, "worker-2-10/11");
	strbuf_release(&sb);
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
