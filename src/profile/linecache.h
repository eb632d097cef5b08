#ifndef PERFOPS_LINECACHE_H
#define PERFOPS_LINECACHE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/arena.h"

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

/* The frames cached for key (hash from hash_bytes()) and their number in
 * *n, or NULL.  Inline: collapse calls it for every frame line. */
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
