#include "core/compat.h"
#include "core/vec.h"
#include <criterion/criterion.h>
#include <signal.h>

Test(vec, push_grow_release)
{
	VEC(int) v = VEC_INIT;
	int i;

	for (i = 0; i < 10000; i++)
		VEC_PUSH(&v, i * 3);
	cr_assert_eq(v.len, 10000);
	cr_assert_geq(v.alloc, v.len);
	for (i = 0; i < 10000; i++)
		cr_assert_eq(v.v[i], i * 3);
	cr_assert_eq(VEC_LAST(&v), 29997);
	VEC_RELEASE(&v);
	cr_assert_null(v.v);
	cr_assert_eq(v.len, 0);
}

Test(vec, struct_items)
{
	struct pt {
		double x, y;
	};
	VEC(struct pt) v = VEC_INIT;
	struct pt a = {1.5, -2};

	VEC_PUSH(&v, a);
	VEC_GROW(&v, 100);
	cr_assert_geq(v.alloc, 100);
	cr_assert_eq(v.len, 1);
	cr_assert_eq(v.v[0].y, -2);
	VEC_RELEASE(&v);
}

#ifndef NDEBUG
Test(vec, at_out_of_bounds_asserts, .signal = SIGABRT)
{
	VEC(int) v = VEC_INIT;

	VEC_PUSH(&v, 1);
	cr_assert_eq(VEC_AT(&v, 0), 1);
	(void)VEC_AT(&v, 1);
}

Test(vec, last_of_empty_asserts, .signal = SIGABRT)
{
	VEC(int) v = VEC_INIT;

	(void)VEC_LAST(&v);
}
#endif
