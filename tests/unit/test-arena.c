#include "core/compat.h"
#include "core/arena.h"
#include <criterion/criterion.h>

Test(arena, aligned_and_distinct)
{
	struct arena a;
	char *p[1000];
	int i;

	arena_init(&a, 4096);
	for (i = 0; i < 1000; i++) {
		p[i] = arena_alloc(&a, (size_t)(i % 37) + 1);
		cr_assert_eq((uintptr_t)p[i] % _Alignof(max_align_t), 0);
		memset(p[i], i & 0xff, (size_t)(i % 37) + 1);
	}
	for (i = 0; i < 1000; i++)
		cr_assert_eq((unsigned char)p[i][i % 37], (unsigned)(i & 0xff));
	arena_release(&a);
}

Test(arena, big_objects_and_strings)
{
	struct arena a;
	char *small, *big, *s;

	arena_init(&a, 1024);
	small = arena_strdup(&a, "small");
	big = arena_calloc(&a, 100000);
	s = arena_strndup(&a, "abcdef", 3);
	cr_assert_str_eq(small, "small");
	cr_assert_eq(big[99999], 0);
	cr_assert_str_eq(s, "abc");
	cr_assert_geq(a.total, 100000);
	arena_release(&a);
	cr_assert_null(a.head);
}
