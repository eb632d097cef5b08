#ifndef PERFOPS_HASH_H
#define PERFOPS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A fast non-cryptographic 64-bit hash of a byte string (a wyhash-style
 * multiply-fold over 8-byte words).  Hashing dominates collapse, so it is
 * inline and reads 8 bytes at a time.  Not for adversarial keys' sake:
 * tables resolve collisions by comparing the keys.
 */
static inline uint64_t hash_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t hash_read8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t hash_bytes(const void *data, size_t len)
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
		/* The last 1..7 bytes, little-endian in the low bytes of t.
		 * Read with whole loads (overlapping what was hashed), not a
		 * memcpy() of a variable length, whose byte stores the
		 * following 8-byte load waits for. */
		size_t r = len - i;
		uint64_t t;

		if (len >= 8) {
			t = hash_read8(p + len - 8) >> (8 * (8 - r));
		} else if (r >= 4) {
			uint32_t a, b;

			memcpy(&a, p, 4);
			memcpy(&b, p + r - 4, 4);
			t = a | ((uint64_t)b << (8 * (r - 4)));
		} else {
			t = p[0] | (r > 1 ? (uint64_t)p[1] << 8 : 0) |
			    (r > 2 ? (uint64_t)p[2] << 16 : 0);
		}
		h = hash_mix(t ^ 0x589965cc75374cc3ull,
			     h ^ 0x1d8e4e27c47d124full);
	}
	return hash_mix(h ^ 0xa0761d6478bd642full, 0xe7037ed1a0b428dbull ^ len);
}

#endif
