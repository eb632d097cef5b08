#include "core/compat.h"
#include "core/hash.h"
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

/* hash_bytes() as first written: the tail copied into a zeroed word. */
static uint64_t hash_reference(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	size_t i = 0;

	for (; i + 16 <= len; i += 16)
		h = hash_mix(hash_read8(p + i) ^ 0xa0761d6478bd642full ^ h,
			     hash_read8(p + i + 8) ^ 0xe7037ed1a0b428dbull);
	if (i + 8 <= len) {
		h = hash_mix(hash_read8(p + i) ^ 0xa0761d6478bd642full,
			     h ^ 0x8ebc6af09c88c6e3ull);
		i += 8;
	}
	if (i < len) {
		uint64_t t = 0;

		memcpy(&t, p + i, len - i);
		h = hash_mix(t ^ 0x589965cc75374cc3ull,
			     h ^ 0x1d8e4e27c47d124full);
	}
	return hash_mix(h ^ 0xa0761d6478bd642full, 0xe7037ed1a0b428dbull ^ len);
}

Test(hash, tail_reads_give_the_same_hash)
{
	/* The tail is read with whole loads now; flame graph colours come
	 * from these hashes, so they must not change.  Every length and
	 * alignment, each tail byte taking part. */
	unsigned char buf[96];
	size_t off, len, k;

	for (k = 0; k < sizeof(buf); k++)
		buf[k] = (unsigned char)(k * 37 + 11);
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= sizeof(buf); len++) {
			cr_assert_eq(hash_bytes(buf + off, len),
				     hash_reference(buf + off, len),
				     "len %zu at %zu", len, off);
			if (len) {
				buf[off + len - 1] ^= 1;
				cr_assert_eq(hash_bytes(buf + off, len),
					     hash_reference(buf + off, len));
				buf[off + len - 1] ^= 1;
			}
		}
}
