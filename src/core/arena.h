#ifndef PERFOPS_ARENA_H
#define PERFOPS_ARENA_H

#include <stddef.h>

/*
 * A bump allocator for many small objects that die together (interned
 * strings, tree nodes).  The arena owns every block it hands out;
 * arena_release() frees them all at once, and nothing is freed singly.
 */
struct arena_block;
struct arena {
	struct arena_block *head;
	size_t block_size;
	size_t total; /* bytes handed out, for statistics */
};

#define ARENA_INIT                                                             \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void arena_init(struct arena *a, size_t block_size);
/* Memory aligned for any type; never NULL. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_calloc(struct arena *a, size_t size);
/* Copy len bytes and add a terminating NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
void arena_release(struct arena *a);

#endif
