#ifndef PERFOPS_INTERN_H
#define PERFOPS_INTERN_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"

/*
 * An intern table: maps byte strings to dense ids 0, 1, 2, ... in the order
 * they were first seen, and ids back to the bytes.  Keys may hold any bytes
 * (a stack is interned as its array of frame ids).  The table owns copies
 * of every key (in its arena, NUL-terminated); intern_release() frees them.
 */
struct intern_key {
	const char *s;
	uint32_t len;
};

struct intern {
	struct arena arena;
	struct intern_key *keys; /* by id */
	size_t nr, alloc;
	/* Open addressing: slot = id + 1 (0 = empty); hashes kept alongside. */
	uint32_t *slots;
	uint32_t *slot_hash;
	size_t mask;
};

#define INTERN_NONE UINT32_MAX

void intern_init(struct intern *t);
void intern_release(struct intern *t);
/* The id of the key, adding it if new; *added (if not NULL) says which. */
uint32_t intern_add(struct intern *t, const void *key, size_t len, int *added);
/* Like intern_add() with a hash the caller computed with hash_bytes(). */
uint32_t intern_add_hashed(struct intern *t, const void *key, size_t len,
			   uint64_t hash, int *added);
/* The id of the key, or INTERN_NONE. */
uint32_t intern_find(const struct intern *t, const void *key, size_t len);
uint32_t intern_find_hashed(const struct intern *t, const void *key, size_t len,
			    uint64_t hash);
static inline const char *intern_str(const struct intern *t, uint32_t id)
{
	assert(id < t->nr);
	return t->keys[id].s;
}
static inline size_t intern_len(const struct intern *t, uint32_t id)
{
	assert(id < t->nr);
	return t->keys[id].len;
}
static inline size_t intern_count(const struct intern *t)
{
	return t->nr;
}

#endif
