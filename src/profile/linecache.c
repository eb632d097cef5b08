#include "core/compat.h"
#include "profile/linecache.h"

#define LINECACHE_MIN_SLOTS 1024

/* Zeroed by writing (xcalloc_written()): lookups read the slots before
 * insertions write them. */
static void slots_alloc(struct linecache *lc, size_t nslots)
{
	lc->slots = xcalloc_written(nslots, sizeof(*lc->slots));
	lc->mask = nslots - 1;
}

void linecache_init(struct linecache *lc, size_t max_bytes)
{
	memset(lc, 0, sizeof(*lc));
	arena_init(&lc->arena, 64 * 1024);
	slots_alloc(lc, LINECACHE_MIN_SLOTS);
	lc->max_bytes = max_bytes;
}

void linecache_release(struct linecache *lc)
{
	arena_release(&lc->arena);
	free(lc->slots);
	memset(lc, 0, sizeof(*lc));
}

static void grow(struct linecache *lc)
{
	struct linecache_slot *old = lc->slots;
	size_t oldn = lc->mask + 1, i;

	slots_alloc(lc, oldn * 2);
	for (i = 0; i < oldn; i++) {
		size_t j;

		if (!old[i].e)
			continue;
		for (j = old[i].hash & lc->mask; lc->slots[j].e;
		     j = (j + 1) & lc->mask)
			;
		lc->slots[j] = old[i];
	}
	free(old);
}

const uint32_t *linecache_add(struct linecache *lc, const char *key, size_t len,
			      uint64_t hash, const uint32_t *frames, uint32_t n)
{
	struct linecache_entry *e;
	size_t size = sizeof(*e) + (size_t)n * sizeof(uint32_t) + len, i;

	if (lc->bytes > lc->max_bytes) {
		size_t max = lc->max_bytes;

		linecache_release(lc);
		linecache_init(lc, max);
	}
	e = arena_alloc(&lc->arena, size);
	e->len = (uint32_t)len;
	e->n = n;
	if (n)
		memcpy(e->frames, frames, (size_t)n * sizeof(uint32_t));
	memcpy(e->frames + n, key, len);
	for (i = hash & lc->mask; lc->slots[i].e; i = (i + 1) & lc->mask)
		;
	lc->slots[i].hash = hash;
	lc->slots[i].e = e;
	/* The entry rounded by the arena, and two slots at half load. */
	lc->bytes += ((size + 15) & ~(size_t)15) + 2 * sizeof(*lc->slots);
	if (++lc->nr * 2 > lc->mask)
		grow(lc);
	return e->frames;
}
