#ifndef PERFOPS_LINECACHE_H
#define PERFOPS_LINECACHE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/arena.h"
#include "core/hash.h"
#if defined(__SSE2__) && defined(__x86_64__) &&                                \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <emmintrin.h>
#define HAVE_LINECACHE_SCAN 1
#endif

/*
 * A bounded cache from byte strings (the text of a frame line, or what
 * decides its frames) to the short array of frame ids they collapse to.
 * Each entry holds its key and its frames together, so a hit costs one
 * look at the table and one at the entry.  Past its byte budget the cache
 * empties itself before the next insertion: it is a cache, what it forgets
 * is computed again.  The cache owns its keys and arrays; a pointer it
 * returns is valid until the next linecache_add() or linecache_release().
 */
/* The frames, then the key bytes (frames first keeps them aligned). */
struct linecache_entry {
	uint32_t len, n;
	uint32_t frames[];
};

struct linecache_slot {
	uint64_t hash;
	const struct linecache_entry *e; /* NULL: empty */
};

struct linecache {
	struct arena arena;
	struct linecache_slot *slots;
	size_t mask, nr;
	size_t bytes, max_bytes; /* about, with the table's share */
};

void linecache_init(struct linecache *lc, size_t max_bytes);
void linecache_release(struct linecache *lc);

/*
 * The hash of a key for these tables: its 16-byte blocks, then its last
 * 0 to 15 bytes padded with zeros, and its length.  Defined by blocks so
 * that linecache_scan() can compute it while it looks for the end of a
 * line.  (Not hash_bytes(), whose values show in colours and
 * fingerprints.)
 */
#define LINECACHE_SEED 0x9e3779b97f4a7c15ull

static inline uint64_t linecache_block(uint64_t h, uint64_t lo, uint64_t hi)
{
	return hash_mix(lo ^ 0xa0761d6478bd642full ^ h,
			hi ^ 0xe7037ed1a0b428dbull);
}

static inline uint64_t linecache_last(uint64_t h, uint64_t lo, uint64_t hi,
				      size_t len)
{
	h = hash_mix(lo ^ 0x589965cc75374cc3ull ^ h,
		     hi ^ 0x1d8e4e27c47d124full);
	return hash_mix(h ^ 0x8ebc6af09c88c6e3ull, 0xe7037ed1a0b428dbull ^ len);
}

static inline uint64_t linecache_hash(const char *key, size_t len)
{
	uint64_t h = LINECACHE_SEED, lo, hi;
	char t[16] = {0};
	size_t i = 0;

	for (; i + 16 <= len; i += 16) {
		memcpy(&lo, key + i, 8);
		memcpy(&hi, key + i + 8, 8);
		h = linecache_block(h, lo, hi);
	}
	memcpy(t, key + i, len - i);
	memcpy(&lo, t, 8);
	memcpy(&hi, t + 8, 8);
	return linecache_last(h, lo, hi, len);
}

#ifdef HAVE_LINECACHE_SCAN
/*
 * Find the newline that ends the key starting at p and hash the key on
 * the way, as linecache_hash() does: a 16-byte block without a newline
 * is hashed whole, the block with it is cut there.  Reads at most max
 * bytes from p, in whole blocks; returns 0 when those hold no newline.
 */
static inline int linecache_scan(const char *p, size_t max, size_t *len,
				 uint64_t *hash)
{
	const __m128i nl = _mm_set1_epi8('\n');
	const __m128i idx =
	    _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	uint64_t h = LINECACHE_SEED;
	size_t i;

	for (i = 0; i + 16 <= max; i += 16) {
		__m128i v =
		    _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
		uint64_t lo, hi;

		if (m) {
			unsigned k = (unsigned)__builtin_ctz(m);

			v = _mm_and_si128(
			    v, _mm_cmplt_epi8(idx, _mm_set1_epi8((char)k)));
			lo = (uint64_t)_mm_cvtsi128_si64(v);
			hi = (uint64_t)_mm_cvtsi128_si64(
			    _mm_unpackhi_epi64(v, v));
			*len = i + k;
			*hash = linecache_last(h, lo, hi, i + k);
			return 1;
		}
		lo = (uint64_t)_mm_cvtsi128_si64(v);
		hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
		h = linecache_block(h, lo, hi);
	}
	return 0;
}
#endif

/* The frames cached for key (hash from linecache_hash()) and their number
 * in *n, or NULL.  Inline: collapse calls it for every frame line. */
static inline const uint32_t *linecache_find(const struct linecache *lc,
					     const char *key, size_t len,
					     uint64_t hash, uint32_t *n)
{
	size_t i = hash & lc->mask;
	const struct linecache_slot *s;

	for (; (s = &lc->slots[i])->e; i = (i + 1) & lc->mask) {
		if (s->hash == hash && s->e->len == len &&
		    !memcmp(s->e->frames + s->e->n, key, len)) {
			*n = s->e->n;
			return s->e->frames;
		}
	}
	return NULL;
}

/* Cache n frames for key, which must not be cached yet; returns the
 * cached copy. */
const uint32_t *linecache_add(struct linecache *lc, const char *key, size_t len,
			      uint64_t hash, const uint32_t *frames,
			      uint32_t n);

#endif
