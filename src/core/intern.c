#include "core/compat.h"
#include "core/intern.h"
#include "core/hash.h"

/* Zeroed by writing (xcalloc_written()): probes read the tables first. */
static uint32_t *zeroed(size_t n)
{
	return xcalloc_written(n, sizeof(uint32_t));
}

void intern_init(struct intern *t)
{
	memset(t, 0, sizeof(*t));
	arena_init(&t->arena, 256 * 1024);
	t->mask = 1023;
	t->slots = zeroed(t->mask + 1);
	t->slot_hash = zeroed(t->mask + 1);
}

void intern_release(struct intern *t)
{
	arena_release(&t->arena);
	free(t->keys);
	free(t->slots);
	free(t->slot_hash);
	memset(t, 0, sizeof(*t));
}

static void rehash(struct intern *t)
{
	size_t nmask = t->mask * 2 + 1, i;
	uint32_t *ns = zeroed(nmask + 1);
	uint32_t *nh = zeroed(nmask + 1);

	for (i = 0; i <= t->mask; i++) {
		size_t j;

		if (!t->slots[i])
			continue;
		j = t->slot_hash[i] & nmask;
		while (ns[j])
			j = (j + 1) & nmask;
		ns[j] = t->slots[i];
		nh[j] = t->slot_hash[i];
	}
	free(t->slots);
	free(t->slot_hash);
	t->slots = ns;
	t->slot_hash = nh;
	t->mask = nmask;
}

static size_t probe(const struct intern *t, const void *key, size_t len,
		    uint32_t h)
{
	size_t i = h & t->mask;

	/* A power-of-two table under half full: the probe always ends at
	 * an empty slot. */
	assert(!(t->mask & (t->mask + 1)));
	assert(t->nr * 2 <= t->mask + 1);
	while (t->slots[i]) {
		if (t->slot_hash[i] == h) {
			const struct intern_key *k = &t->keys[t->slots[i] - 1];

			assert(t->slots[i] <= t->nr);
			if (k->len == len && !memcmp(k->s, key, len))
				return i;
		}
		i = (i + 1) & t->mask;
	}
	return i;
}

uint32_t intern_add_hashed(struct intern *t, const void *key, size_t len,
			   uint64_t hash, int *added)
{
	uint32_t h = (uint32_t)(hash ^ (hash >> 32));
	size_t i = probe(t, key, len, h);

	if (t->slots[i]) {
		if (added)
			*added = 0;
		return t->slots[i] - 1;
	}
	if (len > UINT32_MAX || t->nr >= UINT32_MAX - 1) {
		fprintf(stderr, "perfops: intern table overflow\n");
		abort();
	}
	ALLOC_GROW(t->keys, t->nr + 1, t->alloc);
	t->keys[t->nr].s = arena_strndup(&t->arena, key, len);
	t->keys[t->nr].len = (uint32_t)len;
	t->nr++;
	t->slots[i] = (uint32_t)t->nr;
	t->slot_hash[i] = h;
	if (added)
		*added = 1;
	/* Keep the load factor under 1/2 so probes stay short. */
	if (t->nr * 2 > t->mask)
		rehash(t);
	return (uint32_t)(t->nr - 1);
}

uint32_t intern_add(struct intern *t, const void *key, size_t len, int *added)
{
	return intern_add_hashed(t, key, len, hash_bytes(key, len), added);
}

uint32_t intern_find_hashed(const struct intern *t, const void *key, size_t len,
			    uint64_t hash)
{
	size_t i = probe(t, key, len, (uint32_t)(hash ^ (hash >> 32)));

	return t->slots[i] ? t->slots[i] - 1 : INTERN_NONE;
}

uint32_t intern_find(const struct intern *t, const void *key, size_t len)
{
	return intern_find_hashed(t, key, len, hash_bytes(key, len));
}
