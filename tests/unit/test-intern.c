#include "core/compat.h"
#include "core/intern.h"
#include <criterion/criterion.h>
#include <signal.h>

Test(intern, dense_ids_in_first_seen_order)
{
	struct intern t;
	int added;

	intern_init(&t);
	cr_assert_eq(intern_add(&t, "b", 1, &added), 0);
	cr_assert_eq(added, 1);
	cr_assert_eq(intern_add(&t, "a", 1, &added), 1);
	cr_assert_eq(intern_add(&t, "b", 1, &added), 0);
	cr_assert_eq(added, 0);
	cr_assert_str_eq(intern_str(&t, 1), "a");
	cr_assert_eq(intern_find(&t, "zz", 2), INTERN_NONE);
	cr_assert_eq(intern_count(&t), 2);
	intern_release(&t);
}

Test(intern, binary_keys_and_rehash)
{
	struct intern t;
	uint32_t key[3], i;

	intern_init(&t);
	for (i = 0; i < 100000; i++) {
		key[0] = i;
		key[1] = 0;
		key[2] = i * 7;
		cr_assert_eq(intern_add(&t, key, sizeof(key), NULL), i);
	}
	for (i = 0; i < 100000; i += 997) {
		key[0] = i;
		key[1] = 0;
		key[2] = i * 7;
		cr_assert_eq(intern_find(&t, key, sizeof(key)), i);
		cr_assert_eq(intern_len(&t, i), sizeof(key));
		cr_assert_eq(memcmp(intern_str(&t, i), key, sizeof(key)), 0);
	}
	/* A prefix of a key is a different key. */
	cr_assert_eq(intern_find(&t, key, 8), INTERN_NONE);
	intern_release(&t);
}

#ifndef NDEBUG
/* An id the table never handed out is a bug caught in debug builds. */
Test(intern, unknown_id_asserts, .signal = SIGABRT)
{
	struct intern t;

	intern_init(&t);
	intern_add(&t, "a", 1, NULL);
	(void)intern_str(&t, 1);
}
#endif
